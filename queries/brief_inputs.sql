-- The input files a brief for $period stands on (those of the $datasets it reads, comma-separated), one row per feed: files, rows, the period span and a fingerprint of their SHA-256 hashes.
-- zh: 本简报所依据的输入文件（按数据源汇总）：文件数、行数、所属期范围及SHA-256指纹。
select
  feed,
  dataset,
  count(*)::integer                                   as files,
  sum(rows)::bigint                                   as rows,
  strftime(min(period), '%Y-%m')                      as first_period,
  strftime(max(period), '%Y-%m')                      as last_period,
  left(sha256(string_agg(sha256, ',' order by name)), 16) as fingerprint
from files
where status = 'loaded'
  and list_contains(string_split($datasets, ','), dataset)
  and (period is null or period <= strptime($period || '-01', '%Y-%m-%d')::date)
group by feed, dataset
order by dataset, feed;
