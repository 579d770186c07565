/**
 * Benchmark of the nightly run (not a test): `npm run build && node dist/bench/nightly.js [options]`.
 *
 *   --workspace DIR   (default /work/bench-ws-nightly; wiped first unless --keep)
 *   --taxpayers N     (default 600000: one tenth of the province)
 *   --months N        (default 14: the new month has its year-ago month)
 *   --end YYYY-MM     (default 2026-10: the new month)
 *   --recipients N    (default 5: each receives every brief, into the outbox)
 *   --repeat N        (default 3: runs with nothing new, the median is reported)
 *   --prepare         only generate and load the history (heavy; can run niced at any time)
 *   --keep            reuse the workspace: with a prepared one, go straight to the measurements
 *
 * 1. generates the demo extracts once (cached in the workspace), 2. loads every month but the last
 * (the initial load, reported for scale), 3. measures runs with nothing new, 4. drops the last
 * month's files into the inbox and measures the run that loads them, rebuilds the marts, renders
 * every brief and delivers each recipient's watermarked copy to the outbox. Baseline in the same
 * session: `taxbrief status` (Node start, CLI, lock, opening the warehouse: the floor of any run).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo } from '../pipeline/demo/generate.js';
import { createLogger } from '../pipeline/log.js';
import { readReports } from '../pipeline/reports.js';
import { projectPaths } from '../pipeline/workspace.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ws = path.resolve(flag('workspace', '/work/bench-ws-nightly'));
const taxpayers = Number(flag('taxpayers', '600000'));
const months = Number(flag('months', '14'));
const end = flag('end', '2026-10');
const recipients = Number(flag('recipients', '5'));
const repeat = Number(flag('repeat', '3'));
const root = projectPaths().root;
const bin = path.join(root, 'bin', 'taxbrief.js');
const logger = createLogger({ format: 'human' });

function taxbrief(...cli: string[]): { ms: number; code: number; summary: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...cli, '--json'], { env: { ...process.env, TAXBRIEF_WORKSPACE: ws }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { message: string });
  const summary = lines.filter((l) => /^(run |  (files|checks|briefs|delivered|feeds)|not everything|  )/.test(l.message)).map((l) => l.message).join('\n');
  if (r.status !== 0 && r.status !== 3 && cli[0] === 'run') process.stderr.write(r.stderr.split('\n').slice(-20).join('\n'));
  return { ms, code: r.status ?? -1, summary };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  if (!args.includes('--keep')) rmSync(ws, { recursive: true, force: true });
  const cache = path.join(ws, 'bench-demo', `n${taxpayers}-m${months}-${end}`);
  if (!existsSync(path.join(cache, '.complete'))) {
    mkdirSync(cache, { recursive: true });
    const t0 = performance.now();
    await generateDemo({ outDir: cache, taxpayers, end, months, seed: 20261, seedsDir: projectPaths().seeds }, { logger });
    writeFileSync(path.join(cache, '.complete'), '');
    logger.info(`generated ${taxpayers} taxpayers × ${months} months in ${s(performance.now() - t0)}`);
  }
  const files = readdirSync(cache).filter((f) => !f.startsWith('.'));
  const newMonth = files.filter((f) => f.includes(end));
  const history = files.filter((f) => !newMonth.includes(f));
  const inbox = path.join(ws, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const reports = readReports(projectPaths().reports).map((r) => r.id);
  writeFileSync(
    path.join(ws, 'recipients.json'),
    JSON.stringify({ recipients: Array.from({ length: recipients }, (_, i) => ({ id: `R${String(i + 1).padStart(3, '0')}`, name: `领导${i + 1}`, briefs: reports })) }),
  );

  if (!(args.includes('--keep') && existsSync(path.join(ws, 'warehouse.duckdb')))) {
    for (const f of history) copyFileSync(path.join(cache, f), path.join(inbox, f));
    const initial = taxbrief('run');
    logger.info(`initial load of ${history.length} files (exit ${initial.code}): ${s(initial.ms)}\n${initial.summary}`);
  }
  if (args.includes('--prepare')) return;

  // Settles whatever changed since the workspace was prepared (e.g. the code: every brief is a new version).
  const warm = taxbrief('run');
  logger.info(`warm-up run (exit ${warm.code}): ${s(warm.ms)}\n${warm.summary}`);

  const floor: number[] = [];
  const idle: number[] = [];
  let idleSummary = '';
  for (let i = 0; i < repeat; i++) {
    floor.push(taxbrief('status').ms);
    const r = taxbrief('run');
    idle.push(r.ms);
    idleSummary = r.summary;
  }
  logger.info(`baseline taxbrief status: median ${s(median(floor))} of ${floor.map(s).join(', ')}`);
  logger.info(`run with nothing new: median ${s(median(idle))} of ${idle.map(s).join(', ')}\n${idleSummary}`);

  for (const f of newMonth) copyFileSync(path.join(cache, f), path.join(inbox, f));
  const month = taxbrief('run');
  logger.info(`run with one new month (${newMonth.join(', ')}), exit ${month.code}: ${s(month.ms)}\n${month.summary}`);
  logger.info(
    `ratios: nothing new / floor ${(median(idle) / median(floor)).toFixed(2)}×; one new month / nothing new ${(month.ms / median(idle)).toFixed(1)}×`,
  );
  const outbox = path.join(ws, 'outbox');
  const copies = existsSync(outbox) ? readdirSync(outbox, { recursive: true }).filter((f) => String(f).endsWith('.pdf')).length : 0;
  logger.info(`outbox holds ${copies} PDF(s) for ${recipients} recipient(s)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
