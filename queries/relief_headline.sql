-- Relief (新增减税降费及退税缓费) for the year to date and the month: total and by kind, YoY, beneficiaries (distinct 户数), relief per beneficiary, relief intensity, and the shares of manufacturing and of small and micro firms.
-- zh: 新增减税降费及退税缓费总体情况：1—N月及当月合计与分类金额、同比、受益户数、户均减免、减免强度，以及制造业、小微企业所占比重。
-- @param period  the month reported, YYYY-MM
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- Columns: period, ytd_amount, ytd_prev, ytd_diff, ytd_yoy_pct, month_amount, month_prev, month_yoy_pct,
--   tax_cut_amount, fee_cut_amount, refund_amount, deferral_amount (1—N月, 元), beneficiaries, beneficiaries_prev (distinct taxpayers 1—N月),
--   per_beneficiary (元/户), intensity_pct (relief / (revenue + relief), revenue = all the bureau collects), manufacturing_amount,
--   manufacturing_share_pct (section C), small_micro_amount, small_micro_share_pct, small_micro_beneficiaries (sizes marked is_small_micro).
with b as (select * from report_periods($period, false)),
relief as (
  select
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur)            as ytd_amount,
    sum(m.amount) filter (where m.period between b.prev_ytd_from and b.prev)      as ytd_prev,
    sum(m.amount) filter (where m.period = b.cur)                                 as month_amount,
    sum(m.amount) filter (where m.period = b.prev)                                as month_prev,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and m.kind = 'tax_cut')  as tax_cut_amount,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and m.kind = 'fee_cut')  as fee_cut_amount,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and m.kind = 'refund')   as refund_amount,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and m.kind = 'deferral') as deferral_amount,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and m.section_code = 'C') as manufacturing_amount,
    sum(m.amount) filter (where m.period between b.ytd_from and b.cur and s.is_small_micro)     as small_micro_amount
  from mart_relief m
  cross join b
  left join taxpayer_sizes s on s.code = m.size_code
  where m.period between b.prev_ytd_from and b.cur and in_scope(m.in_jurisdiction, m.city_code, $region)
),
counted as (
  select
    sum(x.new_beneficiaries) filter (where x.year = year(b.cur) and x.first_period <= b.cur
                                      and x.grouping_set = case when $region is null then 'total' else 'city' end)  as beneficiaries,
    sum(x.new_beneficiaries) filter (where x.year = year(b.prev) and x.first_period <= b.prev
                                      and x.grouping_set = case when $region is null then 'total' else 'city' end)  as beneficiaries_prev,
    -- a taxpayer has one size, so the small and micro sizes' counts add up
    sum(x.new_beneficiaries) filter (where x.year = year(b.cur) and x.first_period <= b.cur and s.is_small_micro
                                      and x.grouping_set = case when $region is null then 'size' else 'city,size' end) as small_micro_beneficiaries
  from mart_relief_beneficiaries x
  cross join b
  left join taxpayer_sizes s on s.code = x.size_code
  where x.year in (year(b.cur), year(b.prev)) and in_scope(x.in_jurisdiction, x.city_code, $region)
),
revenue as (
  select sum(m.amount) as ytd_revenue
  from mart_revenue_city m, b
  where m.period between b.ytd_from and b.cur and in_scope(m.in_jurisdiction, m.city_code, $region)
)
select
  $period                                                             as period,
  coalesce(r.ytd_amount, 0)::decimal(18,2)                            as ytd_amount,
  coalesce(r.ytd_prev, 0)::decimal(18,2)                              as ytd_prev,
  (coalesce(r.ytd_amount, 0) - coalesce(r.ytd_prev, 0))::decimal(18,2) as ytd_diff,
  pct_change(r.ytd_amount, r.ytd_prev)                                as ytd_yoy_pct,
  coalesce(r.month_amount, 0)::decimal(18,2)                          as month_amount,
  coalesce(r.month_prev, 0)::decimal(18,2)                            as month_prev,
  pct_change(r.month_amount, r.month_prev)                            as month_yoy_pct,
  coalesce(r.tax_cut_amount, 0)::decimal(18,2)                        as tax_cut_amount,
  coalesce(r.fee_cut_amount, 0)::decimal(18,2)                        as fee_cut_amount,
  coalesce(r.refund_amount, 0)::decimal(18,2)                         as refund_amount,
  coalesce(r.deferral_amount, 0)::decimal(18,2)                       as deferral_amount,
  coalesce(c.beneficiaries, 0)::bigint                                as beneficiaries,
  coalesce(c.beneficiaries_prev, 0)::bigint                           as beneficiaries_prev,
  case when c.beneficiaries > 0 then (r.ytd_amount / c.beneficiaries)::decimal(18,2) end as per_beneficiary,
  case when v.ytd_revenue + r.ytd_amount <> 0 then r.ytd_amount::double / (v.ytd_revenue + r.ytd_amount) * 100 end as intensity_pct,
  coalesce(r.manufacturing_amount, 0)::decimal(18,2)                  as manufacturing_amount,
  case when r.ytd_amount <> 0 then coalesce(r.manufacturing_amount, 0)::double / r.ytd_amount * 100 end as manufacturing_share_pct,
  coalesce(r.small_micro_amount, 0)::decimal(18,2)                    as small_micro_amount,
  case when r.ytd_amount <> 0 then coalesce(r.small_micro_amount, 0)::double / r.ytd_amount * 100 end as small_micro_share_pct,
  coalesce(c.small_micro_beneficiaries, 0)::bigint                    as small_micro_beneficiaries
from relief r, counted c, revenue v;
