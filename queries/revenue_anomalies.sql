-- Unusual city × tax months among the $months months up to $period: actual revenue against a seasonal baseline (the same month last year × the typical YoY of the 12 months before), with the robust z-score; largest first.
-- @param period  the last month examined, YYYY-MM
-- @param months  how many months up to $period are examined (default: 3)
-- @param threshold  the |robust z| from which a month is reported (default: 3.5)
-- @param min_pct  the smallest |deviation| in % that is reported, so that tiny but regular series stay quiet (default: 10)
-- @param region  a city code to examine one city, or null for every city of the jurisdiction (default: null)
-- Columns: city_code, city_name, tax_code, tax_name, period (YYYY-MM), amount, baseline (元: same_month_last_year × (1 + typical_yoy_pct/100)),
--   same_month_last_year, typical_yoy_pct (median YoY of the 12 baseline months, %), deviation (元), deviation_pct (%),
--   robust_z (0.6745 × (log YoY − median) / MAD over the baseline months), direction (增长 | 下降), baseline_months (how many months the median stands on).
-- Method: per city and tax, log YoY ratios ln(amount / same month last year); their median and MAD over the 12 months before
-- the examined window form the baseline; a month is reported when |robust z| ≥ $threshold and |deviation_pct| ≥ $min_pct.
-- Months with a non-positive amount in either year, series with fewer than 6 baseline months, and cells that would reveal a taxpayer are left out.
with b as (
  select month_start($period) as cur,
         (month_start($period) - to_months($months::integer - 1))::date as window_from
),
series as (
  -- one tax, one month: the mart cells partition the taxpayers, so these counts and maxima are exact
  select m.city_code, m.tax_code, m.period, sum(m.amount) as amount,
         sum(m.taxpayers) as taxpayers, max(m.largest_amount) as largest
  from mart_revenue_city m, b
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
    and m.period between (b.window_from - interval 24 month)::date and b.cur
  group by all
),
yoy as (
  select s.*, p.amount as same_month_last_year,
         case when s.amount > 0 and p.amount > 0 then ln(s.amount::double / p.amount::double) end as log_yoy
  from series s
  left join series p on p.city_code = s.city_code and p.tax_code = s.tax_code and p.period = (s.period - interval 1 year)::date
),
baseline as (
  select y.city_code, y.tax_code, median(y.log_yoy) as med, count(y.log_yoy)::integer as n
  from yoy y, b
  where y.period >= (b.window_from - interval 12 month)::date and y.period < b.window_from
  group by all
  having count(y.log_yoy) >= 6
),
spread as (
  select y.city_code, y.tax_code, median(abs(y.log_yoy - l.med)) as mad
  from yoy y join baseline l using (city_code, tax_code), b
  where y.period >= (b.window_from - interval 12 month)::date and y.period < b.window_from and y.log_yoy is not null
  group by all
),
scored as (
  select
    y.city_code, y.tax_code, y.period, y.amount, y.same_month_last_year,
    y.same_month_last_year * exp(l.med) as baseline,
    (exp(l.med) - 1) * 100 as typical_yoy_pct,
    -- a floor on the MAD (1%) keeps a perfectly regular series from turning noise into a signal
    0.6745 * (y.log_yoy - l.med) / greatest(s.mad, 0.01) as robust_z,
    l.n as baseline_months,
    disclosable(y.taxpayers, y.largest, y.amount) as ok
  from yoy y
  join baseline l using (city_code, tax_code)
  join spread s using (city_code, tax_code)
  cross join b
  where y.period between b.window_from and b.cur and y.log_yoy is not null
)
select
  s.city_code,
  c.name                                                    as city_name,
  s.tax_code,
  t.short_name                                              as tax_name,
  strftime(s.period, '%Y-%m')                               as period,
  s.amount::decimal(18,2)                                   as amount,
  s.baseline::decimal(18,2)                                 as baseline,
  s.same_month_last_year::decimal(18,2)                     as same_month_last_year,
  s.typical_yoy_pct,
  (s.amount - s.baseline)::decimal(18,2)                    as deviation,
  (s.amount - s.baseline) / s.baseline * 100                as deviation_pct,
  s.robust_z,
  case when s.robust_z > 0 then '增长' else '下降' end       as direction,
  s.baseline_months
from scored s
join regions c on c.code = s.city_code
join tax_types t on t.code = s.tax_code
where s.ok and abs(s.robust_z) >= $threshold::double
  and abs((s.amount - s.baseline) / s.baseline * 100) >= $min_pct::double
order by abs(s.robust_z) desc, s.city_code, s.tax_code, s.period;
