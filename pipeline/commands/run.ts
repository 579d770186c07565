import type { CommandEnv } from '../cli.js';
import { waitMs } from '../lock.js';
import { nightly, summaryLines, type NightlyResult } from '../nightly.js';
import { printerFor } from './printer.js';
import { readReports, selectReports } from '../reports.js';
import { projectPaths } from '../workspace.js';

/** Flags of `taxbrief run`. */
export interface RunFlags { period?: string; select?: string[]; force?: boolean; resend?: boolean; recipients?: string }

/**
 * `taxbrief run`: the nightly job. Refuses at once while another process holds the workspace
 * (unless --wait). Exit 0 only when every brief due went out; 3 with the list of what was held.
 */
export default async function run(env: CommandEnv, flags: RunFlags): Promise<number> {
  // An unknown id in --select is a usage error, found before the workspace is locked.
  selectReports(readReports(projectPaths().reports), flags.select);
  const ctx = await env.open({ waitMs: waitMs(env.globals.wait, 0) });
  try {
    const result = await nightly(ctx, printerFor(env), flags);
    report(env, result);
    return result.exitCode;
  } finally {
    ctx.close();
  }
}

/** Prints each PDF rendered on stdout, then the account of the run and every hold on the log. */
export function report(env: CommandEnv, result: NightlyResult): void {
  for (const b of result.summary.briefs) if (b.output) env.stdout.write(`${b.output.pdf}\n`);
  const [first, ...rest] = summaryLines(result);
  env.logger.info(first!, { run: result.runId, exitCode: result.exitCode, nothingNew: result.nothingNew });
  for (const line of rest) env.logger.info(`  ${line}`);
  if (result.holds.length > 0) {
    env.logger.error(`not everything due went out (${result.holds.length}):`, { exitCode: result.exitCode });
    for (const h of result.holds) env.logger.error(`  ${h}`);
  }
}
