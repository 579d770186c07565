-- Year-to-date relief (新增减税降费及退税缓费) of the province (or city $region): total and by kind, YoY, distinct beneficiaries (户数), relief per beneficiary, intensity = relief / (revenue + relief), and the shares of small and micro firms and of manufacturing.
with bounds as (
  select
    strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
    (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
),
sums as (
  select
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
    coalesce(sum(m.amount) filter (where m.period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev,
    coalesce(sum(m.amount) filter (where m.kind = 'tax_cut'  and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as tax_cut,
    coalesce(sum(m.amount) filter (where m.kind = 'fee_cut'  and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as fee_cut,
    coalesce(sum(m.amount) filter (where m.kind = 'refund'   and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as refund,
    coalesce(sum(m.amount) filter (where m.kind = 'deferral' and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as deferral,
    coalesce(sum(m.amount) filter (where s.is_small_micro and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as small_micro,
    coalesce(sum(m.amount) filter (where m.section_code = 'C' and m.period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2) as manufacturing
  from mart_relief m join taxpayer_sizes s on s.code = m.size_code, bounds b
  where m.in_jurisdiction and ($region::varchar is null or m.city_code = $region::varchar)
),
revenue as (
  select coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0) as ytd_revenue
  from mart_revenue, bounds b
  where in_jurisdiction and ($region::varchar is null or city_code = $region::varchar)
),
-- distinct taxpayers are not additive across mart cells, so they are counted on the relief facts
beneficiaries as (
  select count(distinct r.taxpayer_id)::integer as beneficiaries
  from relief r join regions g on g.code = r.region_code, bounds b
  where g.in_jurisdiction and ($region::varchar is null or g.city_code = $region::varchar)
    and r.period between date_trunc('year', b.cur) and b.cur
)
select
  r.ytd_amount, r.ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                                        as diff,
  case when r.ytd_prev <> 0 then (r.ytd_amount - r.ytd_prev)::double / abs(r.ytd_prev) * 100 end as yoy_pct,
  r.tax_cut, r.fee_cut, r.refund, r.deferral,
  r.small_micro::double / nullif(r.ytd_amount, 0) * 100                             as small_micro_share_pct,
  r.manufacturing::double / nullif(r.ytd_amount, 0) * 100                           as manufacturing_share_pct,
  r.small_micro, r.manufacturing,
  n.beneficiaries,
  (r.ytd_amount / nullif(n.beneficiaries, 0))::decimal(18,2)                        as per_beneficiary,
  r.ytd_amount::double / nullif(v.ytd_revenue + r.ytd_amount, 0) * 100              as intensity_pct,
  (r.tax_cut + r.fee_cut + r.refund + r.deferral = r.ytd_amount)                    as kinds_reconcile
from sums r, revenue v, beneficiaries n;
