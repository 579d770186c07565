-- Contributions (拉动, 百分点) of the $top tax types that move the year-to-date total most (by absolute contribution), the rest folded into 其他税种, then 合计: what the contribution waterfall draws.
-- @param period  the month reported, YYYY-MM
-- @param top  how many tax types are drawn before 其他税种 (default: 6)
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_tax as (
  select
    m.tax_code,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)   as ytd_amount,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0) as ytd_prev
  from mart_revenue m, bounds b
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
  group by m.tax_code
),
total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_tax),
ranked as (
  select x.*, t.short_name, row_number() over (order by abs(x.ytd_amount - x.ytd_prev) desc, x.tax_code) as rn
  from by_tax x join tax_types t on t.code = x.tax_code
),
parts as (
  select rn as sort_order, false as is_total, short_name as tax_short, ytd_amount - ytd_prev as diff from ranked where rn <= $top::integer
  union all
  select 1000, false, '其他税种', sum(ytd_amount - ytd_prev) from ranked where rn > $top::integer having count(*) > 0
  union all
  select 1001, true, '合计', ytd_amount - ytd_prev from total
)
select p.tax_short, p.is_total, p.diff::decimal(18,2) as diff, p.diff::double / abs(t.ytd_prev) * 100 as contribution_pp
from parts p, total t
order by p.sort_order;
