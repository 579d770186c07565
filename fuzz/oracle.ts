import { columnsOf, datasetOf, monthOf, recordsOf, type FuzzCase } from './cases.js';

/**
 * What a case must lead to, worked out from the model alone (never from the pipeline's code):
 * `load` the rows as generated, `refuse` with a located error, or `either` (then a load must still
 * hold exactly the rows the file's bytes say, read by this module's own decoder and CSV parser).
 */
export interface Expectation {
  outcome: 'load' | 'refuse' | 'either';
  /** For a refusal caused by one row: the row (CSV record or sheet row, header = 1) and column to report. */
  at?: { row: number; column?: string; alsoRow?: number };
}

/** A loaded row as the warehouse gives it back, every value as text (null when absent). */
export type Canonical = Record<string, string | null>;

const hasNonAscii = (c: FuzzCase) => recordsOf(c).some((r) => Object.values(r).some((v) => typeof v === 'string' && /[^\x00-\x7f]/.test(v)));

/** The expected outcome of a case. */
export function expectationOf(c: FuzzCase): Expectation {
  const m = c.mutation;
  // A file whose text is not in the feed's declared encoding: refusing it is right; loading it must still be exact.
  const declared = c.feed === 'revenue-csv' ? ['utf-8', 'utf-8-bom'] : c.feed === 'taxpayers-gbk' ? ['gbk', 'gb18030'] : ['utf-8', 'utf-8-bom', 'gbk', 'gb18030'];
  const mismatch = c.feed !== 'revenue-xlsx' && !declared.includes(c.encoding) && hasNonAscii(c);
  // A field of more than 2 MB may exceed what a CSV reader accepts on one line: refusing is acceptable.
  const huge = recordsOf(c).some((r) => Object.values(r).some((v) => typeof v === 'string' && v.length > 1_000_000));
  const either = mismatch || huge;
  switch (m.kind) {
    case 'none': return { outcome: either ? 'either' : 'load' };
    case 'truncate': case 'mixed-encoding': return { outcome: 'either' };
    case 'wrong-type': return either ? { outcome: 'either' } : { outcome: 'refuse', at: { row: m.row + 2, column: m.column } };
    // a short row's missing trailing fields are empty (real exports end rows early): fine when they are optional
    case 'missing-field': return either ? { outcome: 'either' } : datasetOf(c.feed) === 'taxpayers' ? { outcome: 'load' } : { outcome: 'refuse', at: { row: m.row + 2 } };
    case 'extra-field': case 'unterminated-quote': return either ? { outcome: 'either' } : { outcome: 'refuse', at: { row: m.row + 2 } };
    case 'duplicate-key': return either ? { outcome: 'either' } : { outcome: 'refuse', at: { row: c.rows.length + 2, alsoRow: m.row + 2 } };
    case 'nul': case 'header-only': case 'missing-column': return { outcome: 'refuse' };
  }
}

/** The rows a correct load holds, from the model: codes as written, periods as first days, amounts to the 分. */
export function expectedRows(c: FuzzCase): Canonical[] {
  return recordsOf(c).map((r) => canonical(c, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellText(v)]))));
}

function cellText(v: string | number | boolean | Date): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v);
}

/** A row of text cells as the warehouse must hold it (throws when a cell cannot be a value). */
export function canonical(c: FuzzCase, cells: Record<string, string | undefined>): Canonical {
  const out: Canonical = {};
  for (const col of columnsOf[datasetOf(c.feed)]) {
    const text = cells[col] ?? '';
    switch (col) {
      case 'period': out[col] = periodValue(text); break;
      case 'amount': out[col] = amountValue(text); break;
      case 'registered_on': out[col] = text === '' ? null : dateValue(text); break;
      default: out[col] = text === '' ? null : text;
    }
  }
  return out;
}

class NotAValue extends Error {}

// The period forms the model writes, and what truncating them leaves (a 5-digit number is an Excel serial day).
function periodValue(text: string): string {
  let m = /^(\d{4})-(\d{1,2})$/.exec(text) ?? /^(\d{4})(\d{2})$/.exec(text) ?? /^(\d{4})年(\d{1,2})月$/.exec(text);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${m[1]}-${String(Number(m[2])).padStart(2, '0')}-01`;
  m = /^(\d{4})-(\d{2})-(\d{1,2})$/.exec(text);
  if (m && Number(m[3]) >= 1 && Number(m[3]) <= 31) return `${monthOf(text)}-01`;
  if (/^\d{5}$/.test(text)) {
    const day = new Date(Date.UTC(1899, 11, 30) + Number(text) * 86_400_000);
    return `${day.toISOString().slice(0, 7)}-01`;
  }
  throw new NotAValue(`period ${text}`);
}

function amountValue(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(text);
  if (!m || !/\d/.test(m[2]!)) throw new NotAValue(`amount ${text}`);
  const whole = m[2]!.replace(/^0+(?=\d)/, '');
  const value = `${whole}.${(m[3] ?? '').padEnd(2, '0')}`;
  return `${m[1] && /[1-9]/.test(value) ? '-' : ''}${value}`;
}

function dateValue(text: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!m) throw new NotAValue(`date ${text}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1) throw new NotAValue(`date ${text}`);
  return d.toISOString().slice(0, 10);
}

/** A canonical row as one comparable line. */
export const rowKey = (r: Canonical) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]));

/**
 * The rows the bytes of a CSV hold, read independently: the case's own encoding (WHATWG TextDecoder,
 * not the pipeline's iconv-lite), a plain RFC 4180 parser, the header's columns. A record whose
 * cells cannot be values, or text with an undecodable byte, yields `undefined`: such a file must be refused.
 */
export function rowsOfBytes(c: FuzzCase, bytes: Buffer): Canonical[] | undefined {
  const label = c.encoding === 'utf-8-bom' ? 'utf-8' : c.encoding;
  const text = new TextDecoder(label).decode(bytes).replace(/^\uFEFF/, '');
  if (text.includes('\uFFFD') || text.includes('\0')) return undefined;
  const records = parseCsv(text);
  if (!records) return undefined;
  const [header, ...data] = records;
  const rows: Canonical[] = [];
  for (const fields of data) {
    if (fields.length === 1 && fields[0] === '') continue; // a blank line
    if (fields.length > header!.length) return undefined; // a short row's missing trailing fields are empty
    try {
      rows.push(canonical(c, Object.fromEntries(header!.map((h, i) => [h, fields[i]]))));
    } catch (error) {
      if (error instanceof NotAValue) return undefined;
      throw error;
    }
  }
  return rows;
}

function parseCsv(text: string): string[][] | undefined {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => { fields.push(field); records.push(fields); fields = []; field = ''; };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { fields.push(field); field = ''; i++; continue; }
    if (ch === '\r' || ch === '\n') { endRecord(); i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1; continue; }
    field += ch; i++;
  }
  if (quoted) return undefined;
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
