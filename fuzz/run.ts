import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { readFeeds, type Feed } from '../pipeline/ingest/feeds.js';
import { formatProblem, ingestFile, type IngestResult } from '../pipeline/ingest/ingest.js';
import { memoryLogger } from '../pipeline/log.js';
import { loadSeeds } from '../pipeline/seeds.js';
import { migrate, readMigrations } from '../pipeline/warehouse/migrate.js';
import { openWarehouse, type Warehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../pipeline/workspace.js';
import { columnsOf, datasetOf, describeCase, fuzzCase, kindOf, render, type Codes, type FeedKind, type FuzzCase } from './cases.js';
import { expectationOf, expectedRows, rowKey, rowsOfBytes, type Canonical } from './oracle.js';

/** How a fuzz run is set up. */
export interface FuzzOptions {
  /** Cases run in-process (the ingest stage called directly, one warehouse reset between cases). */
  cases: number;
  seed: number;
  /** Of those, how many are also run through a spawned `taxbrief ingest` (exit code, stderr). */
  cli: number;
  /** A case that takes longer is a hang. */
  timeoutMs: number;
  /** Where progress lines go. */
  print: (line: string) => void;
}

/** What a fuzz run tried and what held. */
export interface FuzzReport {
  cases: number;
  /** Cases per kind (feed, encoding/line ending, mutation) with their outcomes. */
  kinds: Map<string, { tried: number; loaded: number; refused: number }>;
  cli: { tried: number; loaded: number; refused: number };
  /** The first counterexample, shrunk: its seed, path, case and what went wrong. */
  failure?: { seed: number; path?: string; case: string; reason: string; first?: { case: string; reason: string } };
}

/** The clock of every in-process case: November 2026, so periods up to 2026-10 are complete months. */
export const fuzzNow = new Date('2026-11-26T08:00:00Z');

/** The seeded warehouse every case is ingested into (its fact tables emptied between cases). */
async function fuzzBench(): Promise<{ dir: string; warehouse: Warehouse; codes: Codes; baseline: string; files: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taxbrief-fuzz-'));
  const warehouse = await openWarehouse(path.join(dir, 'warehouse.duckdb'));
  try {
    await migrate(warehouse, readMigrations(path.join(projectPaths().queries, 'migrations')), fuzzNow);
    await loadSeeds(warehouse, projectPaths().seeds, { logger: memoryLogger(), now: fuzzNow });
    const baseline = await fingerprint(warehouse);
    if (!/^(\w+:0: ?)+$/.test(`${baseline} `)) throw new Error(`the fuzz warehouse should start without facts: ${baseline}`);
    const files = path.join(dir, 'files');
    mkdirSync(files);
    return { dir, warehouse, codes: await seedCodes(warehouse), baseline, files };
  } catch (error) {
    warehouse.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs named cases (past counterexamples, fuzz/regressions.ts) through ingest and the same judge as
 * the generated ones. Returns each case's name with what went wrong, or undefined when it held.
 */
export async function replayCases(cases: { name: string; case: FuzzCase }[]): Promise<{ name: string; outcome: string; violation?: string }[]> {
  const { dir, warehouse, baseline, files } = await fuzzBench();
  const feeds = fuzzFeeds();
  const results: { name: string; outcome: string; violation?: string }[] = [];
  try {
    for (const [i, { name, case: c }] of cases.entries()) {
      const { name: fileName, bytes } = await render(c, i);
      const file = path.join(files, fileName);
      writeFileSync(file, bytes);
      try {
        const result = await ingestFile(warehouse, file, feeds[c.feed], { logger: memoryLogger(), now: fuzzNow, tmpDir: dir });
        const outcome = result.status === 'refused' ? result.problems.map(formatProblem).slice(0, 2).join(' | ').replaceAll(`${file}`, path.basename(file)) : `${result.status} ${result.rows} row(s)`;
        results.push({ name, outcome, violation: await judge(warehouse, c, bytes, result, baseline) });
      } catch (error) {
        results.push({ name, outcome: 'threw', violation: `ingest threw instead of refusing: ${error instanceof Error ? error.message : String(error)}` });
      } finally {
        rmSync(file, { force: true });
        if ((await fingerprint(warehouse)) !== baseline) await emptyFacts(warehouse);
      }
    }
    return results;
  } finally {
    warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `options.cases` generated files through ingest and checks each outcome against the oracle. */
export async function fuzzIngest(options: FuzzOptions): Promise<FuzzReport> {
  const { dir, warehouse, codes, baseline, files } = await fuzzBench();
  const report: FuzzReport = { cases: 0, kinds: new Map(), cli: { tried: 0, loaded: 0, refused: 0 } };
  try {
    const feeds = fuzzFeeds();
    let hung: string | undefined;
    let first: { case: string; reason: string } | undefined;
    let n = 0;
    const property = fc.asyncProperty(fuzzCase(codes), async (c) => {
      if (hung) return; // a hung warehouse cannot be trusted: the first case stands
      const index = n++;
      const { name, bytes } = await render(c, index);
      const file = path.join(files, name);
      writeFileSync(file, bytes);
      try {
        let result: IngestResult;
        try {
          result = await withTimeout(
            ingestFile(warehouse, file, feeds[c.feed], { logger: memoryLogger(), now: fuzzNow, tmpDir: dir }),
            options.timeoutMs, () => { hung = `no outcome after ${options.timeoutMs} ms (a hang)`; },
          );
        } catch (error) {
          // ingestFile reports every problem of a file as a refusal: an exception is a crash.
          const reason = hung ?? `ingest threw instead of refusing: ${error instanceof Error ? error.stack ?? error.message : String(error)}`.slice(0, 600);
          first ??= { case: describeCase(c), reason };
          throw new Error(reason);
        }
        const violation = await judge(warehouse, c, bytes, result, baseline);
        if (violation) {
          first ??= { case: describeCase(c), reason: violation };
          throw new Error(violation);
        }
        if (first) return; // shrinking a counterexample: its runs are not cases of the tally
        const entry = report.kinds.get(kindOf(c)) ?? { tried: 0, loaded: 0, refused: 0 };
        entry.tried++;
        if (result.status === 'loaded') entry.loaded++;
        else entry.refused++;
        report.kinds.set(kindOf(c), entry);
        report.cases++;
        if (report.cases % 250 === 0) options.print(`  … ${report.cases}/${options.cases} cases held`);
      } finally {
        rmSync(file, { force: true });
        // Whatever happened, the next case starts from the seeded warehouse (the fact tables were empty).
        if (!hung && (await fingerprint(warehouse)) !== baseline) await emptyFacts(warehouse);
      }
    });
    const result = await fc.check(property, { numRuns: options.cases, seed: options.seed });
    if (result.failed) {
      const shrunk = result.counterexample?.[0] as FuzzCase | undefined;
      report.failure = {
        seed: options.seed, path: result.counterexamplePath ?? undefined,
        case: shrunk ? describeCase(shrunk) : '(none)',
        reason: hung ?? (result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)),
        first,
      };
      return report;
    }
    if (options.cli > 0 && !report.failure) await cliSample(codes, options, dir, report);
    return report;
  } finally {
    warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks one outcome: a refusal is clear (file:row:column and a reason on one line, located at the
 * broken row when one row broke it) and leaves the warehouse as it was; a load holds exactly the
 * rows meant, and removing them restores the warehouse. Returns what went wrong, or undefined.
 */
async function judge(warehouse: Warehouse, c: FuzzCase, bytes: Buffer, result: IngestResult, baseline: string): Promise<string | undefined> {
  const expected = expectationOf(c);
  if (result.status === 'loaded') {
    const id = await lastFileId(warehouse);
    const loaded = await loadedRows(warehouse, datasetOf(c.feed), id);
    await removeFile(warehouse, datasetOf(c.feed), id);
    if ((await fingerprint(warehouse)) !== baseline) return 'removing the loaded file did not restore the warehouse (rows outside the file changed)';
    if (expected.outcome === 'refuse') return `loaded ${loaded.length} row(s), but the file must be refused${expected.at ? ` at row ${expected.at.row}` : ''}`;
    const meant = c.mutation.kind === 'truncate' && c.feed !== 'revenue-xlsx' ? rowsOfBytes(c, bytes) : expectedRows(c);
    if (!meant) return `loaded ${loaded.length} row(s) from a file that cannot be read correctly (an undecodable byte, a broken record or a cell that is no value)`;
    const a = loaded.map(rowKey).sort();
    const b = meant.map(rowKey).sort();
    const missing = b.filter((k) => !a.includes(k));
    const extra = a.filter((k) => !b.includes(k));
    if (missing.length || extra.length) return `the load differs from the rows meant: missing ${missing.slice(0, 2).join(' ') || 'none'}; unexpected ${extra.slice(0, 2).join(' ') || 'none'} (${a.length} loaded, ${b.length} meant)`;
    return undefined;
  }
  if ((await fingerprint(warehouse)) !== baseline) return `${result.status}, but the warehouse changed`;
  if (result.status !== 'refused') return `status ${result.status}: neither loaded nor refused`;
  if (expected.outcome === 'load') return `refused a valid file: ${result.problems.map(formatProblem).slice(0, 3).join(' | ')}`;
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return 'refused without an error that says why';
  for (const p of errors) {
    const line = formatProblem(p);
    if (/[\r\n]/.test(p.message) || /\n\s+at |\bat .*\.(js|ts):\d+:\d+/.test(line)) return `an error is not one clear line: ${JSON.stringify(line.slice(0, 300))}`;
    if (!line.startsWith(p.file) || p.message.trim().length < 10) return `an error does not name the file and a reason: ${JSON.stringify(line.slice(0, 300))}`;
  }
  if (expected.outcome === 'refuse' && expected.at) {
    const at = expected.at;
    const located = errors.some((p) => (p.row === at.row || p.row === at.alsoRow) && (at.column === undefined || p.column === at.column));
    if (!located) return `refused, but no error points at row ${at.row}${at.column ? ` column ${at.column}` : ''}: ${errors.map(formatProblem).slice(0, 3).join(' | ')}`;
  }
  return undefined;
}

async function loadedRows(warehouse: Warehouse, dataset: 'revenue' | 'taxpayers', id: number): Promise<Canonical[]> {
  const cols = columnsOf[dataset].map((c) => `${c}::varchar as ${c}`).join(', ');
  return warehouse.all<Canonical>(`select ${cols} from ${dataset} where file_id = $id`, { id });
}

async function lastFileId(warehouse: Warehouse): Promise<number> {
  const [r] = await warehouse.all<{ id: number }>('select max(file_id)::integer as id from files');
  return r!.id;
}

async function removeFile(warehouse: Warehouse, dataset: string, id: number): Promise<void> {
  await warehouse.run(`delete from ${dataset} where file_id = $id`, { id });
  await warehouse.run('delete from files where file_id = $id', { id });
}

async function emptyFacts(warehouse: Warehouse): Promise<void> {
  for (const t of factTables) await warehouse.run(`delete from ${t}`);
}

const factTables = ['revenue', 'relief', 'taxpayers', 'fiscal', 'budget_targets', 'files'];

/** Counts and content hashes of every fact table and the files ledger, by SQL. */
export async function fingerprint(warehouse: Warehouse): Promise<string> {
  const parts: string[] = [];
  for (const t of factTables) {
    const [r] = await warehouse.all<{ n: string; h: string | null }>(`select count(*)::bigint as n, sum(hash(t))::varchar as h from ${t} t`);
    parts.push(`${t}:${r!.n}:${r!.h ?? ''}`);
  }
  return parts.join(' ');
}

async function seedCodes(warehouse: Warehouse): Promise<Codes> {
  const list = async (sql: string) => (await warehouse.all<{ code: string }>(sql)).map((r) => r.code);
  return {
    regions: await list("select code from regions where level = 'county' order by code limit 40"),
    industries: await list('select code from industries order by code'),
    sizes: await list('select code from taxpayer_sizes order by code'),
    taxes: await list('select code from tax_types order by code'),
  };
}

/** The project's demo feeds, and twins of them the fuzzer also writes for (auto encoding, xlsx). */
export function fuzzFeeds(): Record<FeedKind, Feed> {
  const feeds = readFeeds(path.join(projectPaths().root, 'data', 'feeds'));
  const by = (name: string) => feeds.find((f) => f.name === name)!;
  return {
    'revenue-csv': by('demo-revenue'),
    'taxpayers-gbk': by('demo-taxpayers'),
    'taxpayers-auto': { ...by('demo-taxpayers'), name: 'demo-taxpayers-auto', encoding: 'auto' },
    'revenue-xlsx': { ...by('demo-revenue'), name: 'demo-revenue-xlsx', files: 'revenue_*.xlsx', format: 'xlsx' },
  };
}

// The spawned CLI: the project's own feeds only (demo-revenue, demo-taxpayers), the real clock.
async function cliSample(codes: Codes, options: FuzzOptions, dir: string, report: FuzzReport): Promise<void> {
  const workspace = path.join(dir, 'cli-workspace');
  const inputs = path.join(dir, 'cli-files');
  mkdirSync(inputs, { recursive: true });
  const feedNames: Partial<Record<FeedKind, string>> = { 'revenue-csv': 'demo-revenue', 'taxpayers-gbk': 'demo-taxpayers' };
  // Cases whose verdict depends on the clock (a period of the current month) are left to the in-process run.
  const clockFree = (c: FuzzCase) => !(c.mutation.kind === 'wrong-type' && c.mutation.column === 'period');
  const cases = fc.sample(fuzzCase(codes).filter((c) => c.feed in feedNames && clockFree(c)), { seed: options.seed + 1, numRuns: options.cli });
  const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
  for (const [i, c] of cases.entries()) {
    const { name, bytes } = await render(c, 10_000 + i);
    const file = path.join(inputs, name);
    writeFileSync(file, bytes);
    const run = await spawnCli(process.execPath, [bin, '--workspace', workspace, '--json', 'ingest', file, '--feed', feedNames[c.feed]!], options.timeoutMs * 2);
    rmSync(file, { force: true });
    report.cli.tried++;
    const fail = (reason: string) => { report.failure = { seed: options.seed + 1, case: describeCase(c), reason: `taxbrief ingest (spawned): ${reason}` }; };
    if (run.code === null) return fail(`no exit after ${options.timeoutMs * 2} ms (a hang)`);
    if (run.code !== 0 && run.code !== 3) return fail(`exit ${run.code} (0 loaded, 3 refused expected): ${run.stderr.slice(0, 400)}`);
    if (/\n\s+at |\bat .*\.(js|ts):\d+:\d+/.test(run.stderr)) return fail(`a stack trace on stderr: ${run.stderr.slice(0, 400)}`);
    const status = run.stdout.split('\t')[0];
    if ((run.code === 0) !== (status === 'loaded')) return fail(`exit ${run.code} but stdout says ${JSON.stringify(run.stdout.trim())}`);
    const warehouse = await openWarehouse(path.join(workspace, 'warehouse.duckdb'));
    try {
      const expected = expectationOf(c);
      if (status === 'loaded') {
        report.cli.loaded++;
        if (expected.outcome === 'refuse') return fail('loaded a file that must be refused');
        const id = await lastFileId(warehouse);
        const loaded = (await loadedRows(warehouse, datasetOf(c.feed), id)).map(rowKey).sort();
        const meant = (c.mutation.kind === 'truncate' ? rowsOfBytes(c, bytes) : expectedRows(c))?.map(rowKey).sort();
        await removeFile(warehouse, datasetOf(c.feed), id);
        if (!meant || JSON.stringify(loaded) !== JSON.stringify(meant)) return fail('the loaded rows differ from the rows meant');
      } else {
        report.cli.refused++;
        if (expected.outcome === 'load') return fail(`refused a valid file: ${run.stderr.slice(0, 400)}`);
        const counts = await warehouse.all<{ n: string }>(`select count(*)::bigint as n from ${datasetOf(c.feed)}`);
        if (Number(counts[0]!.n) !== 0) return fail('refused, but rows were left in the warehouse');
        const lines = run.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string });
        if (!lines.some((l) => l.level === 'error' && l.message.startsWith(file))) return fail(`no error line names the file: ${run.stderr.slice(0, 400)}`);
      }
    } finally {
      warehouse.close();
    }
  }
}

function spawnCli(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: signal ? null : code, stdout, stderr }); });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { onTimeout(); reject(new Error(`no outcome after ${ms} ms (a hang)`)); }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
