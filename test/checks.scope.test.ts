import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileScope } from '../pipeline/checks-cache.js';
import { runChecks } from '../pipeline/checks.js';
import { startRun } from '../pipeline/ledger.js';
import { memoryLogger } from '../pipeline/log.js';
import { projectPaths } from '../pipeline/workspace.js';
import { analyticsWarehouse, now, type AnalyticsWarehouse } from './helpers/analytics.js';

let t = now.getTime();
const clock = () => new Date((t += 1000)); // runs in order, a second apart

// The nightly run compares marts with facts only for the months whose facts or marts changed since the checks last held.
const revenue = (period: string, tp: string, amount: number) => `(date '${period}-01', '${tp}', '440103', 'C', 'S', '10101', ${amount}::decimal(18,2))`;
const checksDir = path.join(projectPaths().queries, 'checks');

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Runs the checks as the nightly stage does (scope, then record the mark with the results) and gives the reconcile checks that failed. */
async function nightlyChecks(wh: AnalyticsWarehouse, period: string): Promise<{ months: string; failed: string[] }> {
  const ctx = { warehouse: wh.warehouse, project: projectPaths() };
  const scope = await reconcileScope(ctx, period);
  const ledger = await startRun(wh.warehouse, { command: 'run', clock, logger: memoryLogger() });
  const results = await ledger.stage('checks', () => runChecks(wh.warehouse, checksDir, { period, months: scope.months }), (r) => ({
    reconciled: scope.mark, results: r.map(({ id, holds }) => ({ id, holds })),
  }));
  // (the fixtures have one county and no relief: the checks of every city and of both feeds fail, and do not matter here)
  return { months: scope.months, failed: results.filter((c) => !c.holds && c.id.endsWith('_reconciles')).map((c) => c.id) };
}

describe('the months the reconcile checks compare', () => {
  it('are all at first, then only a new month, none when nothing changed, and all again after a failure', async () => {
    const wh = await analyticsWarehouse();
    cleanups.push(wh.cleanup);
    await wh.load('revenue', [revenue('2026-01', 'A', 10), revenue('2026-02', 'A', 20)].join(','));
    await wh.refresh();
    expect(await nightlyChecks(wh, '2026-02')).toEqual({ months: '*', failed: [] });

    await wh.load('revenue', revenue('2026-03', 'A', 30));
    await wh.refresh();
    expect(await nightlyChecks(wh, '2026-03')).toEqual({ months: '2026-03', failed: [] });
    expect(await nightlyChecks(wh, '2026-03')).toEqual({ months: '', failed: [] });

    // a mart wrong in a changed month is caught; the next run, after that failure, compares every month
    await wh.load('revenue', revenue('2026-04', 'A', 40));
    await wh.refresh();
    await wh.warehouse.run(`update mart_revenue set amount = amount + 1 where period = date '2026-04-01'`);
    expect(await nightlyChecks(wh, '2026-04')).toEqual({ months: '2026-04', failed: ['mart_revenue_reconciles'] });
    expect((await nightlyChecks(wh, '2026-04')).months).toBe('*');
  });

  it('take a restated month, a month a refresh rebuilt, and the months of a window the last checks did not cover', async () => {
    const wh = await analyticsWarehouse();
    cleanups.push(wh.cleanup);
    await wh.load('revenue', [revenue('2024-01', 'A', 1), revenue('2025-12', 'A', 2), revenue('2026-01', 'A', 3), revenue('2026-02', 'A', 4)].join(','));
    await wh.refresh();
    expect((await nightlyChecks(wh, '2026-02')).months).toBe('*');
    // a restatement of January marks the old rows and loads a new file for the month
    const file = await wh.load('revenue', revenue('2026-01', 'A', 5));
    await wh.warehouse.run(`update revenue set superseded_by = $file where period = date '2026-01-01' and file_id < $file`, { file });
    await wh.refresh();
    expect((await nightlyChecks(wh, '2026-02')).months).toBe('2026-01');
    // a refresh that rebuilt December (ingest reported it) though no file of December came
    await wh.refresh(['2025-12']);
    expect((await nightlyChecks(wh, '2026-02')).months).toBe('2025-12');
    // an earlier period's window reaches back to 2024-01, which the window 2024-02…2026-02 did not cover
    expect((await nightlyChecks(wh, '2026-01')).months).toBe('2024-01');
  });

  it('a whole rebuild of the marts (definitions or seeds changed) compares every month', async () => {
    const wh = await analyticsWarehouse();
    cleanups.push(wh.cleanup);
    await wh.load('revenue', revenue('2026-01', 'A', 1));
    await wh.refresh();
    await nightlyChecks(wh, '2026-01');
    await wh.warehouse.run(`delete from mart_refreshes`);
    expect((await wh.refresh()).mode).toBe('full');
    expect((await nightlyChecks(wh, '2026-01')).months).toBe('*');
  });
});
