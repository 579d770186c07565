-- Revenue of the province (or of city $region when given) for the month and the year to date: amounts, 增收/减收, YoY, and YoY after adding back VAT credit refunds (留抵退税) in both years.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
revenue as (
  select
    sum(amount) filter (where period = b.cur)                                                  as month_amount,
    sum(amount) filter (where period = b.prev)                                                 as month_prev,
    sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur)              as ytd_amount,
    sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev)            as ytd_prev
  from mart_revenue, bounds b
  where in_jurisdiction and ($region::varchar is null or city_code = $region::varchar)
),
refunds as (
  select
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)   as ytd_refund,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0) as ytd_refund_prev
  from mart_relief, bounds b
  where in_jurisdiction and kind = 'refund' and ($region::varchar is null or city_code = $region::varchar)
)
select
  $period                                                              as period,
  year(b.cur)::integer                                                 as year,
  month(b.cur)::integer                                                as month,
  r.month_amount,
  r.month_prev,
  (r.month_amount - r.month_prev)::decimal(18,2)                       as month_diff,
  (r.month_amount - r.month_prev)::double / abs(r.month_prev) * 100    as month_yoy_pct,
  r.ytd_amount,
  r.ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                           as ytd_diff,
  (r.ytd_amount - r.ytd_prev)::double / abs(r.ytd_prev) * 100          as ytd_yoy_pct,
  f.ytd_refund,
  f.ytd_refund_prev,
  ((r.ytd_amount + f.ytd_refund) - (r.ytd_prev + f.ytd_refund_prev))::double
    / abs(r.ytd_prev + f.ytd_refund_prev) * 100                        as ytd_comparable_yoy_pct,
  (f.ytd_refund <> 0 or f.ytd_refund_prev <> 0)                        as has_refund_factor
from revenue r, refunds f, bounds b;
