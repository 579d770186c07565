import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFeeds } from '../pipeline/ingest/feeds.js';
import { projectPaths } from '../pipeline/workspace.js';
import { tempDir } from './helpers/workspace.js';

const tmp = tempDir('taxbrief-feeds-');
afterAll(() => tmp.cleanup());
const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
const valid = { name: 'f', description: 'd', dataset: 'revenue', files: '*.csv', format: 'csv' };

function problemWith(definition: unknown, file = 'bad.json'): string {
  const dir = path.join(tmp.dir, String(Math.random()).slice(2));
  mkdirSync(dir);
  writeFileSync(path.join(dir, file), typeof definition === 'string' ? definition : JSON.stringify(definition));
  try {
    readFeeds(dir);
    return 'no error';
  } catch (error) {
    return (error as Error).message.replace(dir + path.sep, '');
  }
}

describe('feed definitions', () => {
  it('every shipped definition is valid, names unique', () => {
    const feeds = readFeeds(path.join(projectPaths().root, 'data', 'feeds'));
    expect(feeds.map((f) => f.name)).toContain('province-budget');
    expect(new Set(feeds.map((f) => f.name)).size).toBe(feeds.length);
  });

  it.each([
    ['not JSON', '{"name": ', /^Feed definition bad\.json is not valid JSON \(.*\); fix the file\.$/],
    ['unknown dataset', { ...valid, dataset: 'income' }, /^Feed definition bad\.json: field "dataset" must be one of revenue, relief, taxpayers, fiscal, budget_targets\.$/],
    ['unknown format', { ...valid, format: 'xls' }, /field "format" must be one of csv, parquet, xlsx, json/],
    ['unknown encoding', { ...valid, encoding: 'big5' }, /field "encoding" must be one of auto, utf-8, gbk, gb18030/],
    ['unknown unit', { ...valid, unit: '千元' }, /field "unit" must be one of 元, 万元, 亿元/],
    ['a typo in a field name', { ...valid, colums: {} }, /field "colums" must be left out \(unknown field/],
    ['a column the dataset lacks', { ...valid, columns: { amt: '金额' } }, /field "columns\.amt" must be a column of revenue \(period, taxpayer_id, .*\), not "amt"/],
    ['a code map that is neither map nor seed', { ...valid, codes: { region_code: 'regions' } }, /field "codes\.region_code" must be a map object or "seed\.column"/],
    ['a bad regular expression', { ...valid, drop: { 备注: '([' } }, /field "drop\.备注" must be a valid regular expression/],
    ['a header line of 0', { ...valid, header: 0 }, /field "header" must be "auto" or a line number from 1/],
    ['a name with spaces', { ...valid, name: 'My Feed' }, /field "name" must be lowercase letters, digits and -/],
    ['unpivot without a value column', { ...valid, unpivot: { columns: '^\\d{4}$', name: 'period' } }, /field "unpivot\.value" must be a column of the dataset/],
  ])('%s is reported with its file and field', (_label, definition, expected) => {
    expect(problemWith(definition)).toMatch(expected);
  });

  it('`taxbrief feeds` lists them, one line each', () => {
    const ok = spawnSync(process.execPath, [bin, 'feeds'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^guangdong-budget-xlsx\tfiscal\tGuangdong 2014 - 2016\.xlsx\txlsx\tauto\t亿元\twide\(period\)\t/m);
    expect(spawnSync(process.execPath, [bin, 'feeds', '--help'], { encoding: 'utf8' }).stdout).toContain('Usage: taxbrief feeds');
  });
});
