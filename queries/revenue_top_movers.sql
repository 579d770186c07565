-- The parts of tax revenue that moved most in the year to date: the $top largest 增收 and the $top largest 减收 by $dimension, with YoY and contribution to the total's growth (百分点).
-- zh: 1—N月增收、减收最多的若干部分，及其同比和对总体增长的拉动（百分点）。
-- @param period  the month reported, YYYY-MM
-- @param dimension  tax | city | county | section | size | city_tax (a city's one tax)
-- @param top  how many parts each way (default: 5)
-- @param region  a city code for one city's parts, or null for the province's jurisdiction (default: null)
-- Columns: direction (增收 | 减收), rank (1 = moved most), code, name, ytd_amount, ytd_prev, ytd_diff (元), ytd_yoy_pct (%), contribution_pp (百分点 of the total's growth).
-- Parts that would reveal a taxpayer (fewer than 3 taxpayers, or one above 85%, in either year) are left out.
with b as (select * from report_periods($period, false)),
cells as (
  select m.code, m.period >= b.ytd_from as this_year, m.period, m.tax_code,
    sum(m.amount) as amount, sum(m.taxpayers) as taxpayers, max(m.largest_amount) as largest
  from revenue_parts_source($dimension, $period) m, b
  where m.is_tax and in_scope(m.in_jurisdiction, m.city_code, $region)
    and (m.period between b.ytd_from and b.cur or m.period between b.prev_ytd_from and b.prev)
    and case when $dimension in ('tax', 'city', 'county', 'section', 'size', 'city_tax') then true
             else error('revenue_top_movers: $dimension must be tax, city, county, section, size or city_tax') end
  group by all
),
parts as (
  select code,
    sum(amount) filter (where this_year) as ytd_amount,
    sum(amount) filter (where not this_year) as ytd_prev,
    disclosable(max(taxpayers) filter (where this_year), sum(largest) filter (where this_year), sum(amount) filter (where this_year))
      and disclosable(max(taxpayers) filter (where not this_year), sum(largest) filter (where not this_year), sum(amount) filter (where not this_year)) as ok
  from cells group by code
),
total as (select sum(ytd_prev) as ytd_prev from parts),
ranked as (
  select p.*,
    case when coalesce(p.ytd_amount, 0) >= coalesce(p.ytd_prev, 0) then '增收' else '减收' end as direction,
    row_number() over (partition by coalesce(p.ytd_amount, 0) >= coalesce(p.ytd_prev, 0)
                       order by abs(coalesce(p.ytd_amount, 0) - coalesce(p.ytd_prev, 0)) desc, p.code)::integer as rank
  from parts p where p.ok and coalesce(p.ytd_amount, 0) <> coalesce(p.ytd_prev, 0)
)
select
  r.direction, r.rank, r.code,
  case $dimension
    when 'tax' then t.short_name when 'city' then g.name when 'county' then g.name
    when 'section' then i.name when 'size' then s.name when 'city_tax' then cg.name || t2.short_name end as name,
  coalesce(r.ytd_amount, 0)::decimal(18,2) as ytd_amount,
  coalesce(r.ytd_prev, 0)::decimal(18,2)   as ytd_prev,
  (coalesce(r.ytd_amount, 0) - coalesce(r.ytd_prev, 0))::decimal(18,2) as ytd_diff,
  pct_change(r.ytd_amount, r.ytd_prev)     as ytd_yoy_pct,
  case when x.ytd_prev <> 0 then (coalesce(r.ytd_amount, 0) - coalesce(r.ytd_prev, 0))::double / abs(x.ytd_prev) * 100 end as contribution_pp
from ranked r
cross join total x
left join tax_types t on t.code = r.code
left join regions g on g.code = r.code
left join industries i on i.code = r.code
left join taxpayer_sizes s on s.code = r.code
left join regions cg on cg.code = split_part(r.code, ':', 1)
left join tax_types t2 on t2.code = split_part(r.code, ':', 2)
where r.rank <= $top::integer
order by r.direction, r.rank;
