-- Months of the year to date (and last year's) where the four relief kinds do not add up to the relief total: a policy of an unknown kind.
-- covers: mart_relief
with b as (select * from report_periods($period, false)),
     scoped as (
       select period, amount, kind in ('tax_cut', 'fee_cut', 'refund', 'deferral') as known from mart_relief, b
       where in_jurisdiction and (period between b.ytd_from and b.cur or period between b.prev_ytd_from and b.prev))
select strftime(period, '%Y-%m') as period, sum(amount) as total, coalesce(sum(amount) filter (where known), 0) as sum_of_kinds
from scoped
group by period
having sum(amount) <> coalesce(sum(amount) filter (where known), 0)
order by 1;
