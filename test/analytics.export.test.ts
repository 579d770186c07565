import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRows, toXlsx } from '../pipeline/export.js';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { now, threePayersWorkspace } from './helpers/analytics.js';
import { runCli } from './helpers/cli.js';

let dir = '';
// The CLI in-process (the same code path as bin/taxbrief.js, without a Node start per call).
const taxbrief = (...args: string[]) => runCli(['--json', ...args], { ...process.env, TAXBRIEF_WORKSPACE: dir }, () => now);

// A workspace whose warehouse holds three 广州 VAT payers for 2025-01 and 2026-01.
beforeAll(async () => {
  dir = await threePayersWorkspace();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('taxbrief query exports', () => {
  it('csv and json to stdout, with the parameters bound and defaults applied', async () => {
    const csv = await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', 'dimension=city', '--format', 'csv');
    expect(csv.code).toBe(0);
    const [header, gz, total] = csv.out.trim().split('\n');
    expect(header).toMatch(/^code,name,is_other,is_total,month_amount,/);
    expect(gz).toMatch(/^440100,广州市,false,false,350\.75,175\.75,/);
    expect(total).toMatch(/^,合计,false,true,350\.75,/);
    const json = JSON.parse((await taxbrief('query', 'revenue_headline', '--param', 'period=2026-01', '--format', 'json')).out);
    expect(json[0]).toMatchObject({ ytd_amount: '350.75', ytd_prev: '175.75', month_from: '2026-01' });
  });

  it('arrow (IPC file) keeps money exact as Decimal128 and numbers typed', async () => {
    const out = path.join(dir, 'by-city.arrow');
    expect((await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', 'dimension=city', '--format', 'arrow', '--out', out)).code).toBe(0);
    const table = arrow.tableFromIPC(readFileSync(out));
    expect(String(table.schema.fields.find((f) => f.name === 'ytd_amount')!.type)).toBe('Decimal[18e+2]');
    expect(String(table.getChild('ytd_amount')!.get(0))).toBe('35075'); // unscaled: 350.75
    expect(table.getChild('name')!.get(0)).toBe('广州市');
    expect(table.getChild('ytd_yoy_pct')!.get(0)).toBeCloseTo(((350.75 - 175.75) / 175.75) * 100, 9);
    expect(table.numRows).toBe(2);
  });

  it('parquet through DuckDB COPY, read back with the same values', async () => {
    const out = path.join(dir, 'headline.parquet');
    expect((await taxbrief('query', 'revenue_headline', '--param', 'period=2026-01', '--format', 'parquet', '--out', out)).code).toBe(0);
    const w = await openWarehouse(':memory:');
    try {
      expect(await w.all(`select ytd_amount, ytd_prev, month_from from read_parquet($f)`, { f: out })).toEqual([{ ytd_amount: '350.75', ytd_prev: '175.75', month_from: '2026-01' }]);
    } finally {
      w.close();
    }
  });

  it('xlsx with numbers as numbers', async () => {
    const out = path.join(dir, 'by-city.xlsx');
    expect((await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', 'dimension=city', '--format', 'xlsx', '--out', out)).code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    const sheet = book.getWorksheet('revenue_breakdown')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('code');
    expect(sheet.getRow(2).getCell(2).value).toBe('广州市');
    expect(sheet.getRow(2).getCell(5).value).toBe(350.75);
  });

  it('binary formats need --out; unknown parameters and missing ones are usage errors', async () => {
    expect(await taxbrief('query', 'revenue_headline', '--param', 'period=2026-01', '--format', 'xlsx')).toMatchObject({ code: 2 });
    expect((await taxbrief('query', 'revenue_headline', '--param', 'perod=2026-01')).err).toContain('has no parameter $perod');
    expect(await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01')).toMatchObject({ code: 2 });
  });

  it('taxbrief check runs the checks, names the briefs a failure holds, and exits 3', async () => {
    const r = await taxbrief('check', '--period', '2026-01');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^FAIL period_has_every_city: /m);
    expect(r.out).toMatch(/covers mart_revenue, mart_revenue_city; holds (\S+, )*monthly-revenue/);
    expect(r.out).toMatch(/^ok {3}revenue_regions_sum_to_province/m);
  });
});

describe('formula-like cells never run as formulas', () => {
  const rows = [{ a: '=1+1', b: '+SUM(A1)', c: '-cmd|x', d: '@A1', e: '-12.5', f: 'ok' }];
  it('csv prefixes them with an apostrophe; negative numbers stay numbers', () => {
    expect(formatRows(rows, 'csv').split('\n')[1]).toBe(`'=1+1,'+SUM(A1),'-cmd|x,'@A1,-12.5,ok`);
  });
  it('xlsx stores them as text cells, not formulas', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await toXlsx({ columns: Object.keys(rows[0]!).map((name) => ({ name, type: 'VARCHAR' })), rows }, 'x') as unknown as ArrayBuffer);
    const row = book.getWorksheet('x')!.getRow(2);
    for (let i = 1; i <= 5; i++) {
      expect(row.getCell(i).type).toBe(ExcelJS.ValueType.String);
      expect(row.getCell(i).formula).toBeUndefined();
    }
    expect(row.getCell(1).value).toBe('=1+1');
  });
});
