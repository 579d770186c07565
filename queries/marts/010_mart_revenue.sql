-- Revenue by month, county, tax, industry section and taxpayer size, with the cell's taxpayer count and largest single taxpayer.
-- Refreshed for the months in _mart_periods (filled by pipeline/marts.ts): those months are deleted and rebuilt from the facts.
delete from mart_revenue where period in (select period from _mart_periods);

-- A file holds a taxpayer once per month and tax (ingest refuses a repeated key), so a cell fed by one file counts its
-- taxpayers by counting rows: a quarter of the cost of count(distinct) on 16 M rows a month at province scale.
-- The facts are summed by the cell's own keys (month, county, tax, section, size) in one aggregate, each fact's industry
-- joined to its section first (a 51-row lookup, 27 ms a month at tenth scale); the county's city and the tax's kind
-- follow from the keys and are joined to the cells after. (Summing at the facts' codes first, then grouping those
-- 2.3 M code rows again at the seeds' grain, cost a second aggregate: a full rebuild's year at tenth scale took
-- 8.9–10.5 s of CPU that way against 6.7–7.3 s; one month 0.28–0.41 s against 0.24–0.39 s.)
create or replace temp table _revenue_cells as
with cells as (
  select
    r.period, r.region_code, r.tax_code, i.section_code, r.size_code,
    sum(r.amount)    as amount,
    count(*)         as taxpayers,
    max(r.amount)    as largest_amount,
    min(r.file_id) = max(r.file_id) as one_file
  from revenue r
  join industries i on i.code = r.industry_code
  where r.period in (select period from _mart_periods)
    and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
  group by all
)
select
  c.period,
  g.city_code,
  c.region_code,
  g.region_group,
  g.in_jurisdiction,
  c.tax_code,
  coalesce(t.is_tax, true)        as is_tax,
  c.section_code,
  c.size_code,
  c.amount::decimal(18,2)         as amount,
  c.taxpayers::integer            as taxpayers,
  c.largest_amount::decimal(18,2) as largest_amount,
  c.one_file
from cells c
join regions g on g.code = c.region_code
left join tax_types t on t.code = c.tax_code;

-- A cell fed by several files (feeds that overlap) may hold a taxpayer more than once: its taxpayers are counted distinct.
update _revenue_cells c set taxpayers = d.taxpayers
from (
  select r.period, r.region_code, r.tax_code, i.section_code, r.size_code, count(distinct r.taxpayer_id)::integer as taxpayers
  from revenue r
  join industries i on i.code = r.industry_code
  where r.period in (select period from _revenue_cells where not one_file)
    and r.superseded_by is null
  group by all
) d
where not c.one_file
  and c.period = d.period and c.region_code = d.region_code and c.tax_code = d.tax_code
  and c.section_code = d.section_code and c.size_code = d.size_code;

insert into mart_revenue select * exclude (one_file) from _revenue_cells;
drop table _revenue_cells;
