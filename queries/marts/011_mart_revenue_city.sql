-- Revenue by month, city, tax, industry section and taxpayer size, summed from mart_revenue: the grain most queries read.
-- Counties partition a city's taxpayers, so a month and tax's count is the sum of the counties' and its largest taxpayer their largest.
delete from mart_revenue_city where period in (select period from _mart_periods);
insert into mart_revenue_city
select
  period, city_code, region_group, in_jurisdiction, tax_code, is_tax, section_code, size_code,
  sum(amount)::decimal(18,2)     as amount,
  sum(taxpayers)::integer        as taxpayers,
  max(largest_amount)::decimal(18,2) as largest_amount
from mart_revenue
where period in (select period from _mart_periods)
group by all
order by period, city_code, tax_code;
