-- Demo-data model: the taxpayer population, the taxes they pay, monthly levels, refunds and relief
-- beneficiaries, built once per run (setup.sql first). Statements end with ';' at the end of a line.

-- County-level units taxpayers are registered in: counties in the jurisdiction, plus cities
-- without counties (东莞, 中山). Within a city, districts weigh more than counties.
create table region_unit as
with units as (
  select code as region_code, city_code, name as region_name
  from seed_regions
  where level = 'county' and in_jurisdiction = 'true'
  union all
  select c.code, c.code, c.name
  from seed_regions c
  where c.level = 'city' and c.in_jurisdiction = 'true'
    and not exists (select 1 from seed_regions k where k.level = 'county' and k.city_code = c.code)
), weighted as (
  select
    u.region_code, u.city_code, u.region_name, city.name as city_name,
    cp.taxpayer_weight, cp.productivity,
    (case
       when right(u.region_code, 2)::integer between 1 and 20 then 2.0   -- 市辖区
       when right(u.region_code, 2)::integer between 81 and 99 then 1.5  -- 县级市
       else 1.0 end) * (0.5 + u01(hash(u.region_code, 'county'))) as unit_weight
  from units u
  join seed_regions city on city.code = u.city_code
  left join city_param cp on cp.city_code = u.city_code
)
select
  *,
  round(1e9 * taxpayer_weight * unit_weight / sum(unit_weight) over (partition by city_code))::bigint as weight
from weighted;

-- Categorical draws: 65,536 slots, each owned by the code whose share of the weight covers the
-- slot's mid-point (integer arithmetic, so exact); a taxpayer's hash % 65536 picks a slot.
-- first_slot(x, total): the first slot s with (s + 0.5) / 65536 >= x / total.
create macro first_slot(x, total) as ((131072 * x + total - 1) // (2 * total))::bigint;

create table region_slot as
with w as (
  select region_code, weight from region_unit where weight > 0
), c as (
  select
    region_code,
    sum(weight) over (order by region_code rows between unbounded preceding and current row) - weight as lo,
    sum(weight) over (order by region_code rows between unbounded preceding and current row) as hi,
    sum(weight) over () as total
  from w
)
select unnest(range(first_slot(c.lo, c.total), first_slot(c.hi, c.total)))::integer as slot, c.region_code
from c;

create table size_slot as
with w as (
  select size_code, round(taxpayer_pct * 1e6)::bigint as weight from size_param where taxpayer_pct > 0
), c as (
  select
    size_code,
    sum(weight) over (order by size_code rows between unbounded preceding and current row) - weight as lo,
    sum(weight) over (order by size_code rows between unbounded preceding and current row) as hi,
    sum(weight) over () as total
  from w
)
select unnest(range(first_slot(c.lo, c.total), first_slot(c.hi, c.total)))::integer as slot, c.size_code
from c;

create table industry_slot as
with w as (
  select 'enterprise' as grp, industry_code, round(enterprise_weight * 1e6)::bigint as weight
  from industry_param where enterprise_weight > 0
  union all
  select 'household', industry_code, round(household_weight * 1e6)::bigint
  from industry_param where household_weight > 0
), c as (
  select
    grp, industry_code,
    sum(weight) over (partition by grp order by industry_code rows between unbounded preceding and current row) - weight as lo,
    sum(weight) over (partition by grp order by industry_code rows between unbounded preceding and current row) as hi,
    sum(weight) over (partition by grp) as total
  from w
)
select c.grp, unnest(range(first_slot(c.lo, c.total), first_slot(c.hi, c.total)))::integer as slot, c.industry_code
from c;

-- The taxpayers: size, industry, region, tax-paying weight (lognormal within a size), own
-- growth, the months they are active, registration date and status.
create table taxpayer as
with p as (
  select * from run_param
), base as (
  select
    (r.range + 1)::integer as tp,
    (mix(hash(p.seed, (r.range + 1)::integer, 'size')) % 65536)::integer as size_slot,
    (mix(hash(p.seed, (r.range + 1)::integer, 'industry')) % 65536)::integer as industry_slot,
    (mix(hash(p.seed, (r.range + 1)::integer, 'region')) % 65536)::integer as region_slot
  from range((select taxpayers from run_param)) r, p
), placed as (
  select b.tp, s.size_code, i.industry_code, g.region_code
  from base b
  join size_slot s on s.slot = b.size_slot
  join industry_slot i
    on i.grp = case when s.size_code in ('IND', 'NP') then 'household' else 'enterprise' end
   and i.slot = b.industry_slot
  join region_slot g on g.slot = b.region_slot
), drawn as (
  select
    x.*,
    gauss(hash(p.seed, x.tp, 'w1'), hash(p.seed, x.tp, 'w2')) as z_weight,
    gauss(hash(p.seed, x.tp, 'g1'), hash(p.seed, x.tp, 'g2')) as z_growth,
    u01(hash(p.seed, x.tp, 'new')) < 0.06 and p.k1 > p.k0 as is_new,
    u01(hash(p.seed, x.tp, 'closed')) < 0.02 as is_closed,
    mix(hash(p.seed, x.tp, 'month')) as h_month,
    mix(hash(p.seed, x.tp, 'day')) as h_day,
    u01(hash(p.seed, x.tp, 'r04')) as u_r04,
    p.k0, p.k1
  from placed x, p
)
select
  d.tp,
  d.size_code::size_t as size_code,
  d.industry_code::industry_t as industry_code,
  d.region_code::region_t as region_code,
  ru.city_code,
  sp.multiplier as size_mult,
  sp.multiplier * ip.multiplier * ru.productivity * exp(sp.spread_sd * d.z_weight - sp.spread_sd * sp.spread_sd / 2) as w0,
  sp.growth_sd * d.z_growth as g,
  sp.noise_sd as sd,
  case when d.is_new then d.k0 + 1 + (d.h_month % (d.k1 - d.k0))::integer else d.k0 end as first_k,
  case
    when d.is_closed and not d.is_new then d.k0 - 1 + (d.h_month % (d.k1 - d.k0 + 1))::integer
    else d.k1 end as last_k,
  case
    when d.is_new then
      make_date(((d.k0 + 1 + (d.h_month % (d.k1 - d.k0))::integer) // 12)::integer,
                ((d.k0 + 1 + (d.h_month % (d.k1 - d.k0))::integer) % 12 + 1)::integer, 1)
        + (d.h_day % 28)::integer
    else date '1995-01-01'
      + (d.h_day % (make_date((d.k0 // 12)::integer, (d.k0 % 12 + 1)::integer, 1) - date '1995-01-01'))::integer
  end as registered_on,
  d.is_closed and not d.is_new as is_closed,
  -- VAT credit refunds go to general (non-household) VAT payers, most in manufacturing and energy.
  d.size_code in ('L', 'M', 'S', 'XS') and d.u_r04 < case
    when d.industry_code like 'C%' or d.industry_code = 'D' then 0.6
    when d.industry_code in ('G', 'I') then 0.4
    when d.industry_code in ('F', 'M') then 0.3
    else 0.15 end as r04_eligible
from drawn d
join size_param sp on sp.size_code = d.size_code
join industry_param ip on ip.industry_code = d.industry_code
join region_unit ru on ru.region_code = d.region_code;

checkpoint;

-- Which taxes a taxpayer pays: candidates drawn by size and industry, the primary tax always
-- (增值税, or 个人所得税 for natural persons), at most five, the larger taxes first.
create table tax_size as
select
  x.tax_code, s.size_code,
  case s.size_code
    when 'L' then x.p_l when 'M' then x.p_m when 'S' then x.p_s
    when 'XS' then x.p_xs when 'IND' then x.p_ind else x.p_np end as prob,
  case s.size_code when 'IND' then x.adj_ind when 'NP' then x.adj_np else 1.0 end as adj,
  coalesce(tp.size_power, 1.0) as size_power,
  x.share_bp, x.industry_only
from tax_param x
left join tax_size_power tp on tp.tax_code = x.tax_code
cross join (values ('L'), ('M'), ('S'), ('XS'), ('IND'), ('NP')) s(size_code);

create table tax_industry_factor as
select
  x.tax_code, i.code as industry_code,
  coalesce(max(ti.factor), case when x.industry_only then 0.0 else 1.0 end) as factor
from tax_param x
cross join seed_industries i
left join tax_industry ti
  on ti.tax_code = x.tax_code
 and ti.industry in (i.code, i.section_code)
group by x.tax_code, i.code, x.industry_only;

create table tp_tax as
with p as (
  select * from run_param
), cand as (
  select
    t.tp, ts.tax_code, ts.share_bp, ts.adj, ts.size_power,
    (ts.tax_code = '10101' and t.size_code <> 'NP') or (ts.tax_code = '10106' and t.size_code = 'NP') as is_primary,
    least(1.0, ts.prob * f.factor) as prob
  from taxpayer t
  join tax_size ts on ts.size_code = t.size_code::varchar
  join tax_industry_factor f on f.tax_code = ts.tax_code and f.industry_code = t.industry_code::varchar
), chosen as (
  select c.*, row_number() over (partition by c.tp order by c.is_primary desc, c.share_bp desc, c.tax_code) as rank
  from cand c, p
  where c.is_primary or u01(hash(p.seed, c.tp, c.tax_code, 'pays')) < c.prob
)
select
  t.tp,
  c.tax_code::tax_t as tax_code,
  t.region_code, t.industry_code, t.size_code,
  -- 湛江's real-estate taxes carry the anomaly of the last three months.
  t.city_code = '440800' and c.tax_code in ('10113', '10119') as anomaly,
  c.tax_code = '10101' and t.r04_eligible as r04,
  greatest(1, round(1000 * t.w0 * c.adj * pow(t.size_mult, c.size_power - 1)
    * exp(0.5 * gauss(hash(p.seed, t.tp, c.tax_code, 't1'), hash(p.seed, t.tp, c.tax_code, 't2')) - 0.125)))::bigint as w,
  t.g::float as g,
  t.sd::float as sd,
  t.first_k, t.last_k
from chosen c
join taxpayer t on t.tp = c.tp
cross join p
where c.rank <= 5;

checkpoint;

-- Revenue level per month and tax, per unit of weight: the tax's share of 1.3万亿元 a year (at the
-- level of the year before the last), seasonality, the Spring Festival shift and the trend,
-- divided by the total weight of the tax's payers active that month, so the province's totals
-- depend neither on the number of taxpayers nor on who registered or closed when.
create table month_tax as
with weight as (
  select tax_code::varchar as tax_code, first_k, last_k, sum(w) as w from tp_tax group by all
), tax_total as (
  -- the weight of the taxpayers active in the month: entries and exits do not move the total
  select mk.k, x.tax_code, sum(w.w) as w_total
  from month_k mk
  cross join tax_param x
  join weight w on w.tax_code = x.tax_code and mk.k between w.first_k and w.last_k
  group by all
), season as (
  select
    x.tax_code, r.m::integer as month,
    list_extract(coalesce(s.factors, d.factors), r.m::integer) / list_avg(coalesce(s.factors, d.factors)) as factor
  from tax_param x
  left join season_raw s on s.tax_code = x.tax_code
  cross join (select factors from season_raw where tax_code = '*') d
  cross join range(1, 13) r(m)
), shifted as (
  select
    mk.k, mk.month, mk.period, mk.years, s.tax_code, s.factor,
    case
      when mk.month > 2 or sf.month is null then 1.0
      when sf.month = mk.month then 0.75
      else 1 + 0.25 * other.factor / s.factor
    end as spring_factor
  from month_k mk
  join season s on s.month = mk.month
  left join spring_festival sf on sf.year = mk.year
  left join season other on other.tax_code = s.tax_code and other.month = sf.month
)
select
  sh.k, sh.month, sh.period, sh.years,
  sh.tax_code::tax_t as tax_code,
  1.3e12 * x.share_bp / (select sum(share_bp) from tax_param) / 12
    * sh.factor * sh.spring_factor * pow(1 + x.growth, sh.years)
    / tt.w_total::double as per_w,
  -- ~45% drop of 湛江 land VAT and deed tax in the last three months generated.
  case when sh.k > (select k1 from run_param) - 3 then 0.55 else 1.0 end as anomaly_factor
from shifted sh
join tax_param x on x.tax_code = sh.tax_code
join tax_total tt on tt.tax_code = sh.tax_code and tt.k = sh.k;

-- R04 留抵退税: eligible VAT payers claim in some months; the month's total is fixed by refund_param
-- (most of the big year's in April–June) and shared by the claimants' VAT weight. The refund is
-- subtracted from their VAT revenue of that month (revenue.sql).
create table refund_month as
with pol as (
  select start_date::date as start_date, coalesce(nullif(end_date, '')::date, date '9999-12-31') as end_date
  from seed_policies where code = 'R04'
)
select
  mk.k,
  case when mk.year = p.big_refund_year
    then rp.big_yi * 1e8 * list_extract(rp.big_month_weights, mk.month) / list_sum(rp.big_month_weights)
    else rp.normal_yi * 1e8 / 12 end * pow(1.03, mk.years) as target,
  case
    when mk.year = p.big_refund_year and mk.month between 4 and 6 then rp.big_peak_claim_p
    when mk.year = p.big_refund_year then rp.big_claim_p
    else rp.claim_p end as claim_p
from month_k mk, pol, run_param p, refund_param rp
where mk.first_day <= pol.end_date and mk.last_day >= pol.start_date;

create table refund as
with claim as (
  select
    m.k, t.tp, t.region_code, t.industry_code, t.size_code,
    -- the claim's own size (VAT weight × noise) as an integer, so the month's total is exact
    greatest(1, round(t.w * exp(0.5 * gauss(hash(p.seed, t.tp, m.k, 'r04n1'), hash(p.seed, t.tp, m.k, 'r04n2')) - 0.125)))::bigint as cw
  from tp_tax t
  cross join refund_month m
  cross join run_param p
  where t.r04 and m.k between t.first_k and t.last_k
    and u01(hash(p.seed, t.tp, m.k, 'r04claim')) < m.claim_p
), month_total as (
  select k, sum(cw) as cw_total from claim group by k
)
select
  c.k, c.tp, c.region_code, c.industry_code, c.size_code,
  greatest(0.01, round(m.target * c.cw / mt.cw_total::double, 2))::decimal(18, 2) as amount
from claim c
join month_total mt on mt.k = c.k
join refund_month m on m.k = c.k;

checkpoint;

-- Other relief: beneficiaries drawn once per policy among the eligible (size, industry, paying
-- the policy's tax); fee policies (is_tax = false) weigh by the taxpayer's overall weight.
create table beneficiary as
with p as (
  select * from run_param
), pol as (
  select pp.*, sp.tax_code as policy_tax, coalesce(tt.is_tax = 'true', false) as on_tax
  from policy_param pp
  join seed_policies sp on sp.code = pp.policy_code
  left join seed_tax_types tt on tt.code = sp.tax_code
), cand as (
  select pol.policy_code, pol.policy_tax, pol.take_up, t.tp, t.w
  from pol
  join tp_tax t on t.tax_code::varchar = pol.policy_tax
  join taxpayer x on x.tp = t.tp
  where pol.on_tax
    and list_contains(pol.sizes, x.size_code::varchar)
    and (pol.industries is null or list_contains(pol.industries, x.industry_code::varchar) or list_contains(pol.industries, left(x.industry_code::varchar, 1)))
  union all
  select pol.policy_code, pol.policy_tax, pol.take_up, x.tp, greatest(1, round(1000 * x.w0))::bigint
  from pol
  join taxpayer x on list_contains(pol.sizes, x.size_code::varchar)
  where not pol.on_tax
    and (pol.industries is null or list_contains(pol.industries, x.industry_code::varchar) or list_contains(pol.industries, left(x.industry_code::varchar, 1)))
)
select
  c.policy_code::policy_t as policy_code,
  c.policy_tax::tax_t as tax_code,
  c.tp, x.region_code, x.industry_code, x.size_code, c.w, x.first_k, x.last_k
from cand c
join taxpayer x on x.tp = c.tp
cross join p
where u01(hash(p.seed, c.tp, c.policy_code, 'take')) < c.take_up;

checkpoint;

-- Relief level per month and policy, per unit of weight of the beneficiaries active that month,
-- within the policy's dates.
create table policy_month as
with pol as (
  select
    pp.policy_code, pp.annual_yi, pp.pattern,
    sp.start_date::date as start_date,
    coalesce(nullif(sp.end_date, '')::date, date '9999-12-31') as end_date
  from policy_param pp
  join seed_policies sp on sp.code = pp.policy_code
), weight as (
  select policy_code::varchar as policy_code, first_k, last_k, sum(w) as w from beneficiary group by all
), policy_total as (
  select mk.k, w.policy_code, sum(w.w) as w_total
  from month_k mk
  join weight w on mk.k between w.first_k and w.last_k
  group by all
)
select
  mk.k,
  pol.policy_code::policy_t as policy_code,
  pol.annual_yi * 1e8 * pm.weight / 12 * pow(1.03, mk.years) / pt.w_total::double as per_w
from month_k mk
join pol on mk.first_day <= pol.end_date and mk.last_day >= pol.start_date
join pattern_month pm on pm.pattern = pol.pattern and pm.month = mk.month
join policy_total pt on pt.policy_code = pol.policy_code and pt.k = mk.k
where pm.weight > 0;
