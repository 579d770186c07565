import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { datasets } from './datasets.js';

/**
 * How the text of a source column becomes a code: a literal map (source text → code, trimmed;
 * `null` maps to no code, for optional columns), or `"seed.column"`: the code of the seed row
 * whose `column` equals the text. A list is tried in order.
 */
export type CodeMap = Record<string, string | null> | string;

/** Units an amount may be given in; amounts are stored in 元. */
export const units = { '元': '1', '万元': '10000', '亿元': '100000000' } as const;

/** A feed definition (data/feeds/<name>.json): how one kind of external file maps onto a dataset. */
export interface Feed {
  name: string;
  description: string;
  dataset: string;
  /** A file-name pattern with `*` wildcards, e.g. `revenue_*.csv`. */
  files: string;
  format: 'csv' | 'parquet' | 'xlsx' | 'json';
  /** Text encoding of a CSV: `auto` tells UTF-8 (with or without BOM) from GBK/GB18030. */
  encoding: 'auto' | 'utf-8' | 'gbk' | 'gb18030';
  /** The worksheet of an .xlsx (default: the first). */
  sheet?: string;
  /** 1-based line (CSV) or row (xlsx) of the header, or `auto`: the first row naming the feed's columns. */
  header: number | 'auto';
  /** Canonical column → column in the file (a header name, or `#N` for the N-th column). */
  columns: Record<string, string>;
  /** Canonical column → a value every row gets (e.g. the region of a one-region workbook). */
  constants: Record<string, string>;
  /** Wide layout: these columns (a list, or a regular expression on header names) become rows. */
  unpivot?: { columns: string[] | string; name: string; value: string };
  /** Canonical column → how its source text becomes a code. */
  codes: Record<string, CodeMap[]>;
  /** Source column → regular expression: matching rows are not data (notes, sections, spending lines). */
  drop: Record<string, string>;
  /** The unit of amounts in the file. */
  unit: keyof typeof units;
  /** `plain`: amounts are plain decimals (fast path); `formatted`: 1,234.5 / （１２３） / － / — accepted. */
  numbers: 'plain' | 'formatted';
  /** For datasets with a basis column: what an amount covers, or `auto` (from how the period is written). */
  basis: 'auto' | 'year' | 'month' | 'ytd';
  /** Rows whose source `column` matches `match` are totals: checked against the sum of their parts, then dropped. */
  totals?: { column: string; match: string; tolerance: number };
  /** Item labels indented under a parent: a parent that differs from the sum of its items is a warning. */
  hierarchy?: { column: string; tolerance: number };
  /** Bounds on an amount in 元 (beyond them the row is an error); defaults come from the dataset. */
  bounds?: { min: number; max: number };
  /** The definition file, for error messages. */
  source: string;
}

const formats = ['csv', 'parquet', 'xlsx', 'json'];
const encodings = ['auto', 'utf-8', 'gbk', 'gb18030'];
const known = ['name', 'description', 'dataset', 'files', 'format', 'encoding', 'sheet', 'header', 'columns', 'constants', 'unpivot', 'codes', 'drop', 'unit', 'numbers', 'basis', 'totals', 'hierarchy', 'bounds', 'expect'];

/** Reads every feed definition in `dir`; a malformed one is reported with its file and field. */
export function readFeeds(dir: string): Feed[] {
  const feeds = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseFeed(path.join(dir, f)));
  const names = new Map<string, string>();
  for (const f of feeds) {
    const other = names.get(f.name);
    if (other) throw new CliError(`Feed definition ${f.source}: field "name" repeats "${f.name}" of ${other}; give each feed its own name.`);
    names.set(f.name, f.source);
  }
  return feeds;
}

/** Reads and checks one feed definition file. */
export function parseFeed(file: string): Feed {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Feed definition ${file} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(`Feed definition ${file} must be a JSON object.`);
  const fail = (field: string, expected: string): never => {
    throw new CliError(`Feed definition ${file}: field "${field}" must be ${expected}.`);
  };
  for (const k of Object.keys(raw)) if (!known.includes(k)) fail(k, `left out (unknown field; the fields are ${known.join(', ')})`);
  const text = (name: string, allowed?: readonly string[], fallback?: string): string => {
    const value = raw[name] ?? fallback;
    if (typeof value !== 'string' || value === '' || (allowed && !allowed.includes(value))) {
      fail(name, allowed ? `one of ${allowed.join(', ')}` : 'a non-empty string');
    }
    return value as string;
  };
  const record = (name: string): Record<string, unknown> => {
    const value = raw[name] ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object');
    return value as Record<string, unknown>;
  };
  const regex = (field: string, value: unknown): string => {
    if (typeof value !== 'string') return fail(field, 'a regular expression (a string)');
    try { new RegExp(value as string); } catch { fail(field, `a valid regular expression (${String(value)} is not)`); }
    return value as string;
  };

  const dataset = text('dataset', Object.keys(datasets));
  const columnNames = datasets[dataset]!.columns.map((c) => c.name);
  const canonical = (field: string, c: string) => {
    if (!columnNames.includes(c)) fail(field, `a column of ${dataset} (${columnNames.join(', ')}), not "${c}"`);
  };
  const strings = (name: string): Record<string, string> => {
    const r = record(name);
    for (const [k, v] of Object.entries(r)) {
      canonical(`${name}.${k}`, k);
      if (typeof v !== 'string' || v === '') fail(`${name}.${k}`, 'a non-empty string');
    }
    return r as Record<string, string>;
  };
  const columns = strings('columns');
  const constants = strings('constants');

  let unpivot: Feed['unpivot'];
  if (raw['unpivot'] !== undefined) {
    const u = record('unpivot');
    const cols = u['columns'];
    if (!(typeof cols === 'string' || (Array.isArray(cols) && cols.length > 0 && cols.every((c) => typeof c === 'string')))) {
      fail('unpivot.columns', 'a list of column names or a regular expression');
    }
    if (typeof cols === 'string') regex('unpivot.columns', cols);
    for (const k of ['name', 'value']) {
      if (typeof u[k] !== 'string') fail(`unpivot.${k}`, 'a column of the dataset');
      canonical(`unpivot.${k}`, u[k] as string);
    }
    unpivot = { columns: cols as string[] | string, name: u['name'] as string, value: u['value'] as string };
  }

  const codes: Record<string, CodeMap[]> = {};
  for (const [k, v] of Object.entries(record('codes'))) {
    canonical(`codes.${k}`, k);
    const list = Array.isArray(v) ? v : [v];
    for (const [i, m] of list.entries()) {
      const field = `codes.${k}${Array.isArray(v) ? `[${i}]` : ''}`;
      if (typeof m === 'string') {
        if (!/^[a-z_]+\.[a-z_]+$/.test(m)) fail(field, 'a map object or "seed.column" (e.g. "regions.name")');
      } else if (typeof m !== 'object' || m === null || Array.isArray(m) || !Object.values(m).every((c) => c === null || typeof c === 'string')) {
        fail(field, 'a map object of source text → code (string or null)');
      }
    }
    codes[k] = list as CodeMap[];
  }

  const drop = record('drop');
  for (const [k, v] of Object.entries(drop)) regex(`drop.${k}`, v);

  let header: Feed['header'] = 'auto';
  if (raw['header'] !== undefined) {
    const h = raw['header'];
    if (!(h === 'auto' || (Number.isInteger(h) && (h as number) >= 1))) fail('header', '"auto" or a line number from 1');
    header = h as Feed['header'];
  }
  const tolerance = (field: string, value: unknown): number => {
    if (value === undefined) return 0.01;
    if (typeof value !== 'number' || !(value >= 0)) fail(field, 'a number ≥ 0 (in the unit of the file)');
    return value as number;
  };
  let totals: Feed['totals'];
  if (raw['totals'] !== undefined) {
    const t = record('totals');
    if (typeof t['column'] !== 'string') fail('totals.column', 'the source column that marks a total row');
    totals = { column: t['column'] as string, match: regex('totals.match', t['match'] ?? '合计|总计'), tolerance: tolerance('totals.tolerance', t['tolerance']) };
  }
  let hierarchy: Feed['hierarchy'];
  if (raw['hierarchy'] !== undefined) {
    const h = record('hierarchy');
    if (typeof h['column'] !== 'string') fail('hierarchy.column', 'the source column of the indented item labels');
    hierarchy = { column: h['column'] as string, tolerance: tolerance('hierarchy.tolerance', h['tolerance']) };
  }
  let bounds: Feed['bounds'];
  if (raw['bounds'] !== undefined) {
    const b = record('bounds');
    if (typeof b['min'] !== 'number' || typeof b['max'] !== 'number' || b['min'] > b['max']) fail('bounds', '{ "min": number, "max": number } in 元 with min ≤ max');
    bounds = { min: b['min'] as number, max: b['max'] as number };
  }

  const feed: Feed = {
    name: text('name'),
    description: text('description'),
    dataset,
    files: text('files'),
    format: text('format', formats) as Feed['format'],
    encoding: text('encoding', encodings, 'auto') as Feed['encoding'],
    sheet: raw['sheet'] === undefined ? undefined : text('sheet'),
    header,
    columns,
    constants,
    unpivot,
    codes,
    drop: drop as Record<string, string>,
    unit: text('unit', Object.keys(units), '元') as Feed['unit'],
    numbers: text('numbers', ['plain', 'formatted'], 'formatted') as Feed['numbers'],
    basis: text('basis', ['auto', 'year', 'month', 'ytd'], 'auto') as Feed['basis'],
    totals,
    hierarchy,
    bounds,
    source: file,
  };
  if (!/^[a-z0-9][a-z0-9-]*$/.test(feed.name)) fail('name', 'lowercase letters, digits and - (it names the feed in the ledger)');
  for (const c of Object.keys(constants)) if (c in (raw['columns'] as object ?? {})) fail(`constants.${c}`, 'left out: the column is also mapped in "columns"');
  return feed;
}

/** The feed whose file pattern matches `fileName`, if any. */
export function feedFor(feeds: Feed[], fileName: string): Feed | undefined {
  return feeds.find((f) => globToRegExp(f.files).test(fileName));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}
