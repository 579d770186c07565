-- Analytics: the marts as tables refreshed by period, the ledger of mart refreshes, budget targets,
-- and the macros every query shares (period bounds, growth, the disclosure rule).

-- The old marts were rebuilt whole by `create or replace`; from here on they are refreshed by period.
drop table if exists mart_revenue;
drop table if exists mart_relief;

-- Revenue by month, county, tax, industry section and taxpayer size. `taxpayers` and `largest_amount`
-- (the largest single taxpayer's amount in the cell) let queries apply disclosure control.
create table mart_revenue (
  period          date not null,
  city_code       varchar,
  region_code     varchar not null,
  region_group    varchar,
  in_jurisdiction boolean not null,
  tax_code        varchar not null,
  is_tax          boolean not null,
  section_code    varchar not null,
  size_code       varchar not null,
  amount          decimal(18,2) not null,
  taxpayers       integer not null,
  largest_amount  decimal(18,2) not null
);

-- The same at city grain (counties summed; a month and tax's taxpayer count stays exact): what most queries read.
create table mart_revenue_city (
  period          date not null,
  city_code       varchar,
  region_group    varchar,
  in_jurisdiction boolean not null,
  tax_code        varchar not null,
  is_tax          boolean not null,
  section_code    varchar not null,
  size_code       varchar not null,
  amount          decimal(18,2) not null,
  taxpayers       integer not null,
  largest_amount  decimal(18,2) not null
);

-- Relief by month, city, policy, industry section and taxpayer size, with the month's beneficiaries.
create table mart_relief (
  period          date not null,
  city_code       varchar,
  region_group    varchar,
  in_jurisdiction boolean not null,
  policy_code     varchar not null,
  kind            varchar not null,
  section_code    varchar not null,
  size_code       varchar not null,
  amount          decimal(18,2) not null,
  beneficiaries   integer not null,
  largest_amount  decimal(18,2) not null
);

-- Distinct beneficiaries over the year to date cannot be summed from monthly cells, so this mart
-- counts each taxpayer once per year and grouping, in the month it first enjoyed relief:
-- beneficiaries of 1—N月 = sum(new_beneficiaries) over first_period <= N, exact and additive over months.
-- `grouping_set` names the dimensions kept ('total', 'kind', 'city,kind', …); the others are null.
create table mart_relief_beneficiaries (
  year              integer not null,
  first_period      date not null,
  grouping_set      varchar not null,
  in_jurisdiction   boolean not null,
  city_code         varchar,
  region_group      varchar,
  kind              varchar,
  policy_code       varchar,
  section_code      varchar,
  size_code         varchar,
  new_beneficiaries integer not null
);

-- Every refresh of the marts: which periods, and the highest file_id folded in (later files are news).
create sequence mart_refresh_seq start 1;
create table mart_refreshes (
  refresh_id          integer primary key default nextval('mart_refresh_seq'),
  refreshed_at        timestamp not null,
  mode                varchar not null,      -- full | periods | none
  periods             varchar not null,      -- comma-separated YYYY-MM, '' for none
  file_watermark      integer not null,
  definitions_sha256  varchar not null,      -- hash of queries/marts: a changed definition rebuilds everything
  seeds_sha256        varchar not null       -- hash of the loaded seeds: changed codes rebuild everything
);

-- 'YYYY-MM' → the first day of that month.
create or replace macro month_start(p) as strptime(p || '-01', '%Y-%m-%d')::date;

-- 同比/环比 in %: (cur − prev) / |prev| × 100; null without a base.
create or replace macro pct_change(cur, prev) as
  case when prev is not null and prev <> 0 then (cur - prev)::double / abs(prev) * 100 end;

-- Disclosure rule: a cell may be published when it is empty (no taxpayer, no amount), or has at least 3 taxpayers and no single
-- taxpayer above 85% of it. `taxpayers` must be a lower bound and `largest` an upper bound of the truth.
create or replace macro disclosable(taxpayers, largest, amount) as
  (coalesce(taxpayers, 0) = 0 and coalesce(amount, 0) = 0)
  or (coalesce(taxpayers, 0) >= 3 and (coalesce(amount, 0) <= 0 or coalesce(largest, 0) <= 0.85 * amount));

-- The scope of a figure: the province's jurisdiction (region null or 440000) or one city.
create or replace macro in_scope(in_jurisdiction, city_code, region) as
  (coalesce(region, '440000') = '440000' and in_jurisdiction) or city_code = region;

-- The windows a figure of month p is computed over, this year and last. `month_from` is January
-- when January and February are reported together (1—2月) and p is February; `last_month` is the
-- MoM base (null for a combined window, which has no single previous month).
create or replace macro report_periods(p, combine_jan_feb) as table
select
  cur, prev, month_from, (month_from - interval 1 year)::date as prev_month_from,
  date_trunc('year', cur)::date as ytd_from, date_trunc('year', prev)::date as prev_ytd_from,
  case when month_from = cur then (cur - interval 1 month)::date end as last_month,
  month(cur)::integer as months_elapsed
from (
  select
    month_start(p) as cur,
    (month_start(p) - interval 1 year)::date as prev,
    case when coalesce(combine_jan_feb, false) and month(month_start(p)) = 2
         then date_trunc('year', month_start(p))::date else month_start(p) end as month_from
);

-- The four windows a breakdown publishes (the month and the year to date, this year and last),
-- one row each, so that disclosure control is applied to every published cell alike.
create or replace macro report_windows(p, combine_jan_feb) as table
select w.span, w.date_from, w.date_to
from report_periods(p, combine_jan_feb) b,
  lateral (values
    ('month', b.month_from, b.cur), ('month_prev', b.prev_month_from, b.prev),
    ('ytd', b.ytd_from, b.cur), ('ytd_prev', b.prev_ytd_from, b.prev)) w(span, date_from, date_to);

-- Disclosure folding for a breakdown. `parts` lists one struct per part and window:
-- {code, span, amount, taxpayers (a lower bound of the part's taxpayers), largest (an upper bound of its largest taxpayer)};
-- `partitions` is true when each taxpayer belongs to one part (city, section, size …), false when parts overlap (taxes, policies).
-- A part is shown when every window passes `disclosable`; the others fold into 其他 (code null). When 其他 alone would
-- reveal a taxpayer, the smallest shown parts join it until it passes; when none does, `publishable` is false and the
-- caller withholds 其他 and the total. Returns one row per part and window: part, code (null = 其他), span, amount,
-- publishable, parts (how many parts there were).
create or replace macro fold_parts(parts, partitions) as table
with p as (
  select unnest(parts, recursive := true)
),
part_ok as (
  select code, bool_and(disclosable(taxpayers, largest, amount)) as ok, sum(amount) filter (where span = 'ytd') as ytd
  from p group by code
),
candidates as (
  select code, row_number() over (order by abs(ytd), code) as k from part_ok where ok
),
folded_base as (
  select p.span, sum(p.amount) as amount,
         case when partitions then sum(p.taxpayers) else max(p.taxpayers) end as taxpayers,
         case when partitions then max(p.largest) else sum(p.largest) end as largest
  from p join part_ok o using (code) where not o.ok group by p.span
),
grown as (
  select c.k, p.span,
         sum(p.amount) over (partition by p.span order by c.k) as amount,
         case when partitions then sum(p.taxpayers) over (partition by p.span order by c.k)
              else max(p.taxpayers) over (partition by p.span order by c.k) end as taxpayers,
         case when partitions then max(p.largest) over (partition by p.span order by c.k)
              else sum(p.largest) over (partition by p.span order by c.k) end as largest
  from p join candidates c using (code)
),
fold_options as (
  select 0 as k, bool_and(disclosable(taxpayers, largest, amount)) as ok from folded_base
  union all
  select g.k, bool_and(disclosable(
    case when partitions then g.taxpayers + b.taxpayers else greatest(g.taxpayers, b.taxpayers) end,
    case when partitions then greatest(g.largest, b.largest) else g.largest + b.largest end,
    g.amount + b.amount))
  from grown g join folded_base b using (span) group by g.k
),
extra as (
  select
    case when not exists (select 1 from folded_base) then 0
         else coalesce((select min(k) from fold_options where ok), (select count(*) from candidates)) end as k,
    not exists (select 1 from folded_base) or exists (select 1 from fold_options where ok) as publishable
)
select
  p.code as part,
  case when o.ok and coalesce(c.k, 0) > e.k then p.code end as code,
  p.span, p.amount, e.publishable,
  (select count(*) from part_ok) as parts
from p
join part_ok o using (code)
left join candidates c using (code)
cross join extra e;
