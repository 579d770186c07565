-- Year-to-date revenue by city of the jurisdiction: amount, 增减收, YoY, share and its change (百分点), contribution to the province's growth (百分点), ranks; the month's YoY too.
-- @param period  the month reported, YYYY-MM
-- 口径: net tax revenue, is_tax codes, the cities of the jurisdiction (Shenzhen excluded).
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_city as (
  select
    m.city_code,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev,
    coalesce(sum(amount) filter (where period = b.cur), 0)::decimal(18,2)                                       as month_amount,
    coalesce(sum(amount) filter (where period = b.prev), 0)::decimal(18,2)                                      as month_prev
  from mart_revenue m, bounds b
  where m.in_jurisdiction and m.is_tax
  group by m.city_code
),
total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_city)
select
  c.city_code,
  g.name                                                                   as city_name,
  g.region_group,
  c.ytd_amount,
  c.ytd_prev,
  (c.ytd_amount - c.ytd_prev)::decimal(18,2)                               as diff,
  case when c.ytd_prev <> 0 then (c.ytd_amount - c.ytd_prev)::double / abs(c.ytd_prev) * 100 end as yoy_pct,
  case when c.month_prev <> 0 then (c.month_amount - c.month_prev)::double / abs(c.month_prev) * 100 end as month_yoy_pct,
  c.ytd_amount::double / t.ytd_amount * 100                                as share_pct,
  (c.ytd_amount::double / t.ytd_amount - c.ytd_prev::double / t.ytd_prev) * 100 as share_change_pp,
  (c.ytd_amount - c.ytd_prev)::double / abs(t.ytd_prev) * 100              as contribution_pp,
  rank() over (order by c.ytd_amount desc)::integer                        as rank_amount,
  rank() over (order by (c.ytd_amount - c.ytd_prev)::double / nullif(abs(c.ytd_prev), 0) desc nulls last)::integer as rank_growth,
  count(*) over ()::integer                                                as cities
from by_city c
join regions g on g.code = c.city_code, total t
order by c.ytd_amount desc, c.city_code;
