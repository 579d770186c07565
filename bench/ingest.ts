/**
 * Ingest benchmark (not a test): `node dist/bench/ingest.js [--rows N] [--runs N] [--dir DIR]` (`--runs 0`: generate only).
 *
 * Generates a revenue extract of N rows (default 5,000,000) as CSV (UTF-8), its GBK twin and the same
 * data as Parquet, then times, each in a fresh warehouse and a fresh process (so peak RSS is its own):
 * the project's ingestFile against plain DuckDB `create table … as select * from read_csv/read_parquet`
 * into the same table shape, measured in the same run. Prints a Markdown table: median, min, max of
 * the runs, peak RSS, and the ratios the targets are set on (project/plain ≤ 1.15; GBK ≤ 1.6 × UTF-8).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeed } from '../pipeline/ingest/feeds.js';
import { ingestFile } from '../pipeline/ingest/ingest.js';
import { createLogger } from '../pipeline/log.js';
import { loadSeeds } from '../pipeline/seeds.js';
import { migrate, readMigrations } from '../pipeline/warehouse/migrate.js';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../pipeline/workspace.js';

const now = new Date('2026-11-26T08:00:00Z');
const variants = ['csv-plain', 'csv-project', 'parquet-plain', 'parquet-project', 'gbk-project'] as const;
type Variant = (typeof variants)[number];

const columns = `{'period': 'DATE', 'taxpayer_id': 'VARCHAR', 'taxpayer_name': 'VARCHAR', 'region_code': 'VARCHAR', 'industry_code': 'VARCHAR',
  'size_code': 'VARCHAR', 'tax_code': 'VARCHAR', 'amount': 'DECIMAL(18,2)'}`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** One measurement, in this process: returns seconds. */
async function measure(variant: Variant, dir: string): Promise<number> {
  const file = path.join(dir, 'run.duckdb');
  for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
  const warehouse = await openWarehouse(file);
  const logger = createLogger({ format: 'json', quiet: true, stream: process.stderr });
  await migrate(warehouse, readMigrations(path.join(projectPaths().queries, 'migrations')), now);
  await loadSeeds(warehouse, projectPaths().seeds, { logger, now });
  const [format, how] = variant.split('-') as ['csv' | 'parquet' | 'gbk', 'plain' | 'project'];
  const source = path.join(dir, format === 'parquet' ? 'revenue.parquet' : format === 'gbk' ? 'revenue_gbk.csv' : 'revenue.csv');
  const started = process.hrtime.bigint();
  if (how === 'plain') {
    const reader = format === 'parquet'
      ? `read_parquet('${source}')`
      : `read_csv('${source}', header = true, auto_detect = false, columns = ${columns}, dateformat = '%Y-%m')`;
    await warehouse.run(`create table plain_revenue as select * exclude (taxpayer_name) from ${reader}`);
  } else {
    const feed = parseFeed(writeFeed(dir, format));
    const result = await ingestFile(warehouse, source, feed, { logger, now, tmpDir: dir });
    if (result.status !== 'loaded') throw new Error(`${variant}: ${result.status} ${JSON.stringify(result.problems.slice(0, 3))}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  warehouse.close();
  return seconds;
}

function writeFeed(dir: string, format: 'csv' | 'parquet' | 'gbk'): string {
  const file = path.join(dir, `feed-${format}.json`);
  writeFileSync(file, JSON.stringify({
    name: `bench-${format}`, description: 'benchmark revenue extract', dataset: 'revenue', files: '*',
    format: format === 'parquet' ? 'parquet' : 'csv', encoding: format === 'gbk' ? 'gbk' : 'utf-8', numbers: 'plain',
  }));
  return file;
}

/** Generates the extract once (DuckDB COPY from a generated series), its GBK twin and its Parquet copy. */
async function generate(dir: string, rows: number): Promise<void> {
  const csv = path.join(dir, 'revenue.csv');
  if (existsSync(csv) && existsSync(path.join(dir, `rows-${rows}`))) return;
  const wh = await openWarehouse(':memory:');
  // Valid codes, so that the project's checks pass: counties of Guangdong, sections, sizes, taxes.
  const query = `
    select '2026-09' as period,
           'TP' || lpad((n // 3)::varchar, 9, '0') as taxpayer_id,
           '广州市' || (['天河', '越秀', '海珠', '番禺'])[1 + n % 4] || '区某某贸易有限公司' || (n // 3)::varchar as taxpayer_name,
           (['440103', '440104', '440105', '440106', '440303', '440604'])[1 + (n // 3) % 6] as region_code,
           (['A', 'C', 'F', 'G', 'I', 'K'])[1 + (n // 7) % 6] as industry_code,
           (['L', 'M', 'S', 'XS'])[1 + (n // 3) % 4] as size_code,
           (['10101', '10104', '10106'])[1 + n % 3] as tax_code,
           ((hash(n) % 100000000) / 100)::decimal(18,2) as amount
    from range(${rows}) t(n)`;
  await wh.run(`copy (${query}) to '${csv}' (format csv, header true)`);
  await wh.run(`copy (select * replace (strptime(period, '%Y-%m')::date as period) from (${query})) to '${path.join(dir, 'revenue.parquet')}' (format parquet, compression zstd)`);
  wh.close();
  const { default: iconv } = await import('iconv-lite');
  const { createReadStream, createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  await pipeline(createReadStream(csv), iconv.decodeStream('utf8'), iconv.encodeStream('gbk'), createWriteStream(path.join(dir, 'revenue_gbk.csv')));
  writeFileSync(path.join(dir, `rows-${rows}`), '');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const dir = path.resolve(arg('dir', path.join(os.tmpdir(), 'taxbrief-bench-ingest')));
  mkdirSync(dir, { recursive: true });
  const one = arg('one', '');
  if (one) {
    const seconds = await measure(one as Variant, dir);
    process.stdout.write(JSON.stringify({ seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
    return;
  }
  const rows = Number(arg('rows', '5000000'));
  const runs = Number(arg('runs', '3'));
  process.stderr.write(`generating ${rows.toLocaleString()} rows in ${dir} …\n`);
  await generate(dir, rows);
  if (runs === 0) return; // --runs 0: only generate the files
  const results = new Map<Variant, { seconds: number[]; rss: number[] }>();
  for (let r = 0; r < runs; r++) {
    for (const v of variants) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', v, '--dir', dir], { encoding: 'utf8', env: process.env });
      if (child.status !== 0) throw new Error(`${v} failed: ${child.stderr}`);
      const m = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { seconds: number; maxRssMB: number };
      const entry = results.get(v) ?? { seconds: [], rss: [] };
      entry.seconds.push(m.seconds);
      entry.rss.push(m.maxRssMB);
      results.set(v, entry);
      process.stderr.write(`run ${r + 1}/${runs} ${v}: ${m.seconds.toFixed(2)} s, peak RSS ${m.maxRssMB.toFixed(0)} MB\n`);
    }
  }
  const med = (v: Variant) => median(results.get(v)!.seconds);
  const size = (f: string) => `${(statSync(path.join(dir, f)).size / 1e6).toFixed(0)} MB`;
  const lines = [
    `Ingest benchmark: ${rows.toLocaleString()} revenue rows (CSV ${size('revenue.csv')}, GBK ${size('revenue_gbk.csv')}, Parquet ${size('revenue.parquet')}); ${runs} runs; ${os.cpus().length} cores; load ${os.loadavg()[0]!.toFixed(2)}`,
    '',
    '| variant | median s | min s | max s | peak RSS MB |',
    '|---|---:|---:|---:|---:|',
    ...variants.map((v) => {
      const e = results.get(v)!;
      return `| ${v} | ${med(v).toFixed(2)} | ${Math.min(...e.seconds).toFixed(2)} | ${Math.max(...e.seconds).toFixed(2)} | ${Math.max(...e.rss).toFixed(0)} |`;
    }),
    '',
    '| ratio (medians) | value | target |',
    '|---|---:|---:|',
    `| CSV: project / plain DuckDB | ${(med('csv-project') / med('csv-plain')).toFixed(2)} | ≤ 1.15 |`,
    `| Parquet: project / plain DuckDB | ${(med('parquet-project') / med('parquet-plain')).toFixed(2)} | ≤ 1.15 |`,
    `| GBK / UTF-8 (project) | ${(med('gbk-project') / med('csv-project')).toFixed(2)} | ≤ 1.6 |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
