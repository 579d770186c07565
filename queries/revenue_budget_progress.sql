-- Budget progress (预算完成进度): year-to-date tax revenue against the annual target, beside time progress (时序进度 = N/12), for the province and each city with a target.
-- zh: 预算完成进度：全省及各地市1—N月税收收入占年度预算的比重，与时序进度（N/12）比较。
-- @param period  the month reported, YYYY-MM
-- Columns: region_code (440000 = the jurisdiction), region_name, is_province, target (元; null without a target), ytd_amount,
--   progress_pct (ytd / target, %), time_progress_pct (N / 12, %), gap_pp (progress − time progress, 百分点; negative = behind), rank (cities, by gap_pp).
-- 口径: targets from budget_targets (the feed), whole-revenue targets only (tax_code null), same revenue 口径 as revenue_headline.
with b as (select * from report_periods($period, false)),
ytd as (
  select
    case when grouping(m.city_code) = 1 then '440000' else m.city_code end as region_code,
    sum(m.amount) as ytd_amount
  from mart_revenue_city m, b
  where m.is_tax and m.in_jurisdiction and m.period between b.ytd_from and b.cur
  group by grouping sets ((m.city_code), ())
),
targets as (
  select region_code, sum(amount) as target
  from budget_targets, b
  where year = year(b.cur) and tax_code is null and superseded_by is null
  group by region_code
)
select
  y.region_code,
  g.name                                        as region_name,
  y.region_code = '440000'                      as is_province,
  t.target::decimal(18,2)                       as target,
  y.ytd_amount::decimal(18,2)                   as ytd_amount,
  case when t.target > 0 then y.ytd_amount::double / t.target * 100 end as progress_pct,
  b.months_elapsed / 12.0 * 100                 as time_progress_pct,
  case when t.target > 0 then y.ytd_amount::double / t.target * 100 - b.months_elapsed / 12.0 * 100 end as gap_pp,
  case when y.region_code <> '440000' and t.target > 0
       then rank() over (partition by y.region_code = '440000', t.target > 0 order by y.ytd_amount::double / t.target desc)::integer end as rank
from ytd y
cross join b
join regions g on g.code = y.region_code
left join targets t on t.region_code = y.region_code
where y.region_code = '440000' or t.target is not null
order by y.region_code <> '440000', rank, y.region_code;
