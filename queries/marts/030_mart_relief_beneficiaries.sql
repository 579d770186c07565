-- Distinct beneficiaries by year and the month each was first seen, per grouping set: the year-to-date 户数 is then a sum.
-- Rebuilt for every year that has a month in _mart_periods (a changed month can change who is new in later months).
delete from mart_relief_beneficiaries where year in (select distinct year(period) from _mart_periods);
insert into mart_relief_beneficiaries
with years as (
  select distinct year(period) as year from _mart_periods
),
facts as (
  select
    year(r.period) as year, r.period, r.taxpayer_id,
    g.in_jurisdiction, g.city_code, g.region_group, p.kind, r.policy_code, i.section_code, r.size_code
  from relief r
  join years y on r.period >= make_date(y.year, 1, 1) and r.period < make_date(y.year + 1, 1, 1)
   and r.superseded_by is null
  join regions g on g.code = r.region_code
  join industries i on i.code = r.industry_code
  join relief_policies p on p.code = r.policy_code
),
first_seen as (
  select
    year, in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code,
    concat_ws(',',
      case when grouping(city_code) = 0 then 'city' end,
      case when grouping(region_group) = 0 then 'region_group' end,
      case when grouping(kind) = 0 then 'kind' end,
      case when grouping(policy_code) = 0 then 'policy' end,
      case when grouping(section_code) = 0 then 'section' end,
      case when grouping(size_code) = 0 then 'size' end) as dims,
    taxpayer_id,
    min(period) as first_period
  from facts
  group by grouping sets (
    (year, in_jurisdiction, taxpayer_id),
    (year, in_jurisdiction, taxpayer_id, kind),
    (year, in_jurisdiction, taxpayer_id, policy_code),
    (year, in_jurisdiction, taxpayer_id, section_code),
    (year, in_jurisdiction, taxpayer_id, size_code),
    (year, in_jurisdiction, taxpayer_id, city_code),
    (year, in_jurisdiction, taxpayer_id, region_group),
    (year, in_jurisdiction, taxpayer_id, city_code, kind),
    (year, in_jurisdiction, taxpayer_id, city_code, policy_code),
    (year, in_jurisdiction, taxpayer_id, city_code, section_code),
    (year, in_jurisdiction, taxpayer_id, city_code, size_code)
  )
)
select
  year, first_period, case when dims = '' then 'total' else dims end as grouping_set,
  in_jurisdiction, city_code, region_group, kind, policy_code, section_code, size_code,
  count(*)::integer as new_beneficiaries
from first_seen
group by all;
