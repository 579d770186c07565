import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../pipeline/log.js';
import { loadSeeds, readSeedDeclarations } from '../pipeline/seeds.js';
import { projectPaths } from '../pipeline/workspace.js';
import { freshWarehouse, tempDir } from './helpers/workspace.js';

const now = new Date('2026-11-26T08:00:00Z');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function seeded(seedsDir = projectPaths().seeds) {
  const wh = await freshWarehouse(now);
  cleanups.push(wh.cleanup);
  const result = await loadSeeds(wh.warehouse, seedsDir, { logger: memoryLogger(), now });
  return { ...wh, result };
}

describe('seeds', () => {
  it('load with their declared types and pass every data test', async () => {
    const { warehouse, result } = await seeded();
    expect(result.loaded.sort()).toEqual(['fiscal_items', 'fiscal_regions', 'industries', 'regions', 'relief_policies', 'tax_types', 'taxpayer_sizes']);
    const types = await warehouse.all(`select column_name, data_type from information_schema.columns where table_name = 'regions' order by ordinal_position`);
    expect(types).toContainEqual({ column_name: 'code', data_type: 'VARCHAR' });
    expect(types).toContainEqual({ column_name: 'in_jurisdiction', data_type: 'BOOLEAN' });
  });

  it('hold Guangdong: 21 cities, Shenzhen outside the jurisdiction, counties under their city', async () => {
    const { warehouse } = await seeded();
    const [cities] = await warehouse.all(`select count(*)::integer as n, count(*) filter (where in_jurisdiction)::integer as inside from regions where level = 'city'`);
    expect(cities).toEqual({ n: 21, inside: 20 });
    const shenzhen = await warehouse.all(`select distinct in_jurisdiction from regions where code = '440300' or city_code = '440300'`);
    expect(shenzhen).toEqual([{ in_jurisdiction: false }]);
    const [guangzhou] = await warehouse.all(`select name, region_group from regions where code = '440100'`);
    expect(guangzhou).toEqual({ name: '广州市', region_group: '珠三角' });
    // every county's code starts with its city's first four digits (GB/T 2260)
    const misplaced = await warehouse.all(`select code from regions where level = 'county' and left(code, 4) <> left(city_code, 4)`);
    expect(misplaced).toEqual([]);
    const [counties] = await warehouse.all(`select count(*)::integer as n from regions where level = 'county'`);
    expect(counties!['n']).toBeGreaterThanOrEqual(120);
  });

  it('list the 16 taxes, the 20 industry sections and relief policies of every kind', async () => {
    const { warehouse } = await seeded();
    const [taxes] = await warehouse.all(`select count(*)::integer as n from tax_types where is_tax`);
    expect(taxes).toEqual({ n: 16 });
    const customs = await warehouse.all(`select name from tax_types where name like '%关税%' or name like '%船舶吨税%'`);
    expect(customs).toEqual([]);
    const [sections] = await warehouse.all(`select count(*)::integer as n from industries where level = 'section'`);
    expect(sections).toEqual({ n: 20 });
    const kinds = await warehouse.all(`select kind from relief_policies group by kind order by kind`);
    expect(kinds.map((k) => k['kind'])).toEqual(['deferral', 'fee_cut', 'refund', 'tax_cut']);
    const [policies] = await warehouse.all(`select count(*)::integer as n from relief_policies`);
    expect(policies!['n']).toBeGreaterThanOrEqual(10);
  });

  it('reload only what changed', async () => {
    const { warehouse } = await seeded();
    const again = await loadSeeds(warehouse, projectPaths().seeds, { logger: memoryLogger(), now });
    expect(again.loaded).toEqual([]);
    expect(again.unchanged.sort()).toEqual(Object.keys(readSeedDeclarations(projectPaths().seeds)).sort());
  });

  it('refuse a seed that breaks a data test and keep the previous seeds', async () => {
    const broken = tempDir();
    cleanups.push(broken.cleanup);
    cpSync(projectPaths().seeds, broken.dir, { recursive: true });
    const file = path.join(broken.dir, 'regions.csv');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, [...lines, lines[2]].join('\n') + '\n'); // a city twice
    const { warehouse } = await seeded();
    await expect(loadSeeds(warehouse, broken.dir, { logger: memoryLogger(), now })).rejects.toThrow(/Seed regions fails its unique\(code\) test \(e\.g\. \d{6}\); fix seeds\/regions\.csv/);
    const [count] = await warehouse.all(`select count(*)::integer as n from regions`);
    expect(count!['n']).toBe(lines.length - 1); // the good seed is still there
  });
});
