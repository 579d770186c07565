import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsWarehouse, num, type AnalyticsWarehouse } from './helpers/analytics.js';

// Properties of the queries over random mart contents (rows go straight into mart_revenue, rolled up to the city mart
// by its own definition: the queries only read marts).
let wh: AnalyticsWarehouse;
beforeAll(async () => { wh = await analyticsWarehouse(); });
afterAll(() => wh?.cleanup());

const cities = [['440100', '440103'], ['440800', '440802'], ['440200', '440203'], ['441900', '441900']] as const;
const taxes = ['10101', '10104', '10106', '10119'] as const;

/** One mart cell: city index, tax index, year (0 = 2025, 1 = 2026), month, amount in cents, taxpayers, largest share in %. */
const cell = fc.record({
  city: fc.integer({ min: 0, max: cities.length - 1 }),
  tax: fc.integer({ min: 0, max: taxes.length - 1 }),
  year: fc.integer({ min: 0, max: 1 }),
  month: fc.integer({ min: 1, max: 12 }),
  cents: fc.integer({ min: -50_000, max: 100_000_000 }),
  taxpayers: fc.integer({ min: 1, max: 12 }),
  largestPct: fc.integer({ min: 1, max: 100 }),
});

type Cell = { city: number; tax: number; year: number; month: number; cents: number; taxpayers: number; largestPct: number };
async function fill(cells: Cell[]): Promise<void> {
  await wh.warehouse.run('delete from mart_revenue');
  await wh.warehouse.run('delete from mart_revenue_city');
  if (cells.length === 0) return;
  const values = cells.map((c) => {
    const [city, county] = cities[c.city]!;
    const amount = (c.cents / 100).toFixed(2);
    const largest = ((Math.abs(c.cents) * c.largestPct) / 10_000).toFixed(2);
    return `(make_date(${2025 + c.year}, ${c.month}, 1), '${city}', '${county}', '珠三角', true, '${taxes[c.tax]}', true, 'C', 'S', ${amount}, ${c.taxpayers}, ${largest})`;
  });
  await wh.warehouse.run(`insert into mart_revenue select * from (values ${values.join(',')})`);
  await wh.rollUpCity();
}
const runs = { numRuns: 20 };

describe('analytics properties', () => {
  it('contributions of all parts (其他 included) add up to the total growth, and shares to 100%', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cell, { minLength: 1, maxLength: 40 }), fc.constantFrom('tax', 'city'), fc.integer({ min: 1, max: 12 }), async (cells, dimension, month) => {
        await fill(cells);
        const rows = await wh.query('revenue_breakdown', { period: `2026-${String(month).padStart(2, '0')}`, dimension });
        const total = rows.find((r) => r['is_total']);
        if (!total || total['withheld']) return;
        const parts = rows.filter((r) => !r['is_total']);
        if (num(total, 'ytd_prev') !== 0) {
          const sum = parts.reduce((s, r) => s + num(r, 'contribution_pp'), 0);
          expect(sum).toBeCloseTo(num(total, 'ytd_yoy_pct'), 6);
        }
        if (num(total, 'ytd_amount') !== 0) {
          expect(parts.reduce((s, r) => s + num(r, 'share_pct'), 0)).toBeCloseTo(100, 6);
          expect(parts.reduce((s, r) => s + num(r, 'share_change_pp'), 0)).toBeCloseTo(0, 6);
        }
        // the parts' amounts add up to the total, to the cent
        const cents = (column: string) => parts.reduce((s, r) => s + Math.round(num(r, column) * 100), 0);
        expect(cents('ytd_amount')).toBe(Math.round(num(total, 'ytd_amount') * 100));
        expect(cents('ytd_prev')).toBe(Math.round(num(total, 'ytd_prev') * 100));
      }),
      runs,
    );
  });

  it('the year to date of December equals the year', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cell, { minLength: 1, maxLength: 40 }), async (cells) => {
        await fill(cells);
        const [h] = await wh.query('revenue_headline', { period: '2026-12' });
        const year = (y: number) => cells.filter((c) => c.year === y).reduce((s, c) => s + c.cents, 0);
        expect(Math.round(num(h, 'ytd_amount') * 100)).toBe(year(1));
        expect(Math.round(num(h, 'ytd_prev') * 100)).toBe(year(0));
      }),
      runs,
    );
  });

  it('YoY of a series against itself shifted a year is exact: 0% unchanged, 100% doubled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 10_000_000_000 }), { minLength: 12, maxLength: 12 }), fc.constantFrom(1, 2), async (series, factor) => {
        const cells: Cell[] = series.flatMap((cents, i) => [
          { city: 0, tax: 0, year: 0, month: i + 1, cents, taxpayers: 5, largestPct: 10 },
          { city: 0, tax: 0, year: 1, month: i + 1, cents: cents * factor, taxpayers: 5, largestPct: 10 },
        ]);
        await fill(cells);
        const trend = await wh.query('revenue_trend', { period: '2026-12', months: 12 });
        expect(trend.map((r) => r['yoy_pct'])).toEqual(Array(12).fill((factor - 1) * 100));
        for (const m of [1, 7, 12]) {
          const [h] = await wh.query('revenue_headline', { period: `2026-${String(m).padStart(2, '0')}` });
          expect(h!['ytd_yoy_pct']).toBe((factor - 1) * 100);
          expect(h!['month_yoy_pct']).toBe((factor - 1) * 100);
        }
      }),
      { numRuns: 10 },
    );
  });
});
