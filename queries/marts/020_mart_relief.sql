-- Relief by month, county, policy, industry section and taxpayer size, with the number of beneficiaries.
create or replace table mart_relief as
select
  r.period,
  g.city_code,
  r.region_code,
  g.in_jurisdiction,
  r.policy_code,
  p.kind,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)           as amount,
  count(distinct r.taxpayer_id)::integer as beneficiaries
from relief r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
join relief_policies p on p.code = r.policy_code
where r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
group by all;
