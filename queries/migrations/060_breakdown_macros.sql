-- What revenue_breakdown and revenue_top_movers share: which mart cells a revenue breakdown reads.
-- (The parts' names stay in the queries: a macro is bound when it is created, before the seeds' tables exist.)

-- The revenue cells of a breakdown by `dimension` for month p: the city mart (the county mart only for the
-- county dimension, which needs it), from January of last year to p, each row labelled with its part's code
-- (tax, city, county, region_group, section, size, or city_tax = city code ':' tax code; anything else: null).
-- Read by revenue_breakdown and revenue_top_movers.
create or replace macro revenue_parts_source(dimension, p) as table
select
  case dimension
    when 'tax' then m.tax_code when 'city' then m.city_code when 'county' then m.region_code
    when 'region_group' then m.region_group when 'section' then m.section_code when 'size' then m.size_code
    when 'city_tax' then m.city_code || ':' || m.tax_code
  end as code,
  m.period, m.city_code, m.in_jurisdiction, m.tax_code, m.is_tax, m.amount, m.taxpayers, m.largest_amount
from (
  select period, city_code, city_code as region_code, region_group, in_jurisdiction, tax_code, is_tax, section_code, size_code,
         amount, taxpayers, largest_amount
  from mart_revenue_city
  where dimension <> 'county'
    and period between date_trunc('year', month_start(p) - interval 1 year) and month_start(p)
  union all
  select period, city_code, region_code, region_group, in_jurisdiction, tax_code, is_tax, section_code, size_code,
         amount, taxpayers, largest_amount
  from mart_revenue
  where dimension = 'county'
    and period between date_trunc('year', month_start(p) - interval 1 year) and month_start(p)
) m;
