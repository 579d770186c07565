import type { CommandEnv } from '../cli.js';
import { readQueries } from '../queries.js';
import { projectPaths } from '../workspace.js';

/** `taxbrief queries`: every query id with its parameters and what it returns. */
export default async function queries(env: CommandEnv): Promise<number> {
  for (const q of readQueries(projectPaths().queries).values()) {
    env.stdout.write(`${q.id}${q.params.length ? ` (${q.params.map((p) => `$${p}`).join(', ')})` : ''}\n\t${q.description}\n`);
  }
  return 0;
}
