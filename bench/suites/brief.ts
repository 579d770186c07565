import { rmSync } from 'node:fs';
import { figure, joinSamples, renderingCopy, sampleCommand, type Sample, type Suite } from '../harness.js';
import { barePrint, renderedHtml } from './print.js';

/**
 * One brief rebuilt by an analyst: a new `taxbrief brief monthly-revenue` process on the prepared
 * warehouse (Node start, DuckDB open, queries, charts, template, Chromium launch, print), beside the
 * floor of the same work: a new process printing the brief's finished HTML with bare Chromium
 * (same flags, A4). Runs alternate, so both see the same machine.
 */
const suite: Suite = {
  name: 'brief',
  description: 'single-brief rerun in a new process vs a bare Chromium print of the same HTML',
  async run(ctx) {
    // on a copy: the prepared workspace is a cache the suites never change
    const ws = await renderingCopy(ctx, await ctx.workspace(), 'brief-run');
    try {
      const brief = [...ctx.cli, '--workspace', ws, 'brief', 'monthly-revenue'];
      // Warm-up (the OS cache) when a median is asked for; the prepared workspace already holds the HTML the baseline prints.
      if (ctx.runs > 1) await sampleCommand(brief, 1);
      const [html] = renderedHtml(ws, /^monthly-revenue\.html$/);
      const rerun: Sample[] = [];
      const bare: Sample[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        rerun.push(await sampleCommand(brief, 1));
        bare.push(await barePrint(ctx, [html!]));
      }
      return [
        figure('brief', 'monthly-revenue rerun (new process)', ctx.scale, joinSamples(rerun), {
          baseline: { name: 'bare Chromium print of the same HTML', sample: joinSamples(bare) },
          target: { ms: 2500 },
        }),
      ];
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  },
};
export default suite;
