-- Relief by month, city, policy, industry section and taxpayer size, with the month's beneficiaries and largest single beneficiary.
-- Refreshed for the months in _mart_periods (filled by pipeline/marts.ts).
delete from mart_relief where period in (select period from _mart_periods);
insert into mart_relief
select
  r.period,
  g.city_code,
  g.region_group,
  g.in_jurisdiction,
  r.policy_code,
  p.kind,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)            as amount,
  count(distinct r.taxpayer_id)::integer  as beneficiaries,
  max(r.amount)::decimal(18,2)            as largest_amount
from relief r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
join relief_policies p on p.code = r.policy_code
where r.period in (select period from _mart_periods)
  and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
group by all;
