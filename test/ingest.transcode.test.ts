import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { BadText, lineAt, transcodeFile, utf8Transcoder } from '../pipeline/ingest/transcode.js';
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

// The table-driven transcoder against Node's decoder on the whole text (and Buffer's UTF-8): the same bytes,
// or the same refusal at the same line, however the text is cut into chunks.
describe('GBK transcoding by table', () => {
  // The text cut into chunks of `size` bytes, the first of `first`: the UTF-8 bytes, or the refusal and its line.
  const chunked = (encoding: string, bytes: Buffer, size: number, first = size) => {
    const transcoder = utf8Transcoder(encoding, 0);
    const parts: Buffer[] = [];
    try {
      for (let at = 0, end = first; at < bytes.length; at = end, end += size) parts.push(Buffer.from(transcoder.write(bytes.subarray(at, end))));
      parts.push(Buffer.from(transcoder.end()));
    } catch (error) {
      if (!(error instanceof BadText)) throw error;
      return { kind: error.kind, line: lineOf(bytes, error.at) };
    }
    return Buffer.concat(parts);
  };
  // What Node's decoder makes of the whole text: its UTF-8 bytes, or the line of its first U+FFFD.
  const decoded = (encoding: string, bytes: Buffer) => {
    const text = new TextDecoder(encoding).decode(bytes);
    const bad = text.indexOf('\uFFFD');
    return bad < 0 ? Buffer.from(text, 'utf8') : { kind: 'undecodable', line: lineOf(Buffer.from(text.slice(0, bad), 'utf8'), Infinity) };
  };
  // The line (1 = the first) holding byte `at`, lines ending at LF, CR or CRLF.
  const lineOf = (bytes: Buffer, at: number) => 1 + (bytes.subarray(0, at).toString('latin1').match(/\r\n|\r|\n/g)?.length ?? 0);
  // (bytes compared by their digest: a deep comparison of 100 kB buffers takes seconds)
  const outcome = (r: Buffer | { kind: string; line: number }) => (Buffer.isBuffer(r) ? { length: r.length, sha256: createHash('sha256').update(r).digest('hex') } : r);
  // Cut at every offset modulo `size` (every byte is the last of a chunk once), and once whole.
  const expectSame = (encoding: string, bytes: Buffer, sizes: number[]) => {
    const expected = decoded(encoding, bytes);
    expect(outcome(chunked(encoding, bytes, bytes.length))).toEqual(outcome(expected));
    for (const size of sizes) {
      for (let first = 1; first <= size; first++) expect({ size, first, ...outcome(chunked(encoding, bytes, size, first)) }).toEqual({ size, first, ...outcome(expected) });
    }
    return expected;
  };

  for (const encoding of ['gbk', 'gb18030']) {
    it(`writes every two-byte character of ${encoding} as Node's decoder does, cut anywhere`, () => {
      // each lead's valid pairs on a line of their own, between ASCII, commas and digits (a GB18030 second byte)
      const lines: Buffer[] = [];
      let characters = 0;
      for (let lead = 0x81; lead <= 0xfe; lead++) {
        const line: number[] = [...Buffer.from(`${lead.toString(16)}:`)];
        for (let trail = 0x40; trail <= 0xfe; trail++) {
          const text = new TextDecoder(encoding).decode(Buffer.from([lead, trail]));
          if (text.length !== 1 || text === '\uFFFD') continue;
          line.push(lead, trail, ...(trail % 7 === 0 ? [0x2c] : trail % 11 === 0 ? [0x31, 0x61] : []));
          characters++;
        }
        lines.push(Buffer.from(line), Buffer.from(lead % 2 === 0 ? '\r\n' : '\n'));
      }
      expect(characters).toBe(23_940);
      const text = Buffer.concat(lines);
      const utf8 = expectSame(encoding, text, [2, 3, 7, 64]);
      expect(utf8).toBeInstanceOf(Buffer);
      // (B0A1–B0A3, D6D0: 啊阿埃, 中; the comma after A1 = 7 × 23)
      expect((utf8 as Buffer).toString('utf8')).toContain('啊,阿埃');
      expect((utf8 as Buffer).toString('utf8')).toContain('中');
    });

    it(`decodes GB18030 four-byte characters and 0x80 as Node's decoder does (${encoding}), cut anywhere`, () => {
      const bytes = Buffer.concat([
        gb('名称,𠀀公司\n𠀀𠀀中𠀀a\r\n\u0080,\uffff\u{10ffff}'), Buffer.from([0x80]), gb('€ 号\r'), gb('末𠀀'),
      ]);
      const expected = expectSame(encoding, bytes, [2, 3, 5, 9]);
      // gbk (Windows code page 936 in Node) has no four-byte characters: refused at the first, on line 1
      expect(expected).toEqual(encoding === 'gbk' ? { kind: 'undecodable', line: 1 } : Buffer.from('名称,𠀀公司\n𠀀𠀀中𠀀a\r\n\u0080,\uffff\u{10ffff}€€ 号\r末𠀀', 'utf8'));
    });

    it(`refuses an undecodable pair, a lone byte or a cut character at its line (${encoding}), cut anywhere`, () => {
      const cases: [Buffer, number][] = [
        [Buffer.concat([gb('a,中\r\nb,'), Buffer.from([0x81, 0x7f]), gb('文\nc')]), 2], // a lead before a byte no pair has
        [Buffer.concat([gb('a,中\nb,文\r'), Buffer.from([0xd6]), gb('\nc')]), 3], // a lead before a LF
        [Buffer.concat([gb('a\n中,'), Buffer.from([0xd6])]), 2], // a lead at the end
        [Buffer.concat([gb('a\n\n'), Buffer.from([0x81, 0x30, 0x81])]), 3], // a four-byte character cut by the end
        [Buffer.concat([gb('a\r\n'), Buffer.from([0xd6, 0xd0, 0x81, 0x30, 0x20]), gb('b\n')]), 2], // a four-byte character cut by a space
        [Buffer.concat([gb('a\r\n'), Buffer.from([0x81, 0x30, 0x81, 0x41, 0x20]), gb('b\n')]), 2], // … by a letter (Node's decoder throws where it is cut after 3 bytes)
      ];
      for (const [bytes, line] of cases) expect(expectSame(encoding, bytes, [2, 3, 4])).toEqual({ kind: 'undecodable', line });
    });
  }

  it('refuses a lead byte at the end of a file, or the last of a 1 MiB chunk before a LF, at its line, in either half', async () => {
    // (without four-byte characters, which GBK does not have)
    const twoByte = (eol: string) => gb(text(eol).replaceAll('𠀀', ''));
    const cases: [Buffer, number][] = [
      [Buffer.concat([twoByte('\n'), gb('2026-10,TP1,广州'), Buffer.from([0xb9])]), 30_002], // a lone lead at the end, no line end
      [Buffer.concat([twoByte('\r\n'), Buffer.from([0xb9])]), 30_002],
    ];
    // the lead the last byte of the first 1 MiB chunk (after whole lines and ASCII), the byte after it a LF
    const whole = twoByte('\n');
    const lines = whole.subarray(0, whole.lastIndexOf(10, (1 << 20) - 100) + 1);
    const cut = Buffer.concat([lines, Buffer.alloc((1 << 20) - 1 - lines.length, 'x'), Buffer.from([0xd6, 0x0a]), whole.subarray(lines.length)]);
    expect(cut[(1 << 20) - 1]).toBe(0xd6);
    cases.push([cut, lineOf(lines, lines.length)]);
    for (const [i, [bytes, line]] of cases.entries()) {
      for (const encoding of ['gbk', 'gb18030']) {
        const file = write(`lone-${i}-${encoding}.csv`, bytes);
        for (const splitBytes of [0, Number.POSITIVE_INFINITY]) {
          const error = await transcodeFile(file, path.join(tmp.dir, 'out.csv'), encoding, { splitBytes }).then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(BadText);
          expect({ kind: (error as BadText).kind, line: await lineAt(file, (error as BadText).at) }).toEqual({ kind: 'undecodable', line });
        }
      }
    }
  });
});
