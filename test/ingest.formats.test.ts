import { createHash } from 'node:crypto';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { refreshMartsFor } from '../pipeline/marts.js';
import { readQueries, runQuery } from '../pipeline/queries.js';
import { keyRanges } from '../pipeline/ingest/ingest.js';
import { projectPaths } from '../pipeline/workspace.js';
import { cityRevenueCsv, cityRevenueFeed, fingerprint, ingestBench } from './helpers/ingest.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function bench() {
  const b = await ingestBench();
  cleanups.push(b.cleanup);
  return b;
}

// The three rows of cityRevenueCsv, in 元, as independent SQL reads them back.
const expectedRows = [
  { period: '2026-10', taxpayer_id: 'TP001', region_code: '440100', tax_code: '10101', amount: '12345600.00' },
  { period: '2026-10', taxpayer_id: 'TP001', region_code: '440100', tax_code: '10104', amount: '-100000.00' },
  { period: '2026-10', taxpayer_id: 'TP002', region_code: '440300', tax_code: '10106', amount: '100.00' },
];
const readRevenue = (b: Awaited<ReturnType<typeof bench>>) =>
  b.warehouse.all(`select strftime(period, '%Y-%m') as period, taxpayer_id, region_code, tax_code, amount from revenue where superseded_by is null order by taxpayer_id, tax_code`);

describe('ingest reads every format and encoding', () => {
  it.each([
    ['UTF-8', 'auto', Buffer.from(cityRevenueCsv, 'utf8')],
    ['UTF-8 with BOM', 'auto', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cityRevenueCsv, 'utf8')])],
    ['GBK, detected', 'auto', iconv.encode(cityRevenueCsv, 'gbk')],
    ['GBK, declared', 'gbk', iconv.encode(cityRevenueCsv, 'gbk')],
    ['GB18030, declared', 'gb18030', iconv.encode(cityRevenueCsv, 'gb18030')],
  ])('CSV in %s: codes mapped from names, 万元 converted exactly, Chinese number and period formats read', async (_label, encoding, bytes) => {
    const b = await bench();
    const feed = b.feed({ ...cityRevenueFeed, encoding });
    const result = await b.ingest(b.file('city_2026-10.csv', bytes), feed);
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ status: 'loaded', rows: 3, periods: ['2026-10'] });
    expect(await readRevenue(b)).toEqual(expectedRows);
  });

  it('.xlsx: a named sheet, header found below title rows, Excel dates, numbers stored as numbers or text', async () => {
    const b = await bench();
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('说明').addRow(['not this sheet']);
    const sheet = workbook.addWorksheet('入库明细');
    sheet.addRow(['2026年10月城市税收入库明细']);
    sheet.addRow(['单位：万元']);
    sheet.addRow([]);
    sheet.addRow(['所属期', '纳税人识别号', '地区', '行业', '规模', '税种', '入库税额']);
    sheet.addRow([new Date(Date.UTC(2026, 9, 31)), 'TP001', '广州市', 'C13', 'L', '增值税', 1234.56]);
    sheet.addRow(['2026年10月', 'TP001', '广州市', 'C13', 'L', '企业所得税', '(10)']);
    sheet.addRow([46296, 'TP002', '深圳市', 'G', 'S', '个人所得税', '0.01']); // 46296 = 2026-10-01 as an Excel serial day
    const file = path.join(b.dir, 'files', 'city_2026-10.xlsx');
    await workbook.xlsx.writeFile(file);
    const feed = b.feed({ ...cityRevenueFeed, files: 'city_*.xlsx', format: 'xlsx', sheet: '入库明细' });
    const result = await b.ingest(file, feed);
    expect(result.problems).toEqual([]);
    expect(await readRevenue(b)).toEqual(expectedRows);
  });

  it('Parquet, JSON array and NDJSON: typed values pass through', async () => {
    const b = await bench();
    const parquet = path.join(b.dir, 'files', 'rev.parquet');
    await b.warehouse.run(
      `copy (select * from (values (date '2026-10-01', 'TP001', '440100', 'C13', 'L', '10101', 12345600.00::decimal(18,2)),
                                   (date '2026-10-01', 'TP001', '440100', 'C13', 'L', '10104', -100000.00),
                                   (date '2026-10-01', 'TP002', '440300', 'G', 'S', '10106', 100.00))
             t(period, taxpayer_id, region_code, industry_code, size_code, tax_code, amount)) to '${parquet}' (format parquet)`,
    );
    const plain = { name: 'p', description: 'test', dataset: 'revenue', files: '*' };
    expect(await b.ingest(parquet, b.feed({ ...plain, format: 'parquet' }))).toMatchObject({ status: 'loaded', rows: 3 });
    expect(await readRevenue(b)).toEqual(expectedRows);

    const rows = expectedRows.map((r) => ({ ...r, industry_code: r.taxpayer_id === 'TP001' ? 'C13' : 'G', size_code: r.taxpayer_id === 'TP001' ? 'L' : 'S', amount: Number(r.amount) }));
    const json = b.feed({ ...plain, name: 'j', format: 'json' });
    const array = await b.ingest(b.file('rev.json', JSON.stringify(rows.map((r) => ({ ...r, period: '2026-09' })))), json);
    const ndjson = await b.ingest(b.file('rev.ndjson', rows.map((r) => JSON.stringify({ ...r, period: '2026-08' })).join('\n')), json);
    expect([array.status, ndjson.status]).toEqual(['loaded', 'loaded']);
    const byPeriod = await b.warehouse.all(`select strftime(period, '%Y-%m') as p, count(*)::integer as n, sum(amount)::varchar as total from revenue group by 1 order by 1`);
    expect(byPeriod).toEqual([
      { p: '2026-08', n: 3, total: '12245700.00' },
      { p: '2026-09', n: 3, total: '12245700.00' },
      { p: '2026-10', n: 3, total: '12245700.00' },
    ]);
  });

  it('a plain feed is read typed by DuckDB; a row in another period format sends it back to the text path, which loads it', async () => {
    const b = await bench();
    const feed = b.feed({ name: 'plain', description: 'test', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const typed = await b.ingest(b.file('typed.csv', `${header}\n2026-09,TP1,440100,C13,L,10101,1.50\n2026-09,TP2,440100,C13,L,10101,-2\n`), feed);
    const mixed = await b.ingest(b.file('mixed.csv', `${header}\n2026-08,TP1,440100,C13,L,10101,1.50\n2026年8月,TP2,440100,C13,L,10101,-2\n`), feed);
    expect([typed.status, mixed.status]).toEqual(['loaded', 'loaded']);
    expect(b.logger.lines.some((l) => l.message.startsWith('mixed.csv: a row breaks the typed read'))).toBe(true);
    expect(b.logger.lines.some((l) => l.message.startsWith('typed.csv: a row breaks the typed read'))).toBe(false);
    expect(await b.warehouse.all(`select strftime(period, '%Y-%m') as p, sum(amount)::varchar as total from revenue group by 1 order by 1`)).toEqual([
      { p: '2026-08', total: '-0.50' },
      { p: '2026-09', total: '-0.50' },
    ]);
  });

  it('codes are first taken as read; a padded or blank one sends the file to a full read that trims it (an optional one blank is no code)', async () => {
    const b = await bench();
    const feed = b.feed({ name: 'plain', description: 'test', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' });
    const relief = b.feed({ name: 'plain-relief', description: 'test', dataset: 'relief', files: '*', format: 'csv', numbers: 'plain' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const padded = await b.ingest(b.file('padded.csv', `${header}\n2026-09,TP1, 440100,C13,L,10101 ,1.50\n2026-09,TP2,440100,C13,L,"10104  ",2\n`), feed);
    const blank = await b.ingest(b.file('blank.csv', `period,taxpayer_id,region_code,industry_code,size_code,policy_code,tax_code,amount\n2026-09,TP1,440100,C13,S,R01,"  ",5\n2026-09,TP2,440100,C13,S,R01,10101,6\n`), relief);
    expect([padded.status, blank.status]).toEqual(['loaded', 'loaded']);
    expect(await b.warehouse.all(`select taxpayer_id, region_code, tax_code from revenue order by 1`)).toEqual([
      { taxpayer_id: 'TP1', region_code: '440100', tax_code: '10101' },
      { taxpayer_id: 'TP2', region_code: '440100', tax_code: '10104' },
    ]);
    expect(await b.warehouse.all(`select taxpayer_id, tax_code from relief order by 1`)).toEqual([
      { taxpayer_id: 'TP1', tax_code: null },
      { taxpayer_id: 'TP2', tax_code: '10101' },
    ]);
  });

  it('duplicate keys: a taxpayer and tax in two periods of one file is no duplicate; twice in one period is', async () => {
    const b = await bench();
    const feed = b.feed({ name: 'plain', description: 'test', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const twoPeriods = await b.ingest(b.file('two.csv', `${header}\n2026-08,TP1,440100,C13,L,10101,1\n2026-09,TP1,440100,C13,L,10101,2\n2026-09,TP1,440100,C13,L,10104,3\n`), feed);
    const onePeriod = await b.ingest(b.file('one.csv', `${header}\n2026-07,TP1,440100,C13,L,10101,1\n2026-07,TP2,440100,C13,L,10101,2\n2026-07,TP1,440100,C13,L,10101,3\n`), feed);
    expect(twoPeriods).toMatchObject({ status: 'loaded', rows: 3, periods: ['2026-08', '2026-09'] });
    expect(onePeriod.status).toBe('refused');
    expect(onePeriod.problems.map((p) => `${p.row}: ${p.message}`)).toEqual([
      '2: row duplicates the key (period, taxpayer_id, tax_code) of another row of the file',
      '4: row duplicates the key (period, taxpayer_id, tax_code) of another row of the file',
    ]);
    expect(await b.warehouse.all(`select count(*)::integer as n from revenue`)).toEqual([{ n: 3 }]);
  });

  it('duplicate keys: the key pass compares a key part by part, the first part that differs deciding', async () => {
    const b = await bench();
    const feed = b.feed({ name: 'plain', description: 'test', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const file = (name: string, keys: string[]) => b.file(name, `${header}\n${keys.map((k, i) => `2026-07,${k.split(' ')[0]},440100,C13,L,${k.split(' ')[1]},${i + 1}`).join('\n')}\n`);
    // sorted by taxpayer, then tax: the pass alone proves the keys distinct
    expect(await b.ingest(file('sorted.csv', ['TP1 10101', 'TP1 10104', 'TP2 10101']), feed)).toMatchObject({ status: 'loaded', rows: 3 });
    // a repeat next to its twin: the taxpayers equal, the taxes decide
    const twin = await b.ingest(file('twin.csv', ['TQ1 10101', 'TQ1 10104', 'TQ1 10104']), feed);
    expect(twin.status).toBe('refused');
    expect(twin.problems.map((p) => p.row)).toEqual([3, 4]);
    // the taxpayer goes down while the tax goes up: out of order, and the repeat two rows apart is found
    const apart = await b.ingest(file('apart.csv', ['TS1 10104', 'TS2 10101', 'TS1 10104']), feed);
    expect(apart.problems.map((p) => p.row)).toEqual([2, 4]);
    // out of order but no repeat: the hash table clears it
    expect(await b.ingest(file('unsorted.csv', ['TR2 10104', 'TR1 10106', 'TR1 10101']), feed)).toMatchObject({ status: 'loaded', rows: 3 });
    expect(await b.warehouse.all(`select count(*)::integer as n from revenue`)).toEqual([{ n: 6 }]);
  });

  it("a period read from text: the first row's text is worked out once, every other text on its own row", async () => {
    const b = await bench();
    const feed = b.feed({ name: 'text-periods', description: 'test', dataset: 'revenue', files: '*', format: 'csv' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const file = (name: string, periods: string[]) => b.file(name, `${header}\n${periods.map((p, i) => `${p},TP${i + 1},440100,C13,L,10101,${i + 1}`).join('\n')}\n`);
    // the same month in other spellings after the first row's: every row the same month
    const spellings = await b.ingest(file('spellings.csv', ['2026-07', '2026-07', '2026年7月', '202607', ' 2026-7']), feed);
    expect(spellings.problems).toEqual([]);
    expect(spellings).toMatchObject({ status: 'loaded', rows: 5, periods: ['2026-07'] });
    expect(await b.warehouse.all(`select strftime(period, '%Y-%m') as p, count(*)::integer as n from revenue group by all`)).toEqual([{ p: '2026-07', n: 5 }]);
    // a year to date, the current month and a month that does not exist after a good first row: refused at their rows
    const later = await b.ingest(file('later.csv', ['2026-08', '2026年1—8月', '2026-08', '2026-11', '2026-13']), feed);
    expect(later.status).toBe('refused');
    expect(later.problems.map((p) => `${p.row}: ${p.message}`).sort()).toEqual([
      '3: period "2026年1—8月" is not a single month; dataset revenue holds month figures',
      '5: period "2026-11" lies in the future (or in the current, unfinished period)',
      '6: period "2026-13" is not a period (write 2026-10, 202610, 2026年10月, 2026年1—10月 or 2026)',
    ]);
    // the first row's own text refused: every row that repeats it is
    const first = await b.ingest(file('first.csv', ['2026年1—8月', '2026-08', '2026年1—8月']), feed);
    expect(first.problems.map((p) => p.row)).toEqual([2, 4]);
    expect(await b.warehouse.all(`select count(*)::integer as n from revenue`)).toEqual([{ n: 5 }]);
  });

  it('duplicate keys with the key pass cut into ranges: a repeat across a cut is found, a sorted file loads', async () => {
    const b = await bench();
    await b.warehouse.run('set threads = 4'); // four ranges of ten rows below
    const feed = b.feed({ name: 'plain', description: 'test', dataset: 'revenue', files: '*', format: 'csv', numbers: 'plain' });
    const header = 'period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount';
    const ids = Array.from({ length: 40 }, (_, i) => `TP${String(i).padStart(3, '0')}`);
    const rows = (list: string[]) => `${header}\n${list.map((id, i) => `2026-07,${id},440100,C13,L,10101,${i + 1}`).join('\n')}\n`;
    // (the statements ingest sends, to see which way the key pass went)
    const statements: string[] = [];
    const all = b.warehouse.all.bind(b.warehouse);
    b.warehouse.all = ((sql, params) => (statements.push(sql), all(sql, params))) as typeof b.warehouse.all;
    const hashTable = () => statements.filter((sql) => /group by k having count\(\*\) > 1/.test(sql)).length;
    const sorted = await b.ingest(b.file('sorted.csv', rows(ids)), feed, { keyRangeRows: 10 });
    expect(sorted).toMatchObject({ status: 'loaded', rows: 40 });
    // the four ranges, worked out from the first rowid and the count of rows, covered the file: proven without the hash table
    expect(statements.filter((sql) => /lag\(rowid\) over \(\)/.test(sql)).map((sql) => sql.split('lag(rowid) over ()').length - 1)).toEqual([4]);
    expect(hashTable()).toBe(0);
    // rows 10 and 11 of the file (lines 11 and 12) are the last of the first range and the first of the second:
    // each range alone strictly increases, only the row shared by both ranges sees the repeat
    const cut = [...ids.slice(0, 10), ids[9]!, ...ids.slice(11)].map((id) => id.replace('TP', 'TQ'));
    const repeated = await b.ingest(b.file('cut.csv', rows(cut)), feed, { keyRangeRows: 10 });
    expect(repeated.status).toBe('refused');
    expect(hashTable()).toBe(1);
    expect(repeated.problems.map((p) => `${p.row}: ${p.message}`)).toEqual([
      '11: row duplicates the key (period, taxpayer_id, tax_code) of another row of the file',
      '12: row duplicates the key (period, taxpayer_id, tax_code) of another row of the file',
    ]);
    expect(await b.warehouse.all(`select count(*)::integer as n from revenue`)).toEqual([{ n: 40 }]);
  });

  it('keyRanges: about equal ranges over the rowids, each from the last rowid of the one before', () => {
    expect(keyRanges('100', '139', 4)).toEqual([
      { from: '100', to: '109' }, { from: '109', to: '119' }, { from: '119', to: '129' }, { from: '129', to: '139' },
    ]);
    // rowids of rows not yet committed lie beyond 2^53; a count that does not divide the rows leaves the last range short
    expect(keyRanges('36028797018963968', '36028797018963978', 3)).toEqual([
      { from: '36028797018963968', to: '36028797018963971' }, { from: '36028797018963971', to: '36028797018963975' }, { from: '36028797018963975', to: '36028797018963978' },
    ]);
    expect(keyRanges('0', '99', 1)).toEqual([null]);
    expect(keyRanges(null, null, 4)).toEqual([null]);
  });

  it('a dry run validates and reports but changes nothing', async () => {
    const b = await bench();
    const before = await fingerprint(b.warehouse);
    const result = await b.ingest(b.file('city_2026-10.csv', cityRevenueCsv), b.feed(cityRevenueFeed), { dryRun: true });
    expect(result).toMatchObject({ status: 'checked', rows: 3, periods: ['2026-10'] });
    expect(await fingerprint(b.warehouse)).toBe(before);
  });
});

describe('ledger and restatements', () => {
  it('the same file again is a no-op; a corrected file restates the period and keeps the superseded rows', async () => {
    const b = await bench();
    const feed = b.feed(cityRevenueFeed);
    const first = await b.ingest(b.file('city_2026-10.csv', cityRevenueCsv), feed);
    expect(first.status).toBe('loaded');
    const afterFirst = await fingerprint(b.warehouse);
    expect((await b.ingest(b.file('city_2026-10_copy.csv', cityRevenueCsv), feed)).status).toBe('duplicate');
    expect(await fingerprint(b.warehouse)).toBe(afterFirst);

    const corrected = cityRevenueCsv.replace('0.01', '0.02');
    const second = await b.ingest(b.file('city_2026-10_v2.csv', corrected), feed);
    const [v1, v2] = (await b.warehouse.all<{ file_id: number }>(`select file_id from files order by file_id`)).map((r) => r.file_id);
    expect(second).toMatchObject({ status: 'loaded', rows: 3, restated: [v1] });
    const rows = await b.warehouse.all(`select file_id, superseded_by, count(*)::integer as n, sum(amount)::varchar as total from revenue group by all order by file_id`);
    expect(rows).toEqual([
      { file_id: v1, superseded_by: v2, n: 3, total: '12245700.00' },
      { file_id: v2, superseded_by: null, n: 3, total: '12245800.00' },
    ]);
    const files = await b.warehouse.all(`select name, sha256 = $a as first_hash, status, restates from files order by file_id`, { a: createHash('sha256').update(cityRevenueCsv).digest('hex') });
    expect(files).toEqual([
      { name: 'city_2026-10.csv', first_hash: true, status: 'superseded', restates: null },
      { name: 'city_2026-10_v2.csv', first_hash: false, status: 'loaded', restates: String(v1) },
    ]);
    // The marts read current rows only.
    await refreshMartsFor({ warehouse: b.warehouse, dir: path.join(projectPaths().queries, 'marts'), now: new Date('2026-11-26T08:00:00Z') });
    const [mart] = await b.warehouse.all(`select sum(amount)::varchar as total from mart_revenue`);
    expect(mart).toEqual({ total: '12245800.00' });
  });
});

describe('cumulative (year-to-date) feeds', () => {
  it('give YTD totals and YoY as published, and months only where both cumulative neighbours exist', async () => {
    const b = await bench();
    const feed = b.feed({
      name: 'monthly-release', description: 'Official monthly release, cumulative (test).', dataset: 'fiscal', files: 'release*.csv',
      format: 'csv', unit: '亿元', columns: { period: '期间', item_code: '项目', amount: '累计' }, constants: { region_code: '440000' },
      codes: { item_code: [{ 税收收入: '101' }] },
    });
    // January–February published together; April missing in 2026.
    const csv = ['期间,项目,累计',
      '2025年1—2月,税收收入,100.00', '2025年1—3月,税收收入,150.00', '2025年1—4月,税收收入,200.00', '2025年1—5月,税收收入,260.00',
      '2026年1—2月,税收收入,110.00', '2026年1—3月,税收收入,168.00', '2026年1—5月,税收收入,286.00', ''].join('\n');
    expect((await b.ingest(b.file('release.csv', csv), feed)).status).toBe('loaded');
    const series = await runQuery(b.warehouse, readQueries(projectPaths().queries).get('fiscal_series')!, { region: '440000', item: '101' });
    const yi = (v: unknown) => (v === null ? null : Number(v) / 1e8);
    expect(series.map((r) => [r['period'], yi(r['ytd']), yi(r['ytd_prev']), r['ytd_yoy_pct'] === null ? null : Number((r['ytd_yoy_pct'] as number).toFixed(6)), yi(r['month_amount'])])).toEqual([
      ['2025-02', 100, null, null, null],
      ['2025-03', 150, null, null, 50],
      ['2025-04', 200, null, null, 50],
      ['2025-05', 260, null, null, 60],
      ['2026-02', 110, 100, 10, null],
      ['2026-03', 168, 150, 12, 58],
      ['2026-05', 286, 260, 10, null], // April is missing: May alone cannot be derived
    ]);
  });
});

describe('budget targets', () => {
  it('load from an .xlsx in 万元: per tax, and for all taxes (税收合计 → no tax code)', async () => {
    const b = await bench();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('目标');
    sheet.addRow(['2026年税收收入预算目标']);
    sheet.addRow(['年度', '地区', '税种', '目标']);
    sheet.addRow([2026, '广东省', '税收合计', '1,500,000']);
    sheet.addRow(['2026年', '广东省', '增值税', 600000.5]);
    sheet.addRow([2026, '广州市', '企业所得税', '200000']);
    const file = path.join(b.dir, 'files', '预算目标2026.xlsx');
    await workbook.xlsx.writeFile(file);
    const feed = b.feed(JSON.parse((await import('node:fs')).readFileSync(path.join(projectPaths().root, 'data', 'feeds', 'budget-targets.json'), 'utf8')));
    const result = await b.ingest(file, feed);
    expect(result.problems).toEqual([]);
    const rows = await b.warehouse.all(`select year, region_code, tax_code, amount from budget_targets order by region_code, tax_code nulls first`);
    expect(rows).toEqual([
      { year: 2026, region_code: '440000', tax_code: null, amount: '15000000000.00' },
      { year: 2026, region_code: '440000', tax_code: '10101', amount: '6000005000.00' },
      { year: 2026, region_code: '440100', tax_code: '10104', amount: '2000000000.00' },
    ]);
  });
});
