-- Revenue by month, county, tax, industry section and taxpayer size: what every brief reads instead of taxpayer rows.
create or replace table mart_revenue as
select
  r.period,
  g.city_code,
  r.region_code,
  g.in_jurisdiction,
  r.tax_code,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)        as amount,
  count(distinct r.taxpayer_id)::integer as taxpayers,
  max(r.amount)::decimal(18,2)        as largest_amount
from revenue r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
where r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
group by all;
