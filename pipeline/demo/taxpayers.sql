-- The taxpayer registry: pseudonymised id, a made-up Chinese name, codes, registration date, status.
with brand as (
  select [
    '恒达', '永信', '华盛', '金利', '宏图', '粤海', '南越', '新锐', '佳源', '鸿基',
    '富华', '联创', '德丰', '盛泰', '锦程', '东方', '中和', '瑞祥', '海纳', '天成',
    '嘉禾', '广信', '启航', '万通', '利民', '顺昌', '兴业', '长青', '丰源', '合众',
    '信诚', '明辉', '泰和', '金穗', '安康', '宝丰', '和顺', '同益', '建华', '思源'
  ] as words
)
select
  'TP' || lpad(t.tp::varchar, 8, '0') as taxpayer_id,
  case
    when t.size_code = 'NP' then '纳税人' || lpad(t.tp::varchar, 8, '0')
    when t.size_code = 'IND' then ru.region_name || list_extract(b.words, (mix(hash(p.seed, t.tp, 'brand')) % 40)::integer + 1)
      || ip.word || list_extract(['经营部', '商行', '店'], (mix(hash(p.seed, t.tp, 'suffix')) % 3)::integer + 1)
    else replace(ru.city_name, '市', '') || list_extract(b.words, (mix(hash(p.seed, t.tp, 'brand')) % 40)::integer + 1)
      || ip.word || case when t.size_code = 'L' then '股份有限公司' else '有限公司' end
  end as name,
  t.region_code::varchar as region_code,
  t.industry_code::varchar as industry_code,
  t.size_code::varchar as size_code,
  t.registered_on,
  case when t.is_closed then '注销' else '正常' end as status
from taxpayer t
join region_unit ru on ru.region_code = t.region_code::varchar
join industry_param ip on ip.industry_code = t.industry_code::varchar
cross join brand b
cross join run_param p
order by t.tp
