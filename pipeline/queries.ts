import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';
import type { Params, Row, Warehouse } from './warehouse/warehouse.js';

/** A query file: queries/<id>.sql, its one-line description and the `$named` parameters it takes. */
export interface Query { id: string; file: string; sql: string; description: string; params: string[] }

/** Reads every `*.sql` directly in `dir` (one query a file; the file name is the query id). */
export function readQueries(dir: string): Map<string, Query> {
  const queries = new Map<string, Query>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const file = path.join(dir, f);
    const sql = readFileSync(file, 'utf8');
    queries.set(f.slice(0, -4), { id: f.slice(0, -4), file, sql, description: describe(sql), params: parameters(sql) });
  }
  return queries;
}

// The first comment line says what the query returns.
function describe(sql: string): string {
  return /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
}

function parameters(sql: string): string[] {
  const withoutComments = sql.replace(/--.*$/gm, '').replace(/'(?:[^']|'')*'/g, "''");
  return [...new Set([...withoutComments.matchAll(/\$([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!))];
}

/** Runs a query with its parameters bound by the driver (never spliced into the SQL). */
export async function runQuery(warehouse: Warehouse, query: Query, params: Params): Promise<Row[]> {
  const missing = query.params.filter((p) => params[p] === undefined);
  if (missing.length > 0) {
    throw new CliError(`Query ${query.id} needs parameter(s) ${missing.map((p) => `$${p}`).join(', ')}; pass them (e.g. --param ${missing[0]}=…).`, ExitCode.usage);
  }
  const bound = Object.fromEntries(query.params.map((p) => [p, params[p]!]));
  try {
    return await warehouse.all(query.sql, bound);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new CliError(`Query ${query.id} failed: ${reason}`, ExitCode.failure, { cause: error });
  }
}

/** Runs every `*.sql` in `dir` in name order as statements, e.g. the marts. */
export async function runScripts(warehouse: Warehouse, dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const q of readQueries(dir).values()) {
    await warehouse.run(q.sql);
    ids.push(q.id);
  }
  return ids;
}
