import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CheckResult } from './checks.js';
import { hashTree, type Context } from './context.js';
import { lastStageDetail } from './ledger.js';
import { readQueries } from './queries.js';

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

/** Where the nightly checks stood when they last ran: the newest file and mart refresh they saw, their window and SQL. */
export interface ReconcileMark { file: number; refresh: number; period: string; checks: string }

/** The months the reconcile checks compare (`$months`: 'YYYY-MM,…', '' for none, '*' for all) and the mark to record. */
export interface ReconcileScope { months: string; mark: ReconcileMark }

/**
 * The months whose facts or marts changed since the nightly reconcile checks (those taking `$months`) last held: a month whose facts and mart
 * are as they were then still reconciles (at province scale the 25 months of facts take seconds to sum, a new
 * month alone a fraction of one). Everything when there is no such run, its checks' SQL differs, or a mart
 * refresh since rebuilt everything; plus the months of this window that the last one did not cover.
 */
export async function reconcileScope(ctx: Pick<Context, 'warehouse' | 'project'>, period: string): Promise<ReconcileScope> {
  const dir = path.join(ctx.project.queries, 'checks');
  const checks = hashTree(dir);
  const [now] = await ctx.warehouse.all<{ file: number; refresh: number }>(
    `select (select coalesce(max(file_id), 0) from files)::integer as file,
            (select coalesce(max(refresh_id), 0) from mart_refreshes)::integer as refresh`,
  );
  const mark: ReconcileMark = { file: now!.file, refresh: now!.refresh, period, checks };
  const last = await lastStageDetail(ctx.warehouse, 'checks');
  const before = last?.detail['reconciled'] as ReconcileMark | undefined;
  // the reconcile checks are those that take $months: each must have held then
  const scoped = new Set([...readQueries(dir).values()].filter((q) => q.params.includes('months')).map((q) => q.id));
  const results = (last?.detail['results'] as Pick<CheckResult, 'id' | 'holds'>[] | undefined)?.filter((c) => scoped.has(c.id));
  if (!before || before.checks !== checks || results?.length !== scoped.size || !results.every((c) => c.holds)) return { months: '*', mark };
  const [changed] = await ctx.warehouse.all<{ full: boolean; months: string | null }>(
    `with b as (select month_start($period) as cur, (month_start($period) - interval 24 month)::date as first,
                       (month_start($before) - interval 24 month)::date as before_first, month_start($before) as before_cur),
     since as (select * from mart_refreshes where refresh_id > $refresh),
     months as (
       select distinct period from revenue where file_id > $file
       union select distinct period from relief where file_id > $file
       union select month_start(unnest(string_split(periods, ','))) from since where periods <> ''
       union select * from (  -- the months of this window outside the last one
         select unnest(generate_series(b.first, b.cur, interval 1 month))::date from b
         except select unnest(generate_series(b.before_first, b.before_cur, interval 1 month))::date from b)
     )
     select exists (select 1 from since where mode = 'full') as full,
            (select string_agg(strftime(m.period, '%Y-%m'), ',' order by m.period) from months m, b where m.period between b.first and b.cur) as months`,
    { period, before: before.period, file: before.file, refresh: before.refresh },
  );
  return { months: changed!.full ? '*' : (changed!.months ?? ''), mark };
}
