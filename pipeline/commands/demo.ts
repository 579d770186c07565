import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { hashFile } from '../ingest/ingest.js';
import { previousMonth } from '../narrative/periods.js';
import { nightly } from '../nightly.js';
import { printerFor } from './printer.js';
import { report } from './run.js';
import { linkOrCopy, makeDir } from '../write-atomic.js';

/** Options of `taxbrief demo`, as commander hands them over. */
interface DemoFlags { taxpayers: string; end?: string; months: string; seed: string; run: boolean }

/**
 * `taxbrief demo`: generate the demo extracts once per (seed, size, end) into the workspace's
 * demo cache, drop them into the inbox, then run the nightly job. A second call reuses the
 * cache and the ledger skips files already loaded, so it only re-renders.
 */
export default async function demo(env: CommandEnv, flags: DemoFlags): Promise<number> {
  const taxpayers = positive('--taxpayers', flags.taxpayers);
  const months = positive('--months', flags.months);
  const seed = positive('--seed', flags.seed);
  const end = flags.end ?? previousMonth(env.clock());
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(end)) throw new CliError(`--end ${end} is not a month; write it as YYYY-MM.`, ExitCode.usage);

  const ctx = await env.open();
  try {
    const cache = path.join(ctx.workspace.root, 'demo', `seed${seed}-n${taxpayers}-m${months}-${end}`);
    const complete = path.join(cache, '.complete');
    if (!existsSync(complete)) {
      makeDir(cache);
      env.logger.info(`generating demo data: ${taxpayers} taxpayers, ${months} months to ${end}`, { dir: cache });
      const { generateDemo } = await import('../demo/generate.js');
      const result = await generateDemo({ outDir: cache, taxpayers, end, months, seed, seedsDir: ctx.project.seeds }, { logger: env.logger });
      env.logger.info(`demo data: ${result.revenueRows} revenue rows, ${result.reliefRows} relief rows, ${result.files.length} files`);
      const hashes: Record<string, string> = {};
      for (const f of readdirSync(cache).filter((f) => !f.startsWith('.'))) hashes[f] = await hashFile(path.join(cache, f));
      writeFileSync(complete, `${JSON.stringify(hashes, null, 1)}\n`);
    }
    // Only files whose bytes the ledger has not seen go to the inbox: a second demo run loads nothing.
    const hashes = JSON.parse(readFileSync(complete, 'utf8')) as Record<string, string>;
    const loaded = new Set((await ctx.warehouse.all<{ sha256: string }>('select sha256 from files')).map((r) => r.sha256));
    for (const [f, sha256] of Object.entries(hashes)) {
      if (!loaded.has(sha256)) linkOrCopy(path.join(cache, f), path.join(ctx.workspace.inbox, f));
    }
    if (!flags.run) return ExitCode.ok;
    const result = await nightly(ctx, printerFor(env));
    report(env, result);
    return result.exitCode;
  } finally {
    ctx.close();
  }
}

function positive(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${flag} ${value} must be a positive whole number.`, ExitCode.usage);
  return Number(value);
}
