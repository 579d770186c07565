-- Months of the year to date (and last year's) where the cities' revenue does not add up to the jurisdiction's total: a county without a city of the jurisdiction.
-- covers: mart_revenue, mart_revenue_city
with b as (select * from report_periods($period, false)),
     total as (
       select period, sum(amount) as amount from mart_revenue, b
       where in_jurisdiction and (period between b.ytd_from and b.cur or period between b.prev_ytd_from and b.prev) group by period),
     cities as (
       select m.period, sum(m.amount) as amount from mart_revenue m
       join regions c on c.code = m.city_code and c.level = 'city' and c.in_jurisdiction cross join b
       where m.period between b.ytd_from and b.cur or m.period between b.prev_ytd_from and b.prev group by m.period)
select strftime(coalesce(t.period, c.period), '%Y-%m') as period, t.amount as province, c.amount as sum_of_cities
from total t full join cities c on c.period = t.period
where t.amount is distinct from c.amount
order by 1;
