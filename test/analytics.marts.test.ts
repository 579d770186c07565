import { afterEach, describe, expect, it } from 'vitest';
import { analyticsWarehouse, type AnalyticsWarehouse } from './helpers/analytics.js';

// Marts are refreshed for the months that changed: the files ledger (file_id after the last refresh) says which.
const row = (period: string, tp: string, region: string, tax: string, amount: number) =>
  `(date '${period}', '${tp}', '${region}', 'C', 'S', '${tax}', ${amount}::decimal(18,2))`;
const relief = (period: string, tp: string, policy: string, amount: number) =>
  `(date '${period}', '${tp}', '440103', 'C', 'S', '${policy}', '10101', ${amount}::decimal(18,2))`;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
async function open(): Promise<AnalyticsWarehouse> {
  const wh = await analyticsWarehouse();
  cleanups.push(wh.cleanup);
  return wh;
}
// Independent SQL: each grouping set's first month per taxpayer in its year, straight from the facts and the seeds.
const beneficiarySets: Record<string, string[]> = {
  total: [], kind: ['kind'], policy: ['policy_code'], section: ['section_code'], size: ['size_code'], city: ['city_code'], region_group: ['region_group'],
  'city,kind': ['city_code', 'kind'], 'city,policy': ['city_code', 'policy_code'], 'city,section': ['city_code', 'section_code'], 'city,size': ['city_code', 'size_code'],
};
const beneficiaryColumns = ['city_code', 'region_group', 'kind', 'policy_code', 'section_code', 'size_code'];
const independentBeneficiaries = async (wh: AnalyticsWarehouse) => (await Promise.all(Object.entries(beneficiarySets).map(([set, by]) => wh.warehouse.all(
  `select year::integer as year, strftime(first, '%Y-%m') as p, '${set}' as grouping_set, in_jurisdiction,
          ${beneficiaryColumns.map((c) => (by.includes(c) ? c : `null::varchar as ${c}`)).join(', ')}, count(*)::integer as n
   from (
     select year(r.period) as year, r.taxpayer_id, g.in_jurisdiction${by.map((c) => `, ${c}`).join('')}, min(r.period) as first
     from relief r join regions g on g.code = r.region_code join industries i on i.code = r.industry_code join relief_policies p on p.code = r.policy_code
     where r.superseded_by is null
     group by all
   ) group by all`,
)))).flat();
const martBeneficiaries = (wh: AnalyticsWarehouse) => wh.warehouse.all(
  `select year, strftime(first_period, '%Y-%m') as p, grouping_set, in_jurisdiction, ${beneficiaryColumns.join(', ')}, new_beneficiaries as n from mart_relief_beneficiaries`,
);
const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

const martSnapshot = async (wh: AnalyticsWarehouse) => ({
  revenue: await wh.warehouse.all(`select strftime(period, '%Y-%m') as p, region_code, tax_code, amount, taxpayers, largest_amount from mart_revenue order by all`),
  relief: await wh.warehouse.all(`select strftime(period, '%Y-%m') as p, policy_code, amount, beneficiaries, largest_amount from mart_relief order by all`),
  beneficiaries: await wh.warehouse.all(`select year, strftime(first_period, '%Y-%m') as p, grouping_set, kind, policy_code, city_code, size_code, new_beneficiaries from mart_relief_beneficiaries order by all`),
});

describe('mart refresh by changed period', () => {
  it('rebuilds everything the first time, then only the months of newly loaded files, and nothing when nothing is new', async () => {
    const wh = await open();
    await wh.load('revenue', [row('2026-01-01', 'A', '440103', '10101', 10), row('2026-02-01', 'A', '440103', '10101', 20)].join(','));
    await wh.load('relief', [relief('2026-01-01', 'A', 'R01', 1), relief('2026-02-01', 'B', 'R01', 2)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'full', periods: ['2026-01', '2026-02'] });
    expect(await wh.refresh()).toEqual({ mode: 'none', periods: [] });

    // a new month arrives: only it is rebuilt (and the beneficiaries of its year)
    await wh.load('revenue', row('2026-03-01', 'A', '440103', '10101', 30));
    await wh.load('relief', relief('2026-03-01', 'A', 'R01', 3));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-03'] });

    // a restated month (ingest deletes the old rows of the period and loads the new file)
    await wh.warehouse.run(`delete from revenue where period = date '2026-01-01'`);
    await wh.load('revenue', row('2026-01-01', 'A', '440103', '10101', 11));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-01'] });

    const incremental = await martSnapshot(wh);
    expect(incremental.revenue.map((r) => [r['p'], r['amount']])).toEqual([['2026-01', '11.00'], ['2026-02', '20.00'], ['2026-03', '30.00']]);
    // A was first a beneficiary in January, B in February: 2 distinct over the year, not 3 monthly counts
    const totals = incremental.beneficiaries.filter((r) => r['grouping_set'] === 'total').map((r) => [r['p'], r['new_beneficiaries']]);
    expect(totals).toEqual([['2026-01', 1], ['2026-02', 1]]);

    // the incremental result equals a full rebuild from the facts
    await wh.warehouse.run(`delete from mart_refreshes`);
    expect((await wh.refresh()).mode).toBe('full');
    expect(await martSnapshot(wh)).toEqual(incremental);
  });

  it('folds new months into the beneficiaries from their own facts, and the result equals a rebuild from all the facts', async () => {
    const wh = await open();
    await wh.load('relief', [relief('2026-01-01', 'A', 'R01', 1), relief('2026-02-01', 'B', 'R01', 2)].join(','));
    expect((await wh.refresh()).mode).toBe('full');
    // March: A takes a second policy (new to the policy and kind groupings, not to the total); C is new everywhere.
    await wh.load('relief', [relief('2026-03-01', 'A', 'R01', 3), relief('2026-03-01', 'A', 'R04', 4), relief('2026-03-01', 'C', 'R01', 5)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-03'] });
    // April and May at once: B returns (nothing new), D arrives in April and again in May (new in April only).
    await wh.load('relief', [relief('2026-04-01', 'D', 'R01', 1), relief('2026-04-01', 'B', 'R01', 1)].join(','));
    await wh.load('relief', [relief('2026-05-01', 'D', 'R01', 1), relief('2026-05-01', 'B', 'R02', 1)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-04', '2026-05'] });
    const extended = await martSnapshot(wh);
    const newIn = (set: string) => extended.beneficiaries.filter((r) => r['grouping_set'] === set).map((r) => [r['p'], r['policy_code'] ?? r['kind'] ?? null, r['new_beneficiaries']]);
    expect(newIn('total')).toEqual([['2026-01', null, 1], ['2026-02', null, 1], ['2026-03', null, 1], ['2026-04', null, 1]]);
    expect(newIn('policy')).toEqual([['2026-01', 'R01', 1], ['2026-02', 'R01', 1], ['2026-03', 'R01', 1], ['2026-03', 'R04', 1], ['2026-04', 'R01', 1], ['2026-05', 'R02', 1]]);
    expect(newIn('kind')).toEqual([['2026-01', 'tax_cut', 1], ['2026-02', 'tax_cut', 1], ['2026-03', 'refund', 1], ['2026-03', 'tax_cut', 1], ['2026-04', 'tax_cut', 1]]);
    // a restated earlier month is no extension: its year is rebuilt (A's January relief withdrawn, so A is new in March)
    await wh.warehouse.run(`delete from relief where period = date '2026-01-01'`);
    await wh.load('relief', relief('2026-01-01', 'B', 'R01', 1));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-01'] });
    const restated = await martSnapshot(wh);
    expect(restated.beneficiaries.filter((r) => r['grouping_set'] === 'total').map((r) => [r['p'], r['new_beneficiaries']])).toEqual([['2026-01', 1], ['2026-03', 2], ['2026-04', 1]]);
    await wh.warehouse.run(`delete from mart_refreshes`);
    expect((await wh.refresh()).mode).toBe('full');
    expect(await martSnapshot(wh)).toEqual(restated);
  });

  it('builds in full across a year boundary: the beneficiaries equal independent SQL on the facts', async () => {
    const wh = await open();
    // two years: A in Nov 2025 and again in Jan 2026 (new in each year), B from Dec 2025 on two policies, C only in Feb 2026
    await wh.load('relief', [relief('2025-11-01', 'A', 'R01', 1), relief('2025-12-01', 'B', 'R01', 2), relief('2025-12-01', 'B', 'R04', 3)].join(','));
    await wh.load('relief', [relief('2026-01-01', 'A', 'R01', 1), relief('2026-01-01', 'B', 'R04', 1), relief('2026-02-01', 'C', 'R01', 1), relief('2026-02-01', 'A', 'R04', 1)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'full', periods: ['2025-11', '2025-12', '2026-01', '2026-02'] });
    const mart = (set: string) =>
      wh.warehouse.all(`select year, strftime(first_period, '%Y-%m') as p, policy_code, new_beneficiaries::integer as n from mart_relief_beneficiaries where grouping_set = '${set}' order by all`);
    const independent = (by: string) =>
      wh.warehouse.all(
        `select year::integer as year, strftime(first, '%Y-%m') as p, ${by === '' ? 'null' : by} as policy_code, count(*)::integer as n
         from (select year(period) as year, taxpayer_id${by === '' ? '' : `, ${by}`}, min(period) as first from relief group by all) group by all order by all`,
      );
    expect(await mart('total')).toEqual(await independent(''));
    expect(await mart('policy')).toEqual(await independent('policy_code'));
    // by hand: 2025 A (Nov) and B (Dec); 2026 A and B (Jan), C (Feb)
    expect((await mart('total')).map((r) => [r['year'], r['p'], r['n']])).toEqual([[2025, '2025-11', 1], [2025, '2025-12', 1], [2026, '2026-01', 2], [2026, '2026-02', 1]]);
  });


  it('counts taxpayers that move between regions, industries or sizes in a year exactly in every grouping set, built in full and folded month by month', async () => {
    const wh = await open();
    const at = (period: string, tp: string, region: string, industry: string, size: string, policy: string) =>
      `(date '${period}', '${tp}', '${region}', '${industry}', '${size}', '${policy}', '10101', 1::decimal(18,2))`;
    // A moves from 广州 to 韶关 in March (new to both cities, not to the province's total); B changes industry (C13 →
    // F, two sections) and size; C stays in 深圳 (outside the jurisdiction) with two tax cuts, one of them only from
    // March; D has a region the seeds lack (counted nowhere) and a known one; E stays put.
    await wh.load('relief', [
      at('2026-01-01', 'A', '440103', 'C13', 'S', 'R01'), at('2026-01-01', 'B', '440104', 'C13', 'S', 'R01'),
      at('2026-01-01', 'C', '440304', 'F', 'M', 'R01'), at('2026-01-01', 'D', '449999', 'F', 'S', 'R01'), at('2026-01-01', 'E', '440203', 'F', 'L', 'R04'),
    ].join(','));
    await wh.load('relief', [
      at('2026-02-01', 'A', '440103', 'C13', 'S', 'R01'), at('2026-02-01', 'B', '440104', 'F', 'M', 'R01'),
      at('2026-02-01', 'D', '440203', 'F', 'S', 'R04'), at('2026-02-01', 'E', '440203', 'F', 'L', 'R04'),
    ].join(','));
    expect((await wh.refresh()).mode).toBe('full');
    await wh.load('relief', [
      at('2026-03-01', 'A', '440203', 'C13', 'S', 'R01'), at('2026-03-01', 'A', '440203', 'C13', 'S', 'R02'),
      at('2026-03-01', 'C', '440304', 'F', 'M', 'R02'), at('2026-03-01', 'E', '440204', 'F', 'L', 'R04'),
    ].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-03'] });
    const independent = await independentBeneficiaries(wh);
    const mart = () => martBeneficiaries(wh);
    const folded = await mart();
    expect(sorted(folded)).toEqual(sorted(independent));
    // by hand: A is new to 韶关 in March, to R02 in March; B is in two sections and two sizes from February; D counts
    // from February only (its January region is unknown); 深圳's C is new to R02 in March
    const cell = (set: string, p: string, where: (r: Record<string, unknown>) => boolean) => folded.filter((r) => r['grouping_set'] === set && r['p'] === p && where(r)).map((r) => r['n']);
    expect(cell('city', '2026-03', (r) => r['city_code'] === '440200')).toEqual([1]);
    expect(cell('total', '2026-03', () => true)).toEqual([]);
    expect(cell('total', '2026-02', (r) => r['in_jurisdiction'] === true)).toEqual([1]);
    expect(cell('section', '2026-02', (r) => r['section_code'] === 'F' && r['in_jurisdiction'] === true)).toEqual([2]);
    expect(cell('policy', '2026-03', (r) => r['policy_code'] === 'R02').sort()).toEqual([1, 1]);
    // a rebuild from all the facts gives the same mart
    await wh.warehouse.run(`delete from mart_refreshes`);
    expect((await wh.refresh()).mode).toBe('full');
    expect(sorted(await mart())).toEqual(sorted(independent));
  });
  it('folds a January on its own (a new year begins) and the February after it: every grouping set equals independent SQL', async () => {
    const wh = await open();
    const at = (period: string, tp: string, region: string, industry: string, size: string, policy: string) =>
      `(date '${period}', '${tp}', '${region}', '${industry}', '${size}', '${policy}', '10101', 1::decimal(18,2))`;
    await wh.load('relief', [at('2025-11-01', 'A', '440103', 'C13', 'S', 'R01'), at('2025-12-01', 'B', '440104', 'F', 'M', 'R01'), at('2025-12-01', 'E', '440203', 'F', 'L', 'R04')].join(','));
    expect((await wh.refresh()).mode).toBe('full');
    const before = sorted((await martBeneficiaries(wh)).filter((r) => r['year'] === 2025));
    // January, in two files of overlapping feeds: A in two regions under two policies (two homes), B twice on R01 (in
    // both files), C outside the jurisdiction, D in a region the seeds lack, F in a region, industry and size never
    // seen before (a new cell and home); E's row is restated (superseded) and must count nowhere.
    await wh.load('relief', [
      at('2026-01-01', 'A', '440103', 'C13', 'S', 'R01'), at('2026-01-01', 'A', '440203', 'C13', 'S', 'R02'), at('2026-01-01', 'B', '440104', 'F', 'M', 'R01'),
      at('2026-01-01', 'C', '440304', 'F', 'M', 'R01'), at('2026-01-01', 'D', '449999', 'F', 'S', 'R01'), at('2026-01-01', 'E', '440203', 'F', 'L', 'R04'),
    ].join(','));
    const second = await wh.load('relief', [at('2026-01-01', 'B', '440104', 'F', 'M', 'R01'), at('2026-01-01', 'F', '440204', 'K', 'XS', 'R04')].join(','));
    await wh.warehouse.run(`update relief set superseded_by = ${second} where taxpayer_id = 'E' and period = date '2026-01-01'`);
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-01'] });
    expect(sorted(await martBeneficiaries(wh))).toEqual(sorted(await independentBeneficiaries(wh)));
    // by hand: A, B, F are new in the province in January 2026 (C is outside, D's region unknown, E restated away)
    const total = (await martBeneficiaries(wh)).filter((r) => r['grouping_set'] === 'total' && r['in_jurisdiction'] === true).map((r) => [r['year'], r['p'], r['n']]);
    expect(total.sort()).toEqual([[2025, '2025-11', 1], [2025, '2025-12', 2], [2026, '2026-01', 3]]);
    // the year before is left as it was
    expect(sorted((await martBeneficiaries(wh)).filter((r) => r['year'] === 2025))).toEqual(before);
    // February extends the year: D moves to a known region, A takes R01 again (nothing new), E arrives
    await wh.load('relief', [at('2026-02-01', 'D', '440203', 'F', 'S', 'R01'), at('2026-02-01', 'A', '440103', 'C13', 'S', 'R01'), at('2026-02-01', 'E', '440203', 'F', 'L', 'R04')].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2026-02'] });
    const folded = sorted(await martBeneficiaries(wh));
    expect(folded).toEqual(sorted(await independentBeneficiaries(wh)));
    await wh.warehouse.run(`delete from mart_refreshes`);
    expect((await wh.refresh()).mode).toBe('full');
    expect(sorted(await martBeneficiaries(wh))).toEqual(folded);
    // The next January from one file (its rows are taken as first-seen rows without grouping), restated before it is
    // folded: the first file's rows are superseded and count nowhere. A is in two homes, B on two policies of one kind.
    const first = await wh.load('relief', [at('2027-01-01', 'A', '440103', 'C13', 'S', 'R01'), at('2027-01-01', 'G', '440104', 'F', 'M', 'R01')].join(','));
    const restated = await wh.load('relief', [
      at('2027-01-01', 'A', '440103', 'C13', 'S', 'R01'), at('2027-01-01', 'A', '440203', 'F', 'M', 'R04'),
      at('2027-01-01', 'B', '440104', 'F', 'M', 'R01'), at('2027-01-01', 'B', '440104', 'F', 'M', 'R02'),
    ].join(','));
    await wh.warehouse.run(`update relief set superseded_by = ${restated} where file_id = ${first}`);
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2027-01'] });
    expect(sorted(await martBeneficiaries(wh))).toEqual(sorted(await independentBeneficiaries(wh)));
    expect((await martBeneficiaries(wh)).filter((r) => r['year'] === 2027 && r['grouping_set'] === 'total').map((r) => r['n'])).toEqual([2]);
    expect(await wh.warehouse.all(`select taxpayer_id, count(*)::integer as n from relief_first_seen where year = 2027 group by all order by all`)).toEqual([
      { taxpayer_id: 'A', n: 2 }, { taxpayer_id: 'B', n: 2 },
    ]);
  });
  it('rebuilds in full year by year: every month of every year equals independent SQL, and a restated earlier year rebuilds alone', async () => {
    const wh = await open();
    // three years; a year with revenue only (2024), a month with relief only (2025-03), a taxpayer seen in every year,
    // one cell fed by two overlapping files (2025-06: A twice, so counted distinct), a superseded row (B's 2026-02 revenue)
    await wh.load('revenue', [row('2024-12-01', 'A', '440103', '10101', 5), row('2025-06-01', 'A', '440103', '10101', 7), row('2025-06-01', 'B', '440103', '10101', 9)].join(','));
    await wh.load('revenue', [row('2025-06-01', 'A', '440103', '10101', 8), row('2026-02-01', 'B', '440104', '10101', 4), row('2026-02-01', 'C', '440104', '10102', 6)].join(','));
    const restated = await wh.load('revenue', row('2026-02-01', 'B', '440104', '10101', 40));
    await wh.warehouse.run(`update revenue set superseded_by = ${restated} where taxpayer_id = 'B' and period = date '2026-02-01' and file_id <> ${restated}`);
    await wh.load('relief', [relief('2025-03-01', 'A', 'R01', 1), relief('2025-06-01', 'A', 'R04', 2), relief('2025-06-01', 'B', 'R01', 3), relief('2026-02-01', 'A', 'R01', 4), relief('2026-05-01', 'C', 'R02', 5)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'full', periods: ['2024-12', '2025-03', '2025-06', '2026-02', '2026-05'] });
    const revenue = () => wh.warehouse.all(`select strftime(period, '%Y-%m') as p, region_code, tax_code, amount::varchar as amount, taxpayers from mart_revenue order by all`);
    const independentRevenue = () => wh.warehouse.all(
      `select strftime(period, '%Y-%m') as p, region_code, tax_code, sum(amount)::decimal(18,2)::varchar as amount, count(distinct taxpayer_id)::integer as taxpayers
       from revenue where superseded_by is null group by all order by all`,
    );
    const reliefMart = () => wh.warehouse.all(`select strftime(period, '%Y-%m') as p, policy_code, amount::varchar as amount, beneficiaries from mart_relief order by all`);
    const independentRelief = () => wh.warehouse.all(
      `select strftime(period, '%Y-%m') as p, policy_code, sum(amount)::decimal(18,2)::varchar as amount, count(distinct taxpayer_id)::integer as beneficiaries
       from relief where superseded_by is null group by all order by all`,
    );
    const firstSeen = () => wh.warehouse.all(
      `select f.year, f.taxpayer_id, c.policy_code, strftime(f.first_period, '%Y-%m') as p from relief_first_seen f join relief_cells c using (cell) order by all`,
    );
    const independentFirstSeen = () => wh.warehouse.all(
      `select year(period)::integer as year, taxpayer_id, policy_code, strftime(min(period), '%Y-%m') as p from relief where superseded_by is null group by all order by all`,
    );
    const check = async () => {
      expect(await revenue()).toEqual(await independentRevenue());
      expect(await reliefMart()).toEqual(await independentRelief());
      expect(await firstSeen()).toEqual(await independentFirstSeen());
      expect(sorted(await martBeneficiaries(wh))).toEqual(sorted(await independentBeneficiaries(wh)));
      expect(await wh.warehouse.all(`select strftime(period, '%Y-%m') as p from relief_first_seen_periods order by all`)).toEqual(
        await wh.warehouse.all(`select strftime(period, '%Y-%m') as p from (select period from revenue union select period from relief) order by all`),
      );
    };
    await check();
    // by hand: every month of every year is there; 2025-06's cell holds A (twice) and B; B's restated 40 replaces his 4
    expect((await revenue()).map((r) => [r['p'], r['amount'], r['taxpayers']])).toEqual([
      ['2024-12', '5.00', 1], ['2025-06', '24.00', 2], ['2026-02', '40.00', 1], ['2026-02', '6.00', 1],
    ]);
    expect((await martBeneficiaries(wh)).filter((r) => r['grouping_set'] === 'total').map((r) => [r['year'], r['p'], r['n']]).sort()).toEqual([
      [2025, '2025-03', 1], [2025, '2025-06', 1], [2026, '2026-02', 1], [2026, '2026-05', 1],
    ]);
    // a late file for 2025 after the full rebuild: only its year's beneficiaries are rebuilt, and all still hold
    await wh.load('relief', [relief('2025-01-01', 'C', 'R01', 1), relief('2025-01-01', 'B', 'R01', 1)].join(','));
    expect(await wh.refresh()).toEqual({ mode: 'periods', periods: ['2025-01'] });
    await check();
  });
  it('takes the months ingest reports even when the ledger has nothing new, and rebuilds all after a seed change', async () => {
    const wh = await open();
    await wh.load('revenue', row('2026-01-01', 'A', '440103', '10101', 10));
    await wh.refresh();
    expect(await wh.refresh(['2026-01'])).toEqual({ mode: 'periods', periods: ['2026-01'] });
    await wh.warehouse.run(`update seed_versions set sha256 = 'changed' where seed = 'regions'`);
    expect((await wh.refresh()).mode).toBe('full');
  });
  it('counts a taxpayer once in a cell that two overlapping files feed, and by rows in a cell one file feeds', async () => {
    const wh = await open();
    // one file: A, B, C in one cell (a file holds a key once), D alone in another county
    await wh.load('revenue', [row('2026-01-01', 'A', '440103', '10101', 1), row('2026-01-01', 'B', '440103', '10101', 2), row('2026-01-01', 'C', '440103', '10101', 3), row('2026-01-01', 'D', '440104', '10101', 4)].join(','));
    await wh.load('relief', [relief('2026-01-01', 'A', 'R01', 1), relief('2026-01-01', 'B', 'R01', 2)].join(','));
    // a second feed for the same month repeats A and B in 440103 and adds E: 440103 now has 4 distinct taxpayers in 5 rows
    await wh.load('revenue', [row('2026-01-01', 'A', '440103', '10101', 10), row('2026-01-01', 'B', '440103', '10101', 20), row('2026-01-01', 'E', '440103', '10101', 30)].join(','));
    await wh.load('relief', [relief('2026-01-01', 'B', 'R01', 5), relief('2026-01-01', 'E', 'R01', 6)].join(','));
    await wh.refresh();
    const independent = await wh.warehouse.all(
      `select region_code, count(distinct taxpayer_id)::integer as taxpayers from revenue group by all order by all`,
    );
    expect(independent).toEqual([{ region_code: '440103', taxpayers: 4 }, { region_code: '440104', taxpayers: 1 }]);
    expect(await wh.warehouse.all(`select region_code, amount, taxpayers, largest_amount from mart_revenue order by all`)).toEqual([
      { region_code: '440103', amount: '66.00', taxpayers: 4, largest_amount: '30.00' },
      { region_code: '440104', amount: '4.00', taxpayers: 1, largest_amount: '4.00' },
    ]);
    expect(await wh.warehouse.all(`select amount, beneficiaries from mart_relief`)).toEqual([{ amount: '14.00', beneficiaries: 3 }]);
    // the city grain sums the counties' counts
    expect(await wh.warehouse.all(`select sum(taxpayers)::integer as n from mart_revenue_city`)).toEqual([{ n: 5 }]);
  });
});

describe('disclosure control', () => {
  it('the rule: empty cells pass; fewer than 3 taxpayers or one above 85% fail', async () => {
    const wh = await open();
    const rule = async (taxpayers: number | null, largest: number | null, amount: number | null) =>
      (await wh.warehouse.all(`select disclosable($t::integer, $l::decimal(18,2), $a::decimal(18,2)) as ok`, { t: taxpayers, l: largest, a: amount }))[0]!['ok'];
    expect(await rule(0, null, 0)).toBe(true);
    // an amount without a known taxpayer count is never taken for empty
    expect(await rule(0, null, 5)).toBe(false);
    expect(await rule(null, null, 5)).toBe(false);
    expect(await rule(2, 10, 30)).toBe(false);
    expect(await rule(3, 85, 100)).toBe(true);
    expect(await rule(3, 85.01, 100)).toBe(false);
    expect(await rule(5, 10, -40)).toBe(true);
  });

  it('the marts carry the taxpayer count and the largest taxpayer of each cell', async () => {
    const wh = await open();
    await wh.load('revenue', [row('2026-01-01', 'A', '440103', '10101', 90), row('2026-01-01', 'B', '440103', '10101', 5), row('2026-01-01', 'C', '440103', '10101', 5)].join(','));
    await wh.refresh();
    expect(await wh.warehouse.all(`select amount, taxpayers, largest_amount from mart_revenue`)).toEqual([{ amount: '100.00', taxpayers: 3, largest_amount: '90.00' }]);
    // 90% from one taxpayer: the cell is never published, not even as the only part of 其他
    const rows = await wh.query('revenue_breakdown', { period: '2026-01', dimension: 'city' });
    expect(rows.map((r) => [r['name'], r['ytd_amount'], r['month_amount'], r['withheld']])).toEqual([['其他', null, null, true], ['合计', null, null, true]]);
    // with two more ordinary taxpayers in another city, 广州 folds into 其他 with them and everything is published
    await wh.load('revenue', [row('2026-01-01', 'D', '440802', '10101', 40), row('2026-01-01', 'E', '440802', '10101', 40), row('2026-01-01', 'F', '440802', '10101', 40)].join(','));
    await wh.refresh();
    const after = await wh.query('revenue_breakdown', { period: '2026-01', dimension: 'city' });
    expect(after.map((r) => [r['name'], r['ytd_amount'], r['withheld']])).toEqual([['其他', '220.00', false], ['合计', '220.00', false]]);
  });
});
