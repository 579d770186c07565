-- Year-to-date revenue by tax type: amount, 增收/减收, YoY, share and its change (百分点), contribution to growth (百分点); the total last.
-- @param period  the month reported, YYYY-MM
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- 口径: net tax revenue, is_tax codes; for disclosure-controlled parts use revenue_breakdown with dimension=tax.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_tax as (
  select
    m.tax_code,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
  from mart_revenue_city m, bounds b
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
  group by m.tax_code
),
total as (
  select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_tax
),
rows as (
  select
    t.sort_order, false as is_total, x.tax_code, t.name as tax_name, t.short_name as tax_short, x.ytd_amount, x.ytd_prev
  from by_tax x join tax_types t on t.code = x.tax_code
  where x.ytd_amount <> 0 or x.ytd_prev <> 0
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
  -- the main taxes are named in the text: the four largest this year
  (not r.is_total and rank() over (partition by r.is_total order by r.ytd_amount desc) <= 4) as is_main
from rows r, total t
order by r.sort_order;
