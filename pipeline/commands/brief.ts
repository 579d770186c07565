import type { CommandEnv } from '../cli.js';
import { ExitCode } from '../errors.js';
import { runBrief } from '../run.js';
import { printerFor } from './printer.js';

/** `taxbrief brief <id>`: rebuild one brief; prints each PDF path. */
export default async function brief(env: CommandEnv, id: string, options: { period?: string; region?: string; lang?: 'zh' | 'en' }): Promise<number> {
  const ctx = await env.open();
  try {
    const outcomes = await runBrief(ctx, printerFor(env), { id, period: options.period, region: options.region, lang: options.lang });
    for (const o of outcomes) if (o.output) env.stdout.write(`${o.output.pdf}\n`);
    return outcomes.every((o) => o.status === 'rendered') ? ExitCode.ok : ExitCode.held;
  } finally {
    ctx.close();
  }
}
