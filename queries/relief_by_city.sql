-- Year-to-date relief by city of the jurisdiction: amount, YoY, share of the province's relief, intensity = relief / (revenue + relief), ranked by amount.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
relief as (
  select
    city_code,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
  from mart_relief, bounds b
  where in_jurisdiction
  group by city_code
),
revenue as (
  select city_code, sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur) as ytd_revenue
  from mart_revenue, bounds b
  where in_jurisdiction
  group by city_code
),
total as (select sum(ytd_amount) as ytd_amount from relief)
select
  r.city_code, g.name as city_name, g.region_group,
  r.ytd_amount,
  case when r.ytd_prev <> 0 then (r.ytd_amount - r.ytd_prev)::double / abs(r.ytd_prev) * 100 end as yoy_pct,
  r.ytd_amount::double / t.ytd_amount * 100                             as share_pct,
  r.ytd_amount::double / nullif(v.ytd_revenue + r.ytd_amount, 0) * 100  as intensity_pct
from relief r join regions g on g.code = r.city_code left join revenue v on v.city_code = r.city_code, total t
order by r.ytd_amount desc, r.city_code;
