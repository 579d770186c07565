-- The latest month with revenue data in the jurisdiction, as YYYY-MM (null when the warehouse is empty).
-- zh: 辖区内有税收收入数据的最近月份。
select strftime(max(period), '%Y-%m') as period
from mart_revenue_city
where in_jurisdiction;
