-- Relief cells with a negative beneficiary count, and year-to-date kinds with more distinct beneficiaries than the whole (impossible counts).
-- covers: mart_relief, mart_relief_beneficiaries
with b as (select * from report_periods($period, false)),
     ytd as (
       select grouping_set, kind, sum(new_beneficiaries) as beneficiaries
       from mart_relief_beneficiaries, b
       where year = year(b.cur) and first_period <= b.cur and in_jurisdiction and grouping_set in ('total', 'kind')
       group by all)
select 'mart_relief' as source, strftime(period, '%Y-%m') as period, policy_code as code, beneficiaries
from mart_relief where beneficiaries < 0
union all
select 'mart_relief_beneficiaries', strftime(first_period, '%Y-%m'), grouping_set, new_beneficiaries
from mart_relief_beneficiaries where new_beneficiaries < 0
union all
select 'kind exceeds total', $period, k.kind, k.beneficiaries
from ytd k, ytd t
where k.grouping_set = 'kind' and t.grouping_set = 'total' and k.beneficiaries > t.beneficiaries;
