import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile } from '../pipeline/ingest/digest.js';
import { projectPaths } from '../pipeline/workspace.js';

// digestFile reads 4 MiB at a time into one reused buffer: characters cut by a read, and bytes found
// in a later read, must come out at their file offsets, and the hash must be the whole file's.
const dir = mkdtempSync(path.join(os.tmpdir(), 'taxbrief-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHUNK = 4 << 20;

function fileOf(name: string, ...parts: (Buffer | string)[]): { file: string; bytes: Buffer } {
  const bytes = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes };
}

describe('digestFile across its reads', () => {
  it('a UTF-8 character cut by the read boundary is valid; the SHA-256 is the whole file\'s', async () => {
    // "中" (3 bytes) starts 1 byte before the boundary; more text follows in the second read
    const { file, bytes } = fileOf('cut.csv', Buffer.alloc(CHUNK - 1, 'a'), '中文,1\n', Buffer.alloc(CHUNK, 'b'), '税\n');
    const d = await digestFile(file, true);
    expect(d).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), nulAt: -1, notUtf8At: -1 });
  });

  it('a GBK byte and a NUL byte in the second and third reads are found at their offsets', async () => {
    const gbk = Buffer.from([0xd6, 0xd0]); // "中" in GBK: 0xd6 starts no UTF-8 character
    const { file } = fileOf('late.csv', Buffer.alloc(CHUNK + 10, 'a'), gbk, Buffer.alloc(CHUNK, 'c'), Buffer.from([0]), 'x\n');
    const d = await digestFile(file, true);
    expect(d.notUtf8At).toBe(CHUNK + 10);
    expect(d.nulAt).toBe(2 * CHUNK + 12);
  });

  it('a lead byte cut by the boundary and not continued in the next read is the culprit', async () => {
    const { file } = fileOf('badcut.csv', Buffer.alloc(CHUNK - 1, 'a'), Buffer.from([0xe4]), 'zz\n');
    expect((await digestFile(file, true)).notUtf8At).toBe(CHUNK - 1);
  });

  it('a file ending inside a character, and a non-text file (no UTF-8 or NUL search)', async () => {
    const { file } = fileOf('end.csv', 'a,b\n', Buffer.from([0xe4, 0xb8]));
    expect((await digestFile(file, true)).notUtf8At).toBe(4);
    const bin = fileOf('bin.parquet', Buffer.from([0, 0xff, 0]));
    expect(await digestFile(bin.file)).toEqual({ sha256: createHash('sha256').update(bin.bytes).digest('hex'), nulAt: -1, notUtf8At: -1 });
  });

  it('compiled, digestAside takes the same digest on a worker thread (nice 19, or hurried to 0); a small file in the calling thread', async () => {
    // (the TypeScript sources vitest runs cannot start a worker; npm test builds dist/ first)
    const module = path.join(projectPaths().root, 'dist', 'pipeline', 'ingest', 'digest.js');
    const { file, bytes } = fileOf('aside.csv', Buffer.alloc(CHUNK + 5, 'a'), Buffer.from([0xd6, 0xd0]), Buffer.alloc(CHUNK, 'c'), Buffer.from([0]), 'x\n');
    const tiny = fileOf('tiny.csv', 'a,b\n1,2\n');
    const script = `
      import { digestAside } from ${JSON.stringify(module)};
      let threads = 0;
      process.on('worker', (w) => threads++);
      const slow = digestAside(${JSON.stringify(file)}, true, { asideBytes: 0 });
      const hurried = digestAside(${JSON.stringify(file)}, true, { asideBytes: 0 });
      hurried.hurry();
      const small = digestAside(${JSON.stringify(tiny.file)}, true);
      const results = [await slow.result, await hurried.result];
      const smallResult = await small.result;
      console.log(JSON.stringify({ threads, results, small: smallResult.sha256 }));`;
    const scriptFile = path.join(dir, 'aside.mjs');
    writeFileSync(scriptFile, script);
    const r = spawnSync(process.execPath, [scriptFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const expected = { sha256: createHash('sha256').update(bytes).digest('hex'), nulAt: 2 * CHUNK + 7, notUtf8At: CHUNK + 5 };
    // two threads: a file below ASIDE_BYTES is digested in the calling thread
    expect(JSON.parse(r.stdout)).toEqual({ threads: 2, results: [expected, expected], small: createHash('sha256').update(tiny.bytes).digest('hex') });
  });
});
