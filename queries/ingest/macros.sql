-- Text → value conversions every feed shares (temporary macros, created by ingest before a load).
-- They return null for text they cannot read; ingest's validation turns a null where text was into an error.

-- Half-width text: full-width digits, signs and punctuation (Ｅxcel/WPS exports, 全角) to ASCII.
-- (translate is slow on multi-byte text: plain ASCII, the usual case, skips it.)
create or replace temp macro tb_halfwidth(s) as case
  when regexp_full_match(s::varchar, '[ -~]*') then trim(s::varchar)
  else translate(trim(s::varchar, ' 　	'), '０１２３４５６７８９．，－−（）／年月　', '0123456789.,--()/年月 ') end;

-- A number as written in Chinese tables → its plain decimal text, or null for "no figure":
-- thousands separators, full-width digits, "－"/"−" minus, (123) negative, blanks, "—", "NA", "…".
create or replace temp macro tb_number_of(v) as case
  when v is null or v in ('', '-', '--', '—', '——', '…', '...', 'NA', 'N/A', 'n/a', '/', 'x', '×') then null
  when regexp_full_match(v, '\(-?[0-9.]+\)') then '-' || regexp_extract(v, '\(-?([0-9.]+)\)', 1)
  else v end;
create or replace temp macro tb_number_text(s) as tb_number_of(regexp_replace(tb_halfwidth(s), '[,\s]', '', 'g'));

-- A period as written → the first day of the month (or of the year for a bare year), or null:
-- 2026-10, 2026/10, 2026.10, 202610, 2026-10-31, 2026年10月, 2026年1—10月 (year to date), 2026年, 2026, Excel serial days.
create or replace temp macro tb_period_norm(s) as replace(replace(replace(tb_halfwidth(s), '—', '-'), '～', '-'), '~', '-');
create or replace temp macro tb_period_of(v) as case
  when regexp_full_match(v, '\d{4}[-/.]\d{1,2}') then try_strptime(v, ['%Y-%m', '%Y/%m', '%Y.%m'])::date
  when regexp_full_match(v, '\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T].*)?') then date_trunc('month', try_strptime(left(v, 10), ['%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d']))::date
  when regexp_full_match(v, '\d{6}') then try_strptime(v, '%Y%m')::date
  when regexp_full_match(v, '\d{4}年(1-)?\d{1,2}月(份)?') then try_strptime(regexp_replace(v, '^(\d{4})年(1-)?(\d{1,2})月(份)?$', '\1-\3'), '%Y-%m')::date
  when regexp_full_match(v, '\d{4}(年|年度)?(\.0+)?') then try_strptime(left(v, 4), '%Y')::date
  when regexp_full_match(v, '\d{5}(\.0+)?') and try_cast(v as double) between 1 and 2958465 then date_trunc('month', date '1899-12-30' + floor(v::double)::integer)::date
  else null end;
-- (the usual 2026-10 takes a cheap length test and DuckDB's date parser; the rest the full reading)
create or replace temp macro tb_period(s) as case
  when length(s::varchar) = 7 and substr(s::varchar, 5, 1) = '-' and try_cast(s::varchar || '-01' as date) is not null then try_cast(s::varchar || '-01' as date)
  else tb_period_of(tb_period_norm(s)) end;

-- What a period text means: year, month, or ytd (January to the month, cumulative), as written.
create or replace temp macro tb_period_basis_of(v) as case
  when v is null then null
  when regexp_full_match(v, '\d{4}年1-\d{1,2}月(份)?') then 'ytd'
  when regexp_full_match(v, '\d{4}(年|年度)?(\.0+)?') then 'year'
  else 'month' end;
create or replace temp macro tb_period_basis(s) as case
  when length(s::varchar) = 7 and substr(s::varchar, 5, 1) = '-' then 'month'
  else tb_period_basis_of(tb_period_norm(s)) end;

-- Text without surrounding spaces; trim itself copies every string, so only padded text is trimmed.
create or replace temp macro tb_trim(s) as case when s like ' %' or s like '% ' then trim(s) else s end;

-- Leading indentation of an item label (spaces, full-width spaces, tabs): its depth in the item tree.
create or replace temp macro tb_indent(s) as length(s::varchar) - length(ltrim(s::varchar, ' 　	'));
