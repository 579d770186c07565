import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../pipeline/workspace.js';
import { tempDir } from './helpers/workspace.js';

const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
const real = path.resolve(projectPaths().root, '../shared/data/real');
const ws = tempDir('taxbrief-ingest-cli-');
afterAll(() => ws.cleanup());
const taxbrief = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, '--quiet', ...args], { encoding: 'utf8', env: { ...process.env, TAXBRIEF_WORKSPACE: ws.dir } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('taxbrief ingest', () => {
  it('--dry-run validates a real file and loads nothing; then a real load; the same file again is a no-op', () => {
    const file = path.join(real, 'province-2014-2017', 'all_province_2014_2017.csv');
    const dry = taxbrief('ingest', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toBe(`checked\t2846\t${file}\n`);
    const files = () => JSON.parse(taxbrief('query', 'input_files', '--param', 'period=2030-01', '--format', 'json').out) as unknown[];
    expect(files()).toEqual([]);
    expect(taxbrief('ingest', file).out).toBe(`loaded\t2846\t${file}\n`);
    expect(files()).toHaveLength(1);
    expect(taxbrief('ingest', file).out).toBe(`duplicate\t0\t${file}\n`);
    expect(files()).toHaveLength(1);
  });

  it('refuses an encrypted .xls with exit 3 and says what to do', () => {
    const file = path.join(real, 'guangdong-2014-2016', '2015 income breakdown shenzhen.xls');
    const r = taxbrief('ingest', file);
    expect(r.code).toBe(3);
    expect(r.out).toBe(`refused\t0\t${file}\n`);
    expect(r.err).toContain('is a legacy .xls or a password-protected workbook (an OLE2 file), which taxbrief cannot read; open it in Excel or WPS, remove any password, save it as .xlsx');
  });

  it('--feed names a feed that exists, else exit 2 with the list', () => {
    const r = taxbrief('ingest', path.join(real, 'README.md'), '--feed', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--feed nope is not a feed; the feeds are budget-targets, demo-budget, demo-relief, .*\(see taxbrief feeds\)/);
  });

  it('leaves nothing in tmp/ after a workbook (converted there), and sweeps what a killed command left', () => {
    const tmp = path.join(ws.dir, 'tmp');
    const book = path.join(real, 'guangdong-2014-2016', 'Guangdong 2014 - 2016.xlsx');
    expect(taxbrief('ingest', book, '--dry-run').code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    // what a kill -9 in the middle of a transcode leaves: the half-written UTF-8 copy, and a reproduce scratch folder
    writeFileSync(path.join(tmp, `.taxpayers.csv.999999.utf8.csv`), 'x'.repeat(3 * 2 ** 20));
    mkdirSync(path.join(tmp, 'left'));
    writeFileSync(path.join(tmp, 'left', 'reproduce-999999.duckdb.wal'), 'x');
    const r = taxbrief('ingest', book, '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`removed 2 file(s) (3.0 MiB) that an unfinished command left in ${tmp}`);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
