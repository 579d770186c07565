-- Tax revenue by $dimension for the month and the year to date: amounts, 增收/减收, YoY, share and its change (百分点), contribution to growth (百分点) and rank; cells that would reveal a taxpayer are folded into 其他; the total last.
-- zh: 税收收入分组情况：当月及1—N月收入、增减收、同比、占比及其变化、拉动（百分点）和位次；可能识别单户纳税人的单元并入“其他”，合计列末行。
-- @param period  the month reported, YYYY-MM
-- @param dimension  tax | city | county | region_group | section | size
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
-- @param combine_jan_feb  true: in February the month columns are January and February together (1—2月) (default: false)
-- @param top  list only the $top largest parts (by $top_by), in that order; the rest join 其他 (default: null)
-- @param top_by  amount (1—N月 amount) | movement (|增减收|, i.e. |拉动|): how $top ranks the parts (default: amount)
-- @param part  return only this part's row (e.g. one city of dimension=city), its ranks still among all parts (default: null)
-- @row-filter part code
-- Columns: code, name (其他 / 合计 for the folded and total rows), is_other, is_total,
--   month_amount, month_prev, month_diff, month_yoy_pct, ytd_amount, ytd_prev, ytd_diff, ytd_yoy_pct (元, %),
--   share_pct (YTD share of the total, %), share_change_pp (百分点), contribution_pp (拉动, 百分点: parts and 其他 add up to the total's ytd_yoy_pct),
--   rank (by ytd_amount, 1 = largest; null for 其他/合计), growth_rank (by ytd_yoy_pct, 1 = fastest), parts_listed (how many parts are listed),
--   folded_cells (parts folded into 其他), note (on 其他 when it holds parts folded for disclosure, for the brief to print; null otherwise),
--   withheld (true when even 其他 would reveal a taxpayer: its amounts and the total's are then null),
--   short_name (an industry section's 简称 for chart labels, e.g. 信息服务; else the name).
-- 口径: net tax revenue (入库 after refunds), is_tax codes only, in the jurisdiction (Shenzhen excluded) or the city $region.
-- Disclosure: a part is published only when, in each of its four windows, it has ≥ 3 taxpayers (lower bound: the most
-- taxpayers of any one month and tax, exact because the mart cells of one month and tax partition the taxpayers) and no taxpayer above 85% (upper bound: the sum over months and taxes of the cells' largest taxpayer);
-- the folded 其他 takes in the next smallest parts until it passes the same rule (for dimensions whose parts partition the
-- taxpayers its count is the sum of the parts' and its largest taxpayer the largest part bound; for tax types the reverse);
-- when no 其他 passes, its amounts and the total's are withheld.
with w as (
  select * from report_windows($period, $combine_jan_feb::boolean)
  where case when $dimension in ('tax', 'city', 'county', 'region_group', 'section', 'size') then true
             else error('revenue_breakdown: $dimension must be tax, city, county, region_group, section or size') end
),
cells as (
  -- one row per part, span, month and tax: the bounds of the disclosure rule are built from these
  select m.code, w.span, m.period, m.tax_code,
    sum(m.amount) as amount, sum(m.taxpayers) as taxpayers, max(m.largest_amount) as largest
  from revenue_parts_source($dimension, $period) m
  join w on m.period between w.date_from and w.date_to
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
  group by all
),
parts as (
  select code, span, sum(amount) as amount, max(taxpayers) as taxpayers, sum(largest) as largest
  from cells group by all
),
labelled as (
  -- disclosure control (the fold_parts macro): parts that would reveal a taxpayer fold into 其他 (code null)
  select * from fold_parts(
    (select list({'code': code, 'span': span, 'amount': amount, 'taxpayers': taxpayers, 'largest': largest}) from parts),
    $dimension in ('city', 'county', 'region_group', 'section', 'size'))
),
-- $top: only the $top first parts by $top_by are listed; the others join 其他 (which stays disclosable: adding
-- disclosable parts to it never lowers its taxpayer count nor raises its largest taxpayer's share)
listed_order as (
  select code, row_number() over (
      order by case when $top_by = 'movement' then abs(coalesce(ytd, 0) - coalesce(ytd_prev, 0))
                    when $top_by = 'amount' then ytd
                    else error('revenue_breakdown: $top_by must be amount or movement') end desc, code) as top_rank
  from (select code, sum(amount) filter (where span = 'ytd') as ytd, sum(amount) filter (where span = 'ytd_prev') as ytd_prev
        from labelled where code is not null group by code)
),
listed as (
  select l.part, case when $top is null or o.top_rank <= $top::integer then l.code end as code, l.span, l.amount,
         o.top_rank, l.code is null as undisclosable
  from labelled l left join listed_order o on o.code = l.code
),
rows as (
  select
    code, code is null as is_other, false as is_total, min(top_rank) as top_rank, bool_or(undisclosable) as undisclosable,
    coalesce(sum(amount) filter (where span = 'month'), 0)::decimal(18,2)      as month_amount,
    coalesce(sum(amount) filter (where span = 'month_prev'), 0)::decimal(18,2) as month_prev,
    coalesce(sum(amount) filter (where span = 'ytd'), 0)::decimal(18,2)        as ytd_amount,
    coalesce(sum(amount) filter (where span = 'ytd_prev'), 0)::decimal(18,2)   as ytd_prev
  from listed group by code
),
total as (
  select null as code, false as is_other, true as is_total, null as top_rank, false as undisclosable,
    sum(month_amount) as month_amount, sum(month_prev) as month_prev, sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev
  from rows
),
labels as (
  select 'tax' as dimension, code, short_name as name, short_name, sort_order from tax_types
  union all select 'city', code, name, name, null from regions where level = 'city'
  union all select 'county', code, name, name, null from regions where level = 'county'
  union all select 'region_group', g, g, g, o from (values ('珠三角', 1), ('粤东', 2), ('粤西', 3), ('粤北', 4)) v(g, o)
  union all select 'section', code, name, short_name, sort_order from industries where level = 'section'
  union all select 'size', code, name, name, sort_order from taxpayer_sizes
),
all_rows as (
  -- when 其他 cannot be made publishable, its amounts and the total's are withheld (null)
  select x.code, x.is_other, x.is_total, x.top_rank, x.undisclosable,
    case when e.ok or not (x.is_other or x.is_total) then x.month_amount end as month_amount,
    case when e.ok or not (x.is_other or x.is_total) then x.month_prev end as month_prev,
    case when e.ok or not (x.is_other or x.is_total) then x.ytd_amount end as ytd_amount,
    case when e.ok or not (x.is_other or x.is_total) then x.ytd_prev end as ytd_prev
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
  (r.month_amount - r.month_prev)::decimal(18,2)                           as month_diff,
  pct_change(r.month_amount, r.month_prev)                                 as month_yoy_pct,
  r.ytd_amount::decimal(18,2) as ytd_amount,
  r.ytd_prev::decimal(18,2) as ytd_prev,
  (r.ytd_amount - r.ytd_prev)::decimal(18,2)                               as ytd_diff,
  pct_change(r.ytd_amount, r.ytd_prev)                                     as ytd_yoy_pct,
  case when t.ytd_amount <> 0 then r.ytd_amount::double / t.ytd_amount * 100 end as share_pct,
  case when t.ytd_amount <> 0 and t.ytd_prev <> 0
       then (r.ytd_amount::double / t.ytd_amount - r.ytd_prev::double / t.ytd_prev) * 100 end as share_change_pp,
  case when t.ytd_prev <> 0 then (r.ytd_amount - r.ytd_prev)::double / abs(t.ytd_prev) * 100 end as contribution_pp,
  case when not r.is_other and not r.is_total
       then rank() over (partition by r.is_other or r.is_total order by r.ytd_amount desc)::integer end as rank,
  case when not r.is_other and not r.is_total
       then rank() over (partition by r.is_other or r.is_total order by pct_change(r.ytd_amount, r.ytd_prev) desc nulls last)::integer end as growth_rank,
  (select count(*) from rows where not is_other)::integer as parts_listed,
  case when r.is_other then (select max(parts) from labelled) - (select count(*) from rows where not is_other) end::integer as folded_cells,
  case when r.is_other and r.undisclosable then '其他：含纳税人少于3户或单户占比超过85%而合并披露的项目' end as note,
  not (select coalesce(bool_and(publishable), true) from labelled) as withheld,
  case when r.is_total then '合计' when r.is_other then '其他' else coalesce(l.short_name, r.code) end as short_name
from all_rows r
cross join total t
left join labels l on l.dimension = $dimension and l.code = r.code
qualify $part is null or r.code = $part::varchar
order by r.is_total, r.is_other, case when $top is not null then r.top_rank end, coalesce(l.sort_order, 0), r.ytd_amount desc, r.code;
