import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { listRuns, runDetail, seconds } from '../pipeline/ledger.js';
import { openWarehouse, type WarehouseOptions } from '../pipeline/warehouse/warehouse.js';

/**
 * The data sizes the suites run at: a smoke test for CI (every city has data, nothing more), the
 * quick-start demo, a tenth of a province, a province. `ingestRows`: the size of the ingest suite's
 * own revenue extract (issue 7: at least 5 million rows at tenth and province scale). `recipients`:
 * how many receive every brief of a nightly run (watermarked copies to the outbox; none in smoke,
 * which keeps CI short: delivery costs about 0.85 s a copy, see docs/BENCHMARKS.md).
 */
export const scales: Record<'smoke' | 'demo' | 'tenth' | 'province', ScaleSpec> = {
  // The smoke scale runs in CI (under a minute): its nightly runs consider one brief only.
  smoke: { taxpayers: 1_000, months: 14, ingestRows: 20_000, recipients: 0, briefs: ['monthly-revenue'] },
  demo: { taxpayers: 20_000, months: 36, ingestRows: 1_000_000, recipients: 5 },
  tenth: { taxpayers: 600_000, months: 24, ingestRows: 5_000_000, recipients: 5 },
  province: { taxpayers: 6_000_000, months: 24, ingestRows: 5_000_000, recipients: 5 },
};

/** A scale: its data, how many recipients get each brief, and (when not the whole catalogue) the briefs its nightly runs consider. */
export interface ScaleSpec { taxpayers: number; months: number; ingestRows: number; recipients: number; briefs?: readonly string[] }

/** `taxbrief run` as a scale runs it: the whole catalogue, or `--select` of the scale's briefs. */
export function runArgs(scale: Scale): string[] {
  const briefs = scales[scale].briefs;
  return briefs ? ['run', '--select', briefs.join(',')] : ['run'];
}

/** How a figure names the briefs a scale's nightly runs render. */
export function briefsLabel(scale: Scale): string {
  const briefs = scales[scale].briefs;
  return briefs ? `briefs ${briefs.join(', ')}` : 'all briefs';
}

/** A scale's name. */
export type Scale = 'smoke' | 'demo' | 'tenth' | 'province';

/**
 * Repeated timings of one piece of work, in milliseconds, with the peak resident memory seen; `cpuMs`:
 * the CPU time (all threads) of each timed piece, when the child reports it (`TAXBRIEF_BENCH_CPU_MS`).
 */
export interface Sample { ms: number[]; peakRssMb: number | null; cpuMs?: number[] }

/** One line of the benchmark table: a figure, its baseline from the same run, and its target. */
export interface Figure {
  suite: string;
  name: string;
  scale: Scale;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakRssMb: number | null;
  baseline?: { name: string; medianMs: number; minMs: number; maxMs: number };
  /** medianMs / baseline.medianMs */
  ratio?: number;
  /** What the figure must meet: a ratio to its baseline, an absolute median, a peak RSS. */
  target?: Target;
  meets?: boolean;
  note?: string;
}

/** A figure's target: a ratio to its baseline, an absolute median (ms), a peak RSS (MiB). */
export interface Target { ratio?: number; ms?: number; rssMb?: number }

/** A prepared scale: the workspace with every month loaded, a snapshot with the last month held back, and that month's files. */
export interface Prepared {
  /** Every month loaded, marts built, every brief rendered once; suites may rerun briefs here, never change its data. */
  workspace: string;
  /** The same before the last month arrived: copy it (copyWorkspace) before running anything in it. */
  held: string;
  /** The last month's extracts, to drop into a copy of `held`'s inbox. */
  newMonth: string[];
  /** Every extract of the scale (the demo generator's cache). */
  extracts: string[];
}

/**
 * A snapshot whose data ends in the December before a January (the scale's extracts up to then, and the taxpayer
 * register), and that January's extracts: the costliest new month for the marts (a new year starts).
 */
export interface JanuarySnapshot {
  /** Copy it (copyWorkspace) before running anything in it. */
  held: string;
  /** The January, as YYYY-MM. */
  month: string;
  /** The January's extracts (in the prepared workspace's demo cache), to drop into a copy of `held`'s inbox. */
  newMonth: string[];
}

/** What a suite receives: the scale, how many runs, the project's CLI, and a log line writer. */
export interface BenchContext {
  scale: Scale;
  runs: number;
  root: string;
  /** This scale's folder under the bench workspaces (bench-workspace/<scale>): suites keep their own files there. */
  dir: string;
  /** `node bin/taxbrief.js --quiet`: append `--workspace DIR` and a command. */
  cli: string[];
  /** This scale's data, generated, loaded and built once, then reused (cached across bench runs). */
  prepared(): Promise<Prepared>;
  /** A workspace holding this scale's data (`prepared().workspace`). */
  workspace(): Promise<string>;
  /** The January snapshot of this scale (`held-january`), built from `prepared()`'s extracts once, then reused. */
  january(): Promise<JanuarySnapshot>;
  log(message: string): void;
}

/** The DuckDB resources the bench was given (--threads, --memory-limit, passed on as TAXBRIEF_THREADS/TAXBRIEF_MEMORY_LIMIT). */
export function warehouseOptions(env: NodeJS.ProcessEnv = process.env): WarehouseOptions {
  const threads = env['TAXBRIEF_THREADS'];
  return { threads: threads && /^\d+$/.test(threads) ? Number(threads) : undefined, memoryLimit: env['TAXBRIEF_MEMORY_LIMIT'] || undefined };
}

/** Copies a workspace for one run (its data, warehouse and outputs; not the demo cache nor the archive of loaded files). */
export function copyWorkspace(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  const skip = new Set([path.join(from, 'demo'), path.join(from, 'archive')]);
  cpSync(from, to, { recursive: true, filter: (source) => !skip.has(source) && !source.endsWith('.lock') });
}

/**
 * Leaves the page cache the same before every timed run, as a night's run finds it: everything written to disk
 * (`sync`: no copy still being written back during the run), the files copied from dropped from the cache (GNU dd
 * `iflag=nocache`), the files the run reads (its warehouse, the new month's extracts) read once. At province scale
 * each run starts from a 7 GB copy: without this, which part of the warehouse the copy had pushed out of the cache
 * varied, and the medians of the same one-new-month run spread from 60 to 72 s.
 */
export function settleCache(options: { drop: string[]; warm: string[] }): void {
  spawnSync('sync', { stdio: 'ignore' });
  for (const file of options.drop) if (existsSync(file)) spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
  const chunk = Buffer.allocUnsafe(8 << 20);
  for (const file of options.warm) {
    if (!existsSync(file)) continue;
    const fd = openSync(file, 'r');
    try {
      while (readSync(fd, chunk, 0, chunk.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * A copy of the prepared workspace for suites that render in it (`brief`, `fanout`) and must leave the
 * cache as it is: the warehouse (a changed mart definition would rebuild the marts in it) and out/
 * (the HTML the baselines print); not the extracts, the archive, issued copies nor outboxes. The copy is then
 * brought up to date (bringUpToDate), so that timed reruns measure an analyst's rerun.
 */
export async function renderingCopy(ctx: BenchContext, workspace: string, name: string): Promise<string> {
  const to = path.join(ctx.dir, name);
  rmSync(to, { recursive: true, force: true });
  const keep = new Set(['warehouse.duckdb', 'out']);
  cpSync(workspace, to, { recursive: true, filter: (source) => source === workspace || keep.has(path.relative(workspace, source).split(path.sep)[0]!) });
  await bringUpToDate(ctx, to);
  return to;
}

/**
 * One untimed nightly run of this code in a copied workspace: marts, checks and briefs as the night would leave them,
 * so that the timed runs after it measure their own work, not the first run after a code change. Exit 3 (a feed late
 * by the calendar) is a result of the run, not a failure.
 */
export async function bringUpToDate(ctx: BenchContext, workspace: string): Promise<void> {
  await sampleCommand([...ctx.cli, '--workspace', workspace, ...runArgs(ctx.scale)], 1, { okCodes: [0, 3] });
}

/** A benchmark suite: a name and the figures it measures; `runs`: how many runs each figure takes when `--runs` is not given (5 otherwise). */
export interface Suite { name: string; description: string; runs?: number; run(ctx: BenchContext): Promise<Figure[]> }

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times an in-process async function `runs` times (after `warmup` untimed runs). */
export async function timeFn(fn: () => Promise<unknown>, runs: number, warmup = 0): Promise<Sample> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return { ms, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** How to run a timed command: its environment, folder, the exit codes that count as success (default 0). */
export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  okCodes?: number[];
  /** Where a failed run's whole stderr (its log) is kept: the suites delete their run folders. */
  failureLog?: string;
}

/**
 * Times a command in a new process, as a user runs it: wall time, and its peak RSS from GNU time
 * (/usr/bin/time; the largest of the process and the children it waited for). A child that times
 * its own work prints `TAXBRIEF_BENCH_MS=<ms>` on stdout: `innerMs` is that figure.
 */
export async function timeCommand(argv: string[], options: CommandOptions = {}): Promise<{ ms: number; innerMs: number | null; cpuMs: number | null; peakRssMb: number | null; code: number; stderr: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TAXBRIEF_BENCH_RSS_KB=%M', ...argv], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => reject(new Error(`cannot start /usr/bin/time (GNU time; apt-get install time): ${error.message}`)));
    child.on('close', (code) => {
      const ms = performance.now() - start;
      const rss = /TAXBRIEF_BENCH_RSS_KB=(\d+)/.exec(stderr);
      const inner = /TAXBRIEF_BENCH_MS=([\d.]+)/.exec(stdout);
      const cpu = /TAXBRIEF_BENCH_CPU_MS=([\d.]+)/.exec(stdout);
      resolve({ ms, innerMs: inner ? Number(inner[1]) : null, cpuMs: cpu ? Number(cpu[1]) : null, peakRssMb: rss ? Number(rss[1]) / 1024 : null, code: code ?? -1, stderr: stderr.replace(/TAXBRIEF_BENCH_RSS_KB=\d+\n?/, '') });
    });
  });
}

/**
 * Runs a command `runs` times and fails loudly if it fails: a benchmark of an error is no benchmark.
 * Each run's time is the child's own (`TAXBRIEF_BENCH_MS`) when it prints one, else the wall time.
 */
export async function sampleCommand(argv: string[], runs: number, options: CommandOptions = {}): Promise<Sample> {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let peak: number | null = null;
  for (let i = 0; i < runs; i++) {
    const r = await timeCommand(argv, options);
    if (!(options.okCodes ?? [0]).includes(r.code)) {
      if (options.failureLog) writeFileSync(options.failureLog, r.stderr);
      throw new Error(`${argv.join(' ')} exited ${r.code}${options.failureLog ? ` (its whole log: ${options.failureLog})` : ''}: ${r.stderr.slice(-800)}`);
    }
    ms.push(r.innerMs ?? r.ms);
    if (r.cpuMs !== null) cpuMs.push(r.cpuMs);
    if (r.peakRssMb !== null) peak = Math.max(peak ?? 0, r.peakRssMb);
  }
  return { ms, peakRssMb: peak, ...(cpuMs.length ? { cpuMs } : {}) };
}

/** The stages of a workspace's last run (ingest, marts, checks, briefs, deliver) with their milliseconds, from its ledger. */
export async function lastRunStages(workspace: string): Promise<Record<string, number>> {
  const w = await openWarehouse(path.join(workspace, 'warehouse.duckdb'), { readOnly: true });
  try {
    const [last] = await listRuns(w, 1);
    const { stages } = last ? await runDetail(w, String(last['run_id'])) : { stages: [] };
    return Object.fromEntries(stages.map((s) => [String(s['stage']), Number(s['ms'])]));
  } finally {
    w.close();
  }
}

/** "stages (median of 3): ingest 27.6 s, marts 23.2 s, …": where a nightly run's time went. */
export function stagesNote(runs: Record<string, number>[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  const parts = names.map((n) => `${n} ${seconds(median(runs.map((r) => r[n] ?? 0)))}`);
  return `stages (median of ${runs.length}): ${parts.join(', ')}`;
}

/** Joins samples of the same work taken one run at a time (e.g. interleaved with other work). */
export function joinSamples(samples: Sample[]): Sample {
  const peaks = samples.map((s) => s.peakRssMb).filter((p): p is number => p !== null);
  const cpuMs = samples.flatMap((s) => s.cpuMs ?? []);
  return { ms: samples.flatMap((s) => s.ms), peakRssMb: peaks.length ? Math.max(...peaks) : null, ...(cpuMs.length ? { cpuMs } : {}) };
}

/** Builds a figure from a sample and (optionally) its baseline sample and target. */
export function figure(
  suite: string,
  name: string,
  scale: Scale,
  sample: Sample,
  extra: { baseline?: { name: string; sample: Sample }; target?: Target; note?: string } = {},
): Figure {
  const f: Figure = {
    suite,
    name,
    scale,
    runs: sample.ms.length,
    medianMs: median(sample.ms),
    minMs: Math.min(...sample.ms),
    maxMs: Math.max(...sample.ms),
    peakRssMb: sample.peakRssMb,
  };
  if (extra.baseline) {
    const b = extra.baseline.sample.ms;
    f.baseline = { name: extra.baseline.name, medianMs: median(b), minMs: Math.min(...b), maxMs: Math.max(...b) };
    f.ratio = f.medianMs / f.baseline.medianMs;
  }
  if (extra.target) {
    f.target = extra.target;
    const t = extra.target;
    f.meets = (t.ratio === undefined || (f.ratio ?? Infinity) <= t.ratio) && (t.ms === undefined || f.medianMs <= t.ms) && (t.rssMb === undefined || (f.peakRssMb ?? Infinity) <= t.rssMb);
  }
  if (extra.note) f.note = extra.note;
  return f;
}
