import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CheckResult } from './checks.js';
import { hashTree, type Context } from './context.js';
import { lastStageDetail } from './ledger.js';

// Checks read the marts, and the marts read every loaded file: when none of that changed since a run
// recorded its checks, and they all held, they hold now. The nightly run and the analyst's rerun both
// skip them then (at tenth scale they take seconds).

/** A key of what the marts are built from: their SQL, the seeds and every loaded file. */
export async function currentMartsKey(ctx: Context): Promise<string> {
  const [row] = await ctx.warehouse.all<{ files: string | null; seeds: string | null }>(
    `select (select string_agg(sha256, ',' order by sha256) from files where status = 'loaded') as files,
            (select string_agg(seed || ':' || sha256, ',' order by seed) from seed_versions) as seeds`,
  );
  return createHash('sha256')
    .update(hashTree(path.join(ctx.project.queries, 'marts')))
    .update(row?.files ?? '')
    .update(row?.seeds ?? '')
    .digest('hex');
}

/** A key of what the checks for `period` (default: the latest month) read: the marts' key and the checks' SQL. */
export function checksKeyOf(ctx: Context, martsKey: string, period?: string): string {
  return createHash('sha256').update(martsKey).update(hashTree(path.join(ctx.project.queries, 'checks'))).update(period ?? 'latest').digest('hex');
}

/** The checks the last run recorded under `key`, when every one held (without their rows); else undefined. */
export async function checksHeldUnder(ctx: Context, key: string): Promise<{ runId: string; results: CheckResult[] } | undefined> {
  const last = await lastStageDetail(ctx.warehouse, 'checks');
  const results = last?.detail['results'] as CheckResult[] | undefined;
  if (!last || last.detail['key'] !== key || !results || !results.every((c) => c.holds)) return undefined;
  return { runId: last.runId, results: results.map((c) => ({ ...c, rows: [] })) };
}
