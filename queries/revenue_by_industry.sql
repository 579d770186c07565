-- Year-to-date revenue of the province (or city $region) by industry section: the $top largest, then 其他 (the rest) and 合计; YoY, share and its change, contribution (百分点).
-- @param period  the month reported, YYYY-MM
-- @param top  how many sections are listed before 其他 (default: 8)
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- 口径: net tax revenue, is_tax codes; not disclosure-controlled (province scope: use revenue_breakdown dimension=section for a city).
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_section as (
  select
    m.section_code,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
  from mart_revenue m, bounds b
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
  group by m.section_code
),
ranked as (
  select *, row_number() over (order by ytd_amount desc, section_code) as rn from by_section
),
folded as (
  select rn as sort_order, false as is_total, false as is_other, r.section_code, i.name as section_name, r.ytd_amount, r.ytd_prev
  from ranked r join industries i on i.code = r.section_code
  where r.rn <= $top::integer
  union all
  select 1000, false, true, null, '其他行业', sum(ytd_amount), sum(ytd_prev) from ranked where rn > $top::integer having count(*) > 0
  union all
  select 1001, true, false, null, '合计', sum(ytd_amount), sum(ytd_prev) from ranked
),
total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_section)
select
  f.section_code,
  f.section_name,
  f.is_total,
  f.is_other,
  f.ytd_amount::decimal(18,2)                                             as ytd_amount,
  f.ytd_prev::decimal(18,2)                                               as ytd_prev,
  (f.ytd_amount - f.ytd_prev)::decimal(18,2)                              as diff,
  case when f.ytd_prev <> 0 then (f.ytd_amount - f.ytd_prev)::double / abs(f.ytd_prev) * 100 end as yoy_pct,
  f.ytd_amount::double / t.ytd_amount * 100                               as share_pct,
  (f.ytd_amount::double / t.ytd_amount - f.ytd_prev::double / t.ytd_prev) * 100 as share_change_pp,
  (f.ytd_amount - f.ytd_prev)::double / abs(t.ytd_prev) * 100             as contribution_pp
from folded f, total t
order by f.sort_order;
