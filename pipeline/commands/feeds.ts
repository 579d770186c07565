import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { readFeeds } from '../ingest/feeds.js';
import { projectPaths } from '../workspace.js';

/** `taxbrief feeds`: the feed definitions, one line each (a malformed one stops with its file and field). */
export default async function feeds(env: CommandEnv): Promise<number> {
  for (const f of readFeeds(path.join(projectPaths().root, 'data', 'feeds'))) {
    const layout = f.unpivot ? `wide(${f.unpivot.name})` : 'long';
    env.stdout.write(`${f.name}\t${f.dataset}\t${f.files}\t${f.format}\t${f.encoding}\t${f.unit}\t${layout}\t${f.description}\n`);
  }
  return 0;
}
