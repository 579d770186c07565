-- Months where the relief mart does not add up to the taxpayer-level relief, or its beneficiaries are negative.
with facts as (select period, sum(amount) as amount from relief where superseded_by is null group by period),
     mart  as (select period, sum(amount) as amount, min(beneficiaries) as fewest from mart_relief group by period)
select strftime(coalesce(f.period, m.period), '%Y-%m') as period, f.amount as facts, m.amount as mart, m.fewest
from facts f full join mart m on m.period = f.period
where f.amount is distinct from m.amount or m.fewest < 0
order by 1;
