-- Reference data that does not hang together: counties whose city is not a city or differs in group or jurisdiction, policies of unknown kind or tax, mart codes missing from the seeds.
-- covers: *
select 'county city_code is not a city' as problem, r.code as code from regions r
left join regions c on c.code = r.city_code and c.level = 'city'
where r.level = 'county' and c.code is null
union all
select 'county region_group or in_jurisdiction differs from its city', r.code from regions r
join regions c on c.code = r.city_code and c.level = 'city'
where r.level = 'county' and (r.region_group is distinct from c.region_group or r.in_jurisdiction <> c.in_jurisdiction)
union all
select 'city is not its own city_code', code from regions where level = 'city' and city_code is distinct from code
union all
select 'policy kind is not tax_cut, fee_cut, refund or deferral', code from relief_policies where kind not in ('tax_cut', 'fee_cut', 'refund', 'deferral')
union all
select 'policy tax_code not in tax_types', p.code from relief_policies p left join tax_types t on t.code = p.tax_code where p.tax_code is not null and t.code is null
union all
select 'industry section_code is not a section', i.code from industries i left join industries s on s.code = i.section_code and s.level = 'section' where s.code is null
union all
select distinct 'mart_revenue tax_code not in tax_types', m.tax_code from mart_revenue m left join tax_types t on t.code = m.tax_code where t.code is null
union all
select distinct 'mart size_code not in taxpayer_sizes', m.size_code from (select size_code from mart_revenue union select size_code from mart_relief) m
left join taxpayer_sizes s on s.code = m.size_code where s.code is null
order by 1, 2;
