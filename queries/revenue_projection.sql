-- Full-year tax revenue projection from the year to date: the rest of the year at last year's level × the year-to-date growth, with an approximate 95% interval from the spread of this year's monthly growth.
-- zh: 全年税收收入预测：其余月份按上年同期×1—N月增幅推算，并给出约95%的区间。
-- @param period  the last month with data, YYYY-MM
-- @param region  a city code for one city, or null for the province's jurisdiction (default: null)
-- Columns: year, months_elapsed, ytd_amount, ytd_prev, last_year_amount (full year), rest_prev (last year's months after N),
--   ytd_ratio (ytd / ytd_prev), projection, low, high (元), projected_yoy_pct, low_yoy_pct, high_yoy_pct (% on last year), monthly_log_sd, method.
-- Method: projection = ytd + rest_prev × ytd_ratio. Interval: rest_prev × ytd_ratio × exp(±1.96 × s / √(12 − N)), s = the
-- standard deviation of ln(month / same month last year) over this year's months (at least 2 months needed; else no interval).
with b as (select * from report_periods($period, false)),
monthly as (
  select period, sum(amount) as amount
  from mart_revenue_city, b
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
    and period between b.prev_ytd_from and b.cur
  group by period
),
sums as (
  select
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur)                                    as ytd_amount,
    sum(m.amount) filter (where m.period between b.prev_ytd_from and b.prev)                              as ytd_prev,
    sum(m.amount) filter (where m.period between b.prev_ytd_from and (b.ytd_from - interval 1 day)::date) as last_year_amount,
    count(*) filter (where m.period between b.prev_ytd_from and (b.ytd_from - interval 1 day)::date)     as last_year_months
  from monthly m, b
),
spread as (
  select stddev_samp(ln(c.amount::double / p.amount::double)) as s
  from monthly c, b
  join monthly p on p.period = (c.period - interval 1 year)::date
  where c.period between b.ytd_from and b.cur and c.amount > 0 and p.amount > 0
),
base as (
  select b.*, x.*, (x.last_year_amount - x.ytd_prev) as rest_prev, x.ytd_amount::double / x.ytd_prev::double as ytd_ratio, sp.s
  from b, sums x, spread sp
  -- a projection needs the whole of last year
  where x.last_year_months = 12 and x.ytd_prev > 0
)
select
  year(cur)::integer                      as year,
  months_elapsed,
  ytd_amount::decimal(18,2)               as ytd_amount,
  ytd_prev::decimal(18,2)                 as ytd_prev,
  last_year_amount::decimal(18,2)         as last_year_amount,
  rest_prev::decimal(18,2)                as rest_prev,
  ytd_ratio,
  (ytd_amount + rest_prev * ytd_ratio)::decimal(18,2) as projection,
  case when months_elapsed = 12 then ytd_amount when s is not null
       then ytd_amount + rest_prev * ytd_ratio * exp(-1.96 * s / sqrt(12 - months_elapsed)) end::decimal(18,2) as low,
  case when months_elapsed = 12 then ytd_amount when s is not null
       then ytd_amount + rest_prev * ytd_ratio * exp(1.96 * s / sqrt(12 - months_elapsed)) end::decimal(18,2) as high,
  pct_change(ytd_amount + rest_prev * ytd_ratio, last_year_amount) as projected_yoy_pct,
  pct_change(case when months_elapsed = 12 then ytd_amount when s is not null
             then ytd_amount + rest_prev * ytd_ratio * exp(-1.96 * s / sqrt(12 - months_elapsed)) end, last_year_amount) as low_yoy_pct,
  pct_change(case when months_elapsed = 12 then ytd_amount when s is not null
             then ytd_amount + rest_prev * ytd_ratio * exp(1.96 * s / sqrt(12 - months_elapsed)) end, last_year_amount) as high_yoy_pct,
  s                                       as monthly_log_sd,
  '按累计增速外推：全年预计＝1—N月实绩＋上年N月后各月实绩×（1—N月÷上年同期）；区间按本年各月同比对数增速的标准差估算（约95%）' as method
from base;
