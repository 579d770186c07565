-- Year-to-date revenue by tax type: amount, 增收/减收, YoY, share and its change (百分点), contribution to growth (百分点); the total last.
-- zh: 分税种1—N月税收收入：收入、增减收、同比、占比及其变化、拉动（百分点），合计列末行。
-- @param period  the month reported, YYYY-MM
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- 口径: net tax revenue, is_tax codes, in the jurisdiction (Shenzhen excluded) or the city $region.
-- Disclosure (as revenue_breakdown with dimension=tax): a tax is named only when, this year and last, it has ≥ 3 taxpayers
-- and none above 85%; the others fold into 其他税种 (tax_code null), which takes in the next smallest taxes until it passes;
-- when none does, 其他税种 and the total are withheld (null).
with w as (
  select * from report_windows($period, false) where span in ('ytd', 'ytd_prev')
),
cells as (
  select m.tax_code as code, w.span, m.period,
         sum(m.amount) as amount, sum(m.taxpayers) as taxpayers, max(m.largest_amount) as largest
  from mart_revenue_city m
  join w on m.period between w.date_from and w.date_to
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
  group by all
),
parts as (
  select code, span, sum(amount) as amount, max(taxpayers) as taxpayers, sum(largest) as largest from cells group by all
),
labelled as (
  select * from fold_parts(
    (select list({'code': code, 'span': span, 'amount': amount, 'taxpayers': taxpayers, 'largest': largest}) from parts), false)
),
publishable as (
  select coalesce(bool_and(publishable), true) as ok from labelled
),
by_tax as (
  select code as tax_code,
    coalesce(sum(amount) filter (where span = 'ytd'), 0)::decimal(18,2)      as ytd_amount,
    coalesce(sum(amount) filter (where span = 'ytd_prev'), 0)::decimal(18,2) as ytd_prev
  from labelled group by code
),
total as (
  select case when p.ok then sum(ytd_amount) end as ytd_amount, case when p.ok then sum(ytd_prev) end as ytd_prev
  from by_tax, publishable p group by p.ok
),
rows as (
  select
    t.sort_order, false as is_total, x.tax_code, t.name as tax_name, t.short_name as tax_short, x.ytd_amount, x.ytd_prev
  from by_tax x join tax_types t on t.code = x.tax_code
  where x.ytd_amount <> 0 or x.ytd_prev <> 0
  union all
  select 999999, false, null, '其他税种', '其他税种',
         case when p.ok then x.ytd_amount end, case when p.ok then x.ytd_prev end
  from by_tax x, publishable p where x.tax_code is null
  union all
  select 1000000, true, null, '合计', '合计', ytd_amount, ytd_prev from total
)
select
  r.tax_code,
  r.tax_name,
  r.tax_short,
  r.is_total,
  r.ytd_amount,
  r.ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                                  as diff,
  case when r.ytd_prev <> 0 then (r.ytd_amount - r.ytd_prev)::double / abs(r.ytd_prev) * 100 end as yoy_pct,
  r.ytd_amount::double / t.ytd_amount * 100                                   as share_pct,
  (r.ytd_amount::double / t.ytd_amount - r.ytd_prev::double / t.ytd_prev) * 100 as share_change_pp,
  (r.ytd_amount - r.ytd_prev)::double / abs(t.ytd_prev) * 100                 as contribution_pp,
  -- the main taxes are named in the text: the four largest this year (其他税种 is not a tax)
  (r.tax_code is not null and rank() over (partition by r.tax_code is null order by r.ytd_amount desc) <= 4) as is_main
from rows r, total t
order by r.sort_order;
