import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsWarehouse, num, type AnalyticsWarehouse } from './helpers/analytics.js';

// The Spring Festival rule of revenue_anomalies, on four cities × two taxes, 2023-09 … 2026-04, every month 1,000 元 a
// city and tax (three taxpayers: 50/30/20%) with a ±0.5% wiggle. The festival (2023 Jan, 2024 Feb, 2025 Jan, 2026 Feb)
// moves revenue: the festival month collects ×0.6, the other of January/February ×1.4 (January + February unchanged).
// - 企业所得税 10104: every city shifts together (the calendar effect);
// - 国内增值税 10101: only 湛江 shifts, the other three do not.
// By hand, for the run 2025-11 … 2026-01 of a city that shifts: (1,000 + 1,000 + 1,400) / (1,000 + 1,000 + 600) = 3.4 / 2.6,
// +30.8%, where the 12 baseline runs (ending 2024-11 … 2025-10) are all 0% but two (−23.5%, +30.8%): z ≈ 0.6745 × ln(3.4/2.6) / 1%
// ≈ 18 against its own history. Against the median city it is 0 when all shift, and still ≈ 18 when only 湛江 does.
const cities = [
  { code: '440100', counties: ['440103', '440104', '440105'] },
  { code: '440200', counties: ['440203', '440204', '440205'] },
  { code: '440400', counties: ['440402', '440403', '440402'] },
  { code: '440800', counties: ['440802', '440803', '440802'] },
];
const festivalInJanuary: Record<number, boolean> = { 2023: true, 2024: false, 2025: true, 2026: false };
const festival = (p: string) => {
  const [y, m] = p.split('-').map(Number) as [number, number];
  if (m > 2) return 1;
  return (m === 1) === festivalInJanuary[y] ? 0.6 : 1.4;
};
const periods: string[] = [];
for (let k = 2023 * 12 + 8; k <= 2026 * 12 + 3; k++) periods.push(`${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`);

let wh: AnalyticsWarehouse;
beforeAll(async () => {
  wh = await analyticsWarehouse();
  const rows: string[] = [];
  periods.forEach((p, i) => {
    cities.forEach(({ code, counties }, c) => {
      const wiggle = 1 + 0.005 * Math.sin(i * 2.3 + c);
      for (const [tax, shifts] of [['10104', true], ['10101', code === '440800']] as const) {
        const month = 1000 * wiggle * (shifts ? festival(p) : 1);
        [0.5, 0.3, 0.2].forEach((share, t) => rows.push(`(date '${p}-01', 'T${code}${tax}${t}', '${counties[t]}', 'C', 'M', '${tax}', ${(month * share).toFixed(2)})`));
      }
    });
  });
  await wh.load('revenue', rows.join(',\n'));
  await wh.refresh();
});
afterAll(() => wh?.cleanup());

// the fixture is small (4,000 元 a month a city): the 1亿元 floor is lifted, the other floors stay
const anomalies = (period: string, region?: string) => wh.query('revenue_anomalies', { period, min_amount: 0, ...(region ? { region } : {}) });

describe('revenue_anomalies around the Spring Festival', () => {
  it('reports nothing when every city shifts together, and flags the one city that shifts alone (window ending January)', async () => {
    const rows = await anomalies('2026-01');
    expect(rows.map((r) => [r['city_code'], r['tax_code'], r['month_from'], r['direction'], r['festival_window']])).toEqual([
      ['440800', '10101', '2025-11', '增长', true],
    ]);
    const [r] = rows;
    // by hand: 3.4 / 2.6 of last year, against a baseline of last year × the median city's YoY (≈ 0%) × 湛江's usual distance (≈ 0)
    expect(num(r!, 'amount') / num(r!, 'same_period_last_year')).toBeCloseTo(3.4 / 2.6, 2);
    expect(num(r!, 'typical_yoy_pct')).toBeCloseTo(0, 0);
    expect(num(r!, 'deviation_pct')).toBeCloseTo((3.4 / 2.6 - 1) * 100, 0);
    expect(num(r!, 'robust_z')).toBeGreaterThan(15);
    expect(num(r!, 'robust_z')).toBeLessThan(21);
  });

  it('does the same for the window ending April (February in it), the lone city now below', async () => {
    // 2026-02 … 04 against 2025-02 … 04: (600 + 1,000 + 1,000) / (1,400 + 1,000 + 1,000) = 2.6 / 3.4
    const rows = await anomalies('2026-04');
    expect(rows.map((r) => [r['city_code'], r['tax_code'], r['direction']])).toEqual([['440800', '10101', '下降']]);
    expect(num(rows[0]!, 'deviation_pct')).toBeCloseTo((2.6 / 3.4 - 1) * 100, 0);
  });

  it('compares a city with the others also when one city is examined (--region)', async () => {
    expect(await anomalies('2026-01', '440100')).toEqual([]);
    expect((await anomalies('2026-01', '440800')).map((r) => r['tax_code'])).toEqual(['10101']);
  });

  it('gives a city edition ($city, a row filter of the jurisdiction\'s answer) the rows --region gives, festival windows too', async () => {
    const loose = { min_amount: 0, threshold: 0, min_pct: 0, min_share_pct: 0 };
    let compared = 0;
    for (const period of ['2026-01', '2026-04', '2025-10']) {
      const cities = [...new Set((await wh.query('revenue_anomalies', { period, ...loose })).map((r) => String(r['city_code'])))];
      expect(cities.length).toBeGreaterThanOrEqual(2);
      for (const city of cities) {
        const byRegion = await wh.query('revenue_anomalies', { period, region: city, ...loose });
        expect(await wh.query('revenue_anomalies', { period, city, ...loose })).toEqual(byRegion);
        compared += byRegion.length;
      }
    }
    expect(compared).toBeGreaterThan(8);
  });

  it('windows without January or February are judged on each city\'s own history', async () => {
    // 2025-08 … 10: nothing moved, nothing reported, and not a festival window
    expect(await anomalies('2025-10')).toEqual([]);
    const all = await wh.query('revenue_anomalies', { period: '2025-10', min_amount: 0, threshold: 0, min_pct: 0, min_share_pct: 0 });
    expect(all.length).toBe(8);
    expect(all.every((r) => r['festival_window'] === false)).toBe(true);
  });
});
