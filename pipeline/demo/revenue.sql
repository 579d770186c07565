-- Net revenue (入库 after refunds) of month $k (= year * 12 + month - 1), one row per taxpayer and tax.
with m as (
  select * from month_tax where k = $k::integer
), refund_k as (
  select tp, amount from refund where k = $k::integer
), gross as (
  select
    t.tp, t.tax_code, t.region_code, t.industry_code, t.size_code, m.period,
    round(
      m.per_w * t.w
      * exp(t.g * m.years)
      * exp(t.sd * gauss(hash(p.seed, t.tp, t.tax_code::varchar, m.k, 'n1'), hash(p.seed, t.tp, t.tax_code::varchar, m.k, 'n2'))
            - t.sd * t.sd / 2)
      * case when t.anomaly then m.anomaly_factor else 1.0 end
      -- a few settle with a refund: 企业所得税 in the May settlement, natural persons' 个人所得税 in Mar–Jun
      * case
          when m.month = 5 and t.tax_code = '10104' and u01(hash(p.seed, t.tp, m.k, 'settle')) < 0.06 then -0.4
          when m.month between 3 and 6 and t.tax_code = '10106' and t.size_code = 'NP'
               and u01(hash(p.seed, t.tp, m.k, 'settle')) < 0.25 then -0.3
          else 1.0 end,
      2)::decimal(18, 2) as gross
  from tp_tax t
  join m on m.tax_code = t.tax_code
  cross join run_param p
  where m.k between t.first_k and t.last_k
)
select
  g.period,
  'TP' || lpad(g.tp::varchar, 8, '0') as taxpayer_id,
  g.region_code::varchar as region_code,
  g.industry_code::varchar as industry_code,
  g.size_code::varchar as size_code,
  g.tax_code::varchar as tax_code,
  -- the R04 VAT credit refund of the month is paid out of the taxpayer's VAT
  (g.gross - case when g.tax_code = '10101' then coalesce(r.amount, 0) else 0 end)::decimal(18, 2) as amount
from gross g
left join refund_k r on r.tp = g.tp
order by g.tp, g.tax_code
