import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sampleCommand, scales, type BenchContext, type Figure, type Scale, type Suite } from './harness.js';
import { projectPaths } from '../pipeline/workspace.js';

/** The suites, loaded only when asked for. */
const suites: Record<string, () => Promise<{ default: Suite }>> = {
  brief: () => import('./suites/brief.js'),
};

const usage = `Usage: npm run bench -- [SUITE ...] [--scale demo|tenth|province] [--runs N]

Suites: ${Object.keys(suites).join(', ')} (default: all)
Scales: demo (${scales.demo.taxpayers} taxpayers), tenth (${scales.tenth.taxpayers}), province (${scales.province.taxpayers}); data is generated once per scale under bench-workspace/<scale>.
Each figure is the median of --runs runs (default 5) beside its baseline measured in the same run.
Results go to docs/benchmarks.json (kept per suite, figure and scale) and docs/BENCHMARKS.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scale: { type: 'string', default: 'demo' }, runs: { type: 'string', default: '5' }, help: { type: 'boolean', short: 'h' }, 'no-write': { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const scale = values.scale as Scale;
  if (!(scale in scales)) return fail(`--scale ${scale} is not one of ${Object.keys(scales).join(', ')}.`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) return fail(`--runs ${values.runs} must be a positive whole number.`);
  const chosen = positionals.length ? positionals : Object.keys(suites);
  const unknown = chosen.filter((s) => !(s in suites));
  if (unknown.length) return fail(`unknown suite(s) ${unknown.join(', ')}; the suites are ${Object.keys(suites).join(', ')}.`);

  const root = projectPaths().root;
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  let ready: Promise<string> | undefined;
  const ctx: BenchContext = { scale, runs, root, log, workspace: () => (ready ??= prepare(root, scale, log)) };

  const figures: Figure[] = [];
  for (const name of chosen) {
    log(`${name} at ${scale} scale, ${runs} run(s) each`);
    const suite = (await suites[name]!()).default;
    const got = await suite.run(ctx);
    for (const f of got) log(line(f));
    figures.push(...got);
  }
  if (!values['no-write']) write(root, figures);
  return figures.some((f) => f.meets === false) ? 3 : 0;
}

/** Generates and loads a scale's data once; later calls reuse the workspace. */
async function prepare(root: string, scale: Scale, log: (m: string) => void): Promise<string> {
  const dir = path.join(root, 'bench-workspace', scale);
  const marker = path.join(dir, '.bench-ready');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const { taxpayers, months } = scales[scale];
  const cli = [process.execPath, path.join(root, 'bin', 'taxbrief.js'), '--quiet', '--workspace', dir];
  log(`preparing ${scale} data (${taxpayers} taxpayers, ${months} months) in ${dir}: generate, load, build`);
  const generate = await sampleCommand([...cli, 'demo', '--taxpayers', String(taxpayers), '--months', String(months), '--no-run'], 1);
  const load = await sampleCommand([...cli, 'run'], 1);
  writeFileSync(marker, JSON.stringify({ generateMs: generate.ms[0], loadMs: load.ms[0], peakRssMb: load.peakRssMb }) + '\n');
  log(`prepared: generate ${(generate.ms[0]! / 1000).toFixed(1)} s, first run ${(load.ms[0]! / 1000).toFixed(1)} s`);
  return dir;
}

function line(f: Figure): string {
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  const base = f.baseline ? ` | baseline ${f.baseline.name} ${s(f.baseline.medianMs)} | ratio ${f.ratio!.toFixed(2)}` : '';
  const target = f.target ? ` | target ${f.target.ratio !== undefined ? `≤ ${f.target.ratio}×` : ''}${f.target.ms !== undefined ? `≤ ${s(f.target.ms)}` : ''} ${f.meets ? 'met' : 'NOT met'}` : '';
  return `${f.suite}/${f.name} [${f.scale}] median ${s(f.medianMs)} (min ${s(f.minMs)}, max ${s(f.maxMs)}, n=${f.runs})${f.peakRssMb ? ` | peak RSS ${f.peakRssMb.toFixed(0)} MiB` : ''}${base}${target}`;
}

/** Merges this run's figures into docs/benchmarks.json and rewrites docs/BENCHMARKS.md from it. */
function write(root: string, figures: Figure[]): void {
  const file = path.join(root, 'docs', 'benchmarks.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { figures: (Figure & { measuredAt: string })[] }).figures : [];
  const key = (f: Figure) => `${f.suite}/${f.name}/${f.scale}`;
  const now = new Date().toISOString();
  const fresh = new Map(figures.map((f) => [key(f), { ...f, measuredAt: now }]));
  const merged = [...previous.filter((f) => !fresh.has(key(f))), ...fresh.values()].sort((a, b) => key(a).localeCompare(key(b)));
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, `${JSON.stringify({ machine, figures: merged }, null, 2)}\n`);
  writeFileSync(path.join(root, 'docs', 'BENCHMARKS.md'), markdown(machine, merged));
}

function markdown(machine: { cores: number; cpu: string; memoryGiB: number; node: string }, figures: (Figure & { measuredAt: string })[]): string {
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  const rows = figures.map((f) =>
    [
      f.suite, f.name, f.scale, String(f.runs), s(f.medianMs), `${s(f.minMs)}–${s(f.maxMs)}`,
      f.peakRssMb ? `${f.peakRssMb.toFixed(0)}` : '',
      f.baseline ? `${f.baseline.name}: ${s(f.baseline.medianMs)}` : '',
      f.ratio !== undefined ? f.ratio.toFixed(2) : '',
      f.target ? `${f.target.ratio !== undefined ? `≤ ${f.target.ratio}×` : ''}${f.target.ms !== undefined ? `≤ ${s(f.target.ms)}` : ''}` : '',
      f.meets === undefined ? '' : f.meets ? 'yes' : '**no**',
      f.measuredAt.slice(0, 10),
    ].join(' | '),
  );
  return `# Benchmarks

Written by \`npm run bench\` (bench/main.ts); do not edit by hand. Each figure is the median of
n runs with min–max, beside a baseline measured in the same run. Machine: ${machine.cores} cores (${machine.cpu}),
${machine.memoryGiB} GiB, Node ${machine.node}.

| suite | figure | scale | n | median | min–max | peak RSS (MiB) | baseline (median) | ratio | target | met | measured |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r} |`).join('\n')}
`;
}

function fail(message: string): number {
  process.stderr.write(`bench: ${message}\n\n${usage}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
