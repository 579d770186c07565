-- Budget targets (预算目标) for year $year: each city's and the jurisdiction's (440000) tax revenue of the year before
-- (read back from the demo's own revenue files $files, twelve months) × 1.08, rounded to 万元; whole-revenue targets (tax_code empty).
-- An 8% target above last year's actual puts the demo's 预算完成进度 near 时序进度, as planning offices aim for.
with revenue as (
  select left(r.region_code, 4) || '00' as city_code, sum(r.amount) as amount
  from read_csv($files, header = true, columns = {'period': 'varchar', 'taxpayer_id': 'varchar', 'region_code': 'varchar',
                'industry_code': 'varchar', 'size_code': 'varchar', 'tax_code': 'varchar', 'amount': 'decimal(18,2)'}) r
  join seed_tax_types t on t.code = r.tax_code and t.is_tax = 'true'
  group by all
),
cities as (
  select v.city_code, v.amount from revenue v
  join seed_regions g on g.code = v.city_code and g.level = 'city' and g.in_jurisdiction = 'true'
)
select $year::integer as year, region_code, '' as tax_code, (round(amount * 1.08 / 10000) * 10000)::decimal(18,2) as amount
from (
  select city_code as region_code, amount from cities
  union all
  select '440000', sum(amount) from cities
)
order by region_code
