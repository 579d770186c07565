-- Relief (新增减税降费及退税缓费) by $dimension for the year to date and the month: amounts, YoY, share, beneficiaries (distinct 户数 over the year to date), relief per beneficiary, relief intensity; cells that would reveal a taxpayer are folded into 其他; the total last.
-- zh: 新增减税降费及退税缓费分组情况：1—N月及当月金额、同比、占比、受益户数、户均减免及减免强度；可能识别单户纳税人的单元并入“其他”，合计列末行。
-- @param period  the month reported, YYYY-MM
-- @param dimension  kind | policy | section | size | city | region_group
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- Columns: code, name (其他 / 合计 for the folded and total rows), is_other, is_total, month_amount, month_prev,
--   ytd_amount, ytd_prev, ytd_diff, ytd_yoy_pct, share_pct (of the total relief, %), share_change_pp (百分点),
--   beneficiaries, beneficiaries_prev (distinct taxpayers 1—N月; null for 其他 when the dimension is kind or policy, whose parts overlap),
--   per_beneficiary (元/户), intensity_pct (relief / (revenue + relief), %, for section, size, city, region_group and the total),
--   rank (by ytd_amount), folded_cells, note, withheld (as revenue_breakdown).
-- 口径: relief enjoyed in the jurisdiction (or city $region), all four kinds (新增减税, 新增降费, 留抵退税, 缓税缓费);
-- revenue in the intensity is all revenue the bureau collects (taxes and fees), as relief includes fee cuts.
-- Disclosure: as revenue_breakdown; the taxpayer count of a year-to-date cell is its exact distinct beneficiaries.
with w as (
  select * from report_windows($period, false)
  where case when $dimension in ('kind', 'policy', 'section', 'size', 'city', 'region_group') then true
             else error('relief_breakdown: $dimension must be kind, policy, section, size, city or region_group') end
),
b as (select * from report_periods($period, false)),
cells as (
  -- one row per part, window, month and policy: the mart cells of one month and policy partition the beneficiaries
  select
    case $dimension
      when 'kind' then m.kind when 'policy' then m.policy_code when 'section' then m.section_code
      when 'size' then m.size_code when 'city' then m.city_code when 'region_group' then m.region_group
    end as code,
    w.span, m.period, m.policy_code,
    sum(m.amount) as amount, sum(m.beneficiaries) as taxpayers, max(m.largest_amount) as largest
  from mart_relief m
  join w on m.period between w.date_from and w.date_to
  where in_scope(m.in_jurisdiction, m.city_code, $region)
  group by all
),
-- exact distinct beneficiaries of the year to date, this year and last, per part (code) and for the total (code null)
counted as (
  select
    case when x.grouping_set = g.part_set then case $dimension
      when 'kind' then x.kind when 'policy' then x.policy_code when 'section' then x.section_code
      when 'size' then x.size_code when 'city' then x.city_code when 'region_group' then x.region_group end end as code,
    sum(x.new_beneficiaries) filter (where x.year = year(b.cur) and x.first_period <= b.cur)  as beneficiaries,
    sum(x.new_beneficiaries) filter (where x.year = year(b.prev) and x.first_period <= b.prev) as beneficiaries_prev
  from mart_relief_beneficiaries x, b,
    (select case when $region is null or $dimension = 'city' then $dimension else 'city,' || $dimension end as part_set,
            case when $region is null then 'total' else 'city' end as total_set) g
  where x.year in (year(b.cur), year(b.prev))
    and in_scope(x.in_jurisdiction, x.city_code, $region)
    and x.grouping_set = g.part_set
  group by all
  union all
  select null, sum(x.new_beneficiaries) filter (where x.year = year(b.cur) and x.first_period <= b.cur), sum(x.new_beneficiaries) filter (where x.year = year(b.prev) and x.first_period <= b.prev)
  from mart_relief_beneficiaries x, b
  where x.year in (year(b.cur), year(b.prev))
    and in_scope(x.in_jurisdiction, x.city_code, $region)
    and x.grouping_set = case when $region is null then 'total' else 'city' end
),
parts as (
  select c.code, c.span, sum(c.amount) as amount,
         -- the year-to-date count is exact; a month's count is the most beneficiaries of one policy
         case c.span when 'ytd' then any_value(n.beneficiaries) when 'ytd_prev' then any_value(n.beneficiaries_prev)
              else max(c.taxpayers) end as taxpayers,
         sum(c.largest) as largest
  from (select code, span, policy_code, sum(amount) as amount, sum(taxpayers) as taxpayers, max(largest) as largest, period
        from cells group by all) c
  left join counted n on n.code = c.code
  group by c.code, c.span
),
labelled as (
  -- disclosure control (the fold_parts macro): parts that would reveal a taxpayer fold into 其他 (code null)
  select * from fold_parts(
    (select list({'code': code, 'span': span, 'amount': amount, 'taxpayers': taxpayers, 'largest': largest}) from parts),
    $dimension in ('city', 'region_group', 'section', 'size'))
),
rows as (
  select
    l.code, l.code is null as is_other, false as is_total,
    coalesce(sum(l.amount) filter (where l.span = 'month'), 0)::decimal(18,2)      as month_amount,
    coalesce(sum(l.amount) filter (where l.span = 'month_prev'), 0)::decimal(18,2) as month_prev,
    coalesce(sum(l.amount) filter (where l.span = 'ytd'), 0)::decimal(18,2)        as ytd_amount,
    coalesce(sum(l.amount) filter (where l.span = 'ytd_prev'), 0)::decimal(18,2)   as ytd_prev,
    -- parts of kind and policy overlap (one taxpayer, several policies): their counts cannot be added up
    case when l.code is not null then any_value(n.beneficiaries)
         when $dimension not in ('kind', 'policy') then sum(n.beneficiaries) filter (where l.span = 'ytd') end as beneficiaries,
    case when l.code is not null then any_value(n.beneficiaries_prev)
         when $dimension not in ('kind', 'policy') then sum(n.beneficiaries_prev) filter (where l.span = 'ytd') end as beneficiaries_prev
  from labelled l left join counted n on n.code = l.part
  group by l.code
),
total as (
  select null as code, false as is_other, true as is_total,
    sum(month_amount) as month_amount, sum(month_prev) as month_prev, sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev,
    (select beneficiaries from counted where code is null) as beneficiaries,
    (select beneficiaries_prev from counted where code is null) as beneficiaries_prev
  from rows
),
revenue as (
  -- all revenue collected (taxes and fees), year to date, by the same dimension where it has one; the total row's code is null
  select
    case when grouping(code) = 0 then code end as code, grouping(code) = 1 as is_total, sum(amount) as ytd_revenue
  from (
    select case $dimension when 'section' then m.section_code when 'size' then m.size_code
             when 'city' then m.city_code when 'region_group' then m.region_group end as code, m.amount
    from mart_revenue_city m, b
    where m.period between b.ytd_from and b.cur and in_scope(m.in_jurisdiction, m.city_code, $region)
  )
  group by grouping sets ((code), ())
),
labels as (
  select 'kind' as dimension, k as code, n as name, o as sort_order
  from (values ('tax_cut', '新增减税', 1), ('fee_cut', '新增降费', 2), ('refund', '留抵退税', 3), ('deferral', '缓税缓费', 4)) v(k, n, o)
  union all select 'policy', code, name, null from relief_policies
  union all select 'city', code, name, null from regions where level = 'city'
  union all select 'region_group', g, g, o from (values ('珠三角', 1), ('粤东', 2), ('粤西', 3), ('粤北', 4)) v(g, o)
  union all select 'section', code, name, sort_order from industries where level = 'section'
  union all select 'size', code, name, sort_order from taxpayer_sizes
),
all_rows as (
  -- when 其他 cannot be made publishable, its amounts and the total's are withheld (null)
  select x.code, x.is_other, x.is_total,
    case when e.ok or not (x.is_other or x.is_total) then x.month_amount end as month_amount,
    case when e.ok or not (x.is_other or x.is_total) then x.month_prev end as month_prev,
    case when e.ok or not (x.is_other or x.is_total) then x.ytd_amount end as ytd_amount,
    case when e.ok or not (x.is_other or x.is_total) then x.ytd_prev end as ytd_prev, x.beneficiaries, x.beneficiaries_prev
  from (select * from rows union all select * from total) x,
    (select coalesce(bool_and(publishable), true) as ok from labelled) e
)
select
  r.code,
  case when r.is_total then '合计' when r.is_other then '其他' else coalesce(l.name, r.code) end as name,
  r.is_other,
  r.is_total,
  r.month_amount::decimal(18,2) as month_amount,
  r.month_prev::decimal(18,2) as month_prev,
  r.ytd_amount::decimal(18,2) as ytd_amount,
  r.ytd_prev::decimal(18,2) as ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                                  as ytd_diff,
  pct_change(r.ytd_amount, r.ytd_prev)                                        as ytd_yoy_pct,
  case when t.ytd_amount <> 0 then r.ytd_amount::double / t.ytd_amount * 100 end as share_pct,
  case when t.ytd_amount <> 0 and t.ytd_prev <> 0
       then (r.ytd_amount::double / t.ytd_amount - r.ytd_prev::double / t.ytd_prev) * 100 end as share_change_pp,
  case when not (r.is_other and $dimension in ('kind', 'policy')) then coalesce(r.beneficiaries, 0) end::bigint      as beneficiaries,
  case when not (r.is_other and $dimension in ('kind', 'policy')) then coalesce(r.beneficiaries_prev, 0) end::bigint as beneficiaries_prev,
  case when r.beneficiaries > 0 then (r.ytd_amount / r.beneficiaries)::decimal(18,2) end as per_beneficiary,
  case when (r.is_total or (not r.is_other and $dimension in ('section', 'size', 'city', 'region_group')))
            and v.ytd_revenue + r.ytd_amount <> 0
       then r.ytd_amount::double / (v.ytd_revenue + r.ytd_amount) * 100 end  as intensity_pct,
  case when not r.is_other and not r.is_total
       then rank() over (partition by r.is_other or r.is_total order by r.ytd_amount desc)::integer end as rank,
  case when r.is_other then (select max(parts) from labelled) - (select count(*) from rows where not is_other) end::integer as folded_cells,
  case when r.is_other then '其他：含纳税人少于3户或单户占比超过85%而合并披露的项目' end as note,
  not (select coalesce(bool_and(publishable), true) from labelled) as withheld
from all_rows r
cross join total t
left join labels l on l.dimension = $dimension and l.code = r.code
left join revenue v on v.is_total = r.is_total and (r.is_total or v.code = r.code)
order by r.is_total, r.is_other, coalesce(l.sort_order, 0), r.ytd_amount desc, r.code;
