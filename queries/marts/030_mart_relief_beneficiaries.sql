-- Distinct beneficiaries by year and the month each was first seen, per grouping set: the year-to-date 户数 is then a sum.
-- A year whose changed months all come after the months already folded in (the nightly case: a new month) is extended
-- from those months' facts alone; a year with any other change (a restated or late month) is rebuilt from its facts.
create or replace temp table _beneficiary_years as
with changed as (select year(period) as year, min(period) as first_changed from _mart_periods group by all),
folded as (select year(period) as year, max(period) as last_folded from relief_first_seen_periods group by all)
select c.year, c.first_changed, coalesce(c.first_changed > f.last_folded, false) as extend
from changed c left join folded f using (year);

-- The months of the rebuilt years. Facts are read through `period in (select period from …)`: DuckDB then skips the
-- row groups of other months (a filter on year(period) reads every month's rows: 15 M instead of 1.2 M for a January
-- at tenth scale). Facts' periods are first days of months (ingest makes them so).
create or replace temp table _rebuilt_months as
select unnest(generate_series(make_date(year, 1, 1), make_date(year, 12, 1), interval 1 month))::date as period, year
from _beneficiary_years where not extend;

-- Every combination of codes the changed years' facts bring gets its cell (and its home, shared by the cells of one
-- region, industry and size): numbered after the ones already kept.
insert into relief_cells
with fresh as (
  select distinct r.region_code, r.industry_code, r.size_code, r.policy_code
  from relief r
  where r.period in (select period from _rebuilt_months union select period from _mart_periods)
    and r.superseded_by is null
),
new as (select * from fresh anti join relief_cells c using (region_code, industry_code, size_code, policy_code)),
homes as (
  select distinct home, region_code, industry_code, size_code from relief_cells
  union all
  select (select coalesce(max(home), 0) from relief_cells) + row_number() over (order by region_code, industry_code, size_code), *
  from (select distinct region_code, industry_code, size_code from new anti join relief_cells c using (region_code, industry_code, size_code))
)
select (select coalesce(max(cell), 0) from relief_cells) + row_number() over (order by n.region_code, n.industry_code, n.size_code, n.policy_code) as cell,
  h.home, n.region_code, n.industry_code, n.size_code, n.policy_code
from new n join homes h using (region_code, industry_code, size_code);

-- Rebuilt years: the first month of each taxpayer and cell, from the year's facts.
delete from relief_first_seen where year in (select year from _beneficiary_years where not extend);
delete from relief_first_seen_periods where year(period) in (select year from _beneficiary_years where not extend);
-- A year whose current facts are one file of one month (a January night) holds a taxpayer once per policy (ingest
-- refuses a repeated key in a file), so once per cell: its rows are its first-seen rows as they are, ungrouped.
create or replace temp table _rebuilt_single as
select year(r.period) as year
from relief r
where r.period in (select period from _rebuilt_months)
  and r.superseded_by is null
group by all
having min(r.file_id) = max(r.file_id) and min(r.period) = max(r.period);
insert into relief_first_seen
select year(r.period) as year, r.taxpayer_id, c.cell, r.period as first_period
from relief r
join relief_cells c using (region_code, industry_code, size_code, policy_code)
where r.period in (select period from _rebuilt_months semi join _rebuilt_single using (year))
  and r.superseded_by is null
union all
-- grouped by the cell's number, not its four codes: a group of the hash table is a third of the size (at province
-- scale the 36 M groups of a one-pass rebuild spilled 5 GB under memory_limit 6GB; at tenth the spill halves)
select year(r.period) as year, r.taxpayer_id, c.cell, min(r.period) as first_period
from relief r
join relief_cells c using (region_code, industry_code, size_code, policy_code)
where r.period in (select period from _rebuilt_months anti join _rebuilt_single using (year))
  and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
group by year(r.period), r.taxpayer_id, c.cell;

-- Extended years: the combinations the new months bring that the year has not seen before. (An outer join whose
-- unmatched rows are kept: three times faster here than `not exists` on 12 M rows a side at province scale.)
insert into relief_first_seen
with seen as (
  select f.* from relief_first_seen f join _beneficiary_years y on y.year = f.year and y.extend
),
arrived as (
  select year(r.period) as year, r.taxpayer_id, c.cell, r.period
  from relief r
  join relief_cells c using (region_code, industry_code, size_code, policy_code)
  where r.period in (select c.period from _mart_periods c join _beneficiary_years y on y.year = year(c.period) and y.extend)
    and r.superseded_by is null
)
select a.year, a.taxpayer_id, a.cell, min(a.period) as first_period
from arrived a
left join seen s on s.year = a.year and s.taxpayer_id = a.taxpayer_id and s.cell = a.cell
where s.year is null
group by a.year, a.taxpayer_id, a.cell;

insert into relief_first_seen_periods
select distinct r.period from relief r where r.period in (select period from _rebuilt_months)
union
select c.period from _mart_periods c;

delete from mart_relief_beneficiaries where year in (select year from _beneficiary_years where not extend);
delete from mart_relief_beneficiaries
where exists (select 1 from _beneficiary_years y where y.extend and y.year = mart_relief_beneficiaries.year and mart_relief_beneficiaries.first_period >= y.first_changed);
insert into mart_relief_beneficiaries
with touched as (
  -- in an extended year only the taxpayers with a combination first seen in the new months can be new to a grouping
  select distinct f.year, f.taxpayer_id
  from relief_first_seen f join _beneficiary_years y on y.year = f.year and y.extend and f.first_period >= y.first_changed
),
scope as (
  select f.* from relief_first_seen f join _beneficiary_years y on y.year = f.year and not y.extend
  union all
  select f.* from relief_first_seen f semi join touched t on t.year = f.year and t.taxpayer_id = f.taxpayer_id
),
-- the cells at the seeds' codes (a cell whose code a seed lacks counts nowhere)
cells as (
  select c.cell, c.home, g.in_jurisdiction, g.city_code, g.region_group, p.kind, c.policy_code, i.section_code, c.size_code
  from relief_cells c
  join regions g on g.code = c.region_code
  join industries i on i.code = c.industry_code
  join relief_policies p on p.code = c.policy_code
),
known as (select f.year, f.taxpayer_id, f.first_period, c.home, c.kind, c.policy_code from scope f join cells c using (cell)),
-- Each taxpayer's first month in the year, and whether all its rows share one home (region, industry and size).
taxpayer as (
  select year, taxpayer_id, min(first_period) as first_period, min(home) as home, min(home) = max(home) as one_home
  from known group by year, taxpayer_id
),
moved as (select year, taxpayer_id from taxpayer where not one_home),
-- read twice, yet not kept: filtering `known` again through the few moved taxpayers costs less than writing all its rows
-- once more (a January at province scale: 11.7 M rows)
settled as not materialized (select k.* from known k anti join moved m on m.year = k.year and m.taxpayer_id = k.taxpayer_id),
-- The groupings, each by the columns it keeps besides the year and in_jurisdiction.
sets(grouping_set, part, by_city, by_region_group, by_kind, by_policy, by_section, by_size) as (
  values ('total', 'home', false, false, false, false, false, false), ('section', 'home', false, false, false, false, true, false),
    ('size', 'home', false, false, false, false, false, true), ('city', 'home', true, false, false, false, false, false),
    ('region_group', 'home', false, true, false, false, false, false), ('city,section', 'home', true, false, false, false, true, false),
    ('city,size', 'home', true, false, false, false, false, true),
    ('kind', 'kind', false, false, true, false, false, false), ('city,kind', 'kind', true, false, true, false, false, false),
    ('policy', 'policy', false, false, false, true, false, false), ('city,policy', 'policy', true, false, false, true, false, false)
),
-- A taxpayer with one home is in one cell of every grouping by place, section and size (at its first month), in one
-- cell per kind (at the kind's first month) and in one per policy (first-seen rows are one per policy and home). So
-- it is counted once per home (and kind, or policy), and those counts add up across the homes a grouping gathers:
-- two groupings by taxpayer instead of one per grouping set (a third of the time at tenth scale, the same counts).
counted as (
  select year, first_period, 'home' as part, home, null::varchar as kind, null::varchar as policy_code, count(*) as n
  from taxpayer where one_home group by year, first_period, home
  union all
  -- a settled taxpayer has one home: grouped by taxpayer and kind, its home comes along
  select year, first_period, 'kind', home, kind, null, count(*)
  from (select year, min(home) as home, kind, min(first_period) as first_period from settled group by year, taxpayer_id, kind)
  group by year, first_period, home, kind
  union all
  select year, first_period, 'policy', home, null, policy_code, count(*)
  from settled group by year, first_period, home, policy_code
),
homes as (select distinct home, in_jurisdiction, city_code, region_group, section_code, size_code from cells),
single as (
  select c.year, c.first_period, s.grouping_set, h.in_jurisdiction,
    case when s.by_city then h.city_code end as city_code, case when s.by_region_group then h.region_group end as region_group,
    case when s.by_kind then c.kind end as kind, case when s.by_policy then c.policy_code end as policy_code,
    case when s.by_section then h.section_code end as section_code, case when s.by_size then h.size_code end as size_code, c.n
  from counted c join sets s on s.part = c.part join homes h on h.home = c.home
),
-- A taxpayer whose rows have more than one home (few) is grouped per grouping set: its first month in each cell.
multiple as (
  select year, first_period, grouping_set, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code, count(*) as n
  from (
    select year, taxpayer_id, grouping_set, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code, min(first_period) as first_period
    from (
      select m.year, m.taxpayer_id, s.grouping_set, c.in_jurisdiction,
        case when s.by_city then c.city_code end as city_code, case when s.by_region_group then c.region_group end as region_group,
        case when s.by_kind then c.kind end as kind, case when s.by_policy then c.policy_code end as policy_code,
        case when s.by_section then c.section_code end as section_code, case when s.by_size then c.size_code end as size_code,
        m.first_period
      from (select f.* from scope f semi join moved v on v.year = f.year and v.taxpayer_id = f.taxpayer_id) m
      join cells c using (cell)
      cross join sets s
    ) group by year, taxpayer_id, grouping_set, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code
  ) group by all
),
-- an extended year keeps only the groupings first seen in its new months: the earlier ones are in the mart already
news as (
  select year, case when extend then first_changed else make_date(year, 1, 1) end as since from _beneficiary_years
)
-- The column order is the mart's.
select year, first_period, grouping_set, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code, sum(n)::integer as new_beneficiaries
from (select * from single union all select * from multiple) c
semi join news y on y.year = c.year and c.first_period >= y.since
group by year, first_period, grouping_set, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code;

drop table _beneficiary_years;
drop table _rebuilt_months;
drop table _rebuilt_single;
