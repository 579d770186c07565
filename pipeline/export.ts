import { renameSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import ExcelJS from 'exceljs';
import { CliError, ExitCode } from './errors.js';
import type { Column, Params, Row, Warehouse } from './warehouse/warehouse.js';
import type { Query } from './queries.js';
import { temporaryBeside } from './write-atomic.js';

/** The formats `taxbrief query` writes: text ones to stdout or a file, binary ones to a file. */
export const exportFormats = ['table', 'csv', 'json', 'arrow', 'parquet', 'xlsx'] as const;
/** One of `exportFormats`. */
export type ExportFormat = (typeof exportFormats)[number];
/** Formats that need --out (bytes, not text). */
export const binaryFormats: readonly ExportFormat[] = ['arrow', 'parquet', 'xlsx'];

/** A query result with its column types. */
export interface TypedResult { columns: Column[]; rows: Row[] }

// A text cell that Excel or LibreOffice would run as a formula (= + - @, also after a tab or CR).
const formulaLike = (s: string) => /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(s);

/** Rows as an aligned text table, CSV (formula-like cells prefixed with ') or JSON. */
export function formatRows(rows: Row[], as: 'table' | 'csv' | 'json', columns: string[] = Object.keys(rows[0] ?? {})): string {
  if (as === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  if (as === 'csv') {
    const quote = (v: unknown) => {
      let s = cell(v);
      if (formulaLike(s)) s = `'${s}`;
      return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [columns.map(quote).join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n') + '\n';
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}

/** Arrow IPC (file format) built from the result columns: DECIMAL stays exact (Decimal128), integers, doubles, booleans, dates and text keep their types. */
export function toArrow(result: TypedResult): Uint8Array {
  const vectors: Record<string, arrow.Vector> = {};
  for (const { name, type } of result.columns) vectors[name] = arrowVector(result.rows.map((r) => r[name] ?? null), type);
  return arrow.tableToIPC(new arrow.Table(vectors), 'file');
}

function arrowVector(values: (string | number | boolean | null)[], type: string): arrow.Vector {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return decimalVector(values, Number(decimal[1]), Number(decimal[2]));
  switch (type) {
    case 'BOOLEAN': return arrow.vectorFromArray(values, new arrow.Bool());
    case 'TINYINT': case 'SMALLINT': case 'INTEGER': return arrow.vectorFromArray(values.map(numberOrNull), new arrow.Int32());
    case 'BIGINT': case 'HUGEINT': return arrow.vectorFromArray(values.map((v) => (v === null ? null : BigInt(String(v)))), new arrow.Int64());
    case 'FLOAT': case 'DOUBLE': return arrow.vectorFromArray(values.map(numberOrNull), new arrow.Float64());
    case 'DATE': return arrow.vectorFromArray(values.map((v) => (v === null ? null : new Date(`${v}T00:00:00Z`))), new arrow.DateDay());
    default: return arrow.vectorFromArray(values.map((v) => (v === null ? null : String(v))), new arrow.Utf8());
  }
}

function numberOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

// Decimal128: each value is its unscaled integer, 128-bit two's complement, little-endian.
function decimalVector(values: (string | number | boolean | null)[], precision: number, scale: number): arrow.Vector {
  const n = values.length;
  const words = new BigUint64Array(n * 2);
  const valid = new Uint8Array(Math.ceil(n / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) { nullCount++; return; }
    valid[i >> 3]! |= 1 << (i & 7);
    const [whole = '0', frac = ''] = String(v).replace('-', '').split('.');
    const unscaled = BigInt(whole + frac.padEnd(scale, '0').slice(0, scale)) * (String(v).startsWith('-') ? -1n : 1n);
    words[2 * i] = BigInt.asUintN(64, unscaled);
    words[2 * i + 1] = BigInt.asUintN(64, unscaled >> 64n);
  });
  const data = arrow.makeData({
    type: new arrow.Decimal(scale, precision, 128), length: n, nullCount,
    nullBitmap: nullCount > 0 ? valid : undefined, data: new Uint32Array(words.buffer),
  });
  return arrow.makeVector(data);
}

/** An Excel workbook with one sheet: numbers as numbers (Excel keeps 15 significant digits), text always as text, never as a formula. */
export async function toXlsx(result: TypedResult, sheetName: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  sheet.addRow(result.columns.map((c) => c.name));
  const numeric = result.columns.map((c) => /^(DECIMAL|DOUBLE|FLOAT|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT)/.test(c.type));
  for (const r of result.rows) {
    sheet.addRow(result.columns.map((c, i) => {
      const v = r[c.name];
      if (v === null || v === undefined) return null;
      if (numeric[i]) return Number(v);
      return typeof v === 'boolean' ? v : String(v);
    }));
  }
  result.columns.forEach((c, i) => {
    const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(c.type)?.[1];
    if (scale) sheet.getColumn(i + 1).numFmt = Number(scale) > 0 ? `0.${'0'.repeat(Number(scale))}` : '0';
  });
  // Strings go in as shared-string cells, which Excel shows as text and never evaluates, "=…" included.
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Runs `query` with bound parameters and writes it to `out` as Parquet through DuckDB's COPY. */
export async function writeParquet(warehouse: Warehouse, query: Query, params: Params, out: string): Promise<void> {
  const sql = query.sql.replace(/;\s*$/, '');
  const tmp = temporaryBeside(out);
  try {
    await warehouse.run(`copy (\n${sql}\n) to $__out (format parquet, compression zstd)`, { ...params, __out: tmp });
  } catch (error) {
    throw new CliError(`Query ${query.id} could not be written to ${out}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, ExitCode.failure, { cause: error });
  }
  renameSync(tmp, out);
}

