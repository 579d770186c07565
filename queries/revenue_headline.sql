-- Tax revenue for the month and the year to date: amounts, 增收/减收, YoY, MoM, and YoY after adding back VAT credit refunds (留抵退税) in both years.
-- zh: 当月及1—N月税收收入、增减收、同比、环比，以及扣除留抵退税因素后的同比。
-- @param period  the month reported, YYYY-MM
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- @param combine_jan_feb  true: in February the month columns are January and February together (1—2月) (default: false)
-- Columns: period, year, month, month_from (YYYY-MM: the first month of the month columns, 01 when 1—2月 are combined),
--   month_amount, month_prev, month_diff, month_yoy_pct, last_month_amount, mom_pct (环比; null for a combined 1—2月),
--   ytd_amount, ytd_prev, ytd_diff, ytd_yoy_pct, ytd_refund, ytd_refund_prev (留抵退税 1—N月), ytd_comparable_yoy_pct
--   (扣除留抵退税因素后: refunds added back in both years), comparable_effect_pp (comparable minus headline, 百分点), has_refund_factor.
-- 口径: net tax revenue (入库 after refunds), is_tax codes, in the jurisdiction (Shenzhen excluded) or the city $region.
with b as (select * from report_periods($period, $combine_jan_feb::boolean)),
revenue as (
  select
    sum(amount) filter (where period between b.month_from and b.cur)           as month_amount,
    sum(amount) filter (where period between b.prev_month_from and b.prev)     as month_prev,
    sum(amount) filter (where period = b.last_month)                           as last_month_amount,
    sum(amount) filter (where period between b.ytd_from and b.cur)             as ytd_amount,
    sum(amount) filter (where period between b.prev_ytd_from and b.prev)       as ytd_prev
  from mart_revenue_city, b
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
    and period between b.prev_ytd_from and b.cur
),
refunds as (
  select
    coalesce(sum(amount) filter (where period between b.ytd_from and b.cur), 0)       as ytd_refund,
    coalesce(sum(amount) filter (where period between b.prev_ytd_from and b.prev), 0) as ytd_refund_prev
  from mart_relief, b
  where kind = 'refund' and in_scope(in_jurisdiction, city_code, $region)
    and period between b.prev_ytd_from and b.cur
)
select
  $period                                                              as period,
  year(b.cur)::integer                                                 as year,
  month(b.cur)::integer                                                as month,
  strftime(b.month_from, '%Y-%m')                                      as month_from,
  r.month_amount::decimal(18,2)                                        as month_amount,
  r.month_prev::decimal(18,2)                                          as month_prev,
  (r.month_amount - r.month_prev)::decimal(18,2)                       as month_diff,
  pct_change(r.month_amount, r.month_prev)                             as month_yoy_pct,
  r.last_month_amount::decimal(18,2)                                   as last_month_amount,
  pct_change(r.month_amount, r.last_month_amount)                      as mom_pct,
  r.ytd_amount::decimal(18,2)                                          as ytd_amount,
  r.ytd_prev::decimal(18,2)                                            as ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                           as ytd_diff,
  pct_change(r.ytd_amount, r.ytd_prev)                                 as ytd_yoy_pct,
  f.ytd_refund::decimal(18,2)                                          as ytd_refund,
  f.ytd_refund_prev::decimal(18,2)                                     as ytd_refund_prev,
  pct_change(r.ytd_amount + f.ytd_refund, r.ytd_prev + f.ytd_refund_prev) as ytd_comparable_yoy_pct,
  pct_change(r.ytd_amount + f.ytd_refund, r.ytd_prev + f.ytd_refund_prev) - pct_change(r.ytd_amount, r.ytd_prev) as comparable_effect_pp,
  (f.ytd_refund <> 0 or f.ytd_refund_prev <> 0)                        as has_refund_factor
from revenue r, refunds f, b;
