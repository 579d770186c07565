import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { BadText, lineAt, transcodeFile } from '../pipeline/ingest/transcode.js';
import { projectPaths } from '../pipeline/workspace.js';
import { tempDir } from './helpers/workspace.js';

// GBK/GB18030 transcoding: a file in two halves gives the bytes the whole gives, and a refusal names
// the line of the file (not of its half), whichever half finds it, across chunk boundaries (1 MiB).
const tmp = tempDir('taxbrief-transcode-');
afterAll(() => tmp.cleanup());
const write = (name: string, bytes: Buffer) => {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, bytes);
  return file;
};
// ~2.4 MB of GB18030: lines of two-, four-byte (𠀀, U+20000) and one-byte characters, so that chunk ends cut characters.
const lines = (n: number) => Array.from({ length: n }, (_, i) => `2026-10,TP${String(i).padStart(9, '0')},广州市天河区某某贸易有限公司${i % 7 === 0 ? '𠀀' : ''}${i},440106,10101,${i}.5`);
const text = (eol: string, n = 30_000) => `所属期,纳税人识别号,名称,地区,税种,入库税额${eol}${lines(n).join(eol)}${eol}`;
const gb = (s: string) => iconv.encode(s, 'gb18030');
const refusal = async (file: string, splitBytes = 0) => {
  const error = await transcodeFile(file, path.join(tmp.dir, 'out.csv'), 'gb18030', { splitBytes }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BadText);
  return { kind: (error as BadText).kind, line: await lineAt(file, (error as BadText).at) };
};
// The file with line `at` (1 = the header) replaced by `bytes`.
const withLine = (eol: string, at: number, bytes: Buffer) => {
  const all = text(eol).split(eol);
  return Buffer.concat([gb(all.slice(0, at - 1).join(eol) + eol), bytes, gb(eol + all.slice(at).join(eol))]);
};

describe('GBK transcoding', () => {
  for (const [ends, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
    it(`in two halves gives the bytes of the whole, in UTF-8 (${ends})`, async () => {
      const file = write(`whole-${ends}.csv`, gb(text(eol)));
      for (const splitBytes of [0, Number.POSITIVE_INFINITY]) {
        const out = path.join(tmp.dir, `out-${ends}-${splitBytes}.csv`);
        await transcodeFile(file, out, 'gb18030', { splitBytes });
        expect(readFileSync(out).equals(Buffer.from(text(eol), 'utf8'))).toBe(true);
        expect(existsSync(`${out}.2`)).toBe(false);
      }
    });

    it(`names the line of a UTF-8 line or an undecodable byte in either half, past chunk ends (${ends})`, async () => {
      // lines 5 and 29,000 lie in the first and second half; 12,345 is past the first 1 MiB chunk
      for (const at of [5, 12_345, 29_000]) {
        const mixed = write(`mixed-${ends}-${at}.csv`, withLine(eol, at, Buffer.from(`2026-10,TP1,广州市天河区贸易公司,440106,10101,1`, 'utf8')));
        expect(await refusal(mixed)).toEqual({ kind: 'mixed', line: at });
        const cut = write(`cut-${ends}-${at}.csv`, withLine(eol, at, Buffer.concat([gb('2026-10,TP1,广州'), Buffer.from([0xff]), gb('市,440106,10101,1')])));
        expect(await refusal(cut)).toEqual({ kind: 'undecodable', line: at });
        expect(await refusal(cut, Number.POSITIVE_INFINITY)).toEqual({ kind: 'undecodable', line: at });
      }
    });
  }

  it('the first half\'s refusal wins over the second\'s', async () => {
    const both = gb(text('\n')).toString('latin1').split('\n');
    both[99] = Buffer.from('2026-10,TP1,广州市天河区贸易公司,440106,10101,1', 'utf8').toString('latin1');
    both[25_000] = Buffer.concat([Buffer.from('x'), Buffer.from([0xff])]).toString('latin1');
    expect(await refusal(write('both.csv', Buffer.from(both.join('\n'), 'latin1')))).toEqual({ kind: 'mixed', line: 100 });
  });

  it('compiled, runs the second half on a worker thread: same bytes, same lines', () => {
    // (the TypeScript sources vitest runs cannot start a worker; npm test builds dist/ first)
    const module = path.join(projectPaths().root, 'dist', 'pipeline', 'ingest', 'transcode.js');
    const whole = write('worker.csv', gb(text('\n')));
    const cut = write('worker-cut.csv', withLine('\n', 29_000, Buffer.concat([gb('2026-10,TP1,广州'), Buffer.from([0xff]), gb('市')])));
    const out = path.join(tmp.dir, 'worker-out.csv');
    const script = `
      import { transcodeFile, lineAt } from ${JSON.stringify(module)};
      let threads = 0;
      process.on('worker', () => threads++);
      await transcodeFile(${JSON.stringify(whole)}, ${JSON.stringify(out)}, 'gb18030', { splitBytes: 0 });
      const error = await transcodeFile(${JSON.stringify(cut)}, ${JSON.stringify(`${out}.cut`)}, 'gb18030', { splitBytes: 0 }).catch((e) => e);
      console.log(JSON.stringify({ threads, kind: error.kind, line: await lineAt(${JSON.stringify(cut)}, error.at) }));`;
    const r = spawnSync(process.execPath, [write('worker.mjs', Buffer.from(script))], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ threads: 2, kind: 'undecodable', line: 29_000 });
    expect(readFileSync(out).equals(Buffer.from(text('\n'), 'utf8'))).toBe(true);
  });
});
