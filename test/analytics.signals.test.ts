import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsWarehouse, num, type AnalyticsWarehouse } from './helpers/analytics.js';

// 27 months (2024-08 … 2026-10) of 湛江 land VAT (10113) and 广州 VAT (10101), three taxpayers each, growing 5% a year
// with a ±1% deterministic wiggle; 湛江's last three months are cut to 55% (the demo's injected anomaly, in small).
let wh: AnalyticsWarehouse;
const periods: string[] = [];
for (let k = 2024 * 12 + 7; k <= 2026 * 12 + 9; k++) periods.push(`${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`);
const season = [1.3, 0.7, 1, 1, 1.1, 1.2, 0.9, 0.9, 1, 1.1, 0.9, 1.4];
const wiggle = (i: number) => 1 + 0.01 * Math.sin(i * 2.3);
const amount = (base: number, p: string, i: number, cut: boolean) => {
  const [y, m] = p.split('-').map(Number) as [number, number];
  return (base * season[m - 1]! * 1.05 ** (y - 2024 + (m - 1) / 12) * wiggle(i) * (cut ? 0.55 : 1)).toFixed(2);
};
beforeAll(async () => {
  wh = await analyticsWarehouse();
  const rows: string[] = [];
  periods.forEach((p, i) => {
    const cut = i >= periods.length - 3;
    for (const [tp, county, share] of [['Z1', '440802', 0.5], ['Z2', '440803', 0.3], ['Z3', '440802', 0.2]] as const) {
      rows.push(`(date '${p}-01', '${tp}', '${county}', 'K', 'M', '10113', ${amount(1000 * share, p, i, cut)})`);
    }
    for (const [tp, county, share] of [['G1', '440103', 0.5], ['G2', '440104', 0.3], ['G3', '440105', 0.2]] as const) {
      rows.push(`(date '${p}-01', '${tp}', '${county}', 'C', 'L', '10101', ${amount(5000 * share, p, i, false)})`);
    }
  });
  await wh.load('revenue', rows.join(',\n'));
  await wh.refresh();
});
afterAll(() => wh?.cleanup());

describe('revenue_anomalies', () => {
  it('finds the cut in 湛江 land VAT over the last three months, with the baseline and the deviation, and nothing else', async () => {
    // the fixture is small (about 1,000 元 a month): the materiality floor in 元 is lifted, the share of the city's revenue stays
    const rows = await wh.query('revenue_anomalies', { period: '2026-10', min_amount: 0 });
    expect(rows.map((r) => [r['city_code'], r['tax_code'], r['month_from'], r['period'], r['window_months'], r['direction']])).toEqual([
      ['440800', '10113', '2026-08', '2026-10', 3, '下降'],
    ]);
    for (const r of rows) {
      // baseline = the same three months last year × the typical YoY (≈ 5%); the actual is ≈ 55% of it
      expect(r['typical_yoy_pct']).toBeCloseTo(5, 0);
      expect(num(r, 'baseline')).toBeCloseTo(num(r, 'same_period_last_year') * (1 + num(r, 'typical_yoy_pct') / 100), 1);
      expect(num(r, 'deviation_pct')).toBeGreaterThan(-47);
      expect(num(r, 'deviation_pct')).toBeLessThan(-43);
      expect(num(r, 'deviation')).toBeCloseTo(num(r, 'amount') - num(r, 'baseline'), 1);
      // 湛江 pays only land VAT here: the deviation is the same share of its revenue over the three months
      expect(num(r, 'city_share_pct')).toBeCloseTo((-num(r, 'deviation') / num(r, 'amount')) * 100, 3);
      expect(num(r, 'robust_z')).toBeLessThan(-3.5);
      expect(r['baseline_months']).toBe(12);
    }
  });

  it('reports only material movements: below 1亿元 (the default floor) nothing is shown', async () => {
    expect(await wh.query('revenue_anomalies', { period: '2026-10' })).toEqual([]);
    expect(await wh.query('revenue_anomalies', { period: '2026-10', min_amount: 0, min_share_pct: 90 })).toEqual([]);
  });

  it('stays quiet before the cut, and leaves out cells that would reveal a taxpayer', async () => {
    expect(await wh.query('revenue_anomalies', { period: '2026-07', min_amount: 0 })).toEqual([]);
    // with only two of 湛江's three payers the cell could reveal one: it is never reported
    await wh.warehouse.run(`delete from revenue where taxpayer_id = 'Z3'`);
    await wh.refresh(periods);
    expect(await wh.query('revenue_anomalies', { period: '2026-10', min_amount: 0 })).toEqual([]);
  });
});
