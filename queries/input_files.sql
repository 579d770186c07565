-- Every loaded input file up to $period, with its SHA-256: the full provenance written to a brief's manifest.
-- zh: 截至本期已入库的全部输入文件及其SHA-256，完整清单写入manifest.json。
select name, feed, dataset, strftime(period, '%Y-%m') as period, rows, sha256, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') as loaded_at
from files
where status = 'loaded'
  and (period is null or period <= strptime($period || '-01', '%Y-%m-%d')::date)
order by dataset, name;
