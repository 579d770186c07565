import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestInbox, summaryLine } from '../pipeline/ingest/ingest.js';
import type { Feed } from '../pipeline/ingest/feeds.js';
import { resolveWorkspace } from '../pipeline/workspace.js';
import { cityRevenueCsv, cityRevenueFeed, fingerprint, ingestBench, now } from './helpers/ingest.js';

// The malformed-file corpus: each file is built here from a small string, offered to ingest, and must
// be refused with its clear error while the warehouse (facts and ledger) stays exactly as it was.
let b: Awaited<ReturnType<typeof ingestBench>>;
let feeds: Record<string, Feed>;
const header = '所属期,纳税人识别号,地区,行业,规模,税种,入库税额';
const row = (period: string, tp: string, amount: string, region = '广州市', tax = '增值税') => `${period},${tp},${region},C13,L,${tax},${amount}`;
const csv = (...rows: string[]) => [header, ...rows, ''].join('\n');

beforeAll(async () => {
  b = await ingestBench();
  feeds = {
    city: b.feed(cityRevenueFeed),
    utf8: b.feed({ ...cityRevenueFeed, name: 'city-utf8', encoding: 'utf-8' }),
    xlsx: b.feed({ ...cityRevenueFeed, name: 'city-xlsx', format: 'xlsx', sheet: '入库明细' }),
    plain: b.feed({ name: 'plain', description: 'canonical columns, no code maps (test)', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' }),
    parquet: b.feed({ name: 'plain-parquet', description: 'test', dataset: 'revenue', files: '*', format: 'parquet' }),
    json: b.feed({ name: 'plain-json', description: 'test', dataset: 'revenue', files: '*', format: 'json' }),
    totals: b.feed({
      name: 'city-totals', description: 'revenue by city with a 合计 row (test)', dataset: 'fiscal', files: '*', format: 'csv', unit: '亿元',
      columns: { region_code: '地区', amount: '收入' }, constants: { period: '2025', item_code: '101' }, codes: { region_code: [{ 合计: 'CN' }, 'fiscal_regions.name'] },
      totals: { column: '地区', match: '^合计$' },
    }),
  };
  // Something already loaded, so that "unchanged" means more than "still empty".
  expect((await b.ingest(b.file('city_ok.csv', cityRevenueCsv), feeds['city']!)).status).toBe('loaded');
});
afterAll(() => b.cleanup());

async function xlsx(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
const ole2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
const plainHeader = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';

/** name → [file name, bytes, feed, the error expected (file:row:column: reason)]. */
const corpus: [string, string, () => Promise<Buffer | string> | Buffer | string, string, RegExp][] = [
  ['empty file', 'a.csv', () => '', 'city', /a\.csv is empty \(0 bytes\); the export probably failed/],
  ['header only', 'a.csv', () => `${header}\n`, 'city', /a\.csv has no data rows \(only a header, or every row blank\)/],
  ['blank lines only after the header', 'a.csv', () => `${header}\n\n\n`, 'city', /has no data rows/],
  ['truncated in the middle of a row', 'a.csv', () => `${header}\n${row('2026-10', 'TP1', '1')}\n2026-10,TP2,广州市,C1`, 'city', /a\.csv:3:行业: 行业 "C1" is not a code in the industries seed/],
  ['GBK declared as UTF-8', 'a.csv', () => iconv.encode(csv(row('2026-10', 'TP1', '1')), 'gbk'), 'utf8', /a\.csv:1: the text is not UTF-8 \(GBK\?\), but feed city-utf8 declares encoding utf-8; save the file as UTF-8/],
  ['mixed encodings', 'a.csv', () => Buffer.concat([Buffer.from(csv(row('2026-10', 'TP1', '1')), 'utf8'), iconv.encode(`${row('2026-10', 'TP2', '2')}\n`, 'gbk')]), 'city', /^a\.csv:1: a\.csv mixes encodings: this line is UTF-8 text, but the file is read as GB18030 \(it was pasted together from two exports\); re-export the whole file in one encoding \(UTF-8\)\.$/],
  ['a byte that is not GBK in a GBK file', 'a.csv', () => Buffer.concat([iconv.encode(csv(row('2026-10', 'TP1', '1')), 'gbk'), iconv.encode('2026-10,TP2,广州', 'gbk'), Buffer.from([0xff]), iconv.encode('市,C13,L,增值税,2\n', 'gbk')]), 'city', /^a\.csv:3: bytes that are not GB18030 text \(a cut or foreign character\); re-export the file in one encoding \(UTF-8\), or fix the line\.$/],
  ['NUL bytes', 'a.csv', () => Buffer.concat([Buffer.from(`${header}\n`), Buffer.from([0, 0, 0]), Buffer.from(`${row('2026-10', 'TP1', '1')}\n`)]), 'city', /a\.csv contains a NUL byte at byte \d+: it is binary or corrupted/],
  ['missing column', 'a.csv', () => '所属期,纳税人识别号,地区,行业,规模,入库税额\n2026-10,TP1,广州市,C13,L,1\n', 'city', /missing column\(s\) "税种" in the header; feed city-revenue .* needs them/],
  ['unknown region name', 'a.csv', () => csv(row('2026-10', 'TP1', '1', '火星市')), 'city', /a\.csv:2:地区: 地区 "火星市" is not in the code map codes\.region_code of city-revenue\.json/],
  ['unknown tax name', 'a.csv', () => csv(row('2026-10', 'TP1', '1', '广州市', '人头税')), 'city', /a\.csv:2:税种: 税种 "人头税" is not in the code map codes\.tax_code/],
  ['code unknown to the seeds', 'a.csv', () => `${plainHeader}\n2026-10,TP1,999999,C13,L,10101,1\n`, 'plain', /a\.csv:2:region_code: region_code "999999" is not a code in the regions seed/],
  ['duplicate rows', 'a.csv', () => csv(row('2026-10', 'TP1', '1'), row('2026-10', 'TP1', '1')), 'city', /a\.csv:2: row duplicates the key \(period, taxpayer_id, tax_code\) of another row of the file/],
  ['text in an amount of a plain feed (the typed read fails, the text read explains)', 'a.csv', () => `${plainHeader}\n2026-10,TP1,440100,C13,L,10101,1.50\n2026-10,TP2,440100,C13,L,10101,n/a1\n`, 'plain', /^a\.csv:3:amount: amount "n\/a1" is not an amount \(a number in 元\)$/],
  ['blank taxpayer id in a plain feed (refused by the NOT NULL column, located by the text read)', 'a.csv', () => `${plainHeader}\n2026-10,TP1,440100,C13,L,10101,1.50\n2026-10,,440100,C13,L,10101,2\n`, 'plain', /^a\.csv:3:taxpayer_id: taxpayer_id (""\s)?is empty; the column is required$/],
  ['duplicate rows apart (an unsorted file)', 'a.csv', () => csv(row('2026-10', 'TP2', '1'), row('2026-10', 'TP1', '2'), row('2026-10', 'TP2', '3')), 'city', /^a\.csv:2: row duplicates the key \(period, taxpayer_id, tax_code\) of another row of the file\na\.csv:4: row duplicates/],
  ['text in an amount', 'a.csv', () => csv(row('2026-10', 'TP1', 'abc')), 'city', /a\.csv:2:入库税额: 入库税额 "abc" is not an amount \(a number in 万元\)/],
  ['blank amount', 'a.csv', () => csv(row('2026-10', 'TP1', '')), 'city', /a\.csv:2:入库税额: 入库税额 "" is empty; the column is required|a\.csv:2:入库税额: 入库税额 is empty; the column is required/],
  ['a dash for an amount', 'a.csv', () => csv(row('2026-10', 'TP1', '—')), 'city', /a\.csv:2:入库税额: 入库税额 "—" is empty; the column is required/],
  ['future period', 'a.csv', () => csv(row('2027-01', 'TP1', '1')), 'city', /a\.csv:2:所属期: 所属期 "2027-01" lies in the future/],
  ['the current, unfinished month', 'a.csv', () => csv(row('2026年11月', 'TP1', '1')), 'city', /a\.csv:2:所属期: 所属期 "2026年11月" lies in the future \(or in the current, unfinished period\)/],
  ['impossible month', 'a.csv', () => csv(row('2026-13', 'TP1', '1')), 'city', /a\.csv:2:所属期: 所属期 "2026-13" is not a period/],
  ['year-to-date period in a monthly feed', 'a.csv', () => csv(row('2026年1—10月', 'TP1', '1')), 'city', /a\.csv:2:所属期: 所属期 "2026年1—10月" is not a single month; dataset revenue holds month figures/],
  ['amount beyond sane bounds (unit mistake)', 'a.csv', () => csv(row('2026-10', 'TP1', '99999999')), 'city', /入库税额 "99999999" is outside the sane bounds of revenue/],
  ['fractions of a 分', 'a.csv', () => csv(row('2026-10', 'TP1', '0.0000001')), 'city', /入库税额 "0.0000001" has fractions of a 分 once converted to 元/],
  ['fractions of a 分 in a plain feed read typed', 'a.csv', () => `${plainHeader}\n2026-10,TP1,440103,C13,L,10101,1.005\n2026-10,TP2,440103,C13,L,10101,99999999999999.9999\n`, 'plain', /a\.csv:2:amount: amount "1\.005" has fractions of a 分 once converted to 元/],
  ['a 合计 that does not add up', 'a.csv', () => '地区,收入\n广东省,10\n广西壮族自治区,20\n合计,100\n', 'totals', /a\.csv:4:地区: total "合计" 100 does not equal the sum of its parts 30 \(亿元\)/],
  ['unterminated quote', 'a.csv', () => `${header}\n${row('2026-10', 'TP1', '"1')}\n`, 'city', /^a\.csv:2:入库税额: unquoted value: Value with unterminated quote found; fix the row/],
  ['unterminated quote in a file read serially (DuckDB\'s serial reader would drop the rows after it)', 'a.csv', () => `${header}\n${row('2026-10', '"TP\n1"', '1')}\n${row('2026-10', 'TP2', '"2')}\n${row('2026-10', 'TP3', '3')}\n`, 'city', /^a\.csv:3:入库税额: a quote opens this field and is never closed, so the rest of the file would be read as one value; close the quote/],
  ['too many fields in a row', 'a.csv', () => `${header}\n${row('2026-10', 'TP1', '1')},extra,fields\n`, 'city', /^a\.csv:2: too many columns: Expected Number of Columns: 7 Found: 8; fix the row/],
  ['corrupted .xlsx (a broken zip)', 'a.xlsx', () => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]), 'xlsx', /a\.xlsx cannot be opened as an \.xlsx workbook \(.*\); open it in Excel or WPS and save it again as \.xlsx/],
  ['legacy .xls renamed .xlsx', 'a.xlsx', () => ole2, 'xlsx', /a\.xlsx is a legacy \.xls or a password-protected workbook \(an OLE2 file\).*save it as \.xlsx/],
  ['.xlsx without the sheet the feed names', 'a.xlsx', () => xlsx((wb) => wb.addWorksheet('Sheet1').addRow(header.split(','))), 'xlsx', /a\.xlsx has no worksheet "入库明细" \(its sheets: Sheet1\)/],
  ['.xlsx with an unknown code in a cell', 'a.xlsx', () => xlsx((wb) => { const s = wb.addWorksheet('入库明细'); s.addRow(['标题']); s.addRow(header.split(',')); s.addRow(row('2026-10', 'TP1', '1', '火星市').split(',')); }), 'xlsx', /a\.xlsx:3:地区: 地区 "火星市" is not in the code map/],
  ['Parquet given to a CSV feed', 'a.csv', () => Buffer.from('PAR1\x00\x00PAR1'), 'city', /a\.csv is a Parquet file, but feed city-revenue .* expects csv/],
  ['truncated Parquet', 'a.parquet', () => Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 1)]), 'parquet', /a\.parquet cannot be read as parquet \(.*\); check that it is a complete PARQUET file/],
  ['malformed JSON', 'a.json', () => '[{"period": "2026-10", "taxpayer_id": ', 'json', /a\.json cannot be read as json \(.*\)/],
];

describe('the malformed-file corpus', () => {
  it('has at least 25 kinds of broken file', () => expect(corpus.length).toBeGreaterThanOrEqual(25));

  it.each(corpus)('%s: refused with a clear, located error; the warehouse unchanged', async (_name, fileName, content, feedName, expected) => {
    const before = await fingerprint(b.warehouse);
    const file = b.file(fileName, await content());
    const result = await b.ingest(file, feeds[feedName]!);
    const report = result.problems.map((p) => `${path.basename(p.file)}${p.row ? `:${p.row}` : ''}${p.column ? `:${p.column}` : ''}: ${p.message}`).join('\n');
    if (process.env['SHOW_CORPUS']) console.log(`${_name}\n${report}\n${summaryLine(result)}\n`);
    expect(result.status).toBe('refused');
    expect(report).toMatch(expected);
    expect(summaryLine(result)).toMatch(/^\d+ error\(s\) in a\.\w+(, the first \d+ listed)?; nothing from this file was loaded\.$/);
    expect(await fingerprint(b.warehouse)).toBe(before);
  });

  it('caps the listed errors and counts them all', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => row('2026-10', `TP${i}`, 'abc'));
    const result = await b.ingest(b.file('many.csv', csv(...rows)), feeds['city']!);
    expect(result.problemCount).toBe(30);
    expect(result.problems).toHaveLength(20);
    expect(summaryLine(result)).toBe('30 error(s) in many.csv, the first 20 listed; nothing from this file was loaded.');
  });

  it('the inbox: a refused file goes to quarantine with its report, the others load and are archived', async () => {
    const ws = resolveWorkspace(path.join(b.dir, 'ws'), {});
    const good = cityRevenueCsv.replaceAll('2026-10', '2026-09').replace('2026年10月', '2026年9月').replace('202610', '202609');
    b.file('x', ''); // (the files folder exists)
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(ws.inbox, 'city_bad.csv'), csv(row('2026-10', 'TP1', 'abc')));
    writeFileSync(path.join(ws.inbox, 'city_good.csv'), good);
    writeFileSync(path.join(ws.inbox, 'unknown.txt'), 'hello');
    const results = await ingestInbox(b.warehouse, ws, [feeds['city']!], { logger: b.logger, now, tmpDir: b.dir });
    expect(results.map((r) => [path.basename(r.file), r.status])).toEqual([['city_bad.csv', 'refused'], ['city_good.csv', 'loaded'], ['unknown.txt', 'refused']]);
    expect(readdirSync(ws.inbox)).toEqual([]);
    expect(readdirSync(ws.archive)).toEqual(['city_good.csv']);
    expect(readdirSync(ws.quarantine).sort()).toEqual(['city_bad.csv', 'city_bad.csv.errors.txt', 'unknown.txt', 'unknown.txt.errors.txt']);
    expect(readFileSync(path.join(ws.quarantine, 'city_bad.csv.errors.txt'), 'utf8')).toBe(
      `${path.join(ws.inbox, 'city_bad.csv')}:2:入库税额: 入库税额 "abc" is not an amount (a number in 万元)\n1 error(s) in city_bad.csv; nothing from this file was loaded.\n`,
    );
    expect(existsSync(path.join(ws.quarantine, 'unknown.txt.errors.txt'))).toBe(true);
  });
});
