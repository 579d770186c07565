-- Every loaded input file up to $period, with its SHA-256: the full provenance written to a brief's manifest.
select name, feed, dataset, strftime(period, '%Y-%m') as period, rows, sha256, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') as loaded_at
from files
where status = 'loaded'
  and (period is null or period <= strptime($period || '-01', '%Y-%m-%d')::date)
order by dataset, name;
