import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../pipeline/workspace.js';
import { tempDir } from './helpers/workspace.js';

// The installed entry point, as a user runs it (npm test builds dist/ first).
const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
const ws = tempDir('taxbrief-cli-');
afterAll(() => ws.cleanup());

function taxbrief(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, TAXBRIEF_WORKSPACE: ws.dir } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('taxbrief CLI', () => {
  it.each(['run', 'brief', 'list', 'demo', 'ingest', 'feeds', 'queries', 'query', 'check'])('%s --help explains the command and exits 0', (command) => {
    const r = taxbrief(command, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: taxbrief ${command}`);
  });

  it('lists every command in the top-level help', () => {
    const r = taxbrief('--help');
    expect(r.code).toBe(0);
    for (const c of ['run', 'brief', 'list', 'demo', 'ingest', 'feeds', 'queries', 'query', 'check']) expect(r.out).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });

  it('exits 2 on a wrong command line, with a hint', () => {
    const r = taxbrief('nonsense');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'nonsense'/);
  });

  it('exits 2 for an unknown brief and names the ones that exist', () => {
    const r = taxbrief('brief', 'no-such-brief');
    expect(r.code).toBe(2);
    expect(r.err).toContain('No brief "no-such-brief"; the briefs are advisory, city, industry, monthly-revenue, relief');
  });

  it('exits 2 for an unknown brief in run --select, before touching the workspace', () => {
    const r = taxbrief('run', '--select', 'monthly-revenue,no-such-brief');
    expect(r.code).toBe(2);
    expect(r.err).toContain('No brief "no-such-brief"; the briefs are advisory, city, industry, monthly-revenue, relief');
  });

  it('exits 2 for a malformed period', () => {
    const r = taxbrief('brief', 'monthly-revenue', '--period', '2026-13');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--period 2026-13 is not a month; write it as YYYY-MM');
  });

  it('exits 1 with a clear sentence when there is no data yet', () => {
    const r = taxbrief('brief', 'monthly-revenue');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds no revenue yet; put extracts into .*inbox and run taxbrief run, or run taxbrief demo\./);
  });

  it('lists the briefs and the queries with their parameters', () => {
    expect(taxbrief('list').out).toMatch(/^monthly-revenue\t月度税收收入分析\tprovince/m);
    expect(taxbrief('queries').out).toMatch(/^revenue_headline \(\$period, \$region\?, \$combine_jan_feb\?\)$/m);
  });
});
