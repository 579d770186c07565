import type { CommandEnv } from '../cli.js';
import { projectPaths } from '../workspace.js';
import { readReports } from '../reports.js';
import { describeSchedule, readSchedule } from '../schedule.js';

/** `taxbrief list`: the briefs, their scope, parameters and queries. Reads definitions only. */
export default async function list(env: CommandEnv): Promise<number> {
  for (const r of readReports(projectPaths().reports)) {
    const params = r.scope === 'city' ? '--period YYYY-MM --region CODE' : '--period YYYY-MM';
    env.stdout.write(`${r.id}\t${r.name}\t${r.scope}\t${params}\n`);
    env.stdout.write(`\t${r.description}\n\tqueries: ${Object.values(r.queries).map((q) => q.query).join(', ')}\n`);
    env.stdout.write(`\tschedule: ${describeSchedule(readSchedule(r))}\n`);
  }
  return 0;
}
