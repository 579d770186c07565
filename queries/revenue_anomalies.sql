-- Material unusual movements: city × tax revenue (VAT with its 留抵退税 added back) over the $months months to $period against a seasonal baseline (the same months last year × the typical YoY of the 12 months before), with the robust z-score; only deviations large in 元 and in the city's revenue; largest first.
-- zh: 地市分税种异常变动：近N个月收入（增值税加回留抵退税）与季节性基线（上年同期×此前12个月典型增幅）比较，按稳健z值判断，并设金额与占比门槛；含1、2月的窗口比较本市与各市中位数之差，以剔除春节错月的共同影响。
-- @param period  the last month examined, YYYY-MM
-- @param months  how many months up to $period are summed and examined together (default: 3)
-- @param threshold  the |robust z| from which a movement is reported (default: 3.5)
-- @param min_pct  the smallest |deviation| in % of the baseline that is reported (default: 10)
-- @param min_amount  the smallest |deviation| in 元 that is reported (default: 100000000)
-- @param min_share_pct  the smallest |deviation| as % of the city's revenue over the same months (default: 1)
-- @param region  a city code to examine one city, or null for every city of the jurisdiction (default: null)
-- @param city  keep only this city's rows of those found (a city edition's anomalies, taken from the jurisdiction's, which every edition shares) (default: null)
-- @row-filter city city_code
-- Columns: city_code, city_name, tax_code, tax_name (full name, for sentences), tax_short, period (the last month, YYYY-MM), window_months ($months), month_from (YYYY-MM, the first month),
--   amount (元, the $months months summed), baseline (元: same_period_last_year × (1 + typical_yoy_pct/100)), same_period_last_year,
--   typical_yoy_pct (median YoY of the baseline windows, %), deviation (元), deviation_pct (%), city_share_pct (|deviation| in % of the city's revenue),
--   robust_z (0.6745 × (log YoY − median) / MAD over the baseline windows), direction (增长 | 下降), baseline_months (how many windows the median stands on),
--   festival_window (true: a Spring Festival window, scored against the median city; typical_yoy_pct is then the expected YoY).
-- 口径: net tax revenue by city and tax; VAT with its 留抵退税 added back (扣除留抵退税因素), as refunds follow policy.
-- Method: per city and tax, the revenue of each run of $months months ending in a month; its log YoY ln(sum / same months last year);
-- the median and MAD of the log YoY of the 12 runs ending in the 12 months before the examined run form the baseline (so a movement that
-- began inside the examined months does not hide in its own baseline); summing $months months evens out one-off monthly lumps.
-- Spring Festival: when the examined months hold January or February (windows ending January–April for 3 months), the festival's
-- date (late January or mid February) moves revenue between January and February, and the deadline it extends into March, in every
-- city at once. There the score is the city's log YoY minus the median city's of the same tax and run (in the examined run and in
-- each baseline run alike, 3 cities at least): a shift all cities share cancels, a city that moves away from the others is reported;
-- the baseline is then last year × the median city's YoY × the city's typical distance from it. Outside those windows a movement
-- all cities share is still reported for each (it is not a calendar effect).
-- Reported when |robust z| ≥ $threshold, |deviation_pct| ≥ $min_pct, |deviation| ≥ $min_amount and ≥ $min_share_pct of the city's revenue:
-- a leader sees only movements that matter to a city's revenue. Runs with a non-positive sum in either year, series with fewer than
-- 6 baseline runs, and runs that would reveal a taxpayer are left out.
with b as (
  select month_start($period) as cur,
         (month_start($period) - to_months($months::integer - 1))::date as window_from,
         -- the examined months hold January or February: the Spring Festival window (see the header)
         (select bool_or(month((month_start($period) - to_months(i::integer))::date) in (1, 2)) from range(0, $months::integer) r(i)) as festival
),
monthly as (
  -- one tax, one month: the mart cells partition the taxpayers, so these counts and maxima are exact. VAT has its
  -- 留抵退税 added back (the comparable basis of revenue_headline): refunds follow policy and claims, not the economy,
  -- and a large refund year would otherwise make next year's VAT look unusual everywhere.
  -- Every city of the jurisdiction is read even for one $region: the Spring Festival rule compares a city with the others.
  select city_code, tax_code, period, bool_or(in_jurisdiction) as in_jurisdiction, sum(amount) as amount, sum(taxpayers) as taxpayers, sum(largest) as largest
  from (
    select m.city_code, m.tax_code, m.period, m.in_jurisdiction, sum(m.amount) as amount, sum(m.taxpayers) as taxpayers, max(m.largest_amount) as largest
    from mart_revenue_city m, b
    where m.is_tax and (m.in_jurisdiction or m.city_code = $region)
      and m.period between (b.window_from - interval 24 month - to_months($months::integer))::date and b.cur
    group by all
    union all
    -- a refund's claimant may be the cell's largest payer too: the two maxima added bound the largest taxpayer above
    select r.city_code, '10101', r.period, r.in_jurisdiction, sum(r.amount), 0, max(r.largest_amount)
    from mart_relief r, b
    where r.kind = 'refund' and (r.in_jurisdiction or r.city_code = $region)
      and r.period between (b.window_from - interval 24 month - to_months($months::integer))::date and b.cur
    group by all
  )
  group by all
),
runs as (
  -- each month: the $months months ending there, summed; the count bound is the most taxpayers of one month, the largest the sum of maxima
  select city_code, tax_code, period, in_jurisdiction,
         sum(amount) over w as amount, max(taxpayers) over w as taxpayers, sum(largest) over w as largest,
         count(*) over w as months_present
  from monthly
  window w as (partition by city_code, tax_code order by period range between to_months($months::integer - 1) preceding and current row)
),
yoy as (
  select s.*, p.amount as same_period_last_year,
         case when s.amount > 0 and p.amount > 0 then ln(s.amount::double / p.amount::double) end as log_yoy
  from runs s
  left join runs p on p.city_code = s.city_code and p.tax_code = s.tax_code and p.period = (s.period - interval 1 year)::date
),
common as (
  -- the movement the cities of the jurisdiction share, per tax and run: the median city's log YoY (3 cities at least)
  select tax_code, period, median(log_yoy) as log_yoy
  from yoy
  where in_jurisdiction and log_yoy is not null and months_present = $months::integer
  group by all
  having count(*) >= 3
),
relative as (
  -- each run's log YoY, and in a Spring Festival window its distance from the median city's instead
  select y.*,
         case when b.festival then c.log_yoy else 0 end as common_shift,
         y.log_yoy - case when b.festival then c.log_yoy else 0 end as score_log_yoy
  from yoy y
  cross join b
  left join common c using (tax_code, period)
),
baseline as (
  select y.city_code, y.tax_code, median(y.score_log_yoy) as med, count(y.score_log_yoy)::integer as n
  from relative y, b
  where y.period >= (b.window_from - interval 12 month)::date and y.period < b.window_from
  group by all
  having count(y.score_log_yoy) >= 6
),
spread as (
  select y.city_code, y.tax_code, median(abs(y.score_log_yoy - l.med)) as mad
  from relative y join baseline l using (city_code, tax_code), b
  where y.period >= (b.window_from - interval 12 month)::date and y.period < b.window_from and y.score_log_yoy is not null
  group by all
),
city_revenue as (
  select city_code, sum(amount) as amount from monthly, b where period between b.window_from and b.cur group by all
),
scored as (
  -- the expected log YoY: the city's typical one; in a Spring Festival window the median city's this time plus the city's typical distance from it
  select
    y.city_code, y.tax_code, y.period, y.amount, y.same_period_last_year,
    y.same_period_last_year * exp(l.med + y.common_shift) as baseline,
    (exp(l.med + y.common_shift) - 1) * 100 as typical_yoy_pct,
    -- a floor on the MAD (1%) keeps a perfectly regular series from turning noise into a signal
    0.6745 * (y.score_log_yoy - l.med) / greatest(s.mad, 0.01) as robust_z,
    l.n as baseline_months,
    b.festival,
    c.amount as city_amount,
    disclosable(y.taxpayers, y.largest, y.amount) as ok
  from relative y
  join baseline l using (city_code, tax_code)
  join spread s using (city_code, tax_code)
  join city_revenue c using (city_code)
  cross join b
  where y.period = b.cur and y.months_present = $months::integer and y.score_log_yoy is not null
    and in_scope(y.in_jurisdiction, y.city_code, $region)
)
select
  s.city_code,
  c.name                                                    as city_name,
  s.tax_code,
  t.name                                                    as tax_name,
  t.short_name                                              as tax_short,
  strftime(s.period, '%Y-%m')                               as period,
  $months::integer                                          as window_months,
  strftime(b.window_from, '%Y-%m')                          as month_from,
  s.amount::decimal(18,2)                                   as amount,
  s.baseline::decimal(18,2)                                 as baseline,
  s.same_period_last_year::decimal(18,2)                    as same_period_last_year,
  s.typical_yoy_pct,
  (s.amount - s.baseline)::decimal(18,2)                    as deviation,
  (s.amount - s.baseline) / s.baseline * 100                as deviation_pct,
  abs(s.amount - s.baseline) / s.city_amount * 100          as city_share_pct,
  s.robust_z,
  case when s.robust_z > 0 then '增长' else '下降' end       as direction,
  s.baseline_months,
  s.festival                                                as festival_window
from scored s
cross join b
join regions c on c.code = s.city_code
join tax_types t on t.code = s.tax_code
where s.ok and abs(s.robust_z) >= $threshold::double
  and ($city is null or s.city_code = $city::varchar)
  and abs((s.amount - s.baseline) / s.baseline * 100) >= $min_pct::double
  and abs(s.amount - s.baseline) >= $min_amount::double
  and s.city_amount > 0 and abs(s.amount - s.baseline) / s.city_amount * 100 >= $min_share_pct::double
order by abs(s.robust_z) desc, s.city_code, s.tax_code;
