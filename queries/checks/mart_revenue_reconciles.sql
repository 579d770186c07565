-- Months (of the 25 up to $period) where the revenue mart does not add up to the current taxpayer-level revenue: the mart is stale or wrong.
-- covers: mart_revenue
with b as (select month_start($period) as cur, (month_start($period) - interval 24 month)::date as first),
     facts as (select period, sum(amount) as amount from revenue, b where superseded_by is null and period between b.first and b.cur group by period),
     mart  as (select period, sum(amount) as amount from mart_revenue, b where period between b.first and b.cur group by period)
select strftime(coalesce(f.period, m.period), '%Y-%m') as period, f.amount as facts, m.amount as mart
from facts f full join mart m on m.period = f.period
where f.amount is distinct from m.amount
order by 1;
