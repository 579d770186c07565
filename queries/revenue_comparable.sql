-- Tax revenue growth on a comparable basis (扣除…因素后), one row per named factor removed, beside the headline rate: the factor's amount is added back to revenue in both years.
-- zh: 可比口径增幅：将留抵退税、缓税缓费等因素在两年同时加回后计算的同比，与公布增幅对照。
-- @param period  the month reported, YYYY-MM
-- @param region  a city code for one city, or null for the province's jurisdiction (default: null)
-- Columns: factor (refund | deferral | refund+deferral), factor_name (留抵退税 | 缓税缓费 | 留抵退税和缓税缓费), ytd_amount, ytd_prev (revenue, 元),
--   factor_ytd, factor_prev (the factor's relief 1—N月, 元), headline_yoy_pct, comparable_yoy_pct (%), effect_pp (comparable − headline, 百分点).
-- Factors are relief kinds of the relief feed: 留抵退税 (refund) is paid out of revenue, 缓税缓费 (deferral) postpones it.
with b as (select * from report_periods($period, false)),
revenue as (
  select
    sum(amount) filter (where period between b.ytd_from and b.cur)       as ytd_amount,
    sum(amount) filter (where period between b.prev_ytd_from and b.prev) as ytd_prev
  from mart_revenue_city, b
  where is_tax and in_scope(in_jurisdiction, city_code, $region) and period between b.prev_ytd_from and b.cur
),
relief as (
  select kind,
    coalesce(sum(amount) filter (where period between b.ytd_from and b.cur), 0)       as ytd,
    coalesce(sum(amount) filter (where period between b.prev_ytd_from and b.prev), 0) as prev
  from mart_relief, b
  where kind in ('refund', 'deferral') and in_scope(in_jurisdiction, city_code, $region) and period between b.prev_ytd_from and b.cur
  group by kind
),
factors as (
  select f.factor, f.factor_name, f.sort_order,
         coalesce(sum(r.ytd), 0) as factor_ytd, coalesce(sum(r.prev), 0) as factor_prev
  from (values ('refund', '留抵退税', 1), ('deferral', '缓税缓费', 2), ('refund+deferral', '留抵退税和缓税缓费', 3)) f(factor, factor_name, sort_order)
  left join relief r on list_contains(string_split(f.factor, '+'), r.kind)
  group by all
)
select
  f.factor, f.factor_name,
  v.ytd_amount::decimal(18,2) as ytd_amount,
  v.ytd_prev::decimal(18,2)   as ytd_prev,
  f.factor_ytd::decimal(18,2) as factor_ytd,
  f.factor_prev::decimal(18,2) as factor_prev,
  pct_change(v.ytd_amount, v.ytd_prev) as headline_yoy_pct,
  pct_change(v.ytd_amount + f.factor_ytd, v.ytd_prev + f.factor_prev) as comparable_yoy_pct,
  pct_change(v.ytd_amount + f.factor_ytd, v.ytd_prev + f.factor_prev) - pct_change(v.ytd_amount, v.ytd_prev) as effect_pp
from factors f, revenue v
order by f.sort_order;
