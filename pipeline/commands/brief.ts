import type { CommandEnv } from '../cli.js';
import { ExitCode } from '../errors.js';
import { openInViewer } from '../open.js';
import { printerStartedNow } from './printer.js';

/** Flags of `taxbrief brief`. */
export interface BriefFlags { period?: string; region?: string; lang?: 'zh' | 'en'; open?: boolean; force?: boolean }

/** `taxbrief brief <id>`: rebuild one brief; prints each PDF path (and opens it with --open). */
export default async function brief(env: CommandEnv, id: string, flags: BriefFlags): Promise<number> {
  // Chromium starts first: its launch overlaps the warehouse open, the checks and the first brief's queries.
  // Puppeteer loads only when the run connects to it, once the brief's queries are with DuckDB. If the brief is held
  // (or the id is wrong) the browser is closed unused. The warehouse (DuckDB's driver) and the run stage are imported
  // after, so that loading them does not hold up the launch.
  const printer = printerStartedNow(env);
  try {
    // the run stage's modules (the templates' Handlebars among them) load while the warehouse opens
    const opening = env.open();
    const loading = import('../run.js');
    loading.catch(() => undefined); // observed below, once the warehouse is open
    const ctx = await opening;
    try {
      const { runBrief } = await loading;
      const request = { id, period: flags.period, region: flags.region, force: flags.force === true, ...(flags.lang ? { lang: flags.lang } : {}) };
      const outcomes = await runBrief(ctx, printer.factory, request);
      for (const o of outcomes) if (o.output) env.stdout.write(`${o.output.pdf}\n`);
      if (flags.open) for (const o of outcomes) if (o.output) openInViewer(o.output.pdf, env.logger, env.env);
      return outcomes.every((o) => o.status === 'rendered') ? ExitCode.ok : ExitCode.held;
    } finally {
      ctx.close();
    }
  } finally {
    await printer.close();
  }
}
