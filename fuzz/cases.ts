import ExcelJS from 'exceljs';
import fc from 'fast-check';
import iconv from 'iconv-lite';

/**
 * The fuzz model: a case is a set of rows a feed should hold, the way they are written to a file
 * (encoding, line endings, quoting, cell types) and at most one mutation that breaks the file.
 * The file's bytes are a pure function of the case, so a seed reproduces it exactly.
 */

/** The feeds the fuzzer writes files for (the real demo feeds, and their auto-encoding / xlsx twins). */
export type FeedKind = 'revenue-csv' | 'taxpayers-gbk' | 'taxpayers-auto' | 'revenue-xlsx';
/** How a CSV's text is encoded. */
export type Encoding = 'utf-8' | 'utf-8-bom' | 'gbk' | 'gb18030';
/** The line ending between records (`mixed`: LF and CRLF alternating). */
export type Eol = 'lf' | 'crlf' | 'cr' | 'mixed';

/** What breaks a file (or `none`): the oracle knows what each one must lead to. */
export type Mutation =
  | { kind: 'none' }
  | { kind: 'wrong-type'; row: number; column: string; value: string | boolean | Date }
  | { kind: 'truncate'; at: number }
  | { kind: 'nul'; at: number }
  | { kind: 'mixed-encoding'; row: number }
  | { kind: 'extra-field'; row: number }
  | { kind: 'missing-field'; row: number }
  | { kind: 'unterminated-quote'; row: number }
  | { kind: 'duplicate-key'; row: number }
  | { kind: 'header-only' }
  | { kind: 'missing-column'; column: string };

/** One generated input: the rows meant, and how they are written. */
export interface FuzzCase {
  feed: FeedKind;
  encoding: Encoding;
  eol: Eol;
  /** Each row's cells by canonical column; xlsx cells may be numbers or dates. */
  rows: Record<string, string | number | Date>[];
  mutation: Mutation;
}

/** The codes the seeds hold, so that generated rows are valid unless a mutation says otherwise. */
export interface Codes { regions: string[]; industries: string[]; sizes: string[]; taxes: string[] }

/** The columns of each dataset, in file order. */
export const columnsOf = {
  revenue: ['period', 'taxpayer_id', 'region_code', 'industry_code', 'size_code', 'tax_code', 'amount'],
  taxpayers: ['taxpayer_id', 'name', 'region_code', 'industry_code', 'size_code', 'registered_on', 'status'],
} as const;

/** The dataset a feed kind loads into. */
export const datasetOf = (feed: FeedKind): 'revenue' | 'taxpayers' => (feed.startsWith('revenue') ? 'revenue' : 'taxpayers');

// Pieces of names: Chinese text a registry holds, CSV-hostile characters, markup and formula prefixes.
const chinese = '广州深圳佛山东莞珠海汕头湛江茂名有限公司科技贸易实业集团股份发展建设工程服务中心个体户张王李赵刘陈杨黄吴周'.split('');
const hostile = [',', '"', '""', '\n', '\r\n', '\t', ' ', "'", ';', '\\', '，', '　', '（', '）', '—', '·'];
const markup = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', '&amp;', '{{x}}', '</td>'];
const formula = ['=', '+', '-', '@', '=HYPERLINK("http://x","y")', '=1+2', '+86', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
const wide = ['😀', '𠀀', '𪚥', '\u00e9', '\u2028'];

const piece = (gbkOnly: boolean) => fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...chinese) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom(...hostile) },
  { weight: 1, arbitrary: fc.constantFrom(...markup) },
  { weight: 1, arbitrary: fc.constantFrom(...formula) },
  ...(gbkOnly ? [] : [{ weight: 1, arbitrary: fc.constantFrom(...wide) }]),
);

// A name never starts or ends with white space (the loader trims it; the model keeps it out instead).
const nameOf = (gbkOnly: boolean) => fc.oneof(
  { weight: 12, arbitrary: fc.array(piece(gbkOnly), { minLength: 1, maxLength: 12 }).map((p) => `名${p.join('')}司`) },
  { weight: 1, arbitrary: fc.integer({ min: 16, max: 2600 }).map((kb) => `巨${'长名称,"x"\n'.repeat(Math.ceil((kb * 1024) / 16))}尾`) },
  { weight: 1, arbitrary: fc.constant('') },
);

const taxpayerId = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^9144[0-9A-HJ-NPQRTUWXY]{14}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^TP[0-9]{1,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('=1+2', '+8613800000000', '-1', '@A1', '=cmd|\'/c calc\'!A0') },
);

const month = fc.record({ year: fc.integer({ min: 2023, max: 2026 }), month: fc.integer({ min: 1, max: 12 }) })
  .filter((p) => p.year < 2026 || p.month <= 10);
const pad = (n: number) => String(n).padStart(2, '0');

// How a month is written: the forms the revenue feed accepts.
const periodText = month.chain((p) => fc.constantFrom(`${p.year}-${pad(p.month)}`, `${p.year}${pad(p.month)}`, `${p.year}年${p.month}月`, `${p.year}-${pad(p.month)}-15`));

// An amount in 分 within the dataset's bounds (±10^11 元), written with two, one or no decimals.
const amountText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100_000_000, max: 100_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1e13, max: 1e13 }) },
).chain((cents) => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = String(Math.trunc(abs / 100));
  const frac = pad(abs % 100);
  return fc.constantFrom(`${sign}${whole}.${frac}`, ...(frac.endsWith('0') ? [`${sign}${whole}.${frac[0]}`] : []), ...(frac === '00' ? [`${sign}${whole}`] : []));
});

const dateText = fc.oneof(
  fc.date({ min: new Date('1980-01-01T00:00:00Z'), max: new Date('2026-10-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constant(''),
);

/** A revenue row: the key columns vary, the codes come from the seeds. */
function revenueRow(codes: Codes) {
  return fc.record({
    period: periodText,
    taxpayer_id: taxpayerId,
    region_code: fc.constantFrom(...codes.regions),
    industry_code: fc.constantFrom(...codes.industries),
    size_code: fc.constantFrom(...codes.sizes),
    tax_code: fc.constantFrom(...codes.taxes),
    amount: amountText,
  });
}

function taxpayerRow(codes: Codes, gbkOnly: boolean) {
  return fc.record({
    taxpayer_id: taxpayerId,
    name: nameOf(gbkOnly),
    region_code: fc.constantFrom(...codes.regions),
    industry_code: fc.constantFrom(...codes.industries),
    size_code: fc.constantFrom(...codes.sizes),
    registered_on: dateText,
    status: fc.constantFrom('正常', '注销', '非正常', ''),
  });
}

/** The month a period text means, as YYYY-MM (the model's own reading, for keys). */
export function monthOf(text: string): string {
  const m = /^(\d{4})-?(\d{2})/.exec(text) ?? /^(\d{4})年(\d{1,2})月$/.exec(text);
  return m ? `${m[1]}-${pad(Number(m[2]))}` : text;
}

const keyOf = (dataset: 'revenue' | 'taxpayers', r: Record<string, unknown>) =>
  dataset === 'revenue' ? `${monthOf(String(r['period']))}|${String(r['taxpayer_id'])}|${String(r['tax_code'])}` : String(r['taxpayer_id']);

// Bad values per column, and what each must be reported as.
const wrongValues: Record<string, (string | boolean | Date)[]> = {
  period: ['abc', '2026-13', '2099-01', '', '2026-11', '=NOW()'],
  amount: ['abc', '1.234', '1e30', '', '=1+2', '１２３', '12,34', '99999999999999'],
  region_code: ['999999', '', '<script>'],
  tax_code: ['00000', ''],
  taxpayer_id: [''],
  registered_on: ['not-a-date', '2026-02-30'],
  size_code: ['ZZ'],
};

/** Arbitrary fuzz cases over the given seed codes. */
export function fuzzCase(codes: Codes): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom<FeedKind>('revenue-csv', 'revenue-csv', 'taxpayers-gbk', 'taxpayers-auto', 'taxpayers-auto', 'revenue-xlsx').chain((feed) => {
    const dataset = datasetOf(feed);
    const encoding: fc.Arbitrary<Encoding> = feed === 'revenue-csv' ? fc.constantFrom('utf-8', 'utf-8', 'utf-8-bom', 'gbk')
      : feed === 'taxpayers-gbk' ? fc.constantFrom('gbk', 'gb18030', 'utf-8')
      : fc.constantFrom('utf-8', 'utf-8-bom', 'gbk', 'gb18030');
    return encoding.chain((enc) => {
      const gbkOnly = enc === 'gbk' || (feed === 'taxpayers-gbk');
      const row = dataset === 'revenue' ? revenueRow(codes) : taxpayerRow(codes, gbkOnly);
      const rows = fc.uniqueArray(row as fc.Arbitrary<Record<string, string>>, { minLength: 1, maxLength: 25, selector: (r) => keyOf(dataset, r) });
      return fc.record({
        feed: fc.constant(feed),
        encoding: fc.constant(enc),
        eol: fc.constantFrom<Eol>('lf', 'lf', 'crlf', 'cr', 'mixed'),
        rows,
      }).chain((c) => mutation(c.feed, c.rows.length).map((m) => ({ ...c, mutation: m })));
    });
  });
}

function mutation(feed: FeedKind, n: number): fc.Arbitrary<Mutation> {
  const dataset = datasetOf(feed);
  const row = fc.integer({ min: 0, max: n - 1 });
  const wrongColumns = Object.keys(wrongValues).filter((c) => (columnsOf[dataset] as readonly string[]).includes(c));
  const wrong = fc.constantFrom(...wrongColumns).chain((column) => fc.record({
    kind: fc.constant('wrong-type' as const), row, column: fc.constant(column),
    value: feed === 'revenue-xlsx' && column === 'amount' ? fc.constantFrom<string | boolean | Date>(...wrongValues[column]!, true, new Date('2026-01-05T00:00:00Z')) : fc.constantFrom(...wrongValues[column]!),
  }));
  const options: { weight: number; arbitrary: fc.Arbitrary<Mutation> }[] = [
    { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 5, arbitrary: wrong },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-key' as const), row }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'header-only' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('missing-column' as const), column: fc.constantFrom(...columnsOf[dataset].filter((c) => !['name', 'registered_on', 'status'].includes(c))) }) },
  ];
  if (feed !== 'revenue-xlsx') {
    options.push(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('nul' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra-field' as const), row }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('missing-field' as const), row }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('unterminated-quote' as const), row }) },
    );
    if (dataset === 'taxpayers') options.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('mixed-encoding' as const), row }) });
  }
  return fc.oneof(...options);
}

/** A short name of what a case exercises, for the tally. */
export function kindOf(c: FuzzCase): string {
  const shape = c.feed === 'revenue-xlsx' ? 'xlsx' : `${c.encoding}/${c.eol}`;
  return `${c.feed} ${shape} ${c.mutation.kind}`;
}

// ---------------------------------------------------------------- writing the file

/** The file name a feed picks up, and the file's bytes. */
export async function render(c: FuzzCase, index: number): Promise<{ name: string; bytes: Buffer }> {
  const dataset = datasetOf(c.feed);
  const columns = [...columnsOf[dataset]].filter((col) => !(c.mutation.kind === 'missing-column' && c.mutation.column === col));
  const rows = recordsOf(c);
  if (c.feed === 'revenue-xlsx') {
    const bytes = await xlsxBytes(columns, rows);
    return { name: `revenue_fuzz${index}.xlsx`, bytes: c.mutation.kind === 'truncate' ? bytes.subarray(0, Math.floor(bytes.length * c.mutation.at)) : bytes };
  }
  const m = c.mutation;
  const lines = [columns.map(quote).join(',')];
  for (const [i, r] of rows.entries()) {
    let cells = columns.map((col) => quote(String(r[col] ?? '')));
    if (m.kind === 'extra-field' && m.row === i) cells = [...cells, '多余'];
    if (m.kind === 'missing-field' && m.row === i) cells = cells.slice(0, -2);
    if (m.kind === 'unterminated-quote' && m.row === i) cells[cells.length - 1] = `"${cells.at(-1)}`;
    lines.push(cells.join(','));
  }
  const eol = (i: number) => (c.eol === 'lf' ? '\n' : c.eol === 'crlf' ? '\r\n' : c.eol === 'cr' ? '\r' : i % 2 ? '\r\n' : '\n');
  const parts = lines.map((l, i) => encode(l + eol(i), c.encoding, i === 0));
  if (m.kind === 'mixed-encoding') {
    // One row in the other family of encodings: a file pasted together from two exports. The row carries
    // a company name of at least 4 Chinese characters (a shorter line cannot be told from GBK; SECURITY.md).
    const other: Encoding = c.encoding.startsWith('utf') ? 'gbk' : 'utf-8';
    parts[m.row + 1] = encode(lines[m.row + 1]! + eol(m.row + 1), other, false);
  }
  let bytes = Buffer.concat(parts);
  if (m.kind === 'truncate') {
    const header = parts[0]!.length;
    bytes = bytes.subarray(0, header + Math.floor((bytes.length - header) * m.at));
  }
  if (m.kind === 'nul') {
    const at = Math.floor(bytes.length * m.at);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0]), bytes.subarray(at)]);
  }
  const name = dataset === 'revenue' ? `revenue_fuzz${index}.csv` : `taxpayers_fuzz${index}.csv`;
  return { name, bytes };
}

/** The rows as written to the file: the generated rows with the mutation applied (a duplicate repeated, a cell replaced). */
export function recordsOf(c: FuzzCase): Record<string, string | number | boolean | Date>[] {
  const m = c.mutation;
  if (m.kind === 'header-only') return [];
  const rows: Record<string, string | number | boolean | Date>[] = c.rows.map((r) => ({ ...r }));
  if (m.kind === 'wrong-type') rows[m.row]![m.column] = m.value;
  // the row in the other encoding carries a name of 4+ Chinese characters (see render)
  if (m.kind === 'mixed-encoding' && 'name' in rows[m.row]!) rows[m.row]!['name'] = `${String(rows[m.row]!['name'])}混合公司`;
  // written in GBK, a character GBK lacks (😀) becomes "?" in the file: the row meant is the row written
  if (m.kind === 'mixed-encoding' && c.encoding.startsWith('utf')) {
    for (const [k, v] of Object.entries(rows[m.row]!)) if (typeof v === 'string') rows[m.row]![k] = iconv.decode(iconv.encode(v, 'gbk'), 'gbk');
  }
  // a short row: its last two fields are missing, i.e. empty
  if (m.kind === 'missing-field') for (const col of columnsOf[datasetOf(c.feed)].slice(-2)) rows[m.row]![col] = '';
  if (m.kind === 'duplicate-key') rows.push({ ...rows[m.row]!, ...(c.feed === 'revenue-csv' || c.feed === 'revenue-xlsx' ? { amount: '1.00' } : { status: '重复' }) });
  return rows;
}

function quote(s: string): string {
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function encode(text: string, encoding: Encoding, first: boolean): Buffer {
  switch (encoding) {
    case 'utf-8': return Buffer.from(text, 'utf8');
    case 'utf-8-bom': return Buffer.concat([first ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
    case 'gbk': return iconv.encode(text, 'gbk');
    case 'gb18030': return iconv.encode(text, 'gb18030');
  }
}

async function xlsxBytes(columns: string[], rows: Record<string, string | number | boolean | Date>[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('收入');
  sheet.addRow(columns);
  for (const r of rows) {
    sheet.addRow(columns.map((col) => {
      const v = r[col];
      // Amounts as numbers where they are plain decimals (as Excel holds them); anything else as typed.
      if (col === 'amount' && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && Math.abs(Number(v)) < 1e13) return Number(v);
      return v === '' ? null : v;
    }));
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A case as JSON that a person can read (huge names shortened). */
export function describeCase(c: FuzzCase): string {
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 60)}… (${v.length} chars)` : v), 2);
}
