// The benchmark harness, run once end to end at the smoke scale so it never rots: every suite must
// produce its figures. No assertion on time (speed belongs in `npm run bench`, not in tests).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'taxbrief-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Figure { suite: string; name: string; runs: number; medianMs: number; baseline?: { medianMs: number }; ratio?: number; meets?: boolean; target?: object }

it('runs every suite once at the smoke scale and reports each figure beside its baseline', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'bench.js'), '--scale', 'smoke', '--runs', '1', '--no-write', '--json', '--dir', dir, '--threads', '2'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // 0: every target met; 3: a target not met (a finding of the benchmark, not a broken harness).
  expect([0, 3], r.stderr.slice(-3000)).toContain(r.status);
  const { scale, figures } = JSON.parse(r.stdout) as { scale: string; figures: Figure[] };
  expect(scale).toBe('smoke');
  const suites = ['ingest', 'queries', 'brief', 'fanout', 'nightly-incremental', 'nightly-full', 'nightly-january'];
  expect([...new Set(figures.map((f) => f.suite))].sort()).toEqual([...suites].sort());
  const count = (suite: string) => figures.filter((f) => f.suite === suite).length;
  // ingest: CSV (against plain read_csv, and against it with the project's buffer size), Parquet, GBK;
  // queries: one brief's queries, the mart refresh for a new month and for a restated one
  expect(suites.map(count)).toEqual([4, 3, 1, 1, 2, 1, 2]);
  // the January night is measured from the snapshot that ends in the December before
  expect(figures.filter((f) => f.suite === 'nightly-january').map((f) => f.name)).toContainEqual(expect.stringContaining('one new month, a January (2026-01)'));
  for (const f of figures) {
    expect(f.runs, f.name).toBe(1);
    expect(f.medianMs, f.name).toBeGreaterThan(0);
    // Every figure has a baseline measured in the same run, and the ratio is the medians'.
    expect(f.baseline?.medianMs, f.name).toBeGreaterThan(0);
    expect(f.ratio, f.name).toBeCloseTo(f.medianMs / f.baseline!.medianMs, 6);
    if (f.target) expect(typeof f.meets, f.name).toBe('boolean');
  }
  // The exit code says whether a target was missed.
  expect(r.status).toBe(figures.some((f) => f.meets === false) ? 3 : 0);
  // The bench passed its resources on to every process (here: two DuckDB threads).
  expect(r.stderr).toContain('DuckDB threads 2');
}, 600_000);
