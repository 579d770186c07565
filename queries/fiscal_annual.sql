-- One fiscal item of one region by year (yearly figures as published), with the YoY change in percent.
-- zh: 某地区某项财政收支的年度数据（按公布数）及同比增减。
with y as (
  select period, amount
  from fiscal
  where superseded_by is null and region_code = $region and item_code = $item and basis = 'year'
)
select
  year(c.period)::integer                                as year,
  c.amount                                               as amount,
  p.amount                                               as amount_prev,
  (c.amount - p.amount)::double / abs(p.amount) * 100    as yoy_pct
from y c
left join y p on p.period = (c.period - interval 1 year)::date
order by c.period;
