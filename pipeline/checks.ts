import { readQueries, runQuery } from './queries.js';
import type { Row, Warehouse } from './warehouse/warehouse.js';

/** The outcome of one check: it holds when it returns no rows; the rows are the offenders. */
export interface CheckResult { id: string; description: string; holds: boolean; rows: Row[] }

/** Runs every check in `dir` (queries/checks/*.sql). A check returns the rows that break it. */
export async function runChecks(warehouse: Warehouse, dir: string, params: { period: string }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of readQueries(dir).values()) {
    const rows = await runQuery(warehouse, check, params);
    results.push({ id: check.id, description: check.description, holds: rows.length === 0, rows: rows.slice(0, 20) });
  }
  return results;
}
