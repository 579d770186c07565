-- Relief enjoyed in month $k (= year * 12 + month - 1), one row per taxpayer and policy; R04 rows are the VAT refunds.
with pm as (
  select policy_code, per_w from policy_month where k = $k::integer
), mk as (
  select * from month_k where k = $k::integer
), rows as (
  select
    b.tp, b.policy_code::varchar as policy_code, b.tax_code::varchar as tax_code,
    b.region_code, b.industry_code, b.size_code,
    greatest(0.01, round(pm.per_w * b.w
      * exp(0.3 * gauss(hash(p.seed, b.tp, b.policy_code::varchar, mk.k, 'r1'), hash(p.seed, b.tp, b.policy_code::varchar, mk.k, 'r2')) - 0.045),
      2))::decimal(18, 2) as amount
  from beneficiary b
  join pm on pm.policy_code = b.policy_code
  cross join mk
  cross join run_param p
  where mk.k between b.first_k and b.last_k
  union all
  select r.tp, 'R04', '10101', r.region_code, r.industry_code, r.size_code, r.amount
  from refund r
  where r.k = $k::integer
)
select
  mk.period,
  'TP' || lpad(r.tp::varchar, 8, '0') as taxpayer_id,
  r.region_code::varchar as region_code,
  r.industry_code::varchar as industry_code,
  r.size_code::varchar as size_code,
  r.policy_code,
  r.tax_code,
  r.amount
from rows r
cross join mk
order by r.tp, r.policy_code
