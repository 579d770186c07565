-- Months of the year to date (and last year's) where the revenue by known tax type does not add up to the total: a tax code missing from the tax_types seed.
-- covers: mart_revenue, mart_revenue_city
with b as (select * from report_periods($period, false)),
     scoped as (
       select m.period, m.amount, t.code is not null as known from mart_revenue m cross join b
       left join tax_types t on t.code = m.tax_code
       where m.in_jurisdiction and (m.period between b.ytd_from and b.cur or m.period between b.prev_ytd_from and b.prev))
select strftime(period, '%Y-%m') as period, sum(amount) as total, sum(amount) filter (where known) as sum_of_tax_types
from scoped
group by period
having sum(amount) is distinct from sum(amount) filter (where known)
order by 1;
