import { readFileSync } from 'node:fs';
import path from 'node:path';
import { memoryLogger } from '../../pipeline/log.js';
import { refreshMartsFor } from '../../pipeline/marts.js';
import { readQueries, runQuery } from '../../pipeline/queries.js';
import { loadSeeds } from '../../pipeline/seeds.js';
import type { Params, Row, Warehouse } from '../../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../../pipeline/workspace.js';
import { freshWarehouse } from './workspace.js';

/** The clock the analytics tests pin. */
export const now = new Date('2026-11-26T08:00:00Z');

/** A fresh warehouse with the schema and the seeds, and helpers to load facts and run queries. */
export async function analyticsWarehouse() {
  const wh = await freshWarehouse(now);
  await loadSeeds(wh.warehouse, projectPaths().seeds, { logger: memoryLogger(), now });
  const queries = readQueries(projectPaths().queries);
  const checks = readQueries(path.join(projectPaths().queries, 'checks'));
  let fileId = 0;
  return {
    ...wh,
    queries,
    checks,
    /** Loads fact rows straight into the fact tables under a new file of the ledger (as ingest would). */
    async load(dataset: 'revenue' | 'relief', values: string): Promise<number> {
      fileId += 1;
      await wh.warehouse.run(`insert into files (file_id, name, sha256, feed, dataset, period, rows, status, loaded_at) values ($id, $name, 'sha', $feed, $dataset, null, 0, 'loaded', $at::timestamp)`, {
        id: fileId, name: `${dataset}-${fileId}.csv`, feed: `test-${dataset}`, dataset, at: now.toISOString(),
      });
      const columns = dataset === 'revenue'
        ? '(period, taxpayer_id, region_code, industry_code, size_code, tax_code, amount, file_id)'
        : '(period, taxpayer_id, region_code, industry_code, size_code, policy_code, tax_code, amount, file_id)';
      await wh.warehouse.run(`insert into ${dataset} ${columns} select *, ${fileId} from (values ${values})`);
      return fileId;
    },
    /** After rows were written straight into mart_revenue: derive the city mart with its own definition (queries/marts/011). */
    async rollUpCity(): Promise<void> {
      await wh.warehouse.run('delete from mart_revenue_city');
      await wh.warehouse.run('create or replace temp table _mart_periods as select distinct period from mart_revenue');
      await wh.warehouse.run(readFileSync(path.join(projectPaths().queries, 'marts', '011_mart_revenue_city.sql'), 'utf8'));
      await wh.warehouse.run('drop table _mart_periods');
    },
    refresh: (changed: string[] = []) => refreshMartsFor({ warehouse: wh.warehouse, dir: path.join(projectPaths().queries, 'marts'), now }, changed),
    query: (id: string, params: Params): Promise<Row[]> => runQuery(wh.warehouse, queries.get(id)!, params),
    check: (id: string, params: Params): Promise<Row[]> => runQuery(wh.warehouse, checks.get(id)!, params),
  };
}

/** The warehouse the analytics helpers give. */
export type AnalyticsWarehouse = Awaited<ReturnType<typeof analyticsWarehouse>>;

/** Reads a Row's numeric cell (DECIMAL arrives as an exact string). */
export const num = (row: Row | undefined, column: string): number => Number(row?.[column]);

/** Runs a SQL statement against the warehouse (for tests that load real data with read_csv). */
export const sql = (warehouse: Warehouse, text: string, params?: Params) => warehouse.all(text, params);

/**
 * A workspace folder whose warehouse holds three 广州 VAT payers (A, B, C) for 2025-01 and 2026-01,
 * marts built; `prepare` may change the warehouse before the marts are built (e.g. a hostile name).
 */
export async function threePayersWorkspace(prepare?: (wh: AnalyticsWarehouse) => Promise<void>): Promise<string> {
  const wh = await analyticsWarehouse();
  const rows = ['2025-01-01', '2026-01-01'].flatMap((p, y) => [['A', 100], ['B', 50], ['C', 25]].map(([tp, a]) =>
    `(date '${p}', '${tp}', '440103', 'C', 'S', '10101', ${Number(a) * (1 + y)}.25)`));
  await wh.load('revenue', rows.join(','));
  await prepare?.(wh);
  await wh.refresh();
  wh.warehouse.close();
  return wh.dir;
}
