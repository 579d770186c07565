import { rmSync } from 'node:fs';
import { figure, joinSamples, renderingCopy, sampleCommand, type Sample, type Suite } from '../harness.js';
import { barePrint, renderedHtml } from './print.js';

/**
 * The all-city fan-out: a new `taxbrief brief city` process writing one PDF per city of the
 * jurisdiction, beside bare Chromium printing the same cities' finished HTML in one browser with
 * two tabs. Runs alternate, so both see the same machine.
 */
const suite: Suite = {
  name: 'fanout',
  description: 'every city brief in one new process vs bare Chromium printing the same HTML files',
  async run(ctx) {
    // on a copy: the prepared workspace is a cache the suites never change
    const ws = await renderingCopy(ctx, await ctx.workspace(), 'fanout-run');
    try {
      const command = [...ctx.cli, '--workspace', ws, 'brief', 'city'];
      // Warm-up (the OS cache) when a median is asked for.
      if (ctx.runs > 1) await sampleCommand(command, 1);
      const fanout: Sample[] = [];
      const bare: Sample[] = [];
      let html: string[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        fanout.push(await sampleCommand(command, 1));
        // The baseline prints the HTML the fan-out just wrote (a scale whose nightly runs skip the city briefs has none before).
        if (i === 0) html = renderedHtml(ws, /^city-\d+\.html$/);
        bare.push(await barePrint(ctx, html));
      }
      return [
        figure('fanout', `all cities (${html.length} PDFs, new process)`, ctx.scale, joinSamples(fanout), {
          baseline: { name: `bare Chromium print of the ${html.length} HTML files, 2 tabs`, sample: joinSamples(bare) },
          target: { ms: 10_000 },
        }),
      ];
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  },
};
export default suite;
