import { describe, expect, it } from 'vitest';
import { render } from '../fuzz/cases.js';
import { expectationOf, rowsOfBytes } from '../fuzz/oracle.js';
import { regressions } from '../fuzz/regressions.js';
import { fuzzIngest, replayCases } from '../fuzz/run.js';
import { summary } from '../fuzz/summary.js';

// A sample of `npm run fuzz` (which runs 1,000+ cases): generated CSV/xlsx extracts through the real
// ingest stage in-process, a few through the spawned CLI. The seed is fixed so that CI is repeatable;
// `npm run fuzz` draws a new one each time.
describe('npm run fuzz (a sample)', () => {
  it('every generated file is a correct load or a clear refusal, in-process and through the CLI', async () => {
    const lines: string[] = [];
    const report = await fuzzIngest({ cases: 50, seed: 20261126, cli: 3, timeoutMs: 60_000, print: (l) => lines.push(l) });
    const text = summary(report, 20261126, 0);
    expect(report.failure, text).toBeUndefined();
    expect(report.cases).toBe(50);
    expect(report.cli.tried).toBe(3);
    // the sample reaches both outcomes
    const tally = [...report.kinds.values()];
    expect(tally.reduce((n, k) => n + k.loaded, 0)).toBeGreaterThan(0);
    expect(tally.reduce((n, k) => n + k.refused, 0)).toBeGreaterThan(0);
  });

  // Each counterexample a fuzz run found, cut down and named by its cause (fuzz/regressions.ts).
  it('every past counterexample now holds (a correct load, or a refusal at its row and column)', async () => {
    const results = await replayCases(regressions);
    expect(results.map((r) => r.name)).toEqual(regressions.map((r) => r.name));
    for (const r of results) expect(r.violation, `${r.name}: ${r.outcome}`).toBeUndefined();
    const outcome = (start: string) => results.find((r) => r.name.startsWith(start))!.outcome;
    expect(outcome('an unterminated quote')).toMatch(/^taxpayers_fuzz\d+\.csv:3:status: a quote opens this field and is never closed/);
    expect(outcome('a GB18030 line that is valid UTF-8')).toBe('loaded 2 row(s)');
    expect(outcome('a GBK extra field in a CR-only file')).toMatch(/^revenue_fuzz\d+\.csv:2: the text is not UTF-8 \(GBK\?\)/);
    expect(outcome('a GBK row past the first megabyte')).toMatch(/^taxpayers_fuzz\d+\.csv:3: the text is not UTF-8 \(GBK\?\) from here on, though the lines before are UTF-8: the file mixes encodings/);
    expect(outcome('mixed line ends past the first megabyte')).toMatch(/^taxpayers_fuzz\d+\.csv:4:registered_on: registered_on "not-a-date" is not a date \(write YYYY-MM-DD\)$/);
    expect(outcome('the same file without the wrong date')).toBe('loaded 3 row(s)');
  });

  it('the oracle is not the pipeline: it reads a file with its own decoder and parser, and rejects what cannot be read', async () => {
    const rows = [{ taxpayer_id: 'TP1', name: '名"甲,乙\n丙"司', region_code: '440103', industry_code: 'A', size_code: 'S', registered_on: '2020-05-01', status: '' }];
    const ok = { feed: 'taxpayers-auto' as const, encoding: 'gbk' as const, eol: 'cr' as const, rows, mutation: { kind: 'none' as const } };
    const { bytes } = await render(ok, 0);
    expect(expectationOf(ok).outcome).toBe('load');
    expect(rowsOfBytes(ok, bytes)).toEqual([{ ...rows[0], status: null }]);
    // cut after the first byte of 甲 (GBK B C C 7): half a character cannot be loaded correctly
    const plain = { ...ok, rows: [{ ...rows[0]!, name: '名甲司' }] };
    const whole = (await render(plain, 0)).bytes;
    const at = whole.indexOf(Buffer.from([0xbc, 0xd7])) + 1;
    expect(rowsOfBytes(plain, Buffer.concat([whole.subarray(0, at), Buffer.from('\r')]))).toBeUndefined();
    // a truncated file may go either way; a wrong type must be refused at its row and column
    expect(expectationOf({ ...ok, mutation: { kind: 'truncate', at: 0.5 } }).outcome).toBe('either');
    expect(expectationOf({ ...ok, mutation: { kind: 'wrong-type', row: 0, column: 'registered_on', value: 'not-a-date' } }))
      .toEqual({ outcome: 'refuse', at: { row: 2, column: 'registered_on' } });
  });
});
