import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { checksHolding, runChecks } from '../checks.js';
import { ExitCode } from '../errors.js';
import { readQueries } from '../queries.js';
import { readReports } from '../reports.js';
import { refreshMarts, resolvePeriod } from '../run.js';
import { formatRows } from '../export.js';

/** `taxbrief check`: refresh the marts for changed months, run every check, print the offending rows and the briefs a failure holds; exit 3 on a failure. */
export default async function check(env: CommandEnv, options: { period?: string }): Promise<number> {
  const ctx = await env.open();
  try {
    await refreshMarts(ctx);
    const period = await resolvePeriod(ctx, options.period);
    const checks = await runChecks(ctx.warehouse, path.join(ctx.project.queries, 'checks'), { period });
    const queries = readQueries(ctx.project.queries);
    const reports = readReports(ctx.project.reports);
    for (const c of checks) {
      env.stdout.write(`${c.holds ? 'ok  ' : 'FAIL'} ${c.id}: ${c.description}\n`);
      if (c.holds) continue;
      const held = reports.filter((r) => checksHolding(r, queries, [c]).length > 0).map((r) => r.id);
      env.stdout.write(`     covers ${c.covers.join(', ')}; holds ${held.length > 0 ? held.join(', ') : 'no brief'}\n`);
      env.stdout.write(formatRows(c.rows, 'table').replace(/^/gm, '     '));
    }
    const failed = checks.filter((c) => !c.holds);
    env.stdout.write(`${period}: ${checks.length - failed.length}/${checks.length} checks hold\n`);
    return failed.length > 0 ? ExitCode.held : ExitCode.ok;
  } finally {
    ctx.close();
  }
}
