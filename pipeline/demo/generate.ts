import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { CliError, ExitCode } from '../errors.js';
import type { Logger } from '../log.js';
import { projectPaths } from '../workspace.js';
import { currentFileModes } from '../write-atomic.js';

/** What to generate. */
export interface DemoOptions {
  /** Folder the files are written to (created if missing). */
  outDir: string;
  /** Number of taxpayers; amounts are scaled so the province's totals do not depend on it. */
  taxpayers: number;
  /** Last month generated, 'YYYY-MM'. */
  end: string;
  /** Number of months generated, ending with `end` (default 36). */
  months: number;
  /** Random seed: the same options give byte-identical files (default 20261). */
  seed: number;
  /** The seeds/ folder with the reference codes. */
  seedsDir: string;
}

/** What was written. */
export interface DemoResult {
  /** Paths of the files written: taxpayers.csv, then revenue_YYYY-MM.csv and relief_YYYY-MM.parquet by month, then budget_targets_YYYY.csv (the last year's targets). */
  files: string[];
  revenueRows: number;
  reliefRows: number;
  taxpayers: number;
}

/** The defaults the CLI offers for the options it does not require. */
export const demoDefaults = { taxpayers: 20_000, months: 36, seed: 20261 } as const;

/** The seed files the generator reads, by the parameter name its SQL binds them to. */
const seedFiles = {
  regions_csv: 'regions.csv',
  tax_types_csv: 'tax_types.csv',
  industries_csv: 'industries.csv',
  policies_csv: 'relief_policies.csv',
  sizes_csv: 'taxpayer_sizes.csv',
} as const;

/** Writes the demo extracts: a GBK taxpayer registry, monthly revenue CSVs and monthly relief Parquet files. */
export async function generateDemo(options: DemoOptions, effects: { logger: Logger }): Promise<DemoResult> {
  const { logger } = effects;
  const { k0, k1 } = checkOptions(options);
  const seedParams = Object.fromEntries(
    Object.entries(seedFiles).map(([param, file]) => {
      const full = path.resolve(options.seedsDir, file);
      if (!existsSync(full)) throw new CliError(`Seed file ${full} is missing; pass the project's seeds/ folder as seedsDir.`);
      return [param, full];
    }),
  );
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true, mode: currentFileModes().dir });
  const sqlDir = path.join(projectPaths().root, 'pipeline', 'demo');
  const sql = async (name: string) => ({ name: `pipeline/demo/${name}`, text: await readFile(path.join(sqlDir, name), 'utf8') });
  const [setup, checks, model, taxpayersSql, revenueSql, reliefSql, budgetSql] = await Promise.all(
    ['setup.sql', 'checks.sql', 'model.sql', 'taxpayers.sql', 'revenue.sql', 'relief.sql', 'budget.sql'].map(sql),
  ) as [Script, Script, Script, Script, Script, Script, Script];

  // DuckDB spills to this folder if a large run outgrows memory; the UTF-8 registry is written here too.
  const work = await mkdtemp(path.join(tmpdir(), 'taxbrief-demo-'));
  const instance = await DuckDBInstance.create(':memory:', { temp_directory: path.join(work, 'spill'), memory_limit: '3GB' });
  const c = await instance.connect();
  const written: string[] = [];
  try {
    const params = { seed: options.seed, taxpayers: options.taxpayers, k0, k1, ...seedParams };
    await runScript(c, setup, params);
    const problems = (await runStatement(c, checks, checks.text, {})).getRowObjectsJson();
    if (problems.length > 0) {
      const p = problems[0]!;
      throw new CliError(`Demo data cannot be generated: ${p['problem']}: ${p['kind']} ${p['code']}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; add the code or fix the seed.`);
    }
    await checkGbkNames(c);
    logger.info('demo: building the taxpayer population', { taxpayers: options.taxpayers, months: options.months, end: options.end, seed: options.seed });
    await runScript(c, model, params);

    // The registry: UTF-8 from DuckDB, then transcoded to GBK as a stream (extracts arrive that way).
    const utf8 = path.join(work, 'taxpayers.utf8.csv');
    await runStatement(c, taxpayersSql, `copy (${taxpayersSql.text}\n) to $path (format csv, header true)`, { path: utf8 });
    const registry = path.join(outDir, 'taxpayers.csv');
    await removeOnError(partial(registry), async () => {
      await pipeline(createReadStream(utf8), iconv.decodeStream('utf8'), iconv.encodeStream('gbk'), createWriteStream(partial(registry)));
      await rename(partial(registry), registry);
    });
    await rm(utf8);
    written.push(registry);
    // The months need only tp_tax, refund and beneficiary: free the registry's memory.
    await c.run('drop table taxpayer');
    await c.run('checkpoint');

    let revenueRows = 0;
    let reliefRows = 0;
    for (let k = k0; k <= k1; k++) {
      const period = periodOf(k);
      const revenue = path.join(outDir, `revenue_${period}.csv`);
      revenueRows += await copyTo(c, revenueSql, revenue, 'format csv, header true', { k });
      written.push(revenue);
      const relief = path.join(outDir, `relief_${period}.parquet`);
      // One thread while writing Parquet: row groups then always break at the same rows.
      await c.run('set threads = 1');
      reliefRows += await copyTo(c, reliefSql, relief, 'format parquet, compression zstd', { k });
      await c.run('reset threads');
      written.push(relief);
      logger.progress('demo months', k - k0 + 1, k1 - k0 + 1);
    }
    // The last year's budget targets, from the year before when the demo holds all twelve of its months.
    const endYear = Math.floor(k1 / 12);
    if ((endYear - 1) * 12 >= k0) {
      const budget = path.join(outDir, `budget_targets_${endYear}.csv`);
      const files = path.join(outDir, `revenue_${endYear - 1}-[01][0-9].csv`);
      await removeOnError(partial(budget), async () => {
        await runStatement(c, budgetSql, `copy (${budgetSql.text}\n) to $path (format csv, header true)`, { files, year: endYear, path: partial(budget) });
        await rename(partial(budget), budget);
      });
      written.push(budget);
    }
    await warnAboutStaleFiles(outDir, written, logger);
    logger.info('demo: written', { directory: outDir, files: written.length, revenueRows, reliefRows });
    return { files: written, revenueRows, reliefRows, taxpayers: options.taxpayers };
  } finally {
    c.closeSync();
    instance.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}

/** A SQL file of the generator: its name (for errors) and text. */
export interface Script { name: string; text: string }

// Months are counted as year * 12 + month - 1, so that a range of months is a range of integers.
function checkOptions(o: DemoOptions): { k0: number; k1: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(o.end);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) throw new CliError(`End month "${o.end}" is not a month; write it as YYYY-MM, e.g. 2026-10.`, ExitCode.usage);
  if (!Number.isInteger(o.taxpayers) || o.taxpayers < 1 || o.taxpayers > 99_999_999) {
    throw new CliError(`Taxpayer count ${o.taxpayers} is out of range; use a whole number from 1 to 99,999,999.`, ExitCode.usage);
  }
  if (!Number.isInteger(o.months) || o.months < 1 || o.months > 240) {
    throw new CliError(`Month count ${o.months} is out of range; use a whole number from 1 to 240.`, ExitCode.usage);
  }
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new CliError(`Seed ${o.seed} is not usable; use a whole number ≥ 0.`, ExitCode.usage);
  const k1 = Number(m[1]) * 12 + month - 1;
  const k0 = k1 - o.months + 1;
  // The Spring Festival table in setup.sql covers 2015–2035.
  if (k0 < 2015 * 12 || k1 > 2035 * 12 + 11) {
    throw new CliError(`Demo months ${periodOf(k0)} to ${o.end} fall outside 2015-01…2035-12, the years the generator knows the Spring Festival of; choose a later end or fewer months.`, ExitCode.usage);
  }
  return { k0, k1 };
}

function periodOf(k: number): string {
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
}

function partial(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.partial`);
}

// Written under a hidden name and renamed when complete, so a reader never sees half a file.
async function copyTo(c: DuckDBConnection, script: Script, file: string, format: string, params: Record<string, number>): Promise<number> {
  return removeOnError(partial(file), async () => {
    const reader = await runStatement(c, script, `copy (${script.text}\n) to $path (${format})`, { ...params, path: partial(file) });
    await rename(partial(file), file);
    return Number(reader.getRowObjectsJson()[0]?.['Count'] ?? 0);
  });
}

async function removeOnError<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

/** Runs the statements of a script in order (each ends with ';' at the end of a line). */
export async function runScript(c: DuckDBConnection, script: Script, params: Record<string, string | number>): Promise<void> {
  const statements = stripComments(script.text).split(/;\s*$/m).map((s) => s.trim()).filter((s) => s.length > 0);
  for (const statement of statements) await runStatement(c, script, statement, params);
}

// Binds only the parameters a statement names (DuckDB refuses extra ones).
async function runStatement(c: DuckDBConnection, script: Script, statement: string, params: Record<string, string | number>) {
  const names = new Set([...stripComments(statement).replace(/'(?:[^']|'')*'/g, "''").matchAll(/\$([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!));
  const bound: Record<string, string | number> = {};
  for (const name of names) {
    const value = params[name];
    if (value === undefined) throw new CliError(`${script.name} uses $${name}, which the demo generator does not pass; fix the SQL file.`);
    bound[name] = value;
  }
  try {
    return await c.runAndReadAll(statement, bound);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const first = stripComments(statement).trim().split('\n')[0];
    throw new CliError(`Demo data generation failed in ${script.name} at "${first}": ${reason}; fix that statement.`, ExitCode.failure, { cause: error });
  }
}

function stripComments(sql: string): string {
  return sql.replace(/--.*$/gm, '');
}

// GBK cannot encode every character; iconv-lite would silently write '?', so check the names used.
async function checkGbkNames(c: DuckDBConnection): Promise<void> {
  const reader = await c.runAndReadAll(
    `select name from seed_regions union all select word from industry_param order by 1`,
  );
  for (const row of reader.getRowObjectsJson()) {
    const name = String(row['name'] ?? '');
    if (iconv.decode(iconv.encode(name, 'gbk'), 'gbk') !== name) {
      throw new CliError(`Name "${name}" (seeds/regions.csv or industry_param) has a character GBK cannot encode; replace it.`);
    }
  }
}

// Files of another range left in outDir would be ingested along with this run's.
async function warnAboutStaleFiles(outDir: string, written: string[], logger: Logger): Promise<void> {
  const ours = new Set(written.map((f) => path.basename(f)));
  const stale = (await readdir(outDir)).filter((f) => /^(revenue_\d{4}-\d{2}\.csv|relief_\d{4}-\d{2}\.parquet|budget_targets_\d{4}\.csv)$/.test(f) && !ours.has(f));
  if (stale.length > 0) {
    logger.warn(`demo: ${outDir} also holds ${stale.length} demo file(s) this run did not write (e.g. ${stale[0]}); delete them before ingesting`, { stale: stale.length });
  }
}
