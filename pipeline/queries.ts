import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';
import type { ReportDefinition } from './reports.js';
import type { Column, Params, Row, Warehouse } from './warehouse/warehouse.js';

/** A query file: queries/<id>.sql, its one-line description and the `$named` parameters it takes. */
export interface Query {
  id: string;
  file: string;
  sql: string;
  description: string;
  /** The Chinese one-line description, from the `-- zh: …` header line (the appendix of Chinese editions); '' without one. */
  descriptionZh: string;
  params: string[];
  /** What each parameter means and its default, from `-- @param name text (default: value)` header lines. */
  paramDocs: ParamDoc[];
  /** The marts and feed tables the query reads (`mart_*`, `budget_targets`): what a failing check holds. */
  reads: string[];
  /** The data areas a check covers, from its `-- covers: a, b` header line (empty for other queries). */
  covers: string[];
  /**
   * A parameter that only narrows the answer to some rows (`-- @row-filter part code`: with $part set, the rows of the
   * query without it whose `code` equals $part, nothing else changed): a render pass then runs the query once, unnarrowed.
   */
  rowFilter?: { param: string; column: string };
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
      id: f.slice(0, -4), file, sql, description: describe(sql), descriptionZh: describeZh(sql), params, paramDocs: paramDocs(sql, params), reads: reads(sql, macros), covers: covers(sql), ...rowFilter(sql, params),
    });
  }
  return queries;
}

// The first comment line says what the query returns.
function describe(sql: string): string {
  return /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
}

// `-- zh: …`: the same in Chinese, for the appendix of a Chinese edition.
function describeZh(sql: string): string {
  return /^--\s*zh:\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
}

/** What a query returns, in the edition's language (a Chinese edition falls back to English only for a query without a `-- zh:` line). */
export function describeIn(query: Query, lang: 'zh' | 'en'): string {
  return lang === 'zh' && query.descriptionZh !== '' ? query.descriptionZh : query.description;
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
  for (const [name, statement] of readMacros(dir)) {
    const body = /\)\s+as\s+table\b([^;]*);$/i.exec(statement)?.[1];
    if (body !== undefined) macros.set(name, reads(body));
  }
  return macros;
}

/**
 * Every macro the migrations in `dir` define, by name: its `create or replace macro …;` statement without comments
 * (a later migration's definition replaces an earlier one, as when they are applied in order).
 */
export function readMacros(dir: string): Map<string, string> {
  const macros = new Map<string, string>();
  if (!existsSync(dir)) return macros;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(path.join(dir, f), 'utf8').replace(/--.*$/gm, '');
    for (const m of sql.matchAll(/create\s+or\s+replace\s+macro\s+([a-z_][a-z0-9_]*)\s*\([^)]*\)\s+as\b[^;]*;/gi)) macros.set(m[1]!, m[0]);
  }
  return macros;
}

/** The names of the macros `sql` calls, directly or through the macros it calls, sorted. */
export function macrosCalled(sql: string, macros: Map<string, string>): string[] {
  const called = new Set<string>();
  const visit = (code: string) => {
    const text = code.replace(/--.*$/gm, '');
    for (const [name, statement] of macros) {
      if (called.has(name) || !new RegExp(`\\b${name}\\s*\\(`).test(text)) continue;
      called.add(name);
      visit(statement.replace(/^create\s+or\s+replace\s+macro\s+[a-z0-9_]+/i, ''));
    }
  };
  visit(sql);
  return [...called].sort();
}

/** The ids of the queries a brief reads, plus brief_inputs and input_files (its appendix and manifest), sorted. */
export function briefQueryIds(report: Pick<ReportDefinition, 'queries'>): string[] {
  return [...new Set([...Object.values(report.queries).map((q) => q.query), 'brief_inputs', 'input_files'])].sort();
}

/**
 * The SHA-256 of the SQL behind a brief's figures: its query files (briefQueryIds) and the statements of the migration
 * macros they call (e.g. revenue_parts_source of 060_breakdown_macros.sql), so changing such a macro changes the key.
 */
export function queriesFingerprint(queriesDir: string, report: Pick<ReportDefinition, 'queries'>): string {
  const texts = briefQueryIds(report).map((id) => path.join(queriesDir, `${id}.sql`)).map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : `missing ${f}`));
  const macros = readMacros(path.join(queriesDir, 'migrations'));
  const h = createHash('sha256');
  for (const part of [...texts, ...macrosCalled(texts.join('\n'), macros).map((name) => macros.get(name)!)]) h.update(part).update('\0');
  return h.digest('hex');
}

function rowFilter(sql: string, params: string[]): Pick<Query, 'rowFilter'> {
  const m = /^--\s*@row-filter\s+([a-z_][a-z0-9_]*)\s+([a-z_][a-z0-9_]*)\s*$/im.exec(sql);
  return m && params.includes(m[1]!) ? { rowFilter: { param: m[1]!, column: m[2]! } } : {};
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
  const memo = (query: Query, bound: Params): Promise<Row[]> => {
    const key = `${query.id}\0${JSON.stringify(bound)}`;
    let rows = results.get(key);
    if (!rows) {
      rows = runQuery(warehouse, query, bound);
      results.set(key, rows);
      rows.catch(() => results.delete(key)); // a failure is not remembered: the next brief asks again
    }
    return rows;
  };
  return async (query, params) => {
    const bound = bindParams(query, params);
    const filter = query.rowFilter;
    const value = filter ? bound[filter.param] : null;
    // one city's row of the table by city: the rows of the table every city edition asks for, run once
    if (filter && value !== null && value !== undefined) {
      const rows = await memo(query, { ...bound, [filter.param]: null });
      return rows.filter((row) => row[filter.column] !== null && String(row[filter.column]) === String(value)).map((row) => ({ ...row }));
    }
    return (await memo(query, bound)).map((row) => ({ ...row }));
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
