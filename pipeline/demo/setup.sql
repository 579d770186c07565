-- Demo-data setup: run parameters, seeds and the model's parameters (checked by checks.sql next).
-- Statements end with ';' at the end of a line; $named parameters are bound by the driver.
-- Every random number is u01(hash(seed, taxpayer, period, salt …)): no random(), so any thread
-- count gives the same data. Weights are integers so that sums (and the scaling) are exact.

-- An in-memory database with compression (applied at each checkpoint): at 6 million taxpayers the
-- working tables take about a third of the memory they would uncompressed.
attach ':memory:' as demo (compress);

use demo;

create table run_param as
select
  $seed::ubigint as seed,
  $taxpayers::integer as taxpayers,
  $k0::integer as k0,                          -- first month generated, as year * 12 + month - 1
  $k1::integer as k1,                          -- last month generated
  ($k1::integer // 12 - 1) * 12 + 5.5 as k_ref, -- mid-point of the year before the last: amounts are set at its level
  $k1::integer // 12 - 1 as big_refund_year;

-- hash(a, b, …) combines its arguments by multiply-and-xor, so two hashes that differ only in the
-- salt are related (their low bits even by a fixed xor); hashing the result again (a 64-bit
-- finaliser) makes draws with different salts independent. Every draw goes through mix().
create macro mix(h) as hash(h);

-- A uniform number in (0, 1) from a hash, and a standard normal one (Box–Muller) from two.
create macro u01(h) as ((mix(h) % 1000000)::double + 0.5) / 1000000;

create macro gauss(h1, h2) as sqrt(-2 * ln(u01(h1))) * cos(2 * pi() * u01(h2));

-- Seeds, read as text so that codes keep their leading zeros.
create table seed_regions as select * from read_csv($regions_csv, all_varchar = true, header = true);

create table seed_tax_types as select * from read_csv($tax_types_csv, all_varchar = true, header = true);

create table seed_industries as select * from read_csv($industries_csv, all_varchar = true, header = true);

create table seed_policies as select * from read_csv($policies_csv, all_varchar = true, header = true);

create table seed_sizes as select * from read_csv($sizes_csv, all_varchar = true, header = true);

-- Codes as enums (one byte a value) keep the 6-million-taxpayer tables small; sorted by code, so
-- ordering by an enum is ordering by its code.
create type region_t as enum (select code from seed_regions order by code);

create type industry_t as enum (select code from seed_industries order by code);

create type size_t as enum (select code from seed_sizes order by code);

create type tax_t as enum (select code from seed_tax_types order by code);

create type policy_t as enum (select code from seed_policies order by code);

-- Cities: share of taxpayers (‰-ish weights) and tax per taxpayer relative to the average.
-- Guangzhou, Foshan and Dongguan large; 粤东/粤西/粤北 smaller and less productive.
create table city_param as
select * from (values
  ('440100', 30.0, 1.40), ('440200', 1.5, 0.60), ('440400', 4.0, 1.20), ('440500', 3.5, 0.65),
  ('440600', 12.0, 1.10), ('440700', 4.0, 0.80), ('440800', 3.0, 0.65), ('440900', 2.5, 0.65),
  ('441200', 2.5, 0.75), ('441300', 5.0, 1.00), ('441400', 1.5, 0.55), ('441500', 1.0, 0.55),
  ('441600', 1.2, 0.60), ('441700', 1.3, 0.60), ('441800', 1.8, 0.60), ('441900', 13.0, 1.00),
  ('442000', 5.0, 0.90), ('445100', 1.5, 0.55), ('445200', 2.5, 0.55), ('445300', 0.8, 0.55)
) v(city_code, taxpayer_weight, productivity);

-- Sizes: share of taxpayers (%), mean tax per taxpayer, spread of taxpayers' size within the class
-- (sd of log), month-to-month noise (sd of log) and spread of taxpayers' own growth a year.
create table size_param as
select * from (values
  ('L',    0.3, 1500.0, 0.5, 0.08, 0.04),
  ('M',    1.5,  150.0, 0.6, 0.12, 0.06),
  ('S',   10.0,   20.0, 0.7, 0.18, 0.08),
  ('XS',  35.0,    2.0, 0.8, 0.25, 0.10),
  ('IND', 45.0,    0.5, 0.8, 0.30, 0.10),
  ('NP',   8.2,    1.0, 1.0, 0.35, 0.10)
) v(size_code, taxpayer_pct, multiplier, spread_sd, noise_sd, growth_sd);

-- Industries: weight among enterprises (L/M/S/XS) and among households (IND/NP), tax per taxpayer,
-- and the word used in generated names. Manufacturing is by division (C13–C43), the rest by section.
create table industry_param as
select * from (values
  ('A', 1.0, 3.0, 0.4, '农业'), ('B', 0.3, 0.1, 3.0, '矿业'), ('D', 0.5, 0.1, 5.0, '能源'),
  ('E', 7.0, 3.0, 0.8, '建筑工程'), ('F', 30.0, 45.0, 0.8, '贸易'), ('G', 4.0, 6.0, 1.0, '物流'),
  ('H', 4.0, 18.0, 0.4, '餐饮'), ('I', 6.0, 1.0, 1.5, '信息科技'), ('J', 1.5, 0.1, 4.0, '投资'),
  ('K', 3.0, 1.0, 2.5, '置业'), ('L', 12.0, 5.0, 1.0, '商务服务'), ('M', 8.0, 2.0, 1.0, '技术服务'),
  ('N', 1.0, 0.5, 0.6, '环境工程'), ('O', 2.5, 12.0, 0.4, '家政服务'), ('P', 1.0, 1.0, 0.4, '教育咨询'),
  ('Q', 0.8, 1.0, 0.5, '健康管理'), ('R', 1.5, 1.5, 0.6, '文化传媒'), ('S', 0.2, 0.0, 0.3, '社会服务'),
  ('T', 0.01, 0.0, 0.3, '国际事务'),
  ('C13', 0.5, 0.2, 1.2, '食品'), ('C14', 0.5, 0.2, 1.2, '食品'), ('C15', 0.3, 0.1, 1.5, '酒业'),
  ('C16', 0.02, 0.0, 15.0, '烟草'), ('C17', 0.6, 0.1, 1.0, '纺织'), ('C18', 1.0, 0.2, 0.9, '服饰'),
  ('C19', 0.6, 0.1, 0.9, '鞋业'), ('C20', 0.3, 0.1, 0.9, '木业'), ('C21', 0.8, 0.1, 1.0, '家具'),
  ('C22', 0.4, 0.05, 1.1, '纸业'), ('C23', 0.5, 0.1, 1.0, '印刷'), ('C24', 0.6, 0.1, 1.0, '文体用品'),
  ('C25', 0.05, 0.0, 8.0, '石化'), ('C26', 0.8, 0.05, 1.5, '化工'), ('C27', 0.3, 0.02, 1.5, '医药'),
  ('C28', 0.05, 0.0, 1.2, '化纤'), ('C29', 1.2, 0.1, 1.1, '塑胶'), ('C30', 0.7, 0.1, 1.2, '建材'),
  ('C31', 0.1, 0.0, 2.0, '钢铁'), ('C32', 0.2, 0.0, 1.5, '有色金属'), ('C33', 1.5, 0.2, 1.0, '五金'),
  ('C34', 1.0, 0.1, 1.2, '机械'), ('C35', 0.8, 0.05, 1.2, '装备'), ('C36', 0.4, 0.02, 4.0, '汽车'),
  ('C37', 0.15, 0.02, 1.5, '船舶'), ('C38', 1.4, 0.1, 1.8, '电器'), ('C39', 1.5, 0.1, 2.0, '电子'),
  ('C40', 0.3, 0.02, 1.2, '仪器'), ('C41', 0.3, 0.1, 0.9, '工艺'), ('C42', 0.1, 0.05, 1.0, '再生资源'),
  ('C43', 0.2, 0.1, 0.9, '设备维修')
) v(industry_code, enterprise_weight, household_weight, multiplier, word);

-- Taxes: share of the province's tax (basis points, normalised to their sum; 1.3万亿元 a year in the
-- year before the last, before refunds), trend growth a year,
-- probability of paying it by size, weight boost for households/natural persons (deed tax and
-- vehicle purchase tax come largely from individuals), and whether only listed industries pay it.
create table tax_param as
select * from (values
  ('10101', 4000, 0.040, 1.0, 1.0, 1.0, 1.0, 1.0, 0.05,  1.0,   1.0, false),  -- 增值税
  ('10102',  300, 0.020, 0.9, 0.7, 0.3, 0.1, 0.02, 0.0,  1.0,   1.0, true),   -- 消费税
  ('10104', 2300, 0.030, 1.0, 0.95, 0.8, 0.5, 0.0, 0.0,  1.0,   1.0, false),  -- 企业所得税
  ('10106',  950, 0.060, 1.0, 1.0, 0.8, 0.4, 0.6, 1.0,   3.0,  30.0, false),  -- 个人所得税
  ('10107',   50, 0.020, 0.9, 0.8, 0.5, 0.2, 0.0, 0.0,   1.0,   1.0, true),   -- 资源税
  ('10109',  300, 0.035, 1.0, 1.0, 0.9, 0.5, 0.3, 0.0,   1.0,   1.0, false),  -- 城市维护建设税
  ('10110',  250, 0.030, 0.8, 0.6, 0.3, 0.1, 0.05, 0.05, 1.0,  20.0, false),  -- 房产税
  ('10111',  300, 0.050, 1.0, 0.9, 0.7, 0.4, 0.2, 0.1,   1.0,  10.0, false),  -- 印花税
  ('10112',  150, 0.020, 0.7, 0.5, 0.2, 0.05, 0.0, 0.0,  1.0,   1.0, false),  -- 城镇土地使用税
  ('10113',  500, -0.020, 0.9, 0.9, 0.5, 0.2, 0.0, 0.0,  1.0,   1.0, true),   -- 土地增值税
  ('10114',   50, 0.030, 0.3, 0.2, 0.1, 0.05, 0.05, 0.1, 1.0,  10.0, false),  -- 车船税
  ('10116',  300, -0.020, 0.3, 0.2, 0.1, 0.05, 0.05, 0.15, 1.0, 50.0, false), -- 车辆购置税
  ('10118',   50, 0.000, 0.2, 0.1, 0.05, 0.0, 0.0, 0.0,  1.0,   1.0, true),   -- 耕地占用税
  ('10119',  500, -0.030, 0.3, 0.2, 0.1, 0.05, 0.0, 0.3, 1.0, 400.0, false),  -- 契税
  ('10120',    5, 0.000, 0.8, 0.5, 0.2, 0.0, 0.0, 0.0,   1.0,   1.0, true),   -- 烟叶税
  ('10121',   20, 0.030, 0.4, 0.3, 0.1, 0.0, 0.0, 0.0,   1.0,   1.0, true)    -- 环境保护税
) v(tax_code, share_bp, growth, p_l, p_m, p_s, p_xs, p_ind, p_np, adj_ind, adj_np, industry_only);

-- Taxes less concentrated on large taxpayers than their size says (land VAT is paid by many
-- mid-sized project companies): the size multiplier enters their weight to this power (default 1).
create table tax_size_power as
select * from (values ('10113', 0.5), ('10118', 0.5), ('10119', 0.6)) v(tax_code, size_power);

-- Industry factors on the probability of paying a tax (section or division code). For an
-- industry_only tax an industry not listed never pays it.
create table tax_industry as
select * from (values
  ('10102', 'C15', 1.0), ('10102', 'C16', 1.2), ('10102', 'C25', 1.2), ('10102', 'C36', 1.2),
  ('10102', 'C26', 0.3), ('10102', 'F', 0.05),
  ('10107', 'B', 1.0), ('10107', 'D', 0.3), ('10107', 'C30', 0.2),
  ('10110', 'K', 1.5), ('10112', 'K', 1.5),
  ('10113', 'K', 1.0),
  ('10114', 'G', 3.0), ('10116', 'G', 2.0),
  ('10118', 'K', 1.0), ('10118', 'E', 0.5), ('10118', 'D', 0.5), ('10118', 'B', 0.5),
  ('10119', 'K', 3.0),
  ('10120', 'C16', 1.0),
  ('10121', 'C', 0.5), ('10121', 'D', 1.0), ('10121', 'B', 1.0), ('10121', 'N', 0.5)
) v(tax_code, industry, factor);

-- Seasonality by calendar month (normalised to a mean of 1 below); '*' is every other tax.
-- 企业所得税: quarterly prepayment in Jan/Apr/Jul/Oct, annual settlement by the end of May.
-- 个人所得税: annual settlement Mar–Jun, year-end bonuses withheld in January. December is high.
create table season_raw as
select * from (values
  ('*',     [1.10, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.20]),
  ('10101', [1.15, 0.85, 1.00, 1.05, 0.95, 0.95, 1.00, 0.95, 0.95, 1.05, 0.95, 1.15]),
  ('10102', [1.20, 0.85, 0.95, 1.00, 0.95, 0.95, 1.00, 0.95, 0.95, 1.00, 0.95, 1.25]),
  ('10104', [1.35, 0.55, 0.60, 1.60, 1.90, 0.60, 1.40, 0.55, 0.55, 1.40, 0.55, 0.95]),
  ('10106', [1.25, 0.80, 1.05, 1.15, 1.15, 1.10, 0.90, 0.85, 0.85, 0.90, 0.85, 1.15]),
  ('10110', [1.00, 0.80, 0.90, 1.30, 1.10, 0.90, 1.20, 0.90, 0.90, 1.30, 0.90, 1.00]),
  ('10112', [1.00, 0.80, 0.90, 1.30, 1.10, 0.90, 1.20, 0.90, 0.90, 1.30, 0.90, 1.00]),
  ('10113', [1.10, 0.80, 0.90, 1.00, 1.00, 1.10, 0.90, 0.90, 1.00, 1.00, 1.00, 1.40]),
  ('10119', [1.00, 0.70, 1.00, 1.00, 1.00, 1.10, 1.00, 0.95, 1.00, 1.00, 1.05, 1.30])
) v(tax_code, factors);

-- Spring Festival (Chinese New Year) dates: the month containing it collects 25% less, the other
-- of January/February takes it over, so that January + February together are unchanged.
create table spring_festival as
select year(d)::integer as year, month(d)::integer as month
from (values
  (date '2015-02-19'), (date '2016-02-08'), (date '2017-01-28'), (date '2018-02-16'),
  (date '2019-02-05'), (date '2020-01-25'), (date '2021-02-12'), (date '2022-02-01'),
  (date '2023-01-22'), (date '2024-02-10'), (date '2025-01-29'), (date '2026-02-17'),
  (date '2027-02-06'), (date '2028-01-26'), (date '2029-02-13'), (date '2030-02-03'),
  (date '2031-01-23'), (date '2032-02-11'), (date '2033-01-31'), (date '2034-02-19'),
  (date '2035-02-08')
) v(d);

-- Relief policies: annual amount (亿元, at the level of the year before the last), payment pattern, take-up among
-- the eligible, eligible sizes and industries (null = all). A policy on a tax goes to payers of
-- that tax only. R04 (留抵退税) is modelled apart, in refund_param.
create table policy_param as
select * from (values
  ('R01', 330.0, 'quarterly', 0.90, ['S', 'XS', 'IND'], null::varchar[]),
  ('R02', 210.0, 'cit', 0.80, ['S', 'XS'], null),
  ('R03', 310.0, 'rnd', 0.60, ['L', 'M'], ['C', 'I']),
  ('R05', 200.0, 'monthly', 0.70, ['M', 'S', 'XS'], ['C']),
  ('R06', 85.0, 'monthly', 0.70, ['S', 'XS', 'IND'], null),
  ('R07', 210.0, 'monthly', 0.90, ['L', 'M', 'S', 'XS', 'IND', 'NP'], null),
  ('R08', 65.0, 'monthly', 0.95, ['L', 'M', 'S', 'XS'], null),
  ('R09', 190.0, 'monthly', 0.60, ['L', 'M', 'S'], ['C']),
  ('R10', 22.0, 'monthly', 0.05, ['XS', 'IND'], null),
  ('R11', 52.0, 'monthly', 0.50, ['L', 'M'], ['C34', 'C35', 'C39']),
  ('R12', 11.0, 'monthly', 0.30, ['S', 'XS'], null)
) v(policy_code, annual_yi, pattern, take_up, sizes, industries);

-- R04 留抵退税: 亿元 a year normally and in the big-refund year (the year before the last), the big
-- year's spread over its months, and the share of eligible taxpayers claiming in a month.
create table refund_param as
select
  'R04' as policy_code,
  150.0 as normal_yi,
  1000.0 as big_yi,
  [0.15, 0.15, 0.15, 2.5, 2.5, 2.0, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45] as big_month_weights,
  0.08 as claim_p,
  0.50 as big_peak_claim_p,   -- April–June of the big year
  0.12 as big_claim_p;

-- When relief is claimed (weights per calendar month, 12 a year): small-scale taxpayers file
-- quarterly; 企业所得税 relief comes with the quarterly prepayments and the May settlement; R&D
-- super-deduction mostly at the annual settlement.
create table pattern_month as
select pattern, m::integer as month, list_extract(weights, m::integer) as weight
from (values
  ('monthly',   [1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
  ('quarterly', [3.0, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0]),
  ('cit',       [2.0, 0, 0, 2, 4, 0, 2, 0, 0, 2, 0, 0]),
  ('rnd',       [0.0, 0, 0, 0, 7, 0, 2, 0, 0, 3, 0, 0])
) v(pattern, weights), range(1, 13) r(m);

-- The months generated.
create table month_k as
select
  k::integer as k,
  (k // 12)::integer as year,
  (k % 12 + 1)::integer as month,
  strftime(make_date((k // 12)::integer, (k % 12 + 1)::integer, 1), '%Y-%m') as period,
  make_date((k // 12)::integer, (k % 12 + 1)::integer, 1) as first_day,
  last_day(make_date((k // 12)::integer, (k % 12 + 1)::integer, 1)) as last_day,
  (k - (select k_ref from run_param)) / 12.0 as years
from range((select k0 from run_param), (select k1 from run_param) + 1) r(k);
