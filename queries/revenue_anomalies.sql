-- Unusual city × tax-type movements in $period (all cities, or city $region): the month's YoY against a robust baseline (median and MAD of the same cell's YoY over the 12 months before), with the deviation in robust standard deviations and the months of decline in a row; |z| ≥ $min_z and material cells only (≥ 2% of the city's month revenue a year ago), strongest $limit first.
with bounds as (
  select strptime($period || '-01', '%Y-%m-%d')::date as cur
),
cell as (
  select city_code, tax_code, period, sum(amount) as amount
  from mart_revenue
  where in_jurisdiction and ($region::varchar is null or city_code = $region::varchar)
  group by all
),
city_month as (
  select city_code, period, sum(amount) as amount from cell group by all
),
yoy as (
  select c.city_code, c.tax_code, c.period, c.amount, p.amount as prev_amount,
         (c.amount - p.amount)::double / nullif(abs(p.amount), 0) * 100 as yoy_pct
  from cell c join cell p on p.city_code = c.city_code and p.tax_code = c.tax_code and p.period = c.period - interval 1 year
),
baseline as (
  select y.city_code, y.tax_code,
         median(y.yoy_pct) as base_median,
         count(*)::integer as base_months
  from yoy y, bounds b
  where y.period between b.cur - interval 12 month and b.cur - interval 1 month
  group by all
),
spread as (
  select y.city_code, y.tax_code, median(abs(y.yoy_pct - s.base_median)) * 1.4826 as base_sd
  from yoy y join baseline s using (city_code, tax_code), bounds b
  where y.period between b.cur - interval 12 month and b.cur - interval 1 month
  group by all
),
streak as (
  select city_code, tax_code,
         count(*) filter (where period > coalesce(last_up, date '1900-01-01'))::integer as decline_months
  from (select y.*, max(period) filter (where yoy_pct >= 0) over (partition by city_code, tax_code) as last_up
        from yoy y, bounds b where y.period <= b.cur)
  group by all
)
select
  y.city_code,
  g.name                                        as city_name,
  y.tax_code,
  t.short_name                                  as tax_name,
  $period                                       as period,
  y.amount::decimal(18,2)                       as amount,
  (y.amount - y.prev_amount)::decimal(18,2)     as diff,
  y.yoy_pct,
  s.base_median                                 as baseline_yoy_pct,
  d.base_sd                                     as baseline_sd_pp,
  s.base_months                                 as baseline_months,
  (y.yoy_pct - s.base_median) / d.base_sd       as z,
  k.decline_months
from yoy y
join bounds b on y.period = b.cur
join baseline s using (city_code, tax_code)
join spread d using (city_code, tax_code)
join streak k using (city_code, tax_code)
join city_month cm on cm.city_code = y.city_code and cm.period = y.period - interval 1 year
join regions g on g.code = y.city_code
join tax_types t on t.code = y.tax_code
where d.base_sd > 0 and s.base_months >= 6
  and abs(y.prev_amount) >= 0.02 * cm.amount
  and abs((y.yoy_pct - s.base_median) / d.base_sd) >= $min_z::double
order by abs((y.yoy_pct - s.base_median) / d.base_sd) desc, y.city_code, y.tax_code
limit $limit::integer;
