-- One fiscal item of one region by month: year-to-date total, its YoY, and the month alone where it can be derived (cumulative feeds: both neighbours published).
-- zh: 某地区某项财政收支的逐月数据：1—N月累计数及同比，能推算时给出当月数。
with cur as (
  select period, basis, amount
  from fiscal
  where superseded_by is null and region_code = $region and item_code = $item and basis in ('ytd', 'month')
),
ytd as (
  -- as published, or the sum of per-month figures when every month since January is there
  select period, amount as ytd from cur where basis = 'ytd'
  union all
  select m.period, sum(p.amount)
  from cur m
  join cur p on p.basis = 'month' and year(p.period) = year(m.period) and p.period <= m.period
  where m.basis = 'month' and not exists (select 1 from cur y where y.basis = 'ytd' and y.period = m.period)
  group by m.period
  having count(*) = month(m.period)
),
monthly as (
  select period, amount from cur where basis = 'month'
  union all
  -- January is its own year to date; any other month needs the month before it (January–February
  -- published together, or a missing month, leave the month underived)
  select y.period, case when month(y.period) = 1 then y.ytd else y.ytd - p.ytd end
  from ytd y
  left join ytd p on p.period = (y.period - interval 1 month)::date and year(p.period) = year(y.period)
  where (month(y.period) = 1 or p.ytd is not null)
    and not exists (select 1 from cur m where m.basis = 'month' and m.period = y.period)
)
select
  strftime(y.period, '%Y-%m')                                  as period,
  y.ytd::decimal(18,2)                                         as ytd,
  prev.ytd::decimal(18,2)                                      as ytd_prev,
  (y.ytd - prev.ytd)::double / abs(prev.ytd) * 100             as ytd_yoy_pct,
  m.amount::decimal(18,2)                                      as month_amount
from ytd y
left join ytd prev on prev.period = (y.period - interval 1 year)::date
left join monthly m on m.period = y.period
order by y.period;
