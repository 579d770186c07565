-- The key industries of 重点行业税收监测 (制造业 C, 建筑业 E, 批发和零售业 F, 信息服务 I, 金融业 J, 房地产业 K): year-to-date and month revenue, YoY, share, contribution (百分点), months of YoY decline in a row.
-- zh: 重点行业（制造业、建筑业、批发和零售业、信息服务业、金融业、房地产业）1—N月及当月税收收入、同比、占比、拉动（百分点）及同比连续下降月数。
-- @param period  the month reported, YYYY-MM
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- 口径: net tax revenue, is_tax codes; shares against all industries of the same scope.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
key_sections(section_code, short_name, sort_order) as (
  values ('C', '制造业', 1), ('E', '建筑业', 2), ('F', '批发和零售业', 3), ('I', '信息传输、软件和信息技术服务业', 4), ('J', '金融业', 5), ('K', '房地产业', 6)
),
monthly as (
  select section_code, period, sum(amount) as amount
  from mart_revenue
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
  group by all
),
yoy as (
  select m.section_code, m.period, (m.amount - p.amount)::double / nullif(abs(p.amount), 0) * 100 as yoy_pct
  from monthly m join monthly p on p.section_code = m.section_code and p.period = m.period - interval 1 year
  , bounds b where m.period <= b.cur
),
streak as (
  -- months in a row, back from the reporting month, in which YoY was negative
  select section_code, count(*) filter (where period > coalesce(last_up, date '1900-01-01'))::integer as decline_months
  from (select y.*, max(period) filter (where yoy_pct >= 0) over (partition by section_code) as last_up from yoy y)
  group by section_code
),
totals as (
  select
    sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur)   as ytd_total,
    sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev) as ytd_total_prev
  from monthly, bounds b
),
agg as (
  select
    k.section_code, k.short_name, k.sort_order,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev,
    coalesce(sum(m.amount) filter (where m.period = b.cur), 0)::decimal(18,2)  as month_amount,
    coalesce(sum(m.amount) filter (where m.period = b.prev), 0)::decimal(18,2) as month_prev
  from key_sections k left join monthly m on m.section_code = k.section_code, bounds b
  group by all
)
select
  a.section_code,
  a.short_name                                                             as section_name,
  a.ytd_amount,
  a.ytd_prev,
  (a.ytd_amount - a.ytd_prev)::decimal(18,2)                               as diff,
  case when a.ytd_prev <> 0 then (a.ytd_amount - a.ytd_prev)::double / abs(a.ytd_prev) * 100 end as yoy_pct,
  a.month_amount,
  case when a.month_prev <> 0 then (a.month_amount - a.month_prev)::double / abs(a.month_prev) * 100 end as month_yoy_pct,
  a.ytd_amount::double / t.ytd_total * 100                                 as share_pct,
  (a.ytd_amount::double / t.ytd_total - a.ytd_prev::double / t.ytd_total_prev) * 100 as share_change_pp,
  (a.ytd_amount - a.ytd_prev)::double / abs(t.ytd_total_prev) * 100        as contribution_pp,
  coalesce(s.decline_months, 0)                                            as decline_months
from agg a cross join totals t left join streak s on s.section_code = a.section_code
order by a.sort_order;
