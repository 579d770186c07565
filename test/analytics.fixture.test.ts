import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksHolding, runChecks } from '../pipeline/checks.js';
import type { ReportDefinition } from '../pipeline/reports.js';
import { projectPaths } from '../pipeline/workspace.js';
import path from 'node:path';
import { analyticsWarehouse, num, type AnalyticsWarehouse } from './helpers/analytics.js';

// A hand-computed fixture: 8 taxpayers, 2025 and 2026, reported for 2026-02 (every figure below is worked out by hand).
//   广州 440100: T1 (440103, C 制造业, L), T2 (440104, C, S), T3 (440105, F, XS), T7 (440103, F, IND: one deed-tax payment)
//   湛江 440800: T4 (440802, C, M), T5 (440803, K, S), T6 (440802, F, XS)
//   深圳 440300 (outside the jurisdiction): T9 — must never count.
// VAT 10101 by month (2025-01, 2025-02, 2026-01, 2026-02): T1 100 100 110 120, T2 40 40 50 50, T3 20 20 20 30,
//   T4 60 60 70 60, T5 30 30 20 30, T6 10 10 10 10, T9 1000 each. Jurisdiction VAT: 260 260 280 300.
// CIT 10104 in February: T1 50 → 40, T2 30 → 40, T4 20 → 20 (100 both years). Deed tax 10119: T7 10 in 2026-02 only.
// T1 pays 100 VAT in each of 2025-03..2025-12, so 2025 totals 620 + 1000 = 1620.
// Totals: 2025-01 260, 2025-02 360, 2026-01 280, 2026-02 410; YTD 690 against 620 (+70, 11.2903%).
const taxpayer: Record<string, [string, string, string]> = {
  T1: ['440103', 'C', 'L'], T2: ['440104', 'C', 'S'], T3: ['440105', 'F', 'XS'], T7: ['440103', 'F', 'IND'],
  T4: ['440802', 'C', 'M'], T5: ['440803', 'K', 'S'], T6: ['440802', 'F', 'XS'], T9: ['440304', 'C', 'L'],
};
const months = ['2025-01-01', '2025-02-01', '2026-01-01', '2026-02-01'];
const vat: Record<string, number[]> = { T1: [100, 100, 110, 120], T2: [40, 40, 50, 50], T3: [20, 20, 20, 30], T4: [60, 60, 70, 60], T5: [30, 30, 20, 30], T6: [10, 10, 10, 10], T9: [1000, 1000, 1000, 1000] };
const revenueRow = (period: string, tp: string, tax: string, amount: number) => {
  const [region, industry, size] = taxpayer[tp]!;
  return `(date '${period}', '${tp}', '${region}', '${industry}', '${size}', '${tax}', ${amount}::decimal(18,2))`;
};
const reliefRow = (period: string, tp: string, policy: string, amount: number) => {
  const [region, industry, size] = taxpayer[tp]!;
  return `(date '${period}', '${tp}', '${region}', '${industry}', '${size}', '${policy}', '10101', ${amount}::decimal(18,2))`;
};
const revenueRows = [
  ...Object.entries(vat).flatMap(([tp, amounts]) => amounts.map((a, i) => revenueRow(months[i]!, tp, '10101', a))),
  revenueRow('2025-02-01', 'T1', '10104', 50), revenueRow('2026-02-01', 'T1', '10104', 40),
  revenueRow('2025-02-01', 'T2', '10104', 30), revenueRow('2026-02-01', 'T2', '10104', 40),
  revenueRow('2025-02-01', 'T4', '10104', 20), revenueRow('2026-02-01', 'T4', '10104', 20),
  revenueRow('2026-02-01', 'T7', '10119', 10),
  ...[3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => revenueRow(`2025-${String(m).padStart(2, '0')}-01`, 'T1', '10101', 100)),
];
// Relief: R01 小规模减免 (tax_cut), R04 留抵退税 (refund), R08 失业保险费 (fee_cut).
// 2026 YTD: R01 46, R04 200, R08 2 = 248 (6 beneficiaries T1–T6); 2025 YTD: R01 40 (3 beneficiaries T2, T3, T6).
const reliefRows = [
  reliefRow('2025-01-01', 'T2', 'R01', 10), reliefRow('2025-01-01', 'T3', 'R01', 5), reliefRow('2025-01-01', 'T6', 'R01', 5),
  reliefRow('2025-02-01', 'T2', 'R01', 10), reliefRow('2025-02-01', 'T3', 'R01', 5), reliefRow('2025-02-01', 'T6', 'R01', 5),
  reliefRow('2026-01-01', 'T2', 'R01', 12), reliefRow('2026-01-01', 'T3', 'R01', 6), reliefRow('2026-01-01', 'T5', 'R01', 4),
  reliefRow('2026-01-01', 'T4', 'R04', 50), reliefRow('2026-01-01', 'T9', 'R01', 1000),
  reliefRow('2026-02-01', 'T2', 'R01', 12), reliefRow('2026-02-01', 'T3', 'R01', 6), reliefRow('2026-02-01', 'T6', 'R01', 6),
  reliefRow('2026-02-01', 'T3', 'R08', 2), reliefRow('2026-02-01', 'T1', 'R04', 100), reliefRow('2026-02-01', 'T2', 'R04', 30),
  reliefRow('2026-02-01', 'T5', 'R04', 20),
];

let wh: AnalyticsWarehouse;
const period = '2026-02';
beforeAll(async () => {
  wh = await analyticsWarehouse();
  await wh.load('revenue', revenueRows.join(',\n'));
  await wh.load('relief', reliefRows.join(',\n'));
  await wh.warehouse.run(`insert into budget_targets (year, region_code, tax_code, amount, file_id) values (2026, '440000', null, 4140, 0), (2026, '440100', null, 2820, 0), (2026, '440800', null, 1100, 0)`);
  await wh.refresh();
});
afterAll(() => wh?.cleanup());

const pct = (a: number, b: number) => ((a - b) / Math.abs(b)) * 100;

describe('revenue queries on the hand-computed fixture', () => {
  it('revenue_headline: month, YTD, 增收, YoY, MoM and the comparable rate without 留抵退税', async () => {
    const [h] = await wh.query('revenue_headline', { period });
    expect(h).toMatchObject({
      period, year: 2026, month: 2, month_from: '2026-02',
      month_amount: '410.00', month_prev: '360.00', month_diff: '50.00', last_month_amount: '280.00',
      ytd_amount: '690.00', ytd_prev: '620.00', ytd_diff: '70.00', ytd_refund: '200.00', ytd_refund_prev: '0.00', has_refund_factor: true,
    });
    expect(h!['month_yoy_pct']).toBeCloseTo(13.888889, 5);
    expect(h!['mom_pct']).toBeCloseTo(46.428571, 5);
    expect(h!['ytd_yoy_pct']).toBeCloseTo(11.290323, 5);
    expect(h!['ytd_comparable_yoy_pct']).toBeCloseTo(43.548387, 5); // (890 − 620) / 620
    expect(h!['comparable_effect_pp']).toBeCloseTo(32.258065, 5);
  });

  it('revenue_headline: January–February combined on request; one city on request', async () => {
    const [h] = await wh.query('revenue_headline', { period, combine_jan_feb: 'true' });
    expect(h).toMatchObject({ month_from: '2026-01', month_amount: '690.00', month_prev: '620.00', last_month_amount: null, mom_pct: null });
    const [z] = await wh.query('revenue_headline', { period, region: '440800' });
    expect(z).toMatchObject({ month_amount: '120.00', month_prev: '120.00', ytd_amount: '220.00', ytd_prev: '220.00', ytd_refund: '70.00' });
    expect(z!['ytd_yoy_pct']).toBe(0);
  });

  it('revenue_breakdown by city: shares, share changes and contributions that add up to the growth', async () => {
    const rows = await wh.query('revenue_breakdown', { period, dimension: 'city' });
    expect(rows.map((r) => [r['code'], r['name'], r['ytd_amount'], r['ytd_prev'], r['month_amount'], r['month_prev'], r['rank']])).toEqual([
      ['440100', '广州市', '470.00', '400.00', '290.00', '240.00', 1],
      ['440800', '湛江市', '220.00', '220.00', '120.00', '120.00', 2],
      [null, '合计', '690.00', '620.00', '410.00', '360.00', null],
    ]);
    const [gz, zj, total] = rows;
    expect(gz!['share_pct']).toBeCloseTo((470 / 690) * 100, 9);
    expect(gz!['share_change_pp']).toBeCloseTo((470 / 690 - 400 / 620) * 100, 9);
    expect(gz!['contribution_pp']).toBeCloseTo((70 / 620) * 100, 9);
    expect(zj!['contribution_pp']).toBe(0);
    expect(zj!['share_change_pp']).toBeCloseTo((220 / 690 - 220 / 620) * 100, 9);
    expect(gz!['ytd_yoy_pct']).toBeCloseTo(17.5, 9);
    expect(num(gz, 'contribution_pp') + num(zj, 'contribution_pp')).toBeCloseTo(num(total, 'ytd_yoy_pct'), 9);
    expect(rows.some((r) => r['is_other'])).toBe(false);
  });

  it('revenue_breakdown by tax: a one-taxpayer cell is folded into 其他 together with the next smallest part', async () => {
    const rows = await wh.query('revenue_breakdown', { period, dimension: 'tax' });
    // 契税 has one taxpayer (T7): alone 其他 would reveal it, so 企业所得税 (the smallest passing part) joins it.
    expect(rows.map((r) => [r['code'], r['name'], r['is_other'], r['month_amount'], r['month_prev'], r['ytd_amount'], r['ytd_prev'], r['folded_cells']])).toEqual([
      ['10101', '增值税', false, '300.00', '260.00', '580.00', '520.00', null],
      [null, '其他', true, '110.00', '100.00', '110.00', '100.00', 2],
      [null, '合计', false, '410.00', '360.00', '690.00', '620.00', null],
    ]);
    expect(rows[1]!['note']).toMatch(/少于3户.*85%/);
    expect(rows[0]!['contribution_pp']).toBeCloseTo((60 / 620) * 100, 9);
    expect(rows[1]!['contribution_pp']).toBeCloseTo((10 / 620) * 100, 9);
    expect(rows[0]!['share_change_pp']).toBeCloseTo((580 / 690 - 520 / 620) * 100, 9);
    expect(rows[0]!['month_yoy_pct']).toBeCloseTo(pct(300, 260), 9);
  });

  it('revenue_breakdown never shows Shenzhen, and the old revenue_by_tax agrees on the totals', async () => {
    const rows = await wh.query('revenue_breakdown', { period, dimension: 'county' });
    expect(rows.map((r) => r['code'])).not.toContain('440304');
    const byTax = await wh.query('revenue_by_tax', { period });
    expect(byTax.at(-1)).toMatchObject({ is_total: true, ytd_amount: '690.00', ytd_prev: '620.00', diff: '70.00' });
  });

  it('revenue_top_movers: the parts that moved, with their contribution; unchanged and undisclosable parts left out', async () => {
    expect(await wh.query('revenue_top_movers', { period, dimension: 'city' })).toEqual([
      { direction: '增收', rank: 1, code: '440100', name: '广州市', ytd_amount: '470.00', ytd_prev: '400.00', ytd_diff: '70.00', ytd_yoy_pct: 17.5, contribution_pp: (70 / 620) * 100 },
    ]);
    const taxes = await wh.query('revenue_top_movers', { period, dimension: 'tax' });
    expect(taxes.map((r) => [r['code'], r['ytd_diff']])).toEqual([['10101', '60.00']]);
  });

  it('revenue_comparable: one row per named factor beside the headline', async () => {
    const rows = await wh.query('revenue_comparable', { period });
    expect(rows.map((r) => [r['factor'], r['factor_name'], r['factor_ytd'], r['factor_prev']])).toEqual([
      ['refund', '留抵退税', '200.00', '0.00'], ['deferral', '缓税缓费', '0.00', '0.00'], ['refund+deferral', '留抵退税和缓税缓费', '200.00', '0.00'],
    ]);
    expect(rows[0]!['comparable_yoy_pct']).toBeCloseTo(pct(890, 620), 9);
    expect(rows[0]!['effect_pp']).toBeCloseTo(pct(890, 620) - pct(690, 620), 9);
    expect(rows[1]!['comparable_yoy_pct']).toBeCloseTo(pct(690, 620), 9);
    expect(rows[1]!['effect_pp']).toBe(0);
  });

  it('revenue_budget_progress: YTD against the target, beside time progress (2/12)', async () => {
    const rows = await wh.query('revenue_budget_progress', { period });
    expect(rows.map((r) => [r['region_code'], r['target'], r['ytd_amount'], r['rank']])).toEqual([
      ['440000', '4140.00', '690.00', null], ['440800', '1100.00', '220.00', 1], ['440100', '2820.00', '470.00', 2],
    ]);
    expect(rows[0]!['progress_pct']).toBeCloseTo((690 / 4140) * 100, 9);
    expect(rows[1]!['progress_pct']).toBeCloseTo(20, 9);
    expect(rows[1]!['time_progress_pct']).toBeCloseTo((2 / 12) * 100, 9);
    expect(rows[1]!['gap_pp']).toBeCloseTo(20 - (2 / 12) * 100, 9);
    expect(rows[2]!['gap_pp']).toBeCloseTo(0, 9);
  });

  it('revenue_projection: the rest of last year × YTD growth, with the interval from the monthly spread', async () => {
    const [p] = await wh.query('revenue_projection', { period });
    const ratio = 690 / 620;
    const logs = [Math.log(280 / 260), Math.log(410 / 360)];
    const mean = (logs[0]! + logs[1]!) / 2;
    const s = Math.sqrt(((logs[0]! - mean) ** 2 + (logs[1]! - mean) ** 2) / 1);
    expect(p).toMatchObject({ year: 2026, months_elapsed: 2, ytd_amount: '690.00', ytd_prev: '620.00', last_year_amount: '1620.00', rest_prev: '1000.00', projection: '1802.90' });
    expect(p!['monthly_log_sd']).toBeCloseTo(s, 9);
    expect(num(p, 'low')).toBeCloseTo(690 + 1000 * ratio * Math.exp((-1.96 * s) / Math.sqrt(10)), 2);
    expect(num(p, 'high')).toBeCloseTo(690 + 1000 * ratio * Math.exp((1.96 * s) / Math.sqrt(10)), 2);
    expect(p!['projected_yoy_pct']).toBeCloseTo(pct(690 + 1000 * ratio, 1620), 9);
    expect(String(p!['method'])).toMatch(/累计增速外推/);
  });

  it('revenue_trend: monthly amounts with YoY', async () => {
    const rows = await wh.query('revenue_trend', { period, months: 3 });
    expect(rows.map((r) => [r['period'], r['amount']])).toEqual([['2025-12', '100.00'], ['2026-01', '280.00'], ['2026-02', '410.00']]);
    expect(rows[0]!['yoy_pct']).toBeNull();
    expect(rows[2]!['yoy_pct']).toBeCloseTo(pct(410, 360), 9);
    // January and February also carry 1—2月 together: 690 against 260 + 360; December none
    expect(rows[0]!['yoy_jan_feb_pct']).toBeNull();
    expect(rows[1]!['yoy_jan_feb_pct']).toBeCloseTo(pct(690, 620), 9);
    expect(rows[2]!['yoy_jan_feb_pct']).toBeCloseTo(pct(690, 620), 9);
    // a January brief has no 1—2月 rate, though February is in the warehouse
    expect((await wh.query('revenue_trend', { period: '2026-01', months: 1 }))[0]!['yoy_jan_feb_pct']).toBeNull();
  });
});

describe('relief queries on the hand-computed fixture', () => {
  it('relief_headline: totals by kind, distinct beneficiaries over the year, intensity, manufacturing and 小微 shares', async () => {
    const [h] = await wh.query('relief_headline', { period });
    expect(h).toMatchObject({
      ytd_amount: '248.00', ytd_prev: '40.00', ytd_diff: '208.00', month_amount: '176.00', month_prev: '20.00',
      tax_cut_amount: '46.00', fee_cut_amount: '2.00', refund_amount: '200.00', deferral_amount: '0.00',
      beneficiaries: '6', beneficiaries_prev: '3', per_beneficiary: '41.33',
      manufacturing_amount: '204.00', small_micro_amount: '98.00', small_micro_beneficiaries: '4',
    });
    expect(h!['ytd_yoy_pct']).toBeCloseTo(520, 9);
    expect(h!['month_yoy_pct']).toBeCloseTo(780, 9);
    expect(h!['intensity_pct']).toBeCloseTo((248 / (690 + 248)) * 100, 9);
    expect(h!['manufacturing_share_pct']).toBeCloseTo((204 / 248) * 100, 9);
    expect(h!['small_micro_share_pct']).toBeCloseTo((98 / 248) * 100, 9);
  });

  it('relief_breakdown by kind: 留抵退税 shown, 减税 and the one-beneficiary 降费 folded into 其他', async () => {
    const rows = await wh.query('relief_breakdown', { period, dimension: 'kind' });
    expect(rows.map((r) => [r['code'], r['name'], r['month_amount'], r['month_prev'], r['ytd_amount'], r['ytd_prev'], r['beneficiaries'], r['beneficiaries_prev'], r['per_beneficiary'], r['folded_cells']])).toEqual([
      ['refund', '留抵退税', '150.00', '0.00', '200.00', '0.00', '4', '0', '50.00', null],
      [null, '其他', '26.00', '20.00', '48.00', '40.00', null, null, null, 2],
      [null, '合计', '176.00', '20.00', '248.00', '40.00', '6', '3', '41.33', null],
    ]);
    expect(rows[0]!['ytd_yoy_pct']).toBeNull();
    expect(rows[0]!['share_change_pp']).toBeCloseTo((200 / 248) * 100, 9);
    expect(rows[1]!['ytd_yoy_pct']).toBeCloseTo(20, 9);
    expect(rows[2]!['intensity_pct']).toBeCloseTo((248 / 938) * 100, 9);
  });

  it('relief_breakdown by policy and city: cells that would reveal a taxpayer never appear', async () => {
    // 广州 had 2 beneficiaries last year; in 湛江 T4's refund is over 85% of January's: both fold, so only 其他 and 合计 remain.
    const cities = await wh.query('relief_breakdown', { period, dimension: 'city' });
    expect(cities.map((r) => [r['name'], r['ytd_amount'], r['beneficiaries']])).toEqual([['其他', '248.00', '6'], ['合计', '248.00', '6']]);
    const policies = await wh.query('relief_breakdown', { period, dimension: 'policy' });
    expect(policies.map((r) => [r['code'], r['ytd_amount'], r['beneficiaries']])).toEqual([
      ['R04', '200.00', '4'], [null, '48.00', null], [null, '248.00', '6'],
    ]);
  });

  it('relief_breakdown by size: sizes that would reveal a beneficiary fold into 其他, whose distinct beneficiaries add up', async () => {
    const rows = await wh.query('relief_breakdown', { period, dimension: 'size' });
    // no size has 3 beneficiaries (L: T1, M: T4, S: T2 T5, XS: T3 T6); together they are 6 and T1's 100 is under 85% of 248
    expect(rows.map((r) => [r['name'], r['ytd_amount'], r['ytd_prev'], r['month_amount'], r['beneficiaries'], r['beneficiaries_prev'], r['folded_cells'], r['withheld']])).toEqual([
      ['其他', '248.00', '40.00', '176.00', '6', '3', 4, false],
      ['合计', '248.00', '40.00', '176.00', '6', '3', null, false],
    ]);
  });
});

describe('checks and holds on the fixture', () => {
  const report = (id: string, query: string): ReportDefinition => ({
    id, name: id, description: '', template: id, title: '', classification: '', issuer: '', scope: 'province',
    queries: { q: { query } }, charts: {}, file: '', sha256: '',
  });

  it('sums reconcile; a missing city fails and holds only the briefs that read revenue', async () => {
    const results = await runChecks(wh.warehouse, path.join(projectPaths().queries, 'checks'), { period });
    const failing = results.filter((c) => !c.holds).map((c) => c.id);
    // the fixture has only two of the twenty cities
    expect(failing).toEqual(['period_has_every_city']);
    expect(results.find((c) => c.id === 'period_has_every_city')!.rows).toHaveLength(18);
    const revenueBrief = report('rev', 'revenue_breakdown');
    const budgetOnly = report('inputs', 'brief_inputs');
    expect(checksHolding(revenueBrief, wh.queries, results).map((c) => c.id)).toEqual(['period_has_every_city']);
    expect(checksHolding(budgetOnly, wh.queries, results)).toEqual([]);
  });

  it('the latest period must be the expected one', async () => {
    expect(await wh.check('latest_period_expected', { period })).toEqual([]);
    expect(await wh.check('latest_period_expected', { period: '2026-03' })).toEqual([
      { expected: '2026-03', latest_revenue: '2026-02', latest_relief: '2026-02' },
    ]);
  });
});
