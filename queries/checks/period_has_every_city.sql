-- Cities of the jurisdiction with no revenue at all in $period: an extract is probably missing.
-- covers: mart_revenue, mart_revenue_city
select c.code as city_code, c.name as city
from regions c
where c.level = 'city' and c.in_jurisdiction
  and not exists (
    select 1 from mart_revenue m
    where m.city_code = c.code and m.period = month_start($period)
  )
order by c.code;
