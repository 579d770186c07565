import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { faultPoint } from '../fault-point.js';
import { feedFor, readFeeds } from '../ingest/feeds.js';
import { unmatched } from '../ingest/formats.js';
import { formatProblem, ingestFile, summaryLine } from '../ingest/ingest.js';

/** `taxbrief ingest <path> [--feed NAME] [--dry-run]`: load a file or a folder's files in place (they are not moved). */
export default async function ingest(env: CommandEnv, target: string, options: { feed?: string; dryRun?: boolean }): Promise<number> {
  let files: string[];
  try {
    files = statSync(target).isDirectory()
      ? readdirSync(target).filter((f) => !f.startsWith('.') && !f.endsWith('.errors.txt') && statSync(path.join(target, f)).isFile()).sort().map((f) => path.join(target, f))
      : [target];
  } catch {
    throw new CliError(`${target} does not exist; pass a file or a folder of extracts.`, ExitCode.usage);
  }
  const ctx = await env.open();
  try {
    const feeds = readFeeds(path.join(ctx.project.root, 'data', 'feeds'));
    const forced = options.feed === undefined ? undefined : feeds.find((f) => f.name === options.feed);
    if (options.feed !== undefined && !forced) {
      throw new CliError(`--feed ${options.feed} is not a feed; the feeds are ${feeds.map((f) => f.name).join(', ')} (see taxbrief feeds).`, ExitCode.usage);
    }
    let refused = 0;
    for (const [i, file] of files.entries()) {
      env.logger.progress('ingest', i, files.length);
      const feed = forced ?? feedFor(feeds, path.basename(file));
      if (!feed) {
        env.logger.error(`${file}: ${unmatched(file)}`);
        env.stdout.write(`refused\t0\t${file}\n`);
        refused++;
        continue;
      }
      const result = await ingestFile(ctx.warehouse, file, feed, { logger: env.logger, now: ctx.clock(), tmpDir: ctx.workspace.tmp }, { dryRun: options.dryRun });
      await faultPoint('ingest:committed', path.basename(file));
      env.stdout.write(`${result.status}\t${result.rows}\t${file}\n`);
      // A loaded file's warnings were logged as it loaded; a refused or dry-run file's problems are listed here.
      if (result.status === 'refused' || result.status === 'checked') {
        for (const p of result.problems) (p.severity === 'error' ? env.logger.error : env.logger.warn)(formatProblem(p));
      }
      if (result.status === 'refused') refused++;
      (result.status === 'refused' ? env.logger.error : env.logger.info)(summaryLine(result));
    }
    env.logger.progress('ingest', files.length, files.length);
    return refused > 0 ? ExitCode.held : ExitCode.ok;
  } finally {
    ctx.close();
  }
}
