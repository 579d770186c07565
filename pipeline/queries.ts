import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';
import type { Column, Params, Row, Warehouse } from './warehouse/warehouse.js';

/** A query file: queries/<id>.sql, its one-line description and the `$named` parameters it takes. */
export interface Query {
  id: string;
  file: string;
  sql: string;
  description: string;
  params: string[];
  /** What each parameter means and its default, from `-- @param name text (default: value)` header lines. */
  paramDocs: ParamDoc[];
  /** The marts and feed tables the query reads (`mart_*`, `budget_targets`): what a failing check holds. */
  reads: string[];
  /** The data areas a check covers, from its `-- covers: a, b` header line (empty for other queries). */
  covers: string[];
}

/** One `$named` parameter: its name, what it means, and its default (a parameter without one is required). */
export interface ParamDoc { name: string; description: string; optional: boolean; default: string | null }

/** Reads every `*.sql` directly in `dir` (one query a file; the file name is the query id). */
export function readQueries(dir: string): Map<string, Query> {
  const queries = new Map<string, Query>();
  const macros = macroReads(path.join(dir, 'migrations'));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const file = path.join(dir, f);
    const sql = readFileSync(file, 'utf8');
    const params = parameters(sql);
    queries.set(f.slice(0, -4), {
      id: f.slice(0, -4), file, sql, description: describe(sql), params, paramDocs: paramDocs(sql, params), reads: reads(sql, macros), covers: covers(sql),
    });
  }
  return queries;
}

// The first comment line says what the query returns.
function describe(sql: string): string {
  return /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
}

// `-- @param name what it means (default: value)`; `(default: null)` binds SQL null.
function paramDocs(sql: string, params: string[]): ParamDoc[] {
  const docs = new Map<string, ParamDoc>();
  for (const m of sql.matchAll(/^--\s*@param\s+([a-z_][a-z0-9_]*)\s+(.*)$/gim)) {
    const text = m[2]!.trim();
    const d = /\(default:\s*([^)]*)\)\s*$/.exec(text);
    const value = d?.[1]?.trim();
    docs.set(m[1]!, { name: m[1]!, description: text, optional: d !== null, default: value === undefined || value === 'null' ? null : value });
  }
  // in the order the header documents them, then any undocumented ones
  return [...[...docs.keys()].filter((p) => params.includes(p)), ...params.filter((p) => !docs.has(p))]
    .map((p) => docs.get(p) ?? { name: p, description: '', optional: false, default: null });
}

function reads(sql: string, macros = new Map<string, string[]>()): string[] {
  const code = sql.replace(/--.*$/gm, '');
  const tables = [...code.matchAll(/\b(mart_[a-z0-9_]+|budget_targets)\b/g)].map((m) => m[1]!);
  // a table macro of the migrations (e.g. revenue_parts_source) reads for the query that calls it
  for (const [name, read] of macros) if (new RegExp(`\\b${name}\\s*\\(`).test(code)) tables.push(...read);
  return [...new Set(tables)].sort();
}

/** The tables each table macro of the migrations reads (`create or replace macro name(…) as table …;`). */
function macroReads(dir: string): Map<string, string[]> {
  const macros = new Map<string, string[]>();
  if (!existsSync(dir)) return macros;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
    const sql = readFileSync(path.join(dir, f), 'utf8').replace(/--.*$/gm, '');
    for (const m of sql.matchAll(/create\s+or\s+replace\s+macro\s+([a-z_][a-z0-9_]*)\s*\([^)]*\)\s+as\s+table\b([^;]*);/gi)) {
      macros.set(m[1]!, reads(m[2]!));
    }
  }
  return macros;
}

function covers(sql: string): string[] {
  const line = /^--\s*covers:\s*(.+)$/m.exec(sql)?.[1] ?? '';
  return line.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function parameters(sql: string): string[] {
  const withoutComments = sql.replace(/--.*$/gm, '').replace(/'(?:[^']|'')*'/g, "''");
  return [...new Set([...withoutComments.matchAll(/\$([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!))];
}

/** The values a query binds: the given ones, its defaults for the rest; a missing required parameter is a usage error. */
export function bindParams(query: Query, params: Params): Params {
  const missing = query.paramDocs.filter((p) => !p.optional && params[p.name] === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw new CliError(`Query ${query.id} needs parameter(s) ${missing.map((p) => `$${p}`).join(', ')}; pass them (e.g. --param ${missing[0]}=…).`, ExitCode.usage);
  }
  return Object.fromEntries(query.paramDocs.map((p) => [p.name, params[p.name] ?? p.default]));
}

/** Runs a query with its parameters bound by the driver (never spliced into the SQL). */
export async function runQuery(warehouse: Warehouse, query: Query, params: Params): Promise<Row[]> {
  return (await runQueryTyped(warehouse, query, params)).rows;
}

/** Runs a query as `runQuery` does; `memoQueries` gives one that answers a repeated query and parameters from memory. */
export type QueryRunner = (query: Query, params: Params) => Promise<Row[]>;

/**
 * A runner for one render pass over data that does not change meanwhile (the workspace lock is held, the
 * marts are refreshed): the same query with the same bound parameters runs once. The city fan-out asks 21
 * times for the same province table by city, and the catalogue's briefs share their headline and breakdowns.
 * Each caller gets its own copy of the rows (charts may sort them).
 */
export function memoQueries(warehouse: Warehouse): QueryRunner {
  const results = new Map<string, Promise<Row[]>>();
  return async (query, params) => {
    const key = `${query.id}\0${JSON.stringify(bindParams(query, params))}`;
    let rows = results.get(key);
    if (!rows) {
      rows = runQuery(warehouse, query, params);
      results.set(key, rows);
      rows.catch(() => results.delete(key)); // a failure is not remembered: the next brief asks again
    }
    return (await rows).map((row) => ({ ...row }));
  };
}

/** Like `runQuery`, with each column's DuckDB type (for typed exports). */
export async function runQueryTyped(warehouse: Warehouse, query: Query, params: Params): Promise<{ columns: Column[]; rows: Row[] }> {
  const bound = bindParams(query, params);
  try {
    return await warehouse.allTyped(query.sql, bound);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new CliError(`Query ${query.id} failed: ${reason}`, ExitCode.failure, { cause: error });
  }
}
