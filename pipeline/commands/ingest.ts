import { statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { feedFor, readFeeds } from '../ingest/feeds.js';
import { ingestFile } from '../ingest/ingest.js';

/** `taxbrief ingest <path>`: load a file or a folder's files in place (they are not moved). */
export default async function ingest(env: CommandEnv, target: string): Promise<number> {
  let files: string[];
  try {
    files = statSync(target).isDirectory() ? readdirSync(target).sort().map((f) => path.join(target, f)) : [target];
  } catch {
    throw new CliError(`${target} does not exist; pass a file or a folder of extracts.`, ExitCode.usage);
  }
  const ctx = await env.open();
  try {
    const feeds = readFeeds(path.join(ctx.project.root, 'data', 'feeds'));
    let refused = 0;
    for (const file of files) {
      const feed = feedFor(feeds, path.basename(file));
      if (!feed) {
        env.logger.error(`${file}: matches no feed definition in data/feeds/; add one or rename the file.`);
        refused++;
        continue;
      }
      const result = await ingestFile(ctx.warehouse, file, feed, { logger: env.logger, now: ctx.clock() });
      env.stdout.write(`${result.status}\t${result.rows}\t${file}\n`);
      if (result.status === 'refused') {
        refused++;
        for (const p of result.problems) env.logger.error(`${p.file}${p.row ? `:${p.row}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}`);
        env.logger.error(`${result.problemCount} problem(s) in ${path.basename(file)}; nothing from it was loaded.`);
      }
    }
    return refused > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    ctx.close();
  }
}
