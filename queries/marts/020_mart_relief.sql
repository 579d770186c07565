-- Relief by month, city, policy, industry section and taxpayer size, with the month's beneficiaries and largest single beneficiary.
-- Refreshed for the months in _mart_periods (filled by pipeline/marts.ts).
delete from mart_relief where period in (select period from _mart_periods);

-- A file holds a taxpayer once per month and policy (ingest refuses a repeated key), so a cell fed by one file counts its
-- beneficiaries by counting rows (as mart_revenue does; far cheaper than count(distinct)).
-- Summed at the facts' own codes first, then joined to the seeds (as mart_revenue is, for the same reason).
create or replace temp table _relief_cells as
with by_code as (
  select
    r.period, r.region_code, r.industry_code, r.policy_code, r.size_code,
    sum(r.amount)    as amount,
    count(*)         as beneficiaries,
    max(r.amount)    as largest_amount,
    min(r.file_id)   as first_file,
    max(r.file_id)   as last_file
  from relief r
  where r.period in (select period from _mart_periods)
    and r.superseded_by is null  -- current rows only: restated ones are kept for reproducing earlier briefs
  group by all
)
select
  r.period,
  g.city_code,
  g.region_group,
  g.in_jurisdiction,
  r.policy_code,
  p.kind,
  i.section_code,
  r.size_code,
  sum(r.amount)::decimal(18,2)            as amount,
  sum(r.beneficiaries)::integer           as beneficiaries,
  max(r.largest_amount)::decimal(18,2)    as largest_amount,
  min(r.first_file) = max(r.last_file)    as one_file
from by_code r
join regions g on g.code = r.region_code
join industries i on i.code = r.industry_code
join relief_policies p on p.code = r.policy_code
group by all;

-- A cell fed by several files (feeds that overlap) may hold a beneficiary more than once: they are counted distinct.
update _relief_cells c set beneficiaries = d.beneficiaries
from (
  select r.period, g.city_code, g.region_group, g.in_jurisdiction, r.policy_code, i.section_code, r.size_code, count(distinct r.taxpayer_id)::integer as beneficiaries
  from relief r
  join regions g on g.code = r.region_code
  join industries i on i.code = r.industry_code
  where r.period in (select period from _relief_cells where not one_file)
    and r.superseded_by is null
  group by all
) d
where not c.one_file
  and c.period = d.period and c.city_code is not distinct from d.city_code and c.region_group is not distinct from d.region_group
  and c.in_jurisdiction = d.in_jurisdiction and c.policy_code = d.policy_code
  and c.section_code = d.section_code and c.size_code = d.size_code;

insert into mart_relief select * exclude (one_file) from _relief_cells;
drop table _relief_cells;
