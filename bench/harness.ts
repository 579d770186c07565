import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** The data sizes the suites run at: the quick-start demo, a tenth of a province, a province. */
export const scales = {
  demo: { taxpayers: 20_000, months: 36 },
  tenth: { taxpayers: 600_000, months: 24 },
  province: { taxpayers: 6_000_000, months: 24 },
} as const;

/** A scale's name. */
export type Scale = keyof typeof scales;

/** Repeated timings of one piece of work, in milliseconds, with the peak resident memory seen. */
export interface Sample { ms: number[]; peakRssMb: number | null }

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
  /** What the figure must meet: a ratio to its baseline, or an absolute median. */
  target?: { ratio?: number; ms?: number };
  meets?: boolean;
  note?: string;
}

/** What a suite receives: the scale, how many runs, the project's CLI, and a log line writer. */
export interface BenchContext {
  scale: Scale;
  runs: number;
  root: string;
  /** A workspace holding this scale's generated data, loaded and built once, then reused. */
  workspace(): Promise<string>;
  log(message: string): void;
}

/** A benchmark suite: a name and the figures it measures. */
export interface Suite { name: string; description: string; run(ctx: BenchContext): Promise<Figure[]> }

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

/**
 * Times a command in a new process, as a user runs it: wall time, and its peak RSS from GNU time
 * (children included, e.g. Chromium is not: it is a grandchild in its own process group).
 */
export async function timeCommand(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ ms: number; peakRssMb: number | null; code: number; stderr: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TAXBRIEF_BENCH_RSS_KB=%M', ...argv], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      const rss = /TAXBRIEF_BENCH_RSS_KB=(\d+)/.exec(stderr);
      resolve({ ms, peakRssMb: rss ? Number(rss[1]) / 1024 : null, code: code ?? -1, stderr: stderr.replace(/TAXBRIEF_BENCH_RSS_KB=\d+\n?/, '') });
    });
  });
}

/** Runs a command `runs` times and fails loudly if it fails: a benchmark of an error is no benchmark. */
export async function sampleCommand(argv: string[], runs: number, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Sample> {
  const ms: number[] = [];
  let peak: number | null = null;
  for (let i = 0; i < runs; i++) {
    const r = await timeCommand(argv, options);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.slice(-500)}`);
    ms.push(r.ms);
    if (r.peakRssMb !== null) peak = Math.max(peak ?? 0, r.peakRssMb);
  }
  return { ms, peakRssMb: peak };
}

/** Builds a figure from a sample and (optionally) its baseline sample and target. */
export function figure(
  suite: string,
  name: string,
  scale: Scale,
  sample: Sample,
  extra: { baseline?: { name: string; sample: Sample }; target?: { ratio?: number; ms?: number }; note?: string } = {},
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
    f.meets = (extra.target.ratio === undefined || (f.ratio ?? Infinity) <= extra.target.ratio) && (extra.target.ms === undefined || f.medianMs <= extra.target.ms);
  }
  if (extra.note) f.note = extra.note;
  return f;
}
