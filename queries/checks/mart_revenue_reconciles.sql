-- Months where the revenue mart does not add up to the taxpayer-level revenue (the mart is stale or wrong).
with facts as (select period, sum(amount) as amount from revenue where superseded_by is null group by period),
     mart  as (select period, sum(amount) as amount from mart_revenue group by period)
select strftime(coalesce(f.period, m.period), '%Y-%m') as period, f.amount as facts, m.amount as mart
from facts f full join mart m on m.period = f.period
where f.amount is distinct from m.amount
order by 1;
