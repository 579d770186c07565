import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { parseFeed, type Feed } from '../../pipeline/ingest/feeds.js';
import { ingestFile, type IngestOptions } from '../../pipeline/ingest/ingest.js';
import { memoryLogger } from '../../pipeline/log.js';
import { loadSeeds } from '../../pipeline/seeds.js';
import type { Warehouse } from '../../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../../pipeline/workspace.js';
import { openWarehouse } from '../../pipeline/warehouse/warehouse.js';
import { freshWarehouse, tempDir } from './workspace.js';

/** The clock every ingest test runs at: November 2026, so 2026-10 is the latest complete month. */
export const now = new Date('2026-11-26T08:00:00Z');

let template: { file: string; cleanup(): void } | undefined;
// Registered while the importing test file is collected: its template goes when the file's tests are done.
afterAll(() => {
  template?.cleanup();
  template = undefined;
});

/** A migrated and seeded warehouse file, built once per test file and copied for each bench (seeding takes a second). */
export async function seededTemplate(): Promise<string> {
  if (template) return template.file;
  const wh = await freshWarehouse(now);
  await loadSeeds(wh.warehouse, projectPaths().seeds, { logger: memoryLogger(), now });
  await wh.warehouse.run('checkpoint');
  wh.warehouse.close();
  template = { file: path.join(wh.dir, 'warehouse.duckdb'), cleanup: wh.cleanup };
  return template.file;
}

/** A migrated, seeded warehouse in a temp folder, with helpers to write feeds and files and ingest them. */
export async function ingestBench() {
  const { dir, cleanup } = tempDir();
  copyFileSync(await seededTemplate(), path.join(dir, 'warehouse.duckdb'));
  const warehouse = await openWarehouse(path.join(dir, 'warehouse.duckdb'));
  const wh = { warehouse, dir, cleanup: () => { warehouse.close(); cleanup(); } };
  const logger = memoryLogger();
  const feedsDir = path.join(wh.dir, 'feeds');
  const filesDir = path.join(wh.dir, 'files');
  mkdirSync(feedsDir);
  mkdirSync(filesDir);
  return {
    ...wh,
    logger,
    /** Writes a feed definition file and reads it back as the pipeline does. */
    feed(definition: Record<string, unknown>): Feed {
      const file = path.join(feedsDir, `${String(definition['name'])}.json`);
      writeFileSync(file, JSON.stringify(definition, null, 2));
      return parseFeed(file);
    },
    /** Writes a file to ingest. */
    file(name: string, content: string | Buffer): string {
      const file = path.join(filesDir, name);
      writeFileSync(file, content);
      return file;
    },
    ingest(file: string, feed: Feed, options?: IngestOptions) {
      return ingestFile(wh.warehouse, file, feed, { logger, now, tmpDir: wh.dir }, options);
    },
  };
}

/** A fingerprint of everything a load may change: every fact table and the files ledger (rows and content). */
export async function fingerprint(warehouse: Warehouse): Promise<string> {
  const parts: string[] = [];
  for (const t of ['revenue', 'relief', 'taxpayers', 'fiscal', 'budget_targets', 'files']) {
    const [r] = await warehouse.all<{ n: string; h: string | null }>(`select count(*)::bigint as n, sum(hash(t))::varchar as h from ${t} t`);
    parts.push(`${t}:${r!.n}:${r!.h ?? ''}`);
  }
  return parts.join(' ');
}

/** The canonical revenue feed of the tests: Chinese headers, names for codes, amounts in 万元. */
export const cityRevenueFeed = {
  name: 'city-revenue',
  description: 'Revenue by taxpayer as a city office exports it (test).',
  dataset: 'revenue',
  files: 'city_*.csv',
  format: 'csv',
  unit: '万元',
  columns: { period: '所属期', taxpayer_id: '纳税人识别号', region_code: '地区', industry_code: '行业', size_code: '规模', tax_code: '税种', amount: '入库税额' },
  codes: { region_code: ['regions.name', 'regions.code'], tax_code: [{ 增值税: '10101' }, 'tax_types.name', 'tax_types.short_name'] },
};

/** Three rows of city revenue in 万元, as text (the header first). */
export const cityRevenueCsv = [
  '所属期,纳税人识别号,地区,行业,规模,税种,入库税额',
  '2026-10,TP001,广州市,C13,L,增值税,"1,234.56"',
  '2026年10月,TP001,广州市,C13,L,企业所得税,（１０）',
  '202610,TP002,440300,G,S,个人所得税,0.01',
  '',
].join('\n');
