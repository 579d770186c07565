import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copyWorkspace, runArgs, sampleCommand, scales, warehouseOptions, type BenchContext, type Figure, type JanuarySnapshot, type Prepared, type Scale, type Suite } from './harness.js';
import { linkOrCopy } from '../pipeline/write-atomic.js';
import { readReports } from '../pipeline/reports.js';
import { projectPaths } from '../pipeline/workspace.js';
import { migrate, readMigrations } from '../pipeline/warehouse/migrate.js';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';

/** Runs per figure when neither --runs nor the suite says. */
const DEFAULT_RUNS = 5;

/** The suites, loaded only when asked for. */
const suites: Record<string, () => Promise<{ default: Suite }>> = {
  ingest: () => import('./suites/ingest.js'),
  queries: () => import('./suites/queries.js'),
  brief: () => import('./suites/brief.js'),
  fanout: () => import('./suites/fanout.js'),
  'nightly-incremental': () => import('./suites/nightly-incremental.js'),
  'nightly-full': () => import('./suites/nightly-full.js'),
  'nightly-january': () => import('./suites/nightly-january.js'),
};

const usage = `Usage: npm run bench -- [SUITE ...] [--scale smoke|demo|tenth|province] [--runs N] [--threads N] [--memory-limit SIZE] [--dir DIR] [--no-write] [--json]

Suites: ${Object.keys(suites).join(', ')} (default: all)
Scales: ${Object.entries(scales).map(([k, v]) => `${k} (${v.taxpayers} taxpayers × ${v.months} months)`).join(', ')};
  data is generated and loaded once per scale under DIR/<scale> (default DIR: bench-workspace/).
Each figure is the median of --runs runs (default 5; ingest 15, whose ratios sit near their target on a host whose
  speed moves by ±10 % from run to run) beside its baseline measured in the same run.
--threads, --memory-limit: DuckDB's threads and memory_limit (e.g. 8GB) for every process of the bench
  (passed on as TAXBRIEF_THREADS and TAXBRIEF_MEMORY_LIMIT; default: DuckDB's, all cores and 80% of memory).
Results go to docs/benchmarks.json (a suite measured at a scale replaces its earlier figures there) and docs/BENCHMARKS.md (--no-write: neither);
--json prints this run's figures as JSON on stdout.
Exit: 0 every target met · 2 usage · 3 a target not met · 1 a suite failed.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scale: { type: 'string', default: 'demo' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' }, 'no-write': { type: 'boolean' },
      threads: { type: 'string' }, 'memory-limit': { type: 'string' }, dir: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const scale = values.scale as Scale;
  if (!(scale in scales)) return fail(`--scale ${scale} is not one of ${Object.keys(scales).join(', ')}.`);
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) return fail(`--runs ${values.runs} must be a positive whole number.`);
  const chosen = positionals.length ? positionals : Object.keys(suites);
  const unknown = chosen.filter((s) => !(s in suites));
  if (unknown.length) return fail(`unknown suite(s) ${unknown.join(', ')}; the suites are ${Object.keys(suites).join(', ')}.`);

  if (values.threads !== undefined && !/^[1-9]\d*$/.test(values.threads)) return fail(`--threads ${values.threads} must be a positive whole number.`);
  if (values['memory-limit'] !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(values['memory-limit'])) {
    return fail(`--memory-limit ${values['memory-limit']} is not a size DuckDB reads; write it as e.g. 8GB or 512MB.`);
  }
  // Every process the bench starts, and every warehouse it opens itself (warehouseOptions()), reads these.
  if (values.threads) process.env['TAXBRIEF_THREADS'] = values.threads;
  if (values['memory-limit']) process.env['TAXBRIEF_MEMORY_LIMIT'] = values['memory-limit'];

  const root = projectPaths().root;
  const dir = path.join(path.resolve(values.dir ?? path.join(root, 'bench-workspace')), scale);
  const cli = [process.execPath, path.join(root, 'bin', 'taxbrief.js'), '--quiet'];
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  let ready: Promise<Prepared> | undefined;
  const prepared = () => (ready ??= prepare(dir, cli, scale, log));
  let januaryReady: Promise<JanuarySnapshot> | undefined;
  const january = () => (januaryReady ??= prepared().then((p) => prepareJanuary(dir, cli, scale, p, log)));
  const ctx: BenchContext = { scale, runs: runs ?? DEFAULT_RUNS, root, dir, cli, log, prepared, workspace: async () => (await prepared()).workspace, january };
  const startLoad = os.loadavg()[0]!;
  log(`scale ${scale}, ${runs === undefined ? 'each suite\'s own number of runs' : `${runs} run(s)`} per figure, DuckDB threads ${process.env['TAXBRIEF_THREADS'] ?? 'default'}, memory_limit ${process.env['TAXBRIEF_MEMORY_LIMIT'] ?? 'default'}, load average ${os.loadavg()[0]!.toFixed(1)}`);

  const figures: Figure[] = [];
  let failed = false;
  for (const name of chosen) {
    try {
      const suite = (await suites[name]!()).default;
      const suiteRuns = runs ?? suite.runs ?? DEFAULT_RUNS;
      log(`${name} at ${scale} scale, ${suiteRuns} run(s) each`);
      const got = await suite.run({ ...ctx, runs: suiteRuns });
      for (const f of got) log(line(f));
      figures.push(...got);
    } catch (error) {
      failed = true;
      log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ scale, runs: runs ?? null, figures }, null, 2)}\n`);
  if (!values['no-write'] && figures.length) write(root, figures, startLoad);
  return failed ? 1 : figures.some((f) => f.meets === false) ? 3 : 0;
}

/**
 * Generates and loads a scale's data once (later calls and later bench runs reuse it): the demo
 * extracts; every month but the last loaded and rendered, kept as the `held` snapshot; then the last
 * month loaded too. The scale's recipients receive every brief, so a run also delivers (to the outbox).
 */
async function prepare(dir: string, cli: string[], scale: Scale, log: (m: string) => void): Promise<Prepared> {
  const workspace = path.join(dir, 'workspace');
  const held = path.join(dir, 'held');
  const newMonthDir = path.join(dir, 'new-month');
  const marker = path.join(dir, '.bench-ready');
  const extracts = () => {
    const cache = path.join(workspace, 'demo');
    const sub = readdirSync(cache).find((d) => existsSync(path.join(cache, d, '.complete')));
    if (!sub) throw new Error(`${cache} holds no complete demo extracts; delete ${dir} and run the bench again.`);
    return readdirSync(path.join(cache, sub)).filter((f) => !f.startsWith('.')).map((f) => path.join(cache, sub, f)).sort();
  };
  const result = (): Prepared => ({ workspace, held, newMonth: readdirSync(newMonthDir).map((f) => path.join(newMonthDir, f)).sort(), extracts: extracts() });
  if (existsSync(marker)) {
    for (const w of [workspace, held]) await upToDate(w, log);
    return result();
  }

  // Start again from nothing, but keep generated extracts (the demo cache): at tenth and province scale they take long to make.
  const cache = path.join(workspace, 'demo');
  const keptCache = path.join(path.dirname(dir), `.${scale}-demo-cache`);
  if (existsSync(cache)) renameSync(cache, keptCache);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(newMonthDir, { recursive: true });
  if (existsSync(keptCache)) {
    mkdirSync(workspace, { recursive: true });
    renameSync(keptCache, cache);
  }
  const { taxpayers, months } = scales[scale];
  const ws = [...cli, '--workspace', workspace];
  log(`preparing ${scale} data (${taxpayers} taxpayers, ${months} months) in ${dir}: generate, load all months but the last, snapshot, load the last`);
  const generate = await sampleCommand([...ws, 'demo', '--taxpayers', String(taxpayers), '--months', String(months), '--no-run'], 1);
  const inbox = path.join(workspace, 'inbox');
  const last = readdirSync(inbox).map((f) => /\d{4}-\d{2}/.exec(f)?.[0] ?? '').sort().at(-1)!;
  for (const f of readdirSync(inbox).filter((f) => f.includes(last))) renameSync(path.join(inbox, f), path.join(newMonthDir, f));
  const briefs = scales[scale].briefs ?? readReports(projectPaths().reports).map((r) => r.id);
  const recipients = Array.from({ length: scales[scale].recipients }, (_, i) => ({ id: `R${String(i + 1).padStart(3, '0')}`, name: `领导${i + 1}`, briefs }));
  if (recipients.length) writeFileSync(path.join(workspace, 'recipients.json'), `${JSON.stringify({ recipients }, null, 1)}\n`);
  // Exit 3 is expected before the last month arrives: its feeds are late by the calendar.
  const history = await sampleCommand([...ws, ...runArgs(scale)], 1, { okCodes: [0, 3] });
  copyWorkspace(workspace, held);
  for (const f of readdirSync(newMonthDir)) renameSync(path.join(newMonthDir, f), path.join(inbox, f));
  const lastMonth = await sampleCommand([...ws, ...runArgs(scale)], 1, { okCodes: [0, 3] });
  // The inbox is emptied by the run (files go to the archive): keep a copy of the last month's extracts.
  for (const f of extracts().filter((f) => path.basename(f).includes(last))) copyFileSync(f, path.join(newMonthDir, path.basename(f)));
  const info = { taxpayers, months, lastMonth: last, generateMs: generate.ms[0], historyRunMs: history.ms[0], historyPeakRssMb: history.peakRssMb, lastMonthRunMs: lastMonth.ms[0] };
  writeFileSync(marker, `${JSON.stringify(info)}\n`);
  log(`prepared: generate ${(generate.ms[0]! / 1000).toFixed(1)} s, load and render ${months - 1} months ${(history.ms[0]! / 1000).toFixed(1)} s, the last month ${(lastMonth.ms[0]! / 1000).toFixed(1)} s`);
  return result();
}

/**
 * Builds a scale's January snapshot once (`<dir>/held-january`; later calls and bench runs reuse it): a new workspace
 * whose inbox gets the prepared extracts of every month before the last January of the data (and the taxpayer
 * register), with the prepared workspace's recipients, then one `taxbrief run`. No data is generated, and the
 * prepared caches (`workspace`, `held`, `new-month`, `.bench-ready`) are only read. The snapshot is built under
 * another name and renamed when complete, so an interrupted build is started again, never reused.
 */
async function prepareJanuary(dir: string, cli: string[], scale: Scale, prepared: Prepared, log: (m: string) => void): Promise<JanuarySnapshot> {
  const periodOf = (file: string) => /\d{4}-\d{2}/.exec(path.basename(file))?.[0];
  const months = [...new Set(prepared.extracts.map(periodOf).filter((m): m is string => m !== undefined))].sort();
  // the last January with a month of data before it (a January with nothing before it is a first load, not a night)
  const month = months.filter((m, i) => i > 0 && m.endsWith('-01')).at(-1);
  if (!month) throw new Error(`the ${scale} data (${months[0]} … ${months.at(-1)}) has no January after its first month: it has no January night to measure.`);
  const held = path.join(dir, 'held-january');
  const newMonth = prepared.extracts.filter((f) => periodOf(f) === month);
  if (existsSync(held)) {
    await upToDate(held, log);
    return { held, month, newMonth };
  }

  const building = `${held}.partial`;
  rmSync(building, { recursive: true, force: true });
  const inbox = path.join(building, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const before = prepared.extracts.filter((f) => (periodOf(f) ?? '') < month);
  for (const f of before) linkOrCopy(f, path.join(inbox, path.basename(f)));
  const recipients = path.join(prepared.workspace, 'recipients.json');
  if (existsSync(recipients)) copyFileSync(recipients, path.join(building, 'recipients.json'));
  log(`preparing the ${scale} January snapshot in ${held}: ${before.length} extracts up to the month before ${month}, one run`);
  // Exit 3 is expected: the months after the snapshot's are late by the calendar.
  const run = await sampleCommand([...cli, '--workspace', building, ...runArgs(scale)], 1, { okCodes: [0, 3] });
  renameSync(building, held);
  log(`prepared the January snapshot: ${(run.ms[0]! / 1000).toFixed(1)} s, peak RSS ${run.peakRssMb?.toFixed(0) ?? '?'} MiB`);
  return { held, month, newMonth };
}

/**
 * Brings a cached snapshot's warehouse to the newest schema, outside any timing: a snapshot made before a migration
 * was added would otherwise run it inside every timed run made from it (copying the facts takes minutes at province).
 */
async function upToDate(workspace: string, log: (m: string) => void): Promise<void> {
  const file = path.join(workspace, 'warehouse.duckdb');
  if (!existsSync(file)) return;
  const warehouse = await openWarehouse(file, warehouseOptions());
  try {
    await migrate(warehouse, readMigrations(path.join(projectPaths().queries, 'migrations')), new Date(), (pending) =>
      log(`bringing ${file} to the newest schema (migrations ${pending.map((m) => m.version).join(', ')}), untimed`));
  } finally {
    warehouse.close();
  }
}

function line(f: Figure): string {
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  const base = f.baseline ? ` | baseline ${f.baseline.name} ${s(f.baseline.medianMs)} (min ${s(f.baseline.minMs)}, max ${s(f.baseline.maxMs)}) | ratio ${ratioText(f)}` : '';
  const target = f.target ? ` | target ${targetText(f)} ${f.meets ? 'met' : 'NOT met'}` : '';
  return `${f.suite}/${f.name} [${f.scale}] median ${s(f.medianMs)} (min ${s(f.minMs)}, max ${s(f.maxMs)}, n=${f.runs})${f.peakRssMb ? ` | peak RSS ${f.peakRssMb.toFixed(0)} MiB` : ''}${base}${target}${f.note ? ` | ${f.note}` : ''}`;
}

/** A figure as written: when it was measured and how busy the machine was. */
type Written = Figure & { measuredAt: string; loadAverage?: number };

/** Merges this run's figures into docs/benchmarks.json and rewrites docs/BENCHMARKS.md from it. */
function write(root: string, figures: Figure[], loadAverage: number): void {
  const file = path.join(root, 'docs', 'benchmarks.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { figures: Written[] }).figures : [];
  const key = (f: Figure) => `${f.suite}/${f.name}/${f.scale}`;
  const now = new Date().toISOString();
  const fresh = new Map(figures.map((f) => [key(f), { ...f, measuredAt: now, loadAverage: +loadAverage.toFixed(1) }]));
  // A suite measured at a scale replaces all its earlier figures there: a figure renamed since does not linger.
  const measured = new Set(figures.map((f) => `${f.suite}/${f.scale}`));
  const merged = [...previous.filter((f) => !fresh.has(key(f)) && !measured.has(`${f.suite}/${f.scale}`)), ...fresh.values()].sort((a, b) => key(a).localeCompare(key(b)));
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, `${JSON.stringify({ machine, figures: merged }, null, 2)}\n`);
  writeFileSync(path.join(root, 'docs', 'BENCHMARKS.md'), markdown(machine, merged));
}

function markdown(machine: { cores: number; cpu: string; memoryGiB: number; node: string }, figures: Written[]): string {
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  const rows = figures.map((f) =>
    [
      f.suite, f.name, f.scale, String(f.runs), s(f.medianMs), `${s(f.minMs)}–${s(f.maxMs)}`,
      f.peakRssMb ? `${f.peakRssMb.toFixed(0)}` : '',
      f.baseline ? `${f.baseline.name}: ${s(f.baseline.medianMs)}` : '',
      f.ratio !== undefined ? ratioText(f) : '',
      targetText(f),
      f.meets === undefined ? '' : f.meets ? 'yes' : '**no**',
      `${f.measuredAt.slice(0, 16).replace('T', ' ')} (load ${f.loadAverage ?? '?'})`,
    ].join(' | '),
  );
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.suite}/${f.name} [${f.scale}]: ${f.note}`);
  return `# Benchmarks

Written by \`npm run bench\` (bench/main.ts); do not edit by hand. Each figure is the median of
n runs with min–max, beside a baseline measured in the same run. Machine: ${machine.cores} cores (${machine.cpu}),
${machine.memoryGiB} GiB, Node ${machine.node}.

The load average (1 min, at the start of the bench run) says how busy the machine was: on 2 cores
anything above 2 means the figures include waiting for the CPU.

| suite | figure | scale | n | median | min–max | peak RSS (MiB) | baseline (median) | ratio | target | met | measured (UTC) |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r} |`).join('\n')}
${notes.length ? `\nNotes:\n\n${notes.join('\n')}\n` : ''}`;
}

/** The ratio to 2 decimals, or to 3 where 2 would round it onto its target (1.1515 against ≤ 1.15 reads "1.152"). */
function ratioText(f: Figure): string {
  const two = f.ratio!.toFixed(2);
  return f.target?.ratio !== undefined && two === f.target.ratio.toFixed(2) && f.ratio !== f.target.ratio ? f.ratio!.toFixed(3) : two;
}

/** "≤ 1.15×", "≤ 60.0 s, RSS ≤ 8192 MiB". */
function targetText(f: Figure): string {
  if (!f.target) return '';
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  const parts = [
    f.target.ratio !== undefined ? `≤ ${f.target.ratio}×` : '',
    f.target.ms !== undefined ? `≤ ${s(f.target.ms)}` : '',
    f.target.rssMb !== undefined ? `RSS ≤ ${f.target.rssMb} MiB` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

function fail(message: string): number {
  process.stderr.write(`bench: ${message}\n\n${usage}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
