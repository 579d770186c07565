-- Monthly province revenue for the $months months up to $period, with each month's YoY (null without a prior year), and for January and February the YoY of the two months together.
-- zh: 逐月税收收入及同比（无上年数据时为空），1、2月另给两月合计同比（剔除春节错月影响）。
-- @param period  the last month, YYYY-MM
-- @param months  how many months (default: 24)
-- @param region  a city code for one city, or null for the province's jurisdiction (default: null)
-- Columns: period (YYYY-MM), amount (元), yoy_pct (%), yoy_jan_feb_pct (January and February only: 1—2月 together against
--   1—2月 last year, %; null in other months and when either month of either year is missing).
-- The Spring Festival moves revenue between January and February (DOMAIN.md: they are often reported together), so the
-- months' own YoY swings by tens of percent; the trend chart draws the 1—2月 rate for both.
with monthly as (
  select period, sum(amount)::decimal(18,2) as amount
  from mart_revenue_city
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
  group by period
),
yoy as (
  select m.period, m.amount, p.amount as prev
  from monthly m
  left join monthly p on p.period = m.period - interval 1 year
),
jan_feb as (
  select year(period) as year, (sum(amount) - sum(prev))::double / abs(sum(prev)) * 100 as yoy_pct
  from yoy
  -- nothing after $period: a January brief has no 1—2月 rate yet, whatever the warehouse holds later
  where month(period) in (1, 2) and period <= strptime($period || '-01', '%Y-%m-%d')::date
  group by all
  having count(prev) = 2
)
select
  strftime(y.period, '%Y-%m')                                       as period,
  y.amount,
  (y.amount - y.prev)::double / abs(y.prev) * 100                   as yoy_pct,
  case when month(y.period) in (1, 2) then j.yoy_pct end            as yoy_jan_feb_pct
from yoy y
left join jan_feb j on j.year = year(y.period)
where y.period <= strptime($period || '-01', '%Y-%m-%d')::date
  and y.period >  strptime($period || '-01', '%Y-%m-%d')::date - to_months($months::integer)
order by y.period;
