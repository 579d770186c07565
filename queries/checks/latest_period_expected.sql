-- The revenue and relief marts must both reach $period and end in the same month: a lagging feed means the brief would mix months.
-- covers: mart_revenue, mart_revenue_city, mart_relief, mart_relief_beneficiaries
with latest as (
  select
    (select max(period) from mart_revenue where in_jurisdiction) as revenue,
    (select max(period) from mart_relief where in_jurisdiction)  as relief
)
select $period as expected, strftime(revenue, '%Y-%m') as latest_revenue, strftime(relief, '%Y-%m') as latest_relief
from latest
where revenue is null or relief is null or revenue < month_start($period) or relief < month_start($period) or revenue <> relief;
