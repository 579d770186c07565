import { readQueries, runQuery, type Query } from './queries.js';
import type { ReportDefinition } from './reports.js';
import type { Row, Warehouse } from './warehouse/warehouse.js';

/** The outcome of one check: it holds when it returns no rows; the rows are the offenders. */
export interface CheckResult {
  id: string;
  description: string;
  holds: boolean;
  rows: Row[];
  /** The tables whose figures it vouches for (`-- covers: a, b`); `*` (or no line) means every table. */
  covers: string[];
}

/**
 * Runs every check in `dir` (queries/checks/*.sql), or with `covering` only those that vouch for one of
 * those tables (a brief's reads). A check returns the rows that break it.
 */
export async function runChecks(warehouse: Warehouse, dir: string, params: { period: string; months?: string }, covering?: string[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of readQueries(dir).values()) {
    const covers = check.covers.length > 0 ? check.covers : ['*'];
    if (covering && !covers.some((t) => t === '*' || covering.includes(t))) continue;
    const rows = await runQuery(warehouse, check, params);
    results.push({ id: check.id, description: check.description, holds: rows.length === 0, rows: rows.slice(0, 20), covers });
  }
  return results;
}

/** The tables a brief's figures come from: what its queries read (`mart_*`, `budget_targets`). */
export function briefReads(report: ReportDefinition, queries: Map<string, Query>): string[] {
  const tables = new Set<string>();
  for (const spec of Object.values(report.queries)) for (const t of queries.get(spec.query)?.reads ?? []) tables.add(t);
  return [...tables].sort();
}

/** The failed checks that cover data the brief reads: any one of them holds the brief. */
export function checksHolding(report: ReportDefinition, queries: Map<string, Query>, checks: CheckResult[]): CheckResult[] {
  const reads = new Set(briefReads(report, queries));
  return checks.filter((c) => !c.holds && c.covers.some((t) => t === '*' || reads.has(t)));
}
