import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { figure, sampleCommand, type Suite } from '../harness.js';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-pdf-header-footer'];

/**
 * One brief rebuilt by an analyst: a new `taxbrief brief` process on an existing warehouse
 * (Node start, DuckDB open, queries, charts, template, Chromium launch, print), beside the floor
 * of the same work: a bare Chromium process printing the brief's finished HTML.
 */
const suite: Suite = {
  name: 'brief',
  description: 'single-brief rerun in a new process vs a bare Chromium print of the same HTML',
  async run(ctx) {
    const ws = await ctx.workspace();
    const cli = [process.execPath, path.join(ctx.root, 'bin', 'taxbrief.js'), '--quiet', '--workspace', ws];
    const rerun = await sampleCommand([...cli, 'brief', 'monthly-revenue'], ctx.runs);
    const period = readdirSync(path.join(ws, 'out')).sort().at(-1)!;
    const html = path.join(ws, 'out', period, 'monthly-revenue.html');
    const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
    const profile = mkdtempSync(path.join(os.tmpdir(), 'taxbrief-bench-'));
    try {
      const bare = await sampleCommand(
        [chromium, ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--print-to-pdf=${path.join(profile, 'bare.pdf')}`, `file://${html}`],
        ctx.runs,
      );
      return [
        figure('brief', 'monthly-revenue rerun (new process)', ctx.scale, rerun, {
          baseline: { name: 'bare Chromium print of the same HTML', sample: bare },
          target: { ms: 2500 },
        }),
      ];
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  },
};
export default suite;
