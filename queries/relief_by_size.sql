-- Year-to-date relief of the province (or city $region) by taxpayer size: amount, share of all relief, distinct beneficiaries and relief per beneficiary, whether the class counts as 小微.
with bounds as (
  select strptime($period || '-01', '%Y-%m-%d')::date as cur
),
by_size as (
  select m.size_code, sum(m.amount)::decimal(18,2) as ytd_amount
  from mart_relief m, bounds b
  where m.in_jurisdiction and ($region::varchar is null or m.city_code = $region::varchar)
    and m.period between date_trunc('year', b.cur) and b.cur
  group by m.size_code
),
people as (
  select r.size_code, count(distinct r.taxpayer_id)::integer as beneficiaries
  from relief r join regions g on g.code = r.region_code, bounds b
  where g.in_jurisdiction and ($region::varchar is null or g.city_code = $region::varchar)
    and r.period between date_trunc('year', b.cur) and b.cur
  group by r.size_code
),
total as (select sum(ytd_amount) as ytd_amount from by_size)
select
  s.code as size_code, s.name as size_name, s.is_small_micro,
  x.ytd_amount,
  x.ytd_amount::double / t.ytd_amount * 100                 as share_pct,
  coalesce(n.beneficiaries, 0)                              as beneficiaries,
  (x.ytd_amount / nullif(n.beneficiaries, 0))::decimal(18,2) as per_beneficiary
from by_size x join taxpayer_sizes s on s.code = x.size_code left join people n on n.size_code = x.size_code, total t
order by s.sort_order;
