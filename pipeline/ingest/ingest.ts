import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import type { Logger } from '../log.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace.js';
import { datasets, type Dataset, type DatasetColumn } from './datasets.js';
import { feedFor, type Feed } from './feeds.js';

/** One problem found in a file: where (row is the line number in a CSV, header = 1) and what. */
export interface Problem { file: string; row?: number; column?: string; message: string }

/** What happened to one file offered to ingest. */
export interface IngestResult {
  file: string;
  feed: string;
  status: 'loaded' | 'duplicate' | 'refused';
  rows: number;
  periods: string[];
  problems: Problem[];
  /** How many problems there were in all (problems lists the first few). */
  problemCount: number;
}

/** The effects ingest needs: the clock (periods may not lie in the future) and a logger. */
export interface IngestEffects { logger: Logger; now: Date }

const MAX_EXAMPLES = 5;

/** Thrown inside the load transaction to roll it back with the file's problems. */
class Refusal extends Error {
  constructor(readonly problems: Problem[], readonly problemCount: number) {
    super(problems[0]?.message ?? 'refused');
  }
}

/**
 * Loads every file in the inbox that a feed recognises, one transaction per file. A loaded file
 * moves to the archive only after its data is committed; a refused file moves to quarantine
 * with its problems written beside it; the other files go on.
 */
export async function ingestInbox(warehouse: Warehouse, workspace: Workspace, feeds: Feed[], effects: IngestEffects): Promise<IngestResult[]> {
  const names = readdirSync(workspace.inbox).filter((f) => !f.startsWith('.')).sort(byDatasetOrder(feeds));
  const results: IngestResult[] = [];
  for (const [i, name] of names.entries()) {
    const file = path.join(workspace.inbox, name);
    const feed = feedFor(feeds, name);
    effects.logger.progress('ingest', i, names.length);
    if (!feed) {
      const problem = { file, message: `${name} matches no feed definition; add one under data/feeds/ or rename the file.` };
      quarantine(workspace, file, [problem], 1);
      results.push({ file, feed: '', status: 'refused', rows: 0, periods: [], problems: [problem], problemCount: 1 });
      continue;
    }
    const result = await ingestFile(warehouse, file, feed, effects);
    if (result.status === 'refused') quarantine(workspace, file, result.problems, result.problemCount);
    else if (result.status === 'duplicate') rmSync(file); // its bytes are committed and archived already
    else archive(workspace, file);
    results.push(result);
  }
  effects.logger.progress('ingest', names.length, names.length);
  return results;
}

// The registry first, so that a month's facts never wait on it; then files by name (by period).
function byDatasetOrder(feeds: Feed[]) {
  const rank = (name: string) => (feedFor(feeds, name)?.dataset === 'taxpayers' ? 0 : 1);
  return (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
}

/** Loads one file through its feed in one transaction; a problem anywhere leaves the warehouse as it was. */
export async function ingestFile(warehouse: Warehouse, file: string, feed: Feed, effects: IngestEffects): Promise<IngestResult> {
  const base: IngestResult = { file, feed: feed.name, status: 'loaded', rows: 0, periods: [], problems: [], problemCount: 0 };
  const sha256 = await hashFile(file);
  const seen = await warehouse.all('select 1 from files where sha256 = $sha256 and status in (\'loaded\', \'superseded\')', { sha256 });
  if (seen.length > 0) {
    effects.logger.info(`${path.basename(file)}: already loaded, skipped`, { feed: feed.name });
    return { ...base, status: 'duplicate' };
  }
  const dataset = datasets[feed.dataset]!;
  const utf8 = feed.format === 'csv' && feed.encoding !== 'utf-8' ? await transcode(file, feed.encoding) : file;
  try {
    return await warehouse.transaction(async () => {
      await stage(warehouse, utf8, feed);
      const problems = await validate(warehouse, file, feed, dataset, effects.now);
      if (problems.count > 0) throw new Refusal(problems.list, problems.count);
      const loaded = await load(warehouse, file, sha256, feed, dataset, effects.now);
      effects.logger.info(`${path.basename(file)}: loaded ${loaded.rows} rows`, { feed: feed.name, dataset: feed.dataset });
      return { ...base, ...loaded };
    });
  } catch (error) {
    if (error instanceof Refusal) return { ...base, status: 'refused', problems: error.problems, problemCount: error.problemCount };
    const message = `${path.basename(file)} cannot be read as ${feed.format} (${firstLine(error)}); check that it is a complete ${feed.format.toUpperCase()} file of feed ${feed.name}.`;
    return { ...base, status: 'refused', problems: [{ file, message }], problemCount: 1 };
  } finally {
    await warehouse.run('drop table if exists _staging');
    if (utf8 !== file) rmSync(utf8, { force: true });
  }
}

async function stage(warehouse: Warehouse, file: string, feed: Feed): Promise<void> {
  const reader =
    feed.format === 'csv'
      ? `read_csv($file, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`
      : `read_parquet($file)`;
  // The line number lets every problem point at the row an analyst opens in an editor (header = line 1).
  await warehouse.run(`create or replace temp table _staging as select (row_number() over () + 1)::bigint as _line, * from ${reader}`, { file });
}

/** The SQL expression that reads a canonical column from the staging table. */
function source(feed: Feed, column: DatasetColumn): string {
  return `"${(feed.columns[column.name] ?? column.name).replaceAll('"', '""')}"::varchar`;
}

/** The SQL expression that turns the staged text into the warehouse type. */
function typed(feed: Feed, column: DatasetColumn): string {
  const s = `nullif(trim(${source(feed, column)}), '')`;
  switch (column.type) {
    case 'period': return `strptime(${s} || '-01', '%Y-%m-%d')::date`;
    case 'date': return `${s}::date`;
    case 'money': return `${s}::decimal(18,2)`;
    case 'varchar': return s;
  }
}

async function validate(warehouse: Warehouse, file: string, feed: Feed, dataset: Dataset, now: Date): Promise<{ list: Problem[]; count: number }> {
  const present = new Set((await warehouse.all<{ column_name: string }>('select column_name from (describe _staging)')).map((r) => r.column_name));
  const missing = dataset.columns.filter((c) => c.required && !present.has(feed.columns[c.name] ?? c.name));
  if (missing.length > 0) {
    const names = missing.map((c) => feed.columns[c.name] ?? c.name);
    return { list: [{ file, row: 1, message: `${path.basename(file)}: missing column(s) ${names.join(', ')} in the header; the feed ${feed.name} needs them.` }], count: 1 };
  }
  const [{ n }] = (await warehouse.all<{ n: number }>('select count(*)::integer as n from _staging')) as [{ n: number }];
  if (n === 0) return { list: [{ file, message: `${path.basename(file)} has no data rows; an empty extract is not loaded.` }], count: 1 };

  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`;
  const checks: { column?: string; where: string; message: string }[] = [];
  for (const c of dataset.columns.filter((c) => present.has(feed.columns[c.name] ?? c.name))) {
    const name = feed.columns[c.name] ?? c.name;
    const s = `nullif(trim(${source(feed, c)}), '')`;
    if (c.required) checks.push({ column: name, where: `${s} is null`, message: 'is empty' });
    if (c.type === 'period') {
      checks.push({ column: name, where: `${s} is not null and try_strptime(${s} || '-01', '%Y-%m-%d') is null`, message: 'is not a period (YYYY-MM)' });
      checks.push({ column: name, where: `try_strptime(${s} || '-01', '%Y-%m-%d') >= date '${month}'`, message: 'lies in the current month or the future' });
    }
    if (c.type === 'date') checks.push({ column: name, where: `${s} is not null and try_cast(${s} as date) is null`, message: 'is not a date (YYYY-MM-DD)' });
    if (c.type === 'money') checks.push({ column: name, where: `${s} is not null and not regexp_full_match(${s}, '-?[0-9]{1,16}(\\.[0-9]{1,2})?')`, message: 'is not an amount in 元 with at most 2 decimals' });
    if (c.references) {
      const [table, key] = c.references.split('.') as [string, string];
      checks.push({ column: name, where: `${s} is not null and ${s} not in (select ${key} from ${table})`, message: `is not a code in the ${table} seed` });
    }
  }
  const keyExpr = dataset.key.map((k) => source(feed, dataset.columns.find((c) => c.name === k)!)).join(', ');
  checks.push({ where: `count(*) over (partition by ${keyExpr}) > 1`, message: `duplicates the key (${dataset.key.join(', ')}) of another row` });

  const list: Problem[] = [];
  let count = 0;
  for (const check of checks) {
    const isWindow = check.where.includes(' over ');
    const filtered = `select _line, ${check.column ? `"${check.column}"::varchar` : 'null'} as value from _staging ${isWindow ? 'qualify' : 'where'} ${check.where}`;
    const [{ bad }] = (await warehouse.all<{ bad: number }>(`select count(*)::integer as bad from (${filtered})`)) as [{ bad: number }];
    if (bad === 0) continue;
    count += bad;
    const examples = await warehouse.all<{ _line: string; value: string | null }>(`${filtered} order by _line limit ${MAX_EXAMPLES}`);
    for (const e of examples) {
      const value = e.value === null ? '' : ` "${e.value}"`;
      list.push({ file, row: Number(e._line), column: check.column, message: `${check.column ?? 'row'}${value} ${check.message}` });
    }
  }
  return { list, count };
}

async function load(warehouse: Warehouse, file: string, sha256: string, feed: Feed, dataset: Dataset, now: Date): Promise<Pick<IngestResult, 'rows' | 'periods'>> {
  const period = dataset.columns.find((c) => c.type === 'period');
  const periods = period
    ? (await warehouse.all<{ p: string }>(`select distinct strftime(${typed(feed, period)}, '%Y-%m') as p from _staging order by p`)).map((r) => r.p)
    : [];
  // A newer file of the same feed restates the periods it covers (or, for a snapshot, everything).
  if (dataset.replaces === 'period') {
    await warehouse.run(
      `delete from ${dataset.table} where strftime(period, '%Y-%m') in (select unnest(string_split($periods, ','))) and file_id in (select file_id from files where feed = $feed)`,
      { periods: periods.join(','), feed: feed.name },
    );
    await warehouse.run(
      `update files set status = 'superseded' where feed = $feed and status = 'loaded' and strftime(period, '%Y-%m') in (select unnest(string_split($periods, ',')))`,
      { periods: periods.join(','), feed: feed.name },
    );
  } else {
    await warehouse.run(`delete from ${dataset.table} where file_id in (select file_id from files where feed = $feed)`, { feed: feed.name });
    await warehouse.run(`update files set status = 'superseded' where feed = $feed and status = 'loaded'`, { feed: feed.name });
  }
  const [{ id }] = (await warehouse.all<{ id: number }>(`select nextval('file_id_seq')::integer as id`)) as [{ id: number }];
  const names = dataset.columns.map((c) => c.name);
  const values = dataset.columns.map((c) => typed(feed, c));
  await warehouse.run(
    `insert into ${dataset.table} (${names.join(', ')}, file_id) select ${values.join(', ')}, $id from _staging`,
    { id },
  );
  const [{ rows }] = (await warehouse.all<{ rows: number }>('select count(*)::integer as rows from _staging')) as [{ rows: number }];
  await warehouse.run(
    `insert into files values ($id, $name, $sha256, $feed, $dataset, $period::date, $rows, 'loaded', $at::timestamp)`,
    { id, name: path.basename(file), sha256, feed: feed.name, dataset: feed.dataset, period: periods[0] ? `${periods[0]}-01` : null, rows, at: now.toISOString() },
  );
  return { rows, periods };
}

/** SHA-256 of a file, streamed so that a large extract never sits in memory. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

// DuckDB reads UTF-8 only: GBK/GB18030 is transcoded by streaming into a file beside the original.
async function transcode(file: string, encoding: string): Promise<string> {
  const out = path.join(path.dirname(file), `.${path.basename(file)}.utf8.tmp`);
  await pipeline(createReadStream(file), iconv.decodeStream(encoding), iconv.encodeStream('utf8'), createWriteStream(out));
  return out;
}

function archive(workspace: Workspace, file: string): void {
  renameSync(file, uniqueTarget(workspace.archive, path.basename(file)));
}

function quarantine(workspace: Workspace, file: string, problems: Problem[], count: number): void {
  const target = uniqueTarget(workspace.quarantine, path.basename(file));
  const lines = problems.map((p) => `${p.file}${p.row ? `:${p.row}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}`);
  const summary = `${count} problem(s) in ${path.basename(file)}${count > problems.length ? `, the first ${problems.length} listed` : ''}; nothing from this file was loaded.`;
  writeFileSync(`${target}.errors.txt`, [...lines, summary, ''].join('\n'));
  renameSync(file, target);
}

function uniqueTarget(dir: string, name: string): string {
  let target = path.join(dir, name);
  for (let i = 1; existsSync(target); i++) target = path.join(dir, `${path.parse(name).name}.${i}${path.parse(name).ext}`);
  return target;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}
