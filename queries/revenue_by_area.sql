-- Year-to-date revenue by area (珠三角, 粤东, 粤西, 粤北): amount, YoY, share, contribution to the province's growth (百分点).
-- @param period  the month reported, YYYY-MM
-- 口径: net tax revenue, is_tax codes, in the jurisdiction.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_area as (
  select
    g.region_group,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
  from mart_revenue m join regions g on g.code = m.city_code, bounds b
  where m.in_jurisdiction and m.is_tax
  group by g.region_group
),
total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_area)
select
  a.region_group,
  a.ytd_amount,
  (a.ytd_amount - a.ytd_prev)::decimal(18,2)                            as diff,
  case when a.ytd_prev <> 0 then (a.ytd_amount - a.ytd_prev)::double / abs(a.ytd_prev) * 100 end as yoy_pct,
  a.ytd_amount::double / t.ytd_amount * 100                             as share_pct,
  (a.ytd_amount - a.ytd_prev)::double / abs(t.ytd_prev) * 100           as contribution_pp
from by_area a, total t
order by case a.region_group when '珠三角' then 1 when '粤东' then 2 when '粤西' then 3 else 4 end;
