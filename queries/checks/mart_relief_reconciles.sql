-- Months (of the 25 up to $period) where the relief mart does not add up to the current taxpayer-level relief (the relief in a brief must match the relief feed).
-- covers: mart_relief, mart_relief_beneficiaries
-- @param months the months to compare, 'YYYY-MM,…': the nightly run passes those whose facts or marts changed since they last held (default: *)
with b as (select month_start($period) as cur, (month_start($period) - interval 24 month)::date as first),
     months as (select month_start(m) as period from unnest(string_split($months, ',')) t(m) where $months <> '*' and m <> ''),
     facts as (select period, sum(amount) as amount from relief, b where superseded_by is null and period between b.first and b.cur
                 and ($months = '*' or period in (select period from months)) group by period),
     mart  as (select period, sum(amount) as amount from mart_relief, b where period between b.first and b.cur
                 and ($months = '*' or period in (select period from months)) group by period)
select strftime(coalesce(f.period, m.period), '%Y-%m') as period, f.amount as facts, m.amount as mart
from facts f full join mart m on m.period = f.period
where f.amount is distinct from m.amount
order by 1;
