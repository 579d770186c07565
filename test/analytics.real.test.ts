import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../pipeline/workspace.js';
import { analyticsWarehouse, num, type AnalyticsWarehouse } from './helpers/analytics.js';

// Real public statistics (../shared/data/real, beside the clone). The CSVs are read by DuckDB straight into the mart the
// queries read; the growth rates and sums are then computed by the project's own queries, not by this test.
const real = path.resolve(projectPaths().root, '../shared/data/real');
const nbs = path.join(real, 'nbs-national-annual', '国家财政收支总额及增长速度.csv');
const provinces = path.join(real, 'province-2014-2017', 'all_province_2014_2017.csv');

let wh: AnalyticsWarehouse;
beforeAll(async () => {
  for (const f of [nbs, provinces]) if (!existsSync(f)) throw new Error(`Real data file ${f} is missing; put ../shared/data/real beside the clone.`);
  wh = await analyticsWarehouse();
});
afterAll(() => wh?.cleanup());

/** An annual value as the December row of a city's mart (the year to date of December is then the year). */
const annualRow = (city: string, county: string, size: string, tax: string, amount: string) =>
  `select make_date(year, 12, 1), '${city}', '${county}', '珠三角', true, ${tax}, true, 'C', ${size}, (${amount})::decimal(18,2), 3, 0 from source where ${amount} is not null`;

describe('real data: NBS national revenue and expenditure, 1978–2014', () => {
  it('reproduces the published growth rates within 0.1 百分点 (1981 expenditure being the documented exception)', async () => {
    await wh.warehouse.run('delete from mart_revenue');
    await wh.warehouse.run(`create or replace temp table source as
      select cast(regexp_extract(column0, '(\\d{4})', 1) as integer) as year, * exclude (column0)
      from read_csv($file, header = true, all_varchar = true)`, { file: nbs });
    // revenue as 广州's series, expenditure as 湛江's: revenue_trend computes each year's YoY from the levels
    await wh.warehouse.run(`insert into mart_revenue ${annualRow('440100', '440103', "'S'", "'10101'", '财政收入')}
      union all ${annualRow('440800', '440802', "'S'", "'10101'", '财政支出')}`);
    await wh.rollUpCity();
    const published = await wh.warehouse.all<{ year: number; revenue: number; expenditure: number }>(
      `select year, 财政收入增长速度::double as revenue, 财政支出增长速度::double as expenditure from source order by year`);
    expect(published).toHaveLength(37);
    const computed = async (region: string) => new Map((await wh.query('revenue_trend', { period: '2014-12', months: 12 * 37, region }))
      .map((r) => [Number(String(r['period']).slice(0, 4)), r['yoy_pct'] as number | null]));
    const revenue = await computed('440100');
    const expenditure = await computed('440800');
    const misses: string[] = [];
    for (const p of published.filter((p) => p.year > 1978)) {
      if (Math.abs(revenue.get(p.year)! - p.revenue) > 0.1) misses.push(`${p.year} revenue`);
      if (Math.abs(expenditure.get(p.year)! - p.expenditure) > 0.1) misses.push(`${p.year} expenditure`);
    }
    expect(misses).toEqual(['1981 expenditure']);
    expect(revenue.get(1978)).toBeNull();
  });
});

describe('real data: province budget revenue by tax item, 2014–2017', () => {
  it('the tax items of every province and year add up to its tax total (within 0.03 亿元)', async () => {
    await wh.warehouse.run('delete from mart_revenue');
    await wh.warehouse.run(`create or replace temp table source as select * from read_csv($file, header = true, nullstr = 'NA')`, { file: provinces });
    const items: Record<string, string> = {
      revenue_vat: '10101', revenue_business_tax: '10103', revenue_incometax_corp: '10104', revenue_incometax_ind: '10106',
      revenue_resourcetax: '10107', revenue_cityconstrtax: '10109', revenue_house_tax: '10110', revenue_stamp_tax: '10111',
      revenue_landuse_tax: '10112', revenue_landappr_tax: '10113', revenue_vehicleoper_tax: '10114', revenue_vehiclepurch_tax: '10116',
      revenue_agriland_tax: '10118', revenue_deed_tax: '10119', revenue_tobacco_tax: '10120', revenue_other_tax: '10199',
    };
    // each province is one "size" part of the breakdown, each tax item one tax code
    const selects = Object.entries(items).map(([column, code]) => annualRow('440100', '440103', 'province', `'${code}'`, column));
    await wh.warehouse.run(`insert into mart_revenue ${selects.join(' union all ')}`);
    await wh.rollUpCity();
    const totals = await wh.warehouse.all<{ province: string; year: number; alltax: number }>(
      `select province, year::integer as year, revenue_alltax::double as alltax from source where revenue_alltax is not null order by year, province`);
    expect(totals.length).toBe(124);
    let compared = 0;
    for (const year of [2014, 2015, 2016, 2017]) {
      const rows = await wh.query('revenue_breakdown', { period: `${year}-12`, dimension: 'size' });
      expect(rows.some((r) => r['is_other'])).toBe(false);
      const byProvince = new Map(rows.filter((r) => !r['is_total']).map((r) => [r['code'], num(r, 'ytd_amount')]));
      for (const t of totals.filter((t) => t.year === year)) {
        expect(Math.abs(byProvince.get(t.province)! - t.alltax), `${t.province} ${year}`).toBeLessThanOrEqual(0.03);
        compared++;
      }
    }
    expect(compared).toBe(124);
  });
});
