import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { runCli } from './helpers/cli.js';
import { now, threePayersWorkspace } from './helpers/analytics.js';

// A workspace with three 广州 VAT payers; one city's name is formula-like, as a hostile seed or feed value would be.
let dir = '';
const HOSTILE = "4401'; DROP TABLE revenue; --";
const taxbrief = (...args: string[]) => runCli(['--json', ...args], { ...process.env, TAXBRIEF_WORKSPACE: dir }, () => now);

/** Every base table and its row count: what an injected statement would change. */
async function tables(): Promise<string> {
  const wh = await openWarehouse(path.join(dir, 'warehouse.duckdb'));
  try {
    const names = await wh.all<{ t: string }>("select table_name as t from information_schema.tables where table_type = 'BASE TABLE' order by 1");
    const counts: string[] = [];
    for (const { t } of names) counts.push(`${t}:${(await wh.all<{ n: string }>(`select count(*)::bigint as n from "${t}"`))[0]!.n}`);
    return counts.join(' ');
  } finally {
    wh.close();
  }
}

beforeAll(async () => {
  dir = await threePayersWorkspace((wh) => wh.warehouse.run("update regions set name = '=HYPERLINK(\"http://x\",\"广州\")' where code = '440100'"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('query parameters are bound, never spliced', () => {
  it(`taxbrief query … --param region="${HOSTILE}" is an unknown region and changes nothing`, async () => {
    const before = await tables();
    expect(before).toMatch(/revenue:6/);
    const r = await taxbrief('query', 'revenue_headline', '--param', 'period=2026-01', '--param', `region=${HOSTILE}`);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown region');
    expect(r.out).toBe('');
    expect(await tables()).toBe(before);
  });

  it('taxbrief brief city --region … says it is not a city and changes nothing', async () => {
    const before = await tables();
    const r = await taxbrief('brief', 'city', '--period', '2026-01', '--region', HOSTILE);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is not a city');
    expect(await tables()).toBe(before);
  });

  it('a hostile value in another text parameter is a value the query refuses; nothing changes', async () => {
    const before = await tables();
    const r = await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', `dimension=tax'); drop table revenue; --`, '--format', 'csv');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/dimension must be/);
    expect(await tables()).toBe(before);
  });
});

describe('exports never run formulas', () => {
  it('csv: a formula-like name is prefixed with an apostrophe; numbers (negative ones too) stay numbers', async () => {
    const out = path.join(dir, 'cities.csv');
    const r = await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', 'dimension=city', '--format', 'csv', '--out', out);
    expect(r.code, r.err).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const gz = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(gz.startsWith('440100,"\'=HYPERLINK(""http://x"",""广州"")"')).toBe(true);
    // every other cell that starts with - is a number
    for (const cell of lines.slice(1).flatMap((l) => l.split(','))) if (cell.startsWith('-')) expect(cell).toMatch(/^-\d+(\.\d+)?(e-?\d+)?$/);
  });

  it('xlsx: the name is a text cell, never a formula; amounts are numbers', async () => {
    const out = path.join(dir, 'cities.xlsx');
    const r = await taxbrief('query', 'revenue_breakdown', '--param', 'period=2026-01', '--param', 'dimension=city', '--format', 'xlsx', '--out', out);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const sheet = wb.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const row = sheet.getRow(2);
    const name = row.getCell(header.indexOf('name') + 1);
    expect(name.type).toBe(ExcelJS.ValueType.String);
    expect(name.formula).toBeUndefined();
    expect(name.value).toBe('=HYPERLINK("http://x","广州")');
    expect(row.getCell(header.indexOf('ytd_amount') + 1).type).toBe(ExcelJS.ValueType.Number);
  });
});
