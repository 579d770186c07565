import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths, resolveWorkspace } from '../pipeline/workspace.js';
import { ingestFile, ingestInbox } from '../pipeline/ingest/ingest.js';
import { cityRevenueCsv, cityRevenueFeed, ingestBench, now, seededTemplate } from './helpers/ingest.js';
import { tempDir } from './helpers/workspace.js';

// kill -9 at a random point of an inbox load, then a rerun: every file loaded exactly once, none lost.
const child = path.join(projectPaths().root, 'test', 'fixtures', 'ingest-child.mjs');
const tmp = tempDir('taxbrief-crash-');
afterAll(() => tmp.cleanup());
const ROWS = 20000;
const MONTHS = ['2026-06', '2026-07', '2026-08', '2026-09'];

async function inbox(dir: string): Promise<void> {
  const ws = resolveWorkspace(dir, {});
  copyFileSync(await seededTemplate(), ws.warehouse); // migrated and seeded: the child starts loading at once
  const wh = await openWarehouse(':memory:');
  try {
    for (const [i, month] of MONTHS.entries()) {
      await wh.run(`copy (
        select '${month}' as period, 'TP' || lpad(n::varchar, 6, '0') as taxpayer_id, '440106' as region_code, 'C13' as industry_code,
               'M' as size_code, (['10101', '10104', '10106'])[1 + n % 3] as tax_code, ((n * 37 + ${i}) % 100000 / 100.0)::decimal(18,2) as amount
        from range(${ROWS}) t(n)) to '${path.join(ws.inbox, `revenue_${month}.csv`)}' (format csv, header true)`);
    }
  } finally {
    wh.close();
  }
}

/** Starts the child; kills it with SIGKILL `delay` ms after it reports file `atFile` (1-based) loaded: during the next file. */
function runAndKill(dir: string, atFile: number, delay: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    p.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!killed && line.includes(`"message":"revenue_${MONTHS[atFile - 1]}.csv: loaded`)) {
          killed = true;
          setTimeout(() => p.kill('SIGKILL'), delay);
        }
      }
    });
    p.on('exit', (_code, signal) => resolve(signal ?? 'exited'));
  });
}

describe('a crash (kill -9) while loading the inbox', () => {
  // Seeded choices, so a failure can be replayed: which file the kill lands in, and how long after it starts.
  let seed = 20261126;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // The kill lands after file 1, 2 or 3 is committed: in the move to the archive, or anywhere in the next file's load.
  const trials = Array.from({ length: 3 }, (_, i) => ({ trial: i + 1, atFile: 1 + Math.floor(random() * (MONTHS.length - 1)), delay: Math.floor(random() * 60) }));

  it.each(trials)('trial $trial (kill $delay ms after file $atFile of 4 is loaded): the rerun completes with the right counts', async ({ trial, atFile, delay }) => {
    const dir = path.join(tmp.dir, `ws${trial}`);
    await inbox(dir);
    const signal = await runAndKill(dir, atFile, delay);
    expect(signal, 'the child must die by the kill, not finish first').toBe('SIGKILL');
    const rerun = spawnSync(process.execPath, [child, dir], { encoding: 'utf8' });
    expect(rerun.status, rerun.stderr).toBe(0);
    const ws = resolveWorkspace(dir, {});
    expect(readdirSync(ws.inbox)).toEqual([]);
    expect(readdirSync(ws.archive).sort()).toEqual(MONTHS.map((m) => `revenue_${m}.csv`));
    expect(readdirSync(ws.quarantine)).toEqual([]);
    const wh = await openWarehouse(ws.warehouse);
    try {
      const perMonth = await wh.all(`select strftime(period, '%Y-%m') as month, count(*)::integer as n, count(distinct (taxpayer_id, tax_code))::integer as keys,
        count(*) filter (where superseded_by is not null)::integer as superseded from revenue group by 1 order by 1`);
      expect(perMonth).toEqual(MONTHS.map((month) => ({ month, n: ROWS, keys: ROWS, superseded: 0 })));
      const files = await wh.all(`select name, status, rows::integer as rows from files order by name`);
      expect(files).toEqual(MONTHS.map((m) => ({ name: `revenue_${m}.csv`, status: 'loaded', rows: ROWS })));
    } finally {
      wh.close();
    }
  });
});

describe('the window between commit and archive', () => {
  it('a file whose data was committed but which was still in the inbox is archived on the rerun, not loaded twice', async () => {
    const b = await ingestBench();
    try {
      const ws = resolveWorkspace(path.join(b.dir, 'ws'), {});
      const feed = b.feed(cityRevenueFeed);
      const { writeFileSync } = await import('node:fs');
      const file = path.join(ws.inbox, 'city_2026-10.csv');
      writeFileSync(file, cityRevenueCsv);
      // The crash: committed, not yet moved.
      expect((await ingestFile(b.warehouse, file, feed, { logger: b.logger, now })).status).toBe('loaded');
      const results = await ingestInbox(b.warehouse, ws, [feed], { logger: b.logger, now });
      expect(results.map((r) => r.status)).toEqual(['duplicate']);
      expect(readdirSync(ws.inbox)).toEqual([]);
      expect(readdirSync(ws.archive)).toEqual(['city_2026-10.csv']);
      // Offered once more (an analyst drops it again): removed from the inbox, the archive keeps one copy.
      writeFileSync(file, cityRevenueCsv);
      await ingestInbox(b.warehouse, ws, [feed], { logger: b.logger, now });
      expect(readdirSync(ws.archive)).toEqual(['city_2026-10.csv']);
      expect(await b.warehouse.all('select count(*)::integer as n from revenue')).toEqual([{ n: 3 }]);
    } finally {
      b.cleanup();
    }
  });
});
