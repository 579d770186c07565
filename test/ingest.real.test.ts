import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedFor, readFeeds } from '../pipeline/ingest/feeds.js';
import { ingestFile, type IngestResult } from '../pipeline/ingest/ingest.js';
import { readQueries, runQuery } from '../pipeline/queries.js';
import { projectPaths } from '../pipeline/workspace.js';
import { fingerprint, ingestBench, now } from './helpers/ingest.js';

// Official statistics nobody on the project wrote, beside the clone (../shared/data/real); loaded unedited.
const real = path.resolve(projectPaths().root, '../shared/data/real');
const feeds = readFeeds(path.join(projectPaths().root, 'data', 'feeds'));
let b: Awaited<ReturnType<typeof ingestBench>>;
const results = new Map<string, IngestResult>();

beforeAll(async () => {
  b = await ingestBench();
  for (const dir of ['nbs-national-annual', 'province-2014-2017', 'guangdong-2014-2016']) {
    for (const name of readdirSync(path.join(real, dir)).sort()) {
      const feed = feedFor(feeds, name);
      if (feed) results.set(name, await ingestFile(b.warehouse, path.join(real, dir, name), feed, { logger: b.logger, now, tmpDir: b.dir }));
    }
  }
});
afterAll(() => b.cleanup());

const yi = (sql: string, params: Record<string, string> = {}) => b.warehouse.all<{ v: string }>(`select (${sql})::decimal(18,2)::varchar as v`, params).then((r) => r[0]!.v);

describe('real data in ../shared/data/real', () => {
  it('loads every file a feed is defined for, without problems', () => {
    const summary = [...results.entries()].map(([name, r]) => [name, r.status, r.rows, r.problemCount]);
    expect(summary).toEqual([
      ['中央和地方财政主要收入项目__地方财政主要收入项目.csv', 'loaded', 411, 0],
      ['中央和地方财政收入及比重.csv', 'loaded', 111, 0],
      ['各项税收.csv', 'loaded', 203, 0],
      ['Guangdong 2017.csv', 'loaded', 22, 0],
      ['all_province_2014_2017.csv', 'loaded', 2846, 0],
      ['Guangdong 2014 - 2016.xlsx', 'loaded', 68, 0],
    ]);
  });

  it("31 provinces' 2014 revenue sums to NBS local revenue 75,876.58 亿元 (within the 0.01 of rounding)", async () => {
    const provinces = await yi(`select sum(amount) / 1e8 from fiscal f join fiscal_regions r on r.code = f.region_code
      where r.level = 'province' and f.item_code = 'TOTAL' and f.period = date '2014-01-01' and f.file_id = (select file_id from files where feed = 'province-budget')`);
    const nbs = await yi(`select amount / 1e8 from fiscal where region_code = 'CN-local' and item_code = 'TOTAL' and period = date '2014-01-01' and basis = 'year'
      and file_id = (select file_id from files where feed = 'nbs-revenue')`);
    expect(nbs).toBe('75876.58');
    expect(provinces).toBe('75876.59');
    const count = await b.warehouse.all(`select count(distinct region_code)::integer as n from fiscal f join fiscal_regions r on r.code = f.region_code where r.level = 'province' and f.period = date '2014-01-01'`);
    expect(count).toEqual([{ n: 31 }]);
  });

  it('tax items sum to the tax total in every province and year (within 0.03 亿元)', async () => {
    const [r] = await b.warehouse.all<{ rows: number; worst: string }>(`
      with f as (select f.*, i.parent_code from fiscal f join fiscal_items i on i.code = f.item_code
                 where f.file_id = (select file_id from files where feed = 'province-budget'))
      select count(*)::integer as rows, (max(abs(diff)) / 1e8)::decimal(18,2)::varchar as worst from (
        select t.region_code, t.period, t.amount - sum(c.amount) as diff
        from f t join f c on c.parent_code = t.item_code and c.region_code = t.region_code and c.period = t.period
        where t.item_code = '101' group by t.region_code, t.period, t.amount)`);
    expect(r).toEqual({ rows: 124, worst: '0.03' });
  });

  it("Guangdong's workbook: indented items under their totals, 本年收入合计 checked then dropped, figures as printed", async () => {
    const rows = await b.warehouse.all(`select year(period)::integer as y, item_code, (amount / 1e8)::decimal(18,2)::varchar as v from fiscal
      where file_id = (select file_id from files where feed = 'guangdong-budget-xlsx') and item_code in ('101', '10101', '10103', '103', 'TOTAL') order by 1, 2`);
    expect(rows).toEqual([
      { y: 2014, item_code: '101', v: '6510.47' }, { y: 2014, item_code: '10101', v: '1233.17' }, { y: 2014, item_code: '10103', v: '1730.87' }, { y: 2014, item_code: '103', v: '1554.61' },
      { y: 2015, item_code: '101', v: '7377.07' }, { y: 2015, item_code: '10101', v: '1339.16' }, { y: 2015, item_code: '10103', v: '2054.00' }, { y: 2015, item_code: '103', v: '1989.71' },
      { y: 2016, item_code: '101', v: '8098.63' }, { y: 2016, item_code: '10101', v: '2579.49' }, { y: 2016, item_code: '10103', v: '1036.42' }, { y: 2016, item_code: '103', v: '2291.72' },
    ]);
    // The 2016 营改增 break: business tax falls, VAT roughly doubles.
    expect(Number(rows[10]!['v'])).toBeLessThan(Number(rows[6]!['v']));
  });

  it("NBS' published growth of national revenue matches YoY recomputed from the loaded levels (within 0.06 pp, 1979–2014)", async () => {
    const ours = await runQuery(b.warehouse, readQueries(projectPaths().queries).get('fiscal_annual')!, { region: 'CN', item: 'TOTAL' });
    const published = await b.warehouse.all<{ y: number; pct: number }>(
      `select left(column0, 4)::integer as y, "财政收入增长速度"::double as pct from read_csv($f, header = true) where "财政收入增长速度" is not null`,
      { f: path.join(real, 'nbs-national-annual', '国家财政收支总额及增长速度.csv') },
    );
    const yoy = new Map(ours.map((r) => [r['year'] as number, r['yoy_pct'] as number | null]));
    const compared = published.filter((p) => p.y >= 1979).map((p) => Math.abs(p.pct - (yoy.get(p.y) ?? NaN)));
    expect(compared).toHaveLength(36);
    expect(Math.max(...compared)).toBeLessThan(0.06);
  });

  it('refuses the encrypted .xls originals with a message that says what to do, and loads nothing from them', async () => {
    const before = await fingerprint(b.warehouse);
    const dir = path.join(real, 'guangdong-2014-2016');
    const xls = readdirSync(dir).filter((f) => f.endsWith('.xls'));
    expect(xls).toHaveLength(6);
    const feed = feeds.find((f) => f.name === 'guangdong-budget-xlsx')!;
    for (const name of xls) {
      const r = await ingestFile(b.warehouse, path.join(dir, name), feed, { logger: b.logger, now, tmpDir: b.dir });
      expect(r.status).toBe('refused');
      expect(r.problems[0]!.message).toBe(
        `${name} is a legacy .xls or a password-protected workbook (an OLE2 file), which taxbrief cannot read; open it in Excel or WPS, remove any password, save it as .xlsx (or as CSV UTF-8) and put that file in the inbox.`,
      );
    }
    expect(await fingerprint(b.warehouse)).toBe(before);
  });
});
