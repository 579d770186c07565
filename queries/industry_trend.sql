-- Monthly revenue of the key industries (C, E, F, I, J, K) of the province (or city $region) for the $months months up to $period, with YoY: the small multiples of 重点行业税收监测.
-- zh: 重点行业逐月税收收入及同比（重点行业税收监测的小多图）。
-- @param period  the month reported, YYYY-MM
-- @param months  how many months (default: 13)
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
with key_sections(section_code, short_name, sort_order) as (
  values ('C', '制造业', 1), ('E', '建筑业', 2), ('F', '批发和零售业', 3), ('I', '信息服务业', 4), ('J', '金融业', 5), ('K', '房地产业', 6)
),
monthly as (
  select section_code, period, sum(amount)::decimal(18,2) as amount
  from mart_revenue
  where is_tax and in_scope(in_jurisdiction, city_code, $region)
    and section_code in (select section_code from key_sections)
  group by all
)
select
  k.section_code,
  k.short_name                                                     as section_name,
  strftime(m.period, '%Y-%m')                                      as period,
  m.amount,
  (m.amount - p.amount)::double / nullif(abs(p.amount), 0) * 100   as yoy_pct
from monthly m
join key_sections k on k.section_code = m.section_code
left join monthly p on p.section_code = m.section_code and p.period = m.period - interval 1 year
where m.period <= strptime($period || '-01', '%Y-%m-%d')::date
  and m.period >  strptime($period || '-01', '%Y-%m-%d')::date - to_months($months::integer)
order by k.sort_order, m.period;
