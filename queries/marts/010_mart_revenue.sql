-- Revenue by month, county, tax, industry section and taxpayer size, with the cell's taxpayer count and largest single taxpayer.
-- Refreshed for the months in _mart_periods (filled by pipeline/marts.ts): those months are deleted and rebuilt from the facts.
delete from mart_revenue where period in (select period from _mart_periods);

-- A file holds a taxpayer once per month and tax (ingest refuses a repeated key), so a cell fed by one file counts its
-- taxpayers by counting rows: a quarter of the cost of count(distinct) on 16 M rows a month at province scale.
-- The facts are summed at their own codes first and joined to the seeds after: a four times cheaper aggregate at
-- province scale (1.0 s against 4.0 s a month) than joining every fact row, and the same cells (sum, count, max and
-- the file range all add up across the codes a section or city gathers).
create or replace temp table _revenue_cells as
with by_code as (
  select
    r.period, r.region_code, r.industry_code, r.tax_code, r.size_code,
    sum(r.amount)    as amount,
    count(*)         as taxpayers,
    max(r.amount)    as largest_amount,
    min(r.file_id)   as first_file,
    max(r.file_id)   as last_file
  from revenue r
  where r.period in (select period from _mart_periods)
    and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
  group by all
)
select
  r.period,
  g.city_code,
  r.region_code,
  g.region_group,
  g.in_jurisdiction,
  r.tax_code,
  coalesce(t.is_tax, true)                as is_tax,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)            as amount,
  sum(r.taxpayers)::integer               as taxpayers,
  max(r.largest_amount)::decimal(18,2)    as largest_amount,
  min(r.first_file) = max(r.last_file)    as one_file
from by_code r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
left join tax_types t on t.code = r.tax_code
group by all;

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
