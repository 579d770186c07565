import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../pipeline/warehouse/migrate.js';
import { openWarehouse, type Warehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../pipeline/workspace.js';
import { tempDir } from './helpers/workspace.js';

const migrations = readMigrations(path.join(projectPaths().queries, 'migrations'));
const now = new Date('2026-11-26T08:00:00Z');
const temps: { cleanup(): void }[] = [];
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));

async function open(): Promise<{ warehouse: Warehouse; file: string }> {
  const t = tempDir();
  const file = path.join(t.dir, 'warehouse.duckdb');
  const warehouse = await openWarehouse(file);
  temps.push({ cleanup: () => { warehouse.close(); t.cleanup(); } });
  return { warehouse, file };
}

// Facts of two files; some rows superseded, some relief untaxed. The revenue rows repeat 20 taxpayers and give each row
// an industry code of its own, so that DuckDB left to itself stores those two columns otherwise than as declared.
async function insertFacts(w: Warehouse, firstFile: number): Promise<void> {
  const n = 'range(3000) t(i)';
  await w.run(`insert into revenue select date '2026-01-01' + to_months((i % 3)::integer), 'TP' || lpad((i % 20)::varchar, 9, '0'),
    ['440103', '440104', '440303'][1 + i % 3], 'C' || (i * 7919 % 100003), ['L', 'M', 'S'][1 + i % 3], ['10101', '10104'][1 + i % 2],
    (i * 37 % 100000) / 100, ${firstFile} + i // 1500, case when i % 5 = 0 then ${firstFile + 1} end from ${n}`);
  await w.run(`insert into relief select date '2026-01-01' + to_months((i % 3)::integer), 'TP' || lpad((i * 104729 % 100003)::varchar, 9, '0'),
    ['440103', '440104'][1 + i % 2], ['C', 'F', 'I'][1 + i % 3], ['M', 'S', 'XS'][1 + i % 3], ['P01', 'P02', 'P03'][1 + i % 3],
    case when i % 4 = 0 then null else '10101' end, (i * 13 % 50000) / 100, ${firstFile} + i // 1500, null from ${n}`);
  await w.run(`insert into taxpayers select 'TP' || lpad(i::varchar, 9, '0'), '广州市某某有限公司' || i, ['440103', '440104'][1 + i % 2],
    ['C', 'F'][1 + i % 2], ['M', 'S'][1 + i % 2], date '2020-01-01' + (i % 3000)::integer, case when i % 7 = 0 then '注销' else '正常' end, ${firstFile}, null from ${n}`);
}

/** Every row of the fact tables in rowid order, and their columns (name, type, nullability). */
async function facts(w: Warehouse): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const t of ['revenue', 'relief', 'taxpayers']) {
    out[t] = await w.all(`select columns(*)::varchar from ${t} order by rowid`);
    out[`${t} columns`] = await w.all(`select column_name, column_type, "null" from (describe ${t})`);
  }
  return out;
}

/** The compression methods DuckDB used for each text column of `table` (after a checkpoint). */
async function compression(w: Warehouse, table: string): Promise<Record<string, string>> {
  await w.run('checkpoint');
  const rows = await w.all<{ c: string; k: string }>(
    `select column_name as c, string_agg(distinct compression, '+' order by compression) as k
     from pragma_storage_info('${table}') where segment_type = 'VARCHAR' group by all`);
  return Object.fromEntries(rows.map((r) => [r.c, r.k]));
}

describe('warehouse migrations', () => {
  it('a new warehouse runs every migration without announcing an upgrade', async () => {
    const { warehouse } = await open();
    const heard: number[][] = [];
    const done = await migrate(warehouse, migrations, now, (pending) => heard.push(pending.map((m) => m.version)));
    expect(done).toEqual(migrations.map((m) => m.version));
    expect(heard).toEqual([]);
  });

  it('the facts keep every row, in order, with their types, when migration 100 copies them to declare their compression', async () => {
    const { warehouse, file } = await open();
    await migrate(warehouse, migrations.filter((m) => m.version < 100), now);
    await insertFacts(warehouse, 1);
    const before = await facts(warehouse);
    const left = await compression(warehouse, 'revenue');
    expect([left['taxpayer_id'], left['industry_code']]).not.toEqual(['FSST', 'Dictionary']);
    expect((before as Record<string, unknown[]>)['revenue']).toHaveLength(3000);

    const heard: number[][] = [];
    expect(await migrate(warehouse, migrations, now, (pending) => heard.push(pending.map((m) => m.version)))).toEqual([100]);
    expect(heard).toEqual([[100]]);
    expect(await facts(warehouse)).toEqual(before);
    const declared = { taxpayer_id: 'FSST', region_code: 'Dictionary', industry_code: 'Dictionary', size_code: 'Dictionary' };
    expect(await compression(warehouse, 'revenue')).toEqual({ ...declared, tax_code: 'Dictionary' });
    expect(await compression(warehouse, 'relief')).toEqual({ ...declared, policy_code: 'Dictionary', tax_code: 'Dictionary' });
    expect(await compression(warehouse, 'taxpayers')).toEqual({ ...declared, name: 'FSST', status: 'Dictionary' });

    // The declaration is the table's: rows inserted after a reopen are stored the same way.
    warehouse.close();
    const again = await openWarehouse(file);
    temps.push({ cleanup: () => again.close() });
    await insertFacts(again, 10);
    expect(await compression(again, 'revenue')).toEqual({ ...declared, tax_code: 'Dictionary' });
    expect(((await facts(again)) as Record<string, unknown[]>)['revenue']).toHaveLength(6000);
  });
});
