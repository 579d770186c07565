import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { faultPoint } from '../fault-point.js';
import type { Logger } from '../log.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace.js';
import { projectPaths } from '../workspace.js';
import { restrict } from '../write-atomic.js';
import { datasets, type Dataset } from './datasets.js';
import { feedFor, type Feed } from './feeds.js';
import { digestAside, digestFile, type Digest, type DigestAside } from './digest.js';
import { checkKind, firstLine, notUtf8, prepare, sniff, unmatched, Unreadable, type Prepared, type TypedColumns } from './formats.js';
import { canonicalSql, checksFor, leanColumns, resolveSources, type Check, type Sources } from './transform.js';

/** One problem found in a file: where (row is the line of a CSV, header included, or the row of a sheet) and what. */
export interface Problem { file: string; row?: number; column?: string; message: string; severity: 'error' | 'warning' }

/** What happened to one file offered to ingest. */
export interface IngestResult {
  file: string;
  feed: string;
  /** `checked`: a dry run found nothing wrong (nothing was loaded). */
  status: 'loaded' | 'duplicate' | 'refused' | 'checked';
  rows: number;
  periods: string[];
  /** The first few errors and warnings, located. */
  problems: Problem[];
  /** How many errors there were in all (problems lists the first few). */
  problemCount: number;
  warningCount: number;
  /** Files of the same feed this one restated (their rows are kept, marked superseded). */
  restated: number[];
  /** Wall milliseconds the file took, from its hash to its commit or refusal (the run's ledger names the slow ones). */
  ms: number;
}

/** The effects ingest needs: the clock (periods may not lie in the future), a logger, a folder for temporary files. */
export interface IngestEffects { logger: Logger; now: Date; tmpDir?: string }

/** `dryRun`: validate and report, load nothing; `keyRangeRows`: rows per range of the key pass at least (KEY_RANGE_ROWS; tests set it low). */
export interface IngestOptions { dryRun?: boolean; keyRangeRows?: number }

/** Errors listed per file (all are counted). */
export const MAX_EXAMPLES = 20;

/** Thrown inside the load transaction to roll it back. */
class Rollback extends Error {
  constructor(readonly reason: 'problems' | 'dry-run' | 'duplicate' | 'untrimmed', readonly detail = '') {
    super(reason);
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
      const problem: Problem = { file, severity: 'error', message: unmatched(file) };
      quarantine(workspace, file, [problem], 1);
      results.push({ ...emptyResult(file, ''), status: 'refused', problems: [problem], problemCount: 1 });
      continue;
    }
    const result = await ingestFile(warehouse, file, feed, effects);
    await faultPoint('ingest:committed', name);
    if (result.status === 'refused') quarantine(workspace, file, result.problems, result.problemCount);
    else archive(workspace, file, result.status === 'duplicate');
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

function emptyResult(file: string, feed: string): IngestResult {
  return { file, feed, status: 'loaded', rows: 0, periods: [], problems: [], problemCount: 0, warningCount: 0, restated: [], ms: 0 };
}

/**
 * Loads one file through its feed in one transaction; a problem anywhere leaves the warehouse as it was.
 * The result carries the file's wall time (`ms`).
 */
export async function ingestFile(warehouse: Warehouse, file: string, feed: Feed, effects: IngestEffects, options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const result = await ingestOne(warehouse, file, feed, effects, options);
  return { ...result, ms: Math.round(performance.now() - started) }; // whole ms, as the run ledger times its stages
}

/**
 * ingestFile's work. The fast path inserts straight from DuckDB's reader with every row check folded into the insert
 * (a failing row aborts it); only a refused file is read again, slowly, to locate each problem.
 */
async function ingestOne(warehouse: Warehouse, file: string, feed: Feed, effects: IngestEffects, options: IngestOptions): Promise<IngestResult> {
  const base = emptyResult(file, feed.name);
  const refuse = (problems: Problem[], count = problems.filter((p) => p.severity === 'error').length): IngestResult => ({
    ...base, status: 'refused', problems, problemCount: count, warningCount: problems.filter((p) => p.severity === 'warning').length,
  });
  const dataset = datasets[feed.dataset]!;
  const duplicate = (): IngestResult => {
    effects.logger.info(`${path.basename(file)}: already loaded (same SHA-256), skipped`, { feed: feed.name });
    return { ...base, status: 'duplicate' };
  };
  let prepared: Prepared | undefined;
  // a CSV read as UTF-8 as it is (a GBK one is transcoded, and its undecodable bytes refused on the way)
  const readsUtf8 = () => feed.format === 'csv' && prepared?.encoding === 'utf-8';
  let aside: DigestAside | undefined;
  let hash: (() => Promise<Digest>) | undefined;
  try {
    const kind = sniff(file);
    checkKind(file, feed, kind);
    // The file is hashed once, beside the load: a file of a name and size already in the ledger before
    // anything else; any other from the start of its insert on a thread of the lowest priority (it takes
    // only the CPU DuckDB's reader leaves idle), raised once the rows are in, when the single-threaded
    // key pass leaves a core free.
    const startHash = () => {
      if (!aside) {
        aside = digestAside(file, kind === 'text');
        aside.result.catch(() => undefined);
      }
      return aside;
    };
    hash = () => {
      const started = startHash();
      started.hurry();
      return started.result;
    };
    const bytes = statSync(file).size;
    const likely = await warehouse.all('select 1 from files where name = $name and bytes = $bytes', { name: path.basename(file), bytes });
    if (likely.length > 0 && (await isDuplicate(warehouse, await hash()))) return duplicate();
    const prepareAs = (wholeFile: boolean) => prepare(file, feed, effects.tmpDir ?? os.tmpdir(), headerNames(feed), typedColumns(feed, dataset), { wholeFile });
    prepared = await prepareAs(false);
    await createMacros(warehouse);
    const hashed = hash;
    const once = (reader: string, lean: boolean) => warehouse.transaction(() =>
      load(warehouse, file, feed, dataset, { ...prepared!, reader }, lean, effects, options, base, startHash, async () => {
        const d = await hashed();
        if (d.nulAt >= 0) throw new Unreadable(nulMessage(file, feed, d.nulAt));
        if (d.notUtf8At >= 0 && readsUtf8()) throw await notUtf8(file, feed, d.notUtf8At);
        if (await isDuplicate(warehouse, d)) throw new Rollback('duplicate');
        return { sha256: d.sha256, bytes };
      }));
    // Lean first (code columns untrimmed); a blank or padded code sends the file back to a full read.
    const attempt = async (reader: string) => {
      try {
        return await once(reader, true);
      } catch (error) {
        if (!(error instanceof Rollback && error.reason === 'untrimmed')) throw error;
        return await once(reader, false);
      }
    };
    const read = async () => {
      if (!prepared!.typedReader) return await attempt(prepared!.reader);
      try {
        return await attempt(prepared!.typedReader);
      } catch (error) {
        if (error instanceof Rollback || error instanceof Unreadable) throw error;
        effects.logger.info(`${path.basename(file)}: a row breaks the typed read (${firstLine(error)}); reading it as text`);
        return await attempt(prepared!.reader);
      }
    };
    try {
      return await read();
    } catch (error) {
      // DuckDB's CSV reader failed (say, "state machine reached an invalid state") on a mixture of line
      // ends or a quoted line break past the first megabyte, which prepare judged: judge the whole file,
      // and read it again if that changes how it is read. (Only a failed file pays for the pass; a file
      // that fits in the megabyte judged, even as UTF-8 transcoded from GBK, was judged whole already.)
      const shape = prepared.shape;
      if (!shape || shape.wholeFile || bytes <= (1 << 20) / 2 || error instanceof Rollback || error instanceof Unreadable || !/\bCSV\b/.test(String(error))) throw error;
      for (const t of prepared.temporary) rmSync(t, { force: true });
      prepared = await prepareAs(true);
      const whole = prepared.shape!;
      if (whole.mended === shape.mended && whole.serial === shape.serial) throw error;
      const how = [whole.mended && 'line ends mended', whole.serial && 'read serially'].filter(Boolean).join(', ');
      effects.logger.info(`${path.basename(file)}: ${firstLine(error)}; reading it again (${how}, judged on the whole file)`);
      return await read();
    }
  } catch (error) {
    // A NUL byte explains whatever else went wrong.
    const d = await hash?.().catch(() => undefined);
    if (d && d.nulAt >= 0) return refuse([{ file, severity: 'error', message: nulMessage(file, feed, d.nulAt) }]);
    // So does text that is not UTF-8 in a file read as UTF-8.
    if (d && d.notUtf8At >= 0 && readsUtf8() && !(error instanceof Unreadable)) {
      const problem = await notUtf8(file, feed, d.notUtf8At);
      return refuse([{ file, ...problem.at, severity: 'error', message: problem.message }]);
    }
    if (error instanceof Unreadable) return refuse([{ file, ...error.at, severity: 'error', message: error.message }]);
    if (error instanceof Rollback && error.reason === 'duplicate') return duplicate();
    if (error instanceof Rollback && error.reason === 'dry-run') return { ...base, status: 'checked', ...JSON.parse(error.detail) };
    if (!prepared) throw error;
    // Something in the file failed: read it again, slowly, to say where and why.
    const problems = await diagnose(warehouse, file, feed, dataset, prepared, effects).catch((e: unknown) => ({
      count: 1,
      list: [{ file, severity: 'error' as const, message: `${path.basename(file)} cannot be read as ${feed.format} (${firstLine(e)}); check that it is a complete ${feed.format.toUpperCase()} file of feed ${feed.name}.` }],
    }));
    if (problems.list.length === 0) {
      const reason = error instanceof Rollback ? error.detail : firstLine(error);
      return refuse([{ file, severity: 'error', message: `${path.basename(file)} was refused: ${reason}.` }]);
    }
    return refuse(problems.list, problems.count);
  } finally {
    for (const t of prepared?.temporary ?? []) rmSync(t, { force: true });
    await warehouse.run('drop view if exists _canon; drop view if exists _raw; drop table if exists _stage; drop table if exists _codes; drop table if exists _parents').catch(() => undefined);
  }
}

async function isDuplicate(warehouse: Warehouse, digest: { sha256: string }): Promise<boolean> {
  return (await warehouse.all('select 1 from files where sha256 = $sha256', { sha256: digest.sha256 })).length > 0;
}

function nulMessage(file: string, feed: Feed, at: number): string {
  return `${path.basename(file)} contains a NUL byte at byte ${at}: it is binary or corrupted, not ${feed.format.toUpperCase()} text; export it again.`;
}

// A plain feed's period and 元 amounts, when mapped straight from a column, may be typed by the CSV reader.
function typedColumns(feed: Feed, dataset: Dataset): TypedColumns | undefined {
  if (feed.format !== 'csv' || feed.numbers !== 'plain' || feed.unpivot) return undefined;
  const direct = (c: string) => (c in feed.constants || c in feed.codes ? undefined : feed.columns[c] ?? c);
  const period = dataset.columns.find((c) => c.type === 'period');
  const amounts = feed.unit === '元' ? dataset.columns.filter((c) => c.type === 'money').map((c) => direct(c.name)).filter((c): c is string => c !== undefined) : [];
  return { period: period && dataset.bases.length === 1 && dataset.bases[0] === 'month' ? direct(period.name) : undefined, amounts };
}

/** The header names a feed expects, to find the header row below any title rows. */
function headerNames(feed: Feed): string[] {
  const names = Object.values(feed.columns).filter((c) => !/^#\d+$/.test(c));
  if (feed.unpivot && Array.isArray(feed.unpivot.columns)) names.push(feed.unpivot.columns[0]!);
  return names;
}

// Warehouses whose connection has the macros: they are temporary (the connection's own), created once
// per connection and outside any transaction (ingest opens its own), so no rollback takes them away.
const withMacros = new WeakSet<Warehouse>();

async function createMacros(warehouse: Warehouse): Promise<void> {
  if (withMacros.has(warehouse)) return;
  await warehouse.run(readFileSync(path.join(projectPaths().queries, 'ingest', 'macros.sql'), 'utf8'));
  withMacros.add(warehouse);
}

/** Creates `_raw` (the file as DuckDB reads it) and the code tables, and works out where each column comes from. */
async function setup(warehouse: Warehouse, file: string, feed: Feed, dataset: Dataset, prepared: Prepared, withLines: boolean): Promise<Sources> {
  const line = withLines ? `${prepared.line} as _line, ` : '';
  await warehouse.run(`create or replace temp view _raw as select ${line}${prepared.lineColumn ? '* exclude (_line)' : '*'} from ${prepared.reader}`);
  const described = await warehouse.all<{ column_name: string; column_type: string }>('select column_name, column_type from (describe select * from _raw)');
  const sources = resolveSources(file, feed, dataset, described.map((d) => ({ name: d.column_name, type: d.column_type })).filter((c) => c.name !== '_line'));
  // A period read from text: the first row's text, worked out once for every row that repeats it (see Sources.periodText).
  const period = sources.text['period'];
  const typedPeriod = sources.raw['period'] && /^(DATE|TIMESTAMP)/.test(sources.raw['period'].type);
  if (period && !typedPeriod && !('period' in feed.constants)) {
    // (a file the reader fails on is left to the insert and its diagnosis to report)
    const [first] = await warehouse.all<{ p: string | null }>(`select ${period} as p from ${sources.from} limit 1`).catch(() => []);
    // (a short text without control characters: it goes into the SQL as a literal)
    if (first?.p && first.p.length <= 32 && !/[\u0000-\u001f]/.test(first.p)) sources.periodText = first.p;
  }
  await warehouse.run('create or replace temp table _codes (col varchar, src varchar, code varchar, ord integer)');
  for (const [column, maps] of Object.entries(feed.codes)) {
    for (const [ord, map] of maps.entries()) {
      if (typeof map === 'string') {
        const [table, key] = map.split('.') as [string, string];
        const exists = await warehouse.all(`select 1 from information_schema.columns where table_name = $table and column_name = $key`, { table, key });
        if (exists.length === 0) throw new Unreadable(`Feed definition ${feed.source}: codes.${column} looks up ${map}, which is not a seed column; fix the definition.`);
        await warehouse.run(`insert into _codes select $column, trim(${key}::varchar), code::varchar, $ord from ${table}`, { column, ord });
      } else {
        for (const [src, code] of Object.entries(map)) {
          await warehouse.run('insert into _codes values ($column, $src, $code, $ord)', { column, src: src.trim(), code, ord });
        }
      }
    }
  }
  return sources;
}

async function load(
  warehouse: Warehouse, file: string, feed: Feed, dataset: Dataset, prepared: Prepared, leanRead: boolean,
  effects: IngestEffects, options: IngestOptions, base: IngestResult,
  startHash: () => void, identify: () => Promise<{ sha256: string; bytes: number }>,
): Promise<IngestResult> {
  const small = Boolean(feed.totals || feed.hierarchy);
  const sources = await setup(warehouse, file, feed, dataset, prepared, small);
  const checks = checksFor(feed, dataset, sources, effects.now);
  const lean = leanRead && !small ? leanColumns(feed, dataset, sources) : [];
  const sql = canonicalSql(feed, dataset, sources, small, lean);
  await warehouse.run(`create or replace temp view _canon as ${sql}`);
  let warnings: Problem[] = [];
  let warningCount = 0;
  let from = '_canon';
  if (small) {
    // Totals and item trees need the rows side by side: stage them (such files are small).
    await warehouse.run('create or replace temp table _stage as select * from _canon');
    const totals = await fileChecks(warehouse, file, feed, sources);
    if (totals.errors.count > 0) throw new Rollback('problems', totals.errors.list[0]!.message);
    warnings = totals.warnings.list;
    warningCount = totals.warnings.count;
    from = '_stage where not _total';
  }
  const [{ id }] = (await warehouse.all<{ id: number }>(`select nextval('file_id_seq')::integer as id`)) as [{ id: number }];
  const names = dataset.columns.map((c) => c.name);
  // Every row check is folded into the insert: the first failing row aborts it (and the transaction).
  // A check that only finds a required value missing is left to the table's NOT NULL constraint,
  // which refuses the row as well and costs nothing per row; diagnose still names the cell.
  const notNull = await notNullColumns(warehouse, dataset.table);
  const guard = checks.filter((c) => !c.after && !(c.nullOf && notNull.has(c.nullOf))).map((c) => `(${c.where})`).join(' or ') || 'false';
  startHash();
  const inserted = await warehouse.all<{ Count: string }>(
    `insert into ${dataset.table} (${names.join(', ')}, file_id)
     select ${names.map((n) => `"v_${n}"`).join(', ')},
            case when ${guard} then error('a row fails validation') else ${id} end
     from ${from}`,
  );
  const rows = Number(inserted[0]?.Count ?? 0);
  if (rows === 0) throw new Unreadable(`${path.basename(file)} has no data rows (only a header, or every row blank); an empty extract is not loaded.`);

  const identity = identify(); // the hash, at full priority now, beside the checks below
  identity.catch(() => undefined);
  const periodColumn = dataset.columns.find((c) => c.type === 'period' || c.type === 'year')?.name;
  const periods = await checkLoaded(warehouse, dataset, checks, id, rows, options.keyRangeRows ?? KEY_RANGE_ROWS, periodColumn, lean);
  const { sha256, bytes } = await identity;
  if (options.dryRun) {
    throw new Rollback('dry-run', JSON.stringify({ rows, periods, problems: warnings, warningCount }));
  }

  // A newer file of the same feed restates the periods it covers (a snapshot: everything). The rows it
  // replaces stay, marked with the file that superseded them, so an earlier brief can be reproduced.
  // The periods as literals (read back from the table, so well-formed): DuckDB then skips the row
  // groups of other months by their min/max instead of scanning the whole history.
  const literals = periods.filter((p) => /^\d{4}(-\d{2})?$/.test(p)).map((p) => (periodColumn === 'year' ? p : `date '${p}-01'`));
  const scope = dataset.replaces === 'period' && periodColumn ? `and ${periodColumn} in (${literals.join(', ') || 'null'})` : '';
  const current = `superseded_by is null and file_id <> ${id} and file_id in (select file_id from files where feed = $feed) ${scope}`;
  const restated = await warehouse.all<{ file_id: number }>(`select distinct file_id from ${dataset.table} where ${current}`, { feed: feed.name });
  if (restated.length > 0) await warehouse.run(`update ${dataset.table} set superseded_by = ${id} where ${current}`, { feed: feed.name });
  const restatedIds = [...new Set(restated.map((r) => Number(r.file_id)))].sort((a, b) => a - b);
  if (restatedIds.length > 0) {
    await warehouse.run(
      `update files set status = 'superseded'
       where status = 'loaded' and file_id in (select unnest(string_split($ids, ','))::integer)
         and not exists (select 1 from ${dataset.table} t where t.file_id = files.file_id and t.superseded_by is null)`,
      { ids: restatedIds.join(',') },
    );
  }
  const first = periods[0] ? (periodColumn === 'year' ? `${periods[0]}-01-01` : `${periods[0]}-01`) : null;
  await warehouse.run(
    `insert into files (file_id, name, sha256, feed, dataset, period, rows, status, loaded_at, restates, bytes)
     values ($id, $name, $sha256, $feed, $dataset, $period::date, $rows, 'loaded', $at::timestamp, $restates, $bytes)`,
    { id, name: path.basename(file), sha256, feed: feed.name, dataset: feed.dataset, period: first, rows, at: effects.now.toISOString(), restates: restatedIds.join(',') || null, bytes },
  );
  await faultPoint('ingest:inserted', path.basename(file));
  for (const w of warnings) effects.logger.warn(formatProblem(w));
  effects.logger.info(`${path.basename(file)}: loaded ${rows} rows${restatedIds.length ? `, restating file(s) ${restatedIds.join(', ')}` : ''}`, {
    feed: feed.name, dataset: feed.dataset, encoding: prepared.encoding, warnings: warningCount,
  });
  return { ...base, rows, periods, problems: warnings, warningCount, restated: restatedIds };
}

/** The columns of a warehouse table declared NOT NULL. */
async function notNullColumns(warehouse: Warehouse, table: string): Promise<Set<string>> {
  // (pragma_table_info: duckdb_columns() took 35 ms on a process's first call, information_schema.columns a tenth of a second)
  const rows = await warehouse.all<{ column_name: string }>(
    `select name as column_name from pragma_table_info($table) where "notnull"`, { table });
  return new Set(rows.map((r) => r.column_name));
}

/**
 * The checks run on the rows just inserted (`rows` of them): codes looked up in the seeds (on the file's few
 * distinct values), and duplicate keys (in ranges of at least `rangeRows` rows). Returns the file's periods.
 */
async function checkLoaded(warehouse: Warehouse, dataset: Dataset, checks: Check[], id: number, rows: number, rangeRows: number, periodColumn: string | undefined, lean: string[]): Promise<string[]> {
  const table = dataset.table;
  const seen = [...new Set([...(periodColumn ? [periodColumn] : []), ...dataset.columns.filter((c) => c.references).map((c) => c.name)])];
  const after = checks.filter((c) => c.after).map((c) => `count(*) filter (where ${c.after})`);
  // A code taken untrimmed that is blank or padded: the file is read again in full (it trims them).
  const untrimmed = lean.map((c) => `count(*) filter (where ${c} = '' or ${c} like ' %' or ${c} like '% ')`);
  // Each column's distinct values on their own (grouping sets: one scan, one small hash table per column,
  // which DuckDB fills from the storage's dictionaries; the distinct combinations of all of them cost twice as much).
  // In a column's own set the other columns are null, and every check below passes nulls.
  const distinct = seen.length > 1 ? `group by grouping sets (${seen.map((c) => `(${c})`).join(', ')})` : 'group by all';
  const codes = `select (${after.join(' + ') || '0'})::bigint as bad, (${untrimmed.join(' + ') || '0'})::bigint as untrimmed,
            ${periodColumn ? `string_agg(distinct ${periodColumn}::varchar, ',' order by ${periodColumn}::varchar)` : 'null::varchar'} as periods
     from (select ${seen.join(', ') || '1'} from ${table} where file_id = ${id} ${distinct})`;

  // Duplicate keys: one streaming pass in file order counts the keys not strictly above the one before.
  // None: the keys strictly increase, so none repeats (an extract sorted by its key, the usual case, is
  // settled by it); otherwise the hash table of all keys counts the repeated ones.
  // (each key column and its predecessor side by side: comparing row() structs costs twice as much)
  const required = new Set(dataset.columns.filter((c) => c.required).map((c) => c.name));
  const partsOf = (key: string[]) => key.map((k, i) => ({ k: `k${i}`, p: `p${i}`, sql: required.has(k) ? k : `coalesce(${k}::varchar, '')` }));
  // The window runs on one thread, so the rows are cut into one range of rowids per DuckDB thread, each
  // its own window, side by side. A range starts at the last row of the one before, so that every row is
  // compared with the row before it. The rows of one insert take consecutive rowids from the first one's, so
  // the ranges are worked out from it and the count of rows (min and max of the rowids cost 35 ms on 5 M rows
  // just inserted). Each range counts its rows: a total that is not the file's (rowids not as assumed) proves
  // nothing, and the hash table decides; so does a row that does not follow the one before it by exactly one
  // rowid (an order the scan did not keep).
  const [first] = await warehouse.all<{ lo: string | null; threads: number }>(
    `select (select rowid::varchar from ${table} where file_id = ${id} limit 1) as lo, current_setting('threads')::integer as threads`);
  const lo = first?.lo ?? null;
  const ranges = keyRanges(lo, lo === null ? null : String(BigInt(lo) + BigInt(rows - 1)), Math.min(first?.threads ?? 1, Math.floor(rows / rangeRows)));
  // (One range needs no order: keys strictly increasing in any order are distinct.)
  const cut = ranges.length > 1;
  const keyPass = (parts: ReturnType<typeof partsOf>) => {
    // Not above the key before: the first part that differs decides (a case expression: a third cheaper than
    // the equivalent or/and chain, which compares each part twice); the first row (no key before) is null, not counted.
    const last = `${parts.at(-1)!.k} <= ${parts.at(-1)!.p}`;
    const notAbove = parts.length > 1 ? `case ${parts.slice(0, -1).map((c) => `when ${c.k} <> ${c.p} then ${c.k} < ${c.p} `).join('')}else ${last} end` : last;
    return ranges.map((r) => `select count(*) filter (where ${notAbove}${cut ? ' or _r <> _pr + 1' : ''})::bigint as unordered, count(*)::bigint as n
       from (select ${parts.map((c) => `${c.sql} as ${c.k}, lag(${c.sql}) over () as ${c.p}`).join(', ')}${cut ? ', rowid as _r, lag(rowid) over () as _pr' : ''}
             from ${table} where file_id = ${id}${r ? ` and rowid between ${r.from} and ${r.to}` : ''})`);
  };
  const totals = 'sum(unordered)::bigint as unordered, sum(n)::bigint as counted';
  const proven = (r: { unordered: string | null; counted: string | null } | undefined) =>
    Number(r?.unordered ?? 1) === 0 && Number(r?.counted ?? 0) === rows + ranges.length - 1;
  // The usual monthly extract has one period: the pass leaves it out of the comparison, and checks that
  // assumption against the periods the seed lookups find. The ranges and the seed lookups in one statement,
  // joined by union all: DuckDB runs each (one thread each, on rows not yet committed) side by side (joined
  // as scalar subqueries they ran one after another): 0.26 s on 5 M rows, against 0.32 s one after the other.
  const periodInKey = periodColumn !== undefined && required.has(periodColumn) && dataset.key.includes(periodColumn);
  const varying = dataset.key.filter((k) => !(periodInKey && k === periodColumn));
  // (union all by name: the seed lookups' branch names only its own columns, the ranges' come as nulls)
  const [found] = await warehouse.all<{ unordered: string | null; counted: string | null; bad: string; untrimmed: string; periods: string | null }>(
    `select ${totals}, max(bad) as bad, max(untrimmed) as untrimmed, max(periods) as periods
     from (${[...keyPass(partsOf(varying.length ? varying : dataset.key)), codes].join(' union all by name ')})`);
  if (found && Number(found.untrimmed) > 0) throw new Rollback('untrimmed');
  if (found && Number(found.bad) > 0) throw new Rollback('problems', `${found.bad} code(s) unknown to the seeds`);
  const periods = found?.periods ? found.periods.split(',').map((p) => p.slice(0, periodColumn === 'year' ? 4 : 7)) : [];
  // A file of several periods: its keys compared with the period, in a pass of their own.
  const keys = periodInKey && varying.length > 0 && periods.length > 1
    ? (await warehouse.all<{ unordered: string | null; counted: string | null }>(`select ${totals} from (${keyPass(partsOf(dataset.key)).join(' union all ')})`))[0]
    : found;
  if (!proven(keys)) {
    const key = `row(${partsOf(dataset.key).map((c) => c.sql).join(', ')})`;
    const [dup] = await warehouse.all<{ n: string }>(`select count(*)::bigint as n from (select ${key} as k from ${table} where file_id = ${id} group by k having count(*) > 1)`);
    const duplicates = Number(dup?.n ?? 0);
    if (duplicates > 0) throw new Rollback('problems', `${duplicates} key(s) (${dataset.key.join(', ')}) occur more than once`);
  }
  return periods;
}

/** Rows per range of the key pass at least: below it, a range of its own is not worth its pipeline. */
export const KEY_RANGE_ROWS = 250_000;

/**
 * The rowid ranges of the key pass: `count` (at least one) ranges of about equal size over lo…hi, each
 * starting at the last rowid of the one before; one range (null: the whole file) when there is one.
 * (rowids exceed 2^53: BigInt, the bounds as SQL literals.)
 */
export function keyRanges(lo: string | null, hi: string | null, count: number): ({ from: string; to: string } | null)[] {
  if (lo === null || hi === null || count < 2) return [null];
  const first = BigInt(lo);
  const last = BigInt(hi);
  const n = BigInt(count);
  const size = (last - first + n) / n; // rounded up
  const ranges: { from: string; to: string }[] = [];
  for (let start = first; start <= last; start += size) {
    const end = start + size - 1n < last ? start + size - 1n : last;
    ranges.push({ from: String(start === first ? start : start - 1n), to: String(end) });
  }
  return ranges;
}

/** Reads a refused file again with line numbers and runs every check on it, to say where and why. */
async function diagnose(warehouse: Warehouse, file: string, feed: Feed, dataset: Dataset, prepared: Prepared, effects: IngestEffects): Promise<{ list: Problem[]; count: number }> {
  await createMacros(warehouse);
  if (prepared.rejects) {
    // Rows the CSV reader cannot split (a stray quote, too many fields), each with its line.
    await warehouse.run('drop table if exists reject_errors; drop table if exists reject_scans');
    await warehouse.run(`create or replace temp table _stage as select * from ${prepared.rejects}`);
    const rejects = await warehouse.all<{ line: string; column_name: string | null; error_type: string; error_message: string }>(
      `select line, column_name, error_type, error_message from reject_errors
       qualify row_number() over (partition by line order by column_idx) = 1 order by line`,
    );
    if (rejects.length > 0) {
      const list: Problem[] = rejects.slice(0, MAX_EXAMPLES).map((r) => ({
        file, row: Number(r.line), column: r.column_name ?? undefined, severity: 'error',
        message: `${r.error_type.toLowerCase()}: ${r.error_message.replace(/\.$/, '')}; fix the row (quote fields holding commas or quotes, one field per header column)`,
      }));
      return { list, count: rejects.length };
    }
  }
  let sources: Sources;
  try {
    sources = await setup(warehouse, file, feed, dataset, prepared, true);
  } catch (error) {
    if (error instanceof Unreadable) return { list: [{ file, ...error.at, severity: 'error', message: error.message }], count: 1 };
    throw error;
  }
  await warehouse.run(`create or replace temp table _stage as ${canonicalSql(feed, dataset, sources, true)}`);
  const [{ n }] = (await warehouse.all<{ n: string }>('select count(*)::bigint as n from _stage where not _total')) as [{ n: string }];
  if (Number(n) === 0) return { list: [{ file, severity: 'error', message: `${path.basename(file)} has no data rows (only a header, or every row blank); an empty extract is not loaded.` }], count: 1 };
  const list: Problem[] = [];
  let count = 0;
  const add = (problems: { list: Problem[]; count: number }) => {
    count += problems.count;
    for (const p of problems.list) if (list.length < MAX_EXAMPLES) list.push(p);
  };
  for (const check of checksFor(feed, dataset, sources, effects.now)) add(await located(warehouse, file, check, '_stage where not _total'));
  const key = dataset.key.map((k) => `"v_${k}"`).join(', ');
  add(await located(warehouse, file, {
    where: `count(*) over (partition by ${key}) > 1`, window: true, column: 'null', value: 'null',
    message: `duplicates the key (${dataset.key.join(', ')}) of another row of the file`,
  }, '_stage where not _total'));
  const totals = await fileChecks(warehouse, file, feed, sources);
  add(totals.errors);
  return { list, count };
}

/** The rows failing one check, with their line, column and value. */
async function located(warehouse: Warehouse, file: string, check: Check, from: string): Promise<{ list: Problem[]; count: number }> {
  const filtered = `select _line, ${check.column} as col, ${check.value}::varchar as value from ${from} ${check.window ? 'qualify' : 'and'} ${check.where}`;
  const [{ bad }] = (await warehouse.all<{ bad: string }>(`select count(*)::bigint as bad from (${filtered})`)) as [{ bad: string }];
  if (Number(bad) === 0) return { list: [], count: 0 };
  const examples = await warehouse.all<{ _line: string; col: string | null; value: string | null }>(`${filtered} order by _line limit ${MAX_EXAMPLES}`);
  return {
    count: Number(bad),
    list: examples.map((e) => ({
      file, row: Number(e._line), column: e.col ?? undefined, severity: check.severity ?? 'error',
      message: `${e.col ?? 'row'}${e.value === null ? '' : ` "${e.value}"`} ${check.message}`,
    })),
  };
}

/** Checks across rows: a total row against the sum of its parts (error), a parent item against its items (warning). */
async function fileChecks(warehouse: Warehouse, file: string, feed: Feed, sources: Sources): Promise<{ errors: { list: Problem[]; count: number }; warnings: { list: Problem[]; count: number } }> {
  const none = { list: [] as Problem[], count: 0 };
  const result = { errors: none, warnings: none };
  const group = sources.groupColumns.map((c) => `"v_${c}"`);
  const same = (a: string, b: string) => group.map((g) => `${a}.${g} is not distinct from ${b}.${g}`).join(' and ') || 'true';
  if (feed.totals) {
    const scale = sources.scale;
    // A total covers the rows between the previous total and itself (or, first in the file, those after it), at their top level.
    const sql = `
      with r as (
        select *, coalesce(sum(_total::integer) over (partition by ${group.join(', ') || 'null'} order by _line rows between unbounded preceding and 1 preceding), 0) as seg
        from _stage),
      parts as (
        select ${group.join(', ')}${group.length ? ',' : ''} seg, _level, sum(v_amount) as amount, count(*) as n from r where not _total group by all),
      top as (
        select ${group.join(', ')}${group.length ? ',' : ''} seg, min(_level) as level from r where not _total group by all)
      select t._line, t._label, t.v_amount as total,
             coalesce(p0.amount, p1.amount, 0) as parts
      from r t
      left join top l0 on ${same('l0', 't')} and l0.seg = t.seg
      left join parts p0 on ${same('p0', 't')} and p0.seg = t.seg and p0._level = l0.level
      left join top l1 on ${same('l1', 't')} and l1.seg = t.seg + 1 and p0.amount is null
      left join parts p1 on ${same('p1', 't')} and p1.seg = t.seg + 1 and p1._level = l1.level and p0.amount is null
      where t._total and t.v_amount is not null
        and abs(t.v_amount - coalesce(p0.amount, p1.amount, 0)) > ${feed.totals.tolerance} * ${scale}
      order by t._line`;
    const bad = await warehouse.all<{ _line: string; _label: string; total: string; parts: string }>(sql);
    result.errors = {
      count: bad.length,
      list: bad.slice(0, MAX_EXAMPLES).map((b) => ({
        file, row: Number(b._line), column: feed.totals!.column, severity: 'error' as const,
        message: `total "${b._label}" ${fromYuan(b.total, sources.scale)} does not equal the sum of its parts ${fromYuan(b.parts, sources.scale)} (${feed.unit}); correct the total or the parts`,
      })),
    };
  }
  if (feed.hierarchy) {
    // Parent of a row = the nearest row above it with a smaller indent (worked out on the line list, summed in SQL).
    const lines = await warehouse.all<{ _line: string; _level: number }>('select distinct _line, _level from _stage where not _total order by _line');
    const stack: { line: number; level: number }[] = [];
    const pairs: [number, number][] = [];
    for (const l of lines) {
      const line = Number(l._line);
      while (stack.length > 0 && stack.at(-1)!.level >= l._level) stack.pop();
      if (stack.length > 0) pairs.push([line, stack.at(-1)!.line]);
      stack.push({ line, level: l._level });
    }
    await warehouse.run('create or replace temp table _parents (line bigint, parent bigint)');
    if (pairs.length > 0) await warehouse.run(`insert into _parents values ${pairs.map(([a, b]) => `(${a}, ${b})`).join(', ')}`);
    const bad = await warehouse.all<{ _line: string; _label: string; parent: string; items: string; col: string | null }>(`
      select p._line, p._label, p.v_amount as parent, sum(c.v_amount) as items, p._value_column as col
      from _stage p join _parents x on x.parent = p._line
      join _stage c on c._line = x.line and ${same('c', 'p')}
      where not p._total and p.v_amount is not null
      group by all
      having abs(p.v_amount - sum(c.v_amount)) > ${feed.hierarchy.tolerance} * ${sources.scale}
      order by p._line`);
    bad.sort((a, b) => Number(a._line) - Number(b._line) || String(a.col).localeCompare(String(b.col)));
    result.warnings = {
      count: bad.length,
      list: bad.slice(0, MAX_EXAMPLES).map((b) => ({
        file, row: Number(b._line), column: b.col ?? feed.hierarchy!.column, severity: 'warning' as const,
        message: `"${b._label}" ${fromYuan(b.parent, sources.scale)} differs from the sum of its items ${fromYuan(b.items, sources.scale)} (${feed.unit}); some items may be missing`,
      })),
    };
  }
  return result;
}

// Amounts in messages are shown in the file's unit, as the analyst sees them (formatting only).
function fromYuan(value: string, scale: string): string {
  const v = value.replace(/\.?0+$/, '');
  if (scale === '1') return v;
  const [int, frac = ''] = value.split('.');
  const shift = scale.length - 1;
  const neg = int!.startsWith('-');
  const digits = (neg ? int!.slice(1) : int!).padStart(shift + 1, '0');
  const out = `${digits.slice(0, -shift)}.${digits.slice(-shift)}${frac}`.replace(/\.?0+$/, '');
  return `${neg ? '-' : ''}${out}`;
}

/** SHA-256 of a file, streamed so that a large extract never sits in memory. */
export async function hashFile(file: string): Promise<string> {
  return (await digestFile(file)).sha256;
}

/** A problem as one line: file:row:column: message. */
export function formatProblem(p: Problem): string {
  return `${p.file}${p.row ? `:${p.row}` : ''}${p.column ? `:${p.column}` : ''}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/** The closing line of a file's report. */
export function summaryLine(r: IngestResult): string {
  const name = path.basename(r.file);
  const listed = r.problems.filter((p) => p.severity === 'error').length;
  if (r.status === 'refused') {
    return `${r.problemCount} error(s) in ${name}${r.problemCount > listed ? `, the first ${listed} listed` : ''}; nothing from this file was loaded.`;
  }
  const verb = r.status === 'checked' ? 'would load' : r.status === 'duplicate' ? 'already loaded' : 'loaded';
  return `${name}: ${verb} ${r.rows} row(s)${r.periods.length ? ` for ${r.periods[0]}${r.periods.length > 1 ? `…${r.periods.at(-1)}` : ''}` : ''}${r.warningCount ? `, ${r.warningCount} warning(s)` : ''}.`;
}

// A duplicate is archived too unless an identical copy is there already (a crash may have
// committed its data before the move).
function archive(workspace: Workspace, file: string, duplicate: boolean): void {
  const target = path.join(workspace.archive, path.basename(file));
  if (duplicate && existsSync(target)) rmSync(file);
  else {
    const kept = uniqueTarget(workspace.archive, path.basename(file));
    renameSync(file, kept);
    restrict(kept);
  }
}

function quarantine(workspace: Workspace, file: string, problems: Problem[], count: number): void {
  const target = uniqueTarget(workspace.quarantine, path.basename(file));
  const result = { ...emptyResult(file, ''), status: 'refused' as const, problems, problemCount: count };
  writeFileSync(`${target}.errors.txt`, [...problems.map(formatProblem), summaryLine(result), ''].join('\n'));
  renameSync(file, target);
  restrict(target);
}

function uniqueTarget(dir: string, name: string): string {
  let target = path.join(dir, name);
  for (let i = 1; existsSync(target); i++) target = path.join(dir, `${path.parse(name).name}.${i}${path.parse(name).ext}`);
  return target;
}
