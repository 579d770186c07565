/**
 * Benchmark (not a test): brief rendering against a bare Chromium print of the same HTML, in the same run.
 *   node dist/bench/brief.js --workspace DIR [--runs 5] [--period YYYY-MM]
 * DIR must hold a warehouse with data (e.g. after `taxbrief demo`). Each measurement is a new process:
 *   single    `taxbrief brief monthly-revenue` (existing warehouse)   vs  bare: node + Chromium printing its HTML
 *   fan-out   `taxbrief brief city` (every city)                      vs  bare: one Chromium printing the 20 HTMLs, 2 tabs
 * Prints the median of each and the ratio; targets 2.5 s (single) and 10 s (all cities).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, resolveChromium } from '../pipeline/render/printer.js';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..', '..');
const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

/** Child mode: print the given HTML files with one browser and `tabs` pages, like the printer does, nothing else. */
async function bare(files: string[], tabs: number): Promise<void> {
  const browser = await puppeteer.launch({ executablePath: resolveChromium(process.env), headless: true, pipe: true, args: [...CHROMIUM_ARGS] });
  const queue = [...files];
  await Promise.all(
    Array.from({ length: Math.min(tabs, files.length) }, async () => {
      const page = await browser.newPage();
      for (let f = queue.shift(); f; f = queue.shift()) {
        await page.setContent(await readFile(f, 'utf8'), { waitUntil: 'load' });
        await page.pdf({ format: 'A4', printBackground: true, path: path.join(os.tmpdir(), `bench-${path.basename(f)}.pdf`) });
      }
    }),
  );
  await browser.close();
}

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, TAXBRIEF_WORKSPACE: workspace } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const workspace = path.resolve(arg('workspace', path.join(root, 'workspace'))!);

if (process.argv.includes('--bare')) {
  await bare(process.argv.slice(process.argv.indexOf('--bare') + 1), 2);
} else {
  const runs = Number(arg('runs', '5'));
  const period = arg('period');
  const cli = path.join(root, 'bin', 'taxbrief.js');
  const p = period ? ['--period', period] : [];
  // one warm-up of each, which also writes the HTML the bare prints use
  timed('node', [cli, 'brief', 'monthly-revenue', '--quiet', ...p]);
  timed('node', [cli, 'brief', 'city', '--quiet', ...p]);
  const outDir = path.join(workspace, 'out', period ?? readdirSync(path.join(workspace, 'out')).sort().at(-1)!);
  const cityHtml = readdirSync(outDir).filter((f) => /^city-\d+\.html$/.test(f)).map((f) => path.join(outDir, f));
  const rows: { name: string; brief: number[]; bare: number[]; target: number }[] = [
    { name: 'single brief (monthly-revenue), new process', brief: [], bare: [], target: 2.5 },
    { name: `all cities (${cityHtml.length} PDFs), new process`, brief: [], bare: [], target: 10 },
  ];
  for (let i = 0; i < runs; i++) {
    rows[0]!.brief.push(timed('node', [cli, 'brief', 'monthly-revenue', '--quiet', ...p]));
    rows[0]!.bare.push(timed('node', [here, '--bare', path.join(outDir, 'monthly-revenue.html')]));
    rows[1]!.brief.push(timed('node', [cli, 'brief', 'city', '--quiet', ...p]));
    rows[1]!.bare.push(timed('node', [here, '--bare', ...cityHtml]));
  }
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores); ${runs} runs each`);
  for (const r of rows) {
    const b = median(r.brief);
    const c = median(r.bare);
    console.log(`${r.name}: median ${b.toFixed(2)} s (target ≤ ${r.target} s ${b <= r.target ? 'met' : 'MISSED'}); bare Chromium print of the same HTML ${c.toFixed(2)} s; ratio ${(b / c).toFixed(2)}`);
    console.log(`  runs: ${r.brief.map((x) => x.toFixed(2)).join(' ')} | bare: ${r.bare.map((x) => x.toFixed(2)).join(' ')}`);
  }
}
