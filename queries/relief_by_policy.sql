-- Year-to-date relief of the province (or city $region) by policy: amount, YoY, share of all relief, distinct beneficiaries (户数) and relief per beneficiary; the total last.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
by_policy as (
  select
    m.policy_code,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
  from mart_relief m, bounds b
  where m.in_jurisdiction and ($region::varchar is null or m.city_code = $region::varchar)
  group by m.policy_code
),
people as (
  select r.policy_code, count(distinct r.taxpayer_id)::integer as beneficiaries
  from relief r join regions g on g.code = r.region_code, bounds b
  where g.in_jurisdiction and ($region::varchar is null or g.city_code = $region::varchar)
    and r.period between date_trunc('year', b.cur) and b.cur
  group by r.policy_code
),
all_people as (
  select count(distinct r.taxpayer_id)::integer as beneficiaries
  from relief r join regions g on g.code = r.region_code, bounds b
  where g.in_jurisdiction and ($region::varchar is null or g.city_code = $region::varchar)
    and r.period between date_trunc('year', b.cur) and b.cur
),
total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_policy),
rows as (
  select p.code as sort_key, false as is_total, x.policy_code, p.name as policy_name, p.kind, x.ytd_amount, x.ytd_prev, coalesce(n.beneficiaries, 0) as beneficiaries
  from by_policy x join relief_policies p on p.code = x.policy_code left join people n on n.policy_code = x.policy_code
  where x.ytd_amount <> 0 or x.ytd_prev <> 0
  union all
  select 'ZZZ', true, null, '合计', null, t.ytd_amount, t.ytd_prev, a.beneficiaries from total t, all_people a
)
select
  r.policy_code, r.policy_name, r.kind, r.is_total,
  r.ytd_amount, r.ytd_prev,
  case when r.ytd_prev <> 0 then (r.ytd_amount - r.ytd_prev)::double / abs(r.ytd_prev) * 100 end as yoy_pct,
  r.ytd_amount::double / nullif(t.ytd_amount, 0) * 100                                as share_pct,
  r.beneficiaries,
  (r.ytd_amount / nullif(r.beneficiaries, 0))::decimal(18,2)                          as per_beneficiary
from rows r, total t
order by r.is_total, r.ytd_amount desc, r.sort_key;
