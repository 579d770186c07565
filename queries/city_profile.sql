-- One city ($region) against the province: its name and area, year-to-date share of the province, and its ranks among the cities by amount and by growth.
-- @param period  the month reported, YYYY-MM
-- @param region  the city, a GB/T 2260 code such as 440100
select city_code, city_name, region_group, ytd_amount, share_pct, share_change_pp, contribution_pp, rank_amount, rank_growth, cities
from (
  with bounds as (
    select
      strptime($period || '-01', '%Y-%m-%d')::date                  as cur,
      (strptime($period || '-01', '%Y-%m-%d') - interval 1 year)::date as prev
  ),
  by_city as (
    select
      m.city_code,
      coalesce(sum(amount) filter (where period between date_trunc('year', b.cur) and b.cur), 0)::decimal(18,2)   as ytd_amount,
      coalesce(sum(amount) filter (where period between date_trunc('year', b.prev) and b.prev), 0)::decimal(18,2) as ytd_prev
    from mart_revenue m, bounds b
    where m.in_jurisdiction and m.is_tax
    group by m.city_code
  ),
  total as (select sum(ytd_amount) as ytd_amount, sum(ytd_prev) as ytd_prev from by_city)
  select
    c.city_code, g.name as city_name, g.region_group, c.ytd_amount,
    c.ytd_amount::double / t.ytd_amount * 100 as share_pct,
    (c.ytd_amount::double / t.ytd_amount - c.ytd_prev::double / t.ytd_prev) * 100 as share_change_pp,
    (c.ytd_amount - c.ytd_prev)::double / abs(t.ytd_prev) * 100 as contribution_pp,
    rank() over (order by c.ytd_amount desc)::integer as rank_amount,
    rank() over (order by (c.ytd_amount - c.ytd_prev)::double / nullif(abs(c.ytd_prev), 0) desc nulls last)::integer as rank_growth,
    count(*) over ()::integer as cities
  from by_city c join regions g on g.code = c.city_code, total t
)
where city_code = $region::varchar;
