-- Monthly relief of the province (or city $region) by kind for the $months months up to $period: the composition chart of 减税降费.
-- zh: 逐月新增减税降费及退税缓费（分类别），用于构成图。
-- @param period  the month reported, YYYY-MM
-- @param months  how many months (default: 13)
-- @param region  a city code (e.g. 440800) for one city's figures, or null for the province's jurisdiction (default: null)
select period, kind, kind_name, amount from (
select
  strftime(m.period, '%Y-%m')          as period,
  case m.kind when 'tax_cut' then 1 when 'fee_cut' then 2 when 'refund' then 3 else 4 end as kind_order,
  m.kind,
  case m.kind when 'tax_cut' then '新增减税' when 'fee_cut' then '新增降费' when 'refund' then '留抵退税' else '缓税缓费' end as kind_name,
  sum(m.amount)::decimal(18,2)         as amount
from mart_relief m
where in_scope(m.in_jurisdiction, m.city_code, $region)
  and m.period <= strptime($period || '-01', '%Y-%m-%d')::date
  and m.period >  strptime($period || '-01', '%Y-%m-%d')::date - to_months($months::integer)
group by all
)
order by period, kind_order;
