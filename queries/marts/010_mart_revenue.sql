-- Revenue by month, county, tax, industry section and taxpayer size, with the cell's taxpayer count and largest single taxpayer.
-- Refreshed for the months in _mart_periods (filled by pipeline/marts.ts): those months are deleted and rebuilt from the facts.
delete from mart_revenue where period in (select period from _mart_periods);
insert into mart_revenue
select
  r.period,
  g.city_code,
  r.region_code,
  g.region_group,
  g.in_jurisdiction,
  r.tax_code,
  coalesce(t.is_tax, true)                as is_tax,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)            as amount,
  count(distinct r.taxpayer_id)::integer  as taxpayers,
  max(r.amount)::decimal(18,2)            as largest_amount
from revenue r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
left join tax_types t on t.code = r.tax_code
where r.period in (select period from _mart_periods)
  and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
group by all;
