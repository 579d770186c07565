-- Monthly province revenue for the $months months up to $period, with each month's YoY (null without a prior year).
-- zh: 逐月税收收入及同比（无上年数据时为空）。
-- @param period  the last month, YYYY-MM
-- @param months  how many months (default: 24)
-- @param region  a city code for one city, or null for the province's jurisdiction (default: null)
with monthly as (
  select period, sum(amount)::decimal(18,2) as amount
  from mart_revenue_city
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
  group by period
)
select
  strftime(m.period, '%Y-%m')                                       as period,
  m.amount,
  (m.amount - p.amount)::double / abs(p.amount) * 100               as yoy_pct
from monthly m
left join monthly p on p.period = m.period - interval 1 year
where m.period <= strptime($period || '-01', '%Y-%m-%d')::date
  and m.period >  strptime($period || '-01', '%Y-%m-%d')::date - to_months($months::integer)
order by m.period;
