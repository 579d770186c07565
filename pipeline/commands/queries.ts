import type { CommandEnv } from '../cli.js';
import { readQueries } from '../queries.js';
import { projectPaths } from '../workspace.js';

/** `taxbrief queries`: every query id with its parameters (optional ones marked `?`, with their meaning and default) and what it returns. */
export default async function queries(env: CommandEnv): Promise<number> {
  for (const q of readQueries(projectPaths().queries).values()) {
    const signature = q.paramDocs.map((p) => `$${p.name}${p.optional ? '?' : ''}`).join(', ');
    env.stdout.write(`${q.id}${signature ? ` (${signature})` : ''}\n\t${q.description}\n`);
    for (const p of q.paramDocs.filter((p) => p.description)) env.stdout.write(`\t  $${p.name}: ${p.description}\n`);
  }
  return 0;
}
