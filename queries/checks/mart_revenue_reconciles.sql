-- Months (of the 25 up to $period) where the revenue marts (county and city grain) do not add up to the current taxpayer-level revenue: a mart is stale or wrong.
-- covers: mart_revenue, mart_revenue_city
-- @param months the months to compare, 'YYYY-MM,…': the nightly run passes those whose facts or marts changed since they last held (default: *)
with b as (select month_start($period) as cur, (month_start($period) - interval 24 month)::date as first),
     months as (select month_start(m) as period from unnest(string_split($months, ',')) t(m) where $months <> '*' and m <> ''),
     facts as (select period, sum(amount) as amount from revenue, b where superseded_by is null and period between b.first and b.cur
                 and ($months = '*' or period in (select period from months)) group by period),
     county as (select period, sum(amount) as amount from mart_revenue, b where period between b.first and b.cur
                 and ($months = '*' or period in (select period from months)) group by period),
     city as (select period, sum(amount) as amount from mart_revenue_city, b where period between b.first and b.cur
                 and ($months = '*' or period in (select period from months)) group by period)
select strftime(coalesce(f.period, m.period, c.period), '%Y-%m') as period, f.amount as facts, m.amount as mart, c.amount as city_mart
from facts f
full join county m on m.period = f.period
full join city c on c.period = coalesce(f.period, m.period)
where f.amount is distinct from m.amount or f.amount is distinct from c.amount
order by 1;
