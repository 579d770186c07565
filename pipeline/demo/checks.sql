-- Seed codes the demo model has no parameters for (or parameters for codes the seeds lack): one row a problem.
with industry_codes as (
  -- a taxpayer has a section code, or a manufacturing division code
  select code from seed_industries where (level = 'section' and code <> 'C') or (level = 'division' and section_code = 'C')
)
select 'city' as kind, code, 'an in-jurisdiction city of seeds/regions.csv has no weight in city_param (pipeline/demo/setup.sql)' as problem
from seed_regions
where level = 'city' and in_jurisdiction = 'true' and code not in (select city_code from city_param)
union all
select 'size', code, 'a size of seeds/taxpayer_sizes.csv has no row in size_param (pipeline/demo/setup.sql)'
from seed_sizes where code not in (select size_code from size_param)
union all
select 'size', size_code, 'size_param has a size that seeds/taxpayer_sizes.csv lacks'
from size_param where size_code not in (select code from seed_sizes)
union all
select 'industry', code, 'an industry of seeds/industries.csv has no row in industry_param (pipeline/demo/setup.sql)'
from industry_codes where code not in (select industry_code from industry_param)
union all
select 'industry', industry_code, 'industry_param has an industry that seeds/industries.csv lacks'
from industry_param where industry_code not in (select code from industry_codes)
union all
select 'tax', code, 'a tax (is_tax = true) of seeds/tax_types.csv has no row in tax_param (pipeline/demo/setup.sql)'
from seed_tax_types where is_tax = 'true' and code not in (select tax_code from tax_param)
union all
select 'tax', tax_code, 'tax_param has a tax that seeds/tax_types.csv lacks or marks is_tax = false'
from tax_param where tax_code not in (select code from seed_tax_types where is_tax = 'true')
union all
select 'policy', code, 'a policy of seeds/relief_policies.csv has no row in policy_param or refund_param (pipeline/demo/setup.sql)'
from seed_policies where code not in (select policy_code from policy_param union all select policy_code from refund_param)
union all
select 'policy', policy_code, 'policy_param or refund_param has a policy that seeds/relief_policies.csv lacks'
from (select policy_code from policy_param union all select policy_code from refund_param) where policy_code not in (select code from seed_policies)
union all
select 'period', period, 'no Spring Festival date for this year in spring_festival (pipeline/demo/setup.sql)'
from month_k where month = 1 and year not in (select year from spring_festival)
order by kind, code
