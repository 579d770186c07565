import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoOptions, type DemoResult } from '../pipeline/demo/generate.js';
import { CliError } from '../pipeline/errors.js';
import { memoryLogger } from '../pipeline/log.js';

const seedsDir = path.resolve(import.meta.dirname, '..', 'seeds');
const root = mkdtempSync(path.join(tmpdir(), 'taxbrief-demo-test-'));
// End 2025-12 with 24 months: two full years, 2024 being the big-refund year (the year before end).
const base: DemoOptions = { outDir: '', taxpayers: 500, end: '2025-12', months: 24, seed: 20261, seedsDir };

let first: DemoResult;
let second: DemoResult;
let db: DuckDBInstance;
let c: DuckDBConnection;

const dirA = path.join(root, 'a');
const dirB = path.join(root, 'b');

async function rows(sql: string): Promise<Record<string, string | number | boolean | null>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | number | boolean | null>[];
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

beforeAll(async () => {
  first = await generateDemo({ ...base, outDir: dirA }, { logger: memoryLogger() });
  second = await generateDemo({ ...base, outDir: dirB }, { logger: memoryLogger() });
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
  // Read once: amounts stay text, to check their format.
  await c.run(`create table rev as select * from read_csv('${dirA}/revenue_*.csv', all_varchar = true, header = true)`);
  await c.run(`create table rel as select * from read_parquet('${dirA}/relief_*.parquet')`);
  for (const [table, file] of [['regions', 'regions'], ['tax_types', 'tax_types'], ['industries', 'industries'], ['policies', 'relief_policies'], ['sizes', 'taxpayer_sizes']]) {
    await c.run(`create table ${table} as select * from read_csv('${seedsDir}/${file}.csv', all_varchar = true, header = true)`);
  }
});

afterAll(() => {
  c?.closeSync();
  db?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('generateDemo', () => {
  it('writes the same bytes for the same options', () => {
    expect(second.files.map((f) => path.basename(f))).toEqual(first.files.map((f) => path.basename(f)));
    for (const file of first.files) {
      expect(sha256(path.join(dirB, path.basename(file))), path.basename(file)).toBe(sha256(file));
    }
    expect(second).toMatchObject({ revenueRows: first.revenueRows, reliefRows: first.reliefRows, taxpayers: 500 });
  });

  it('writes exactly the registry, one revenue CSV and one relief Parquet file a month, and the last year\'s budget targets', () => {
    const months = Array.from({ length: 24 }, (_, i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
    const expected = ['taxpayers.csv', 'budget_targets_2025.csv', ...months.map((m) => `revenue_${m}.csv`), ...months.map((m) => `relief_${m}.parquet`)].sort();
    expect(readdirSync(dirA).sort()).toEqual(expected);
    expect(first.files.map((f) => path.basename(f)).sort()).toEqual(expected);
    expect(first.revenueRows).toBeGreaterThan(500 * 24);
    expect(first.reliefRows).toBeGreaterThan(0);
  });

  it('sets each city\'s and the jurisdiction\'s 2025 target at its 2024 tax revenue × 1.08, to the 万元', async () => {
    const mem = await DuckDBInstance.create(':memory:');
    const c = await mem.connect();
    const rows = (await c.runAndReadAll(`
      with actual as (
        select left(r.region_code, 4) || '00' as city, sum(r.amount::decimal(18,2)) as amount
        from read_csv('${dirA}/revenue_2024-*.csv', all_varchar = true, header = true) r
        join read_csv('${seedsDir}/tax_types.csv', all_varchar = true, header = true) t on t.code = r.tax_code and t.is_tax = 'true'
        join read_csv('${seedsDir}/regions.csv', all_varchar = true, header = true) g on g.code = left(r.region_code, 4) || '00' and g.in_jurisdiction = 'true'
        group by 1
      ), expected as (select city, amount from actual union all select '440000', sum(amount) from actual)
      select count(*) as n,
             count(*) filter (where b.amount::decimal(18,2) = (round(e.amount * 1.08 / 10000) * 10000)::decimal(18,2)) as equal,
             count(*) filter (where b.year <> '2025' or coalesce(b.tax_code, '') <> '') as other,
             (select count(*) from expected) as cities_with_revenue
      from read_csv('${dirA}/budget_targets_2025.csv', all_varchar = true, header = true) b
      full join expected e on e.city = b.region_code`)).getRowObjectsJson()[0]!;
    c.closeSync();
    // one target per city of the jurisdiction with revenue, and 440000; no city without one, no target without a city
    expect(rows['n']).toBe(rows['cities_with_revenue']);
    expect(Number(rows['n'])).toBeGreaterThan(15);
    expect(rows['equal']).toBe(rows['n']);
    expect(Number(rows['other'])).toBe(0);
  });

  it('writes the registry in GBK, with Chinese names', () => {
    const bytes = readFileSync(path.join(dirA, 'taxpayers.csv'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const text = iconv.decode(bytes, 'gbk');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('taxpayer_id,name,region_code,industry_code,size_code,registered_on,status');
    expect(lines).toHaveLength(501);
    expect(text).toMatch(/有限公司/);
    const fields = lines.slice(1).map((l) => l.split(','));
    expect(fields.every((f) => f.length === 7 && /^TP\d{8}$/.test(f[0]!) && /[\u4e00-\u9fff]/.test(f[1]!))).toBe(true);
    expect(fields.every((f) => /^\d{4}-\d{2}-\d{2}$/.test(f[5]!) && (f[6] === '正常' || f[6] === '注销'))).toBe(true);
    expect(fields.map((f) => f[0])).toEqual(Array.from({ length: 500 }, (_, i) => `TP${String(i + 1).padStart(8, '0')}`));
  });

  it('writes the revenue header and amounts with exactly two decimals', async () => {
    const header = readFileSync(path.join(dirA, 'revenue_2025-06.csv'), 'utf8').split('\n')[0];
    expect(header).toBe('period,taxpayer_id,region_code,industry_code,size_code,tax_code,amount');
    const [bad] = await rows(`select count(*) filter (where not regexp_full_match(amount, '-?[0-9]+\\.[0-9]{2}')) as n,
      count(*) filter (where period <> regexp_extract(filename, 'revenue_(.*)\\.csv', 1)) as wrong_period
      from read_csv('${dirA}/revenue_*.csv', all_varchar = true, header = true, filename = true)`);
    expect(bad).toEqual({ n: '0', wrong_period: '0' });
    const [dupes] = await rows(`select count(*) - count(distinct (period, taxpayer_id, tax_code)) as n from rev`);
    expect(dupes!['n']).toBe('0');
  });

  it('writes relief Parquet with the specified columns and positive amounts', async () => {
    const schema = await rows(`select column_name, column_type from (describe select * from read_parquet('${dirA}/relief_2025-06.parquet'))`);
    expect(schema).toEqual([
      { column_name: 'period', column_type: 'VARCHAR' },
      { column_name: 'taxpayer_id', column_type: 'VARCHAR' },
      { column_name: 'region_code', column_type: 'VARCHAR' },
      { column_name: 'industry_code', column_type: 'VARCHAR' },
      { column_name: 'size_code', column_type: 'VARCHAR' },
      { column_name: 'policy_code', column_type: 'VARCHAR' },
      { column_name: 'tax_code', column_type: 'VARCHAR' },
      { column_name: 'amount', column_type: 'DECIMAL(18,2)' },
    ]);
    const [check] = await rows(`select count(*) filter (where amount <= 0) as not_positive,
      count(*) - count(distinct (period, taxpayer_id, policy_code)) as dupes from rel`);
    expect(check).toEqual({ not_positive: '0', dupes: '0' });
  });

  it('uses only codes from the seeds (counties in the jurisdiction, manufacturing by division)', async () => {
    const [unknown] = await rows(`
      with used as (
        select region_code, industry_code, size_code, tax_code, null as policy_code from rev
        union all
        select region_code, industry_code, size_code, tax_code, policy_code from rel
      )
      select
        count(*) filter (where region_code not in (
          select code from regions where in_jurisdiction = 'true' and (level = 'county' or code in ('441900', '442000')))) as region,
        count(*) filter (where industry_code = 'C' or industry_code not in (select code from industries)) as industry,
        count(*) filter (where size_code not in (select code from sizes)) as size,
        count(*) filter (where tax_code is not null and tax_code not in (select code from tax_types)) as tax,
        count(*) filter (where policy_code is not null and policy_code not in (select code from policies)) as policy
      from used`);
    expect(unknown).toEqual({ region: '0', industry: '0', size: '0', tax: '0', policy: '0' });
    const [taxes] = await rows(`select count(*) filter (where tax_code not in (select code from tax_types where is_tax = 'true')) as n from rev`);
    expect(taxes!['n']).toBe('0');
  });

  it('collects 1.0–1.6 万亿元 a year whatever the taxpayer count', async () => {
    const years = await rows(`select left(period, 4) as year, sum(amount::decimal(18, 2))::double as total from rev group by 1 order by 1`);
    expect(years.map((y) => y['year'])).toEqual(['2024', '2025']);
    for (const y of years) {
      expect(y['total'] as number).toBeGreaterThan(1.0e12);
      expect(y['total'] as number).toBeLessThan(1.6e12);
    }
  });

  it('pays large VAT credit refunds (R04) in the year before end, out of VAT revenue', async () => {
    const r04 = await rows(`select left(period, 4) as year, sum(amount)::double as total from rel where policy_code = 'R04' group by 1 order by 1`);
    const [big, other] = [r04[0]!['total'] as number, r04[1]!['total'] as number];
    expect(big).toBeGreaterThanOrEqual(4 * other);
    expect(big).toBeGreaterThan(5e10);
    // Every refund belongs to a VAT revenue row of the same taxpayer and month.
    const [orphans] = await rows(`select count(*) as n from rel r
      where r.policy_code = 'R04' and r.tax_code = '10101'
        and not exists (select 1 from rev v where v.period = r.period and v.taxpayer_id = r.taxpayer_id and v.tax_code = '10101')`);
    expect(orphans!['n']).toBe('0');
    const relief = await rows(`select left(period, 4) as year, sum(amount)::double as total from rel group by 1 order by 1`);
    for (const y of relief) expect(y['total'] as number).toBeGreaterThan(0.8e11);
  });

  it('collects less in the Spring Festival month than in the other of January and February', async () => {
    const m = Object.fromEntries(
      (await rows(`select period, sum(amount::decimal(18, 2))::double as total from rev where right(period, 2) in ('01', '02') group by 1`))
        .map((r) => [r['period'] as string, r['total'] as number]),
    );
    // Spring Festival 2024-02-10 and 2025-01-29.
    expect(m['2024-02']!).toBeLessThan(m['2024-01']!);
    expect(m['2025-01']!).toBeLessThan(m['2025-02']!);
    const growth = (m['2025-01']! + m['2025-02']!) / (m['2024-01']! + m['2024-02']!) - 1;
    expect(Math.abs(growth)).toBeLessThan(0.15);
  });

  it('gives a different data set for a different seed', async () => {
    const other = await generateDemo({ ...base, months: 1, seed: 1, outDir: path.join(root, 'seed1') }, { logger: memoryLogger() });
    const same = await generateDemo({ ...base, months: 1, outDir: path.join(root, 'seed0') }, { logger: memoryLogger() });
    expect(sha256(other.files[1]!)).not.toBe(sha256(same.files[1]!));
  });

  it('drops 湛江 land VAT and deed tax by about 45% in the last three months', async () => {
    const dir = path.join(root, 'anomaly');
    await generateDemo({ ...base, taxpayers: 5000, months: 15, outDir: dir }, { logger: memoryLogger() });
    const [r] = await rows(`
      with v as (
        select left(period, 4) as year, g.city_code = '440800' as zhanjiang, tax_code in ('10113', '10119') as estate,
          amount::decimal(18, 2)::double as amount
        from read_csv('${dir}/revenue_*.csv', all_varchar = true, header = true) r
        join regions g on g.code = r.region_code
        where right(period, 2) in ('10', '11', '12')
      )
      select
        sum(amount) filter (where year = '2025' and zhanjiang and estate) / sum(amount) filter (where year = '2024' and zhanjiang and estate) as zhanjiang_estate,
        sum(amount) filter (where year = '2025' and not zhanjiang and estate) / sum(amount) filter (where year = '2024' and not zhanjiang and estate) as elsewhere_estate
      from v`);
    expect(r!['zhanjiang_estate'] as number).toBeLessThan(0.7);
    expect(r!['zhanjiang_estate'] as number).toBeGreaterThan(0.35);
    expect(r!['elsewhere_estate'] as number).toBeGreaterThan(0.85);
  });

  it('refuses a malformed end month or a range outside the Spring Festival table, naming it', async () => {
    await expect(generateDemo({ ...base, end: '2025-13', outDir: path.join(root, 'bad') }, { logger: memoryLogger() }))
      .rejects.toThrow(CliError);
    await expect(generateDemo({ ...base, end: '2025-13', outDir: path.join(root, 'bad') }, { logger: memoryLogger() }))
      .rejects.toThrow(/2025-13/);
    await expect(generateDemo({ ...base, end: '2015-06', months: 12, outDir: path.join(root, 'bad') }, { logger: memoryLogger() }))
      .rejects.toThrow(/2014-07/);
    await expect(generateDemo({ ...base, seedsDir: path.join(root, 'nowhere'), outDir: path.join(root, 'bad') }, { logger: memoryLogger() }))
      .rejects.toThrow(/regions\.csv/);
  });
});
