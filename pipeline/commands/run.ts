import type { CommandEnv } from '../cli.js';
import { runNightly, type RunSummary } from '../run.js';
import { printerFor } from './printer.js';

/** `taxbrief run`: the nightly job. Exit 0 only when every brief went out and every file loaded. */
export default async function run(env: CommandEnv, options: { period?: string; lang?: 'zh' | 'en' }): Promise<number> {
  const ctx = await env.open();
  try {
    const summary = await runNightly(ctx, printerFor(env), { period: options.period, lang: options.lang });
    report(env, summary);
    return summary.exitCode;
  } finally {
    ctx.close();
  }
}

/** Prints each PDF path on stdout and a one-line account of the run on the log. */
export function report(env: CommandEnv, summary: RunSummary): void {
  for (const b of summary.briefs) if (b.output) env.stdout.write(`${b.output.pdf}\n`);
  const count = (status: string) => summary.ingested.filter((r) => r.status === status).length;
  const briefs = (status: string) => summary.briefs.filter((b) => b.status === status).length;
  const failedChecks = summary.checks.filter((c) => !c.holds).map((c) => c.id);
  env.logger.info(
    `run finished: ${count('loaded')} file(s) loaded, ${count('duplicate')} already loaded, ${count('refused')} refused; ` +
      `${summary.checks.length - failedChecks.length}/${summary.checks.length} checks hold; ` +
      `${briefs('rendered')} brief(s) rendered, ${briefs('held')} held, ${briefs('failed')} failed`,
    { exitCode: summary.exitCode },
  );
  for (const b of summary.briefs.filter((b) => b.status !== 'rendered')) {
    env.logger.error(`brief ${b.brief}${b.region ? ` (${b.region})` : ''} ${b.status}: ${b.reason ?? ''}`);
  }
}
