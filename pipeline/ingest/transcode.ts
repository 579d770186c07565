import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import iconv from 'iconv-lite';

/**
 * Why a GBK/GB18030 file cannot be transcoded, and the byte offset of the start of the line at fault
 * (lineAt turns it into the line an analyst sees): a line pasted from a UTF-8 export, or bytes the
 * encoding cannot decode.
 */
export class BadText extends Error {
  constructor(readonly kind: 'mixed' | 'undecodable', readonly at: number) {
    super(kind);
  }
}

/** The sentence refusing a file whose line `kind` says what is wrong with. */
export function badTextMessage(kind: BadText['kind'], name: string, encoding: string): string {
  return kind === 'mixed'
    ? `${name} mixes encodings: this line is UTF-8 text, but the file is read as ${encoding.toUpperCase()} (it was pasted together from two exports); re-export the whole file in one encoding (UTF-8).`
    : `bytes that are not ${encoding.toUpperCase()} text (a cut or foreign character); re-export the file in one encoding (UTF-8), or fix the line.`;
}

const CHUNK = 1 << 20;

/** Files from this size on are transcoded in two halves at once (below it, starting a thread costs more than it saves). */
export const SPLIT_BYTES = 16 << 20;

/**
 * Transcodes a GBK/GB18030 text file to UTF-8 into `out` (transcodeRange), a large one in two halves cut
 * after a LF: the second on a worker thread into a file of its own, appended to the first once both are
 * done, so that the two cores share the work (the append, a copy of half the output, costs a sixth of
 * transcoding it: 0.3 s of CPU against 1.9 s for half of a 412 MB file). Throws BadText at the first line that fails, whichever half finds it. Where no worker
 * can start (the sources run uncompiled, as under vitest) the halves run one after the other.
 */
export async function transcodeFile(file: string, out: string, encoding: string, options: { splitBytes?: number } = {}): Promise<void> {
  const size = statSync(file).size;
  const cut = size >= (options.splitBytes ?? SPLIT_BYTES) ? await lineStartAfter(file, Math.floor(size / 2)) : -1;
  if (cut <= 0 || cut >= size) return await transcodeRange(file, out, encoding, 0, size);
  const second = `${out}.2`;
  try {
    const [first, rest] = await Promise.allSettled(workerFile
      ? [transcodeRange(file, out, encoding, 0, cut), inWorker({ file, out: second, encoding, start: cut, end: size })
        // a thread that cannot start or dies (not a refusal): the half is transcoded here
        .catch((error: unknown) => (error instanceof BadText ? Promise.reject(error) : transcodeRange(file, second, encoding, cut, size)))]
      : [transcodeRange(file, out, encoding, 0, cut).then(() => transcodeRange(file, second, encoding, cut, size))]);
    if (first.status === 'rejected') throw first.reason;
    if (rest?.status === 'rejected') throw rest.reason;
    await pipeline(createReadStream(second, { highWaterMark: 4 << 20 }), createWriteStream(out, { flags: 'a' }));
  } finally {
    rmSync(second, { force: true });
  }
}

// The byte after the first LF at or after `from`, or -1.
async function lineStartAfter(file: string, from: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(64 << 10);
    for (let pos = from; ; pos += buffer.length) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, pos);
      if (bytesRead === 0) return -1;
      const lf = buffer.subarray(0, bytesRead).indexOf(10);
      if (lf >= 0) return pos + lf + 1;
    }
  } finally {
    await handle.close();
  }
}

/** What the worker thread is given: one range of a file to transcode into a file of its own. */
interface RangeJob { kind: 'taxbrief-transcode'; file: string; out: string; encoding: string; start: number; end: number }

// This module compiled (dist/): a worker thread can run it. Its TypeScript source (under vitest) cannot be.
const workerFile = import.meta.url.endsWith('.js') ? fileURLToPath(import.meta.url) : undefined;

function inWorker(job: Omit<RangeJob, 'kind'>): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile!, { workerData: { kind: 'taxbrief-transcode', ...job } satisfies RangeJob });
    let answered = false;
    worker.once('message', (m: { ok: true } | { kind: BadText['kind']; at: number } | { error: string }) => {
      answered = true;
      if ('ok' in m) resolve();
      else if ('at' in m) reject(new BadText(m.kind, m.at));
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the transcoding thread stopped (exit code ${code}) before it finished`));
    });
  });
}

/**
 * Transcodes bytes `start` to `end` of a GBK/GB18030 text file to UTF-8 into `out`, checking on the way
 * that no line is UTF-8 text (utf8Lines) and that every byte decodes (utf8Transcoder); throws BadText at
 * the first line that fails (a UTF-8 line anywhere in a chunk before a byte that does not decode in it).
 * One read buffer and one output buffer serve every chunk (a new buffer per chunk, as streams give, cost
 * as much CPU as the encoding itself). `start` must begin a line (the byte after a LF, or 0): GB18030
 * never uses a LF byte inside a character, so a range cut there decodes as it would within the whole file.
 */
export async function transcodeRange(file: string, out: string, encoding: string, start: number, end: number): Promise<void> {
  const input = await open(file, 'r');
  try {
    const output = await open(out, 'w');
    try {
      const raw = Buffer.allocUnsafe(CHUNK);
      const transcoder = utf8Transcoder(encoding, start);
      const lines = utf8Lines();
      let pos = start;
      while (pos < end) {
        const { bytesRead } = await input.read(raw, 0, Math.min(CHUNK, end - pos), pos);
        if (bytesRead === 0) break;
        const bytes = raw.subarray(0, bytesRead);
        const mixed = lines.push(bytes, pos);
        if (mixed >= 0) throw new BadText('mixed', mixed);
        const utf8 = transcoder.write(bytes);
        if (utf8.length > 0) await output.write(utf8);
        pos += bytesRead;
      }
      const mixed = lines.end();
      if (mixed >= 0) throw new BadText('mixed', mixed);
      const utf8 = transcoder.end();
      if (utf8.length > 0) await output.write(utf8);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/**
 * Turns the chunks of a GBK/GB18030 text, from byte `start` (a line's start) of its file on, into UTF-8
 * bytes (a view of one buffer, valid until the next call), throwing BadText('undecodable') at the line of
 * the first byte that does not decode. ASCII is copied and a two-byte character written from a table of
 * its UTF-8 bytes (copyPairs, pairTable), without a JavaScript string in between: half the CPU of
 * textDecoder and then Buffer.write (1.3 s against 2.8 s for a 412 MB file). Anything else (a GB18030
 * four-byte character, a lone byte like 0x80, a pair cut by the chunk's end or not in the table) goes
 * with the bytes after it up to the next byte below 0x30 (a CR, LF, comma or space: part of no
 * character, so that the decoder holds nothing after it) through textDecoder, which decides as it
 * always did; a character the chunk's end cut waits in it for the next chunk.
 */
export function utf8Transcoder(encoding: string, start: number): { write(bytes: Buffer): Buffer; end(): Buffer } {
  const table = pairTable(encoding);
  const decoder = textDecoder(encoding);
  const out: Utf8Out = { bytes: Buffer.alloc(0), view: new DataView(new ArrayBuffer(0)), length: 0 };
  let pos = start; // the file offset of the chunk
  let lineStart = start; // of the line the chunk starts in
  let open = false; // the last chunk ended in bytes going through the decoder: this one starts there too
  // bytes[i…] up to the next byte below 0x30 (or the chunk's end) through the decoder into out: where the chunk goes on
  const through = (bytes: Buffer, i: number): number => {
    let j = i;
    while (j < bytes.length && bytes[j]! >= 0x30) j++;
    const next = Math.min(j + 1, bytes.length);
    open = j === bytes.length;
    let text: string;
    try {
      text = decoder.write(bytes.subarray(i, next));
    } catch (error) {
      // Node's decoder throws (though not fatal) where a byte no character has follows one cut after 3 bytes
      if ((error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw new BadText('undecodable', lineStartBefore(bytes, i));
      throw error;
    }
    // bytes[i…next) hold no CR or LF but maybe the last, which comes after the U+FFFD of any bytes before it
    const bad = text.indexOf('\uFFFD');
    if (bad >= 0) throw new BadText('undecodable', /[\r\n]/.test(text.slice(0, bad)) ? pos + next : lineStartBefore(bytes, i));
    out.length += out.bytes.write(text, out.length, 'utf8');
    return next;
  };
  const lineStartBefore = (bytes: Buffer, i: number): number => {
    const lineBreak = i > 0 ? Math.max(bytes.lastIndexOf(10, i - 1), bytes.lastIndexOf(13, i - 1)) : -1;
    return lineBreak >= 0 ? pos + lineBreak + 1 : lineStart;
  };
  return {
    write(bytes) {
      // a byte becomes at most 3 bytes of UTF-8, +4 for a character the chunk before cut, +1: copyPairs writes 3 bytes for a 2-byte character
      if (out.bytes.length < 3 * bytes.length + 8) {
        out.bytes = Buffer.allocUnsafe(3 * bytes.length + 8);
        out.view = new DataView(out.bytes.buffer, out.bytes.byteOffset, out.bytes.length);
      }
      out.length = 0;
      let i = open ? through(bytes, 0) : 0;
      while (i < bytes.length) {
        if (table !== null) i = copyPairs(table, bytes, i, out);
        if (i < bytes.length) i = through(bytes, i);
      }
      const lineBreak = Math.max(bytes.lastIndexOf(10), bytes.lastIndexOf(13));
      if (lineBreak >= 0) lineStart = pos + lineBreak + 1;
      pos += bytes.length;
      return out.bytes.subarray(0, out.length);
    },
    end() {
      const text = decoder.end();
      open = false;
      if (text.includes('\uFFFD')) throw new BadText('undecodable', lineStart);
      return Buffer.from(text, 'utf8');
    },
  };
}

/** UTF-8 bytes being written: the buffer (and a view of it), and how many of its bytes are written. */
interface Utf8Out { bytes: Buffer; view: DataView; length: number }

// The hot loop: ASCII and two-byte characters in the table from bytes[i] on, into out; stops at any other
// byte (or a lead byte the chunk's end cut) and answers where. ASCII goes 4 bytes at a time while it lasts
// (a third less CPU than byte by byte). Its state is in locals, not in a closure's variables (twice as fast).
function copyPairs(table: Uint32Array, bytes: Buffer, i: number, out: Utf8Out): number {
  const dst = out.bytes;
  const dst32 = out.view;
  const src32 = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const last = bytes.length - 1;
  let o = out.length;
  for (; i <= last; i++) {
    for (; i <= last - 3; i += 4, o += 4) {
      const four = src32.getUint32(i, true);
      if ((four & 0x80808080) !== 0) break;
      dst32.setUint32(o, four, true);
    }
    if (i > last) break;
    const c = bytes[i]!;
    if (c < 0x80) {
      dst[o++] = c;
      continue;
    }
    if (i === last) break;
    const utf8 = table[(c << 8) | bytes[i + 1]!]!;
    if (utf8 === 0) break;
    dst[o] = utf8 >>> 16;
    dst[o + 1] = utf8 >>> 8;
    dst[o + 2] = utf8;
    o += utf8 >>> 24;
    i++;
  }
  out.length = o;
  return i;
}

// Per encoding (and thread): lead << 8 | trail → the UTF-8 bytes of the two-byte character, packed as
// length << 24 | bytes (2 or 3, big-endian); 0 where the pair is no such character. Null: no table.
const pairTables = new Map<string, Uint32Array | null>();

function pairTable(encoding: string): Uint32Array | null {
  let table = pairTables.get(encoding);
  if (table === undefined) pairTables.set(encoding, (table = decodedPairs(encoding)));
  return table;
}

// Every lead 81–FE and trail 40–FE, each pair followed by a LF, decoded by textDecoder (its mapping, not
// a second one that could differ: Node's 'gbk' is Windows code page 936, 101 pairs apart from its
// 'gb18030') in one call: the table takes 13 ms, once per thread (a decoder call per pair took 35–50 ms).
// A LF is never part of a character nor taken into an undecodable one, so the n-th line of the text is
// the n-th pair's.
function decodedPairs(encoding: string): Uint32Array | null {
  const pairs = Buffer.allocUnsafe(126 * 191 * 3);
  let n = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      pairs[n++] = lead;
      pairs[n++] = trail;
      pairs[n++] = 10;
    }
  }
  const decoder = textDecoder(encoding);
  const utf8 = Buffer.from(decoder.write(pairs) + decoder.end(), 'utf8');
  const table = new Uint32Array(65536);
  let from = 0;
  for (let i = 0; i < n; i += 3) {
    let lf = from; // (a scan: 24,000 indexOf calls from code not yet compiled took 3 times as long)
    while (lf < utf8.length && utf8[lf] !== 10) lf++;
    if (lf === utf8.length) return null;
    const length = lf - from;
    const [a, b, c] = [utf8[from]!, utf8[from + 1]!, length === 3 ? utf8[from + 2]! : 0];
    // one character of 2 or 3 bytes (U+FFFD, undecodable, alone takes 3 and is left out)
    if ((length === 2 && a >= 0xc2 && a <= 0xdf) || (length === 3 && a >= 0xe0 && a <= 0xef && !(a === 0xef && b === 0xbf && c === 0xbd))) {
      table[(pairs[i]! << 8) | pairs[i + 1]!] = (length << 24) | (a << 16) | (b << 8) | c;
    }
    from = lf + 1;
  }
  return from === utf8.length ? table : null;
}

/**
 * A streaming decoder: Node's own (ICU, native; half the CPU of iconv-lite's), or iconv-lite's on a Node
 * built without it. Undecodable bytes become U+FFFD either way. The one judge of what GBK/GB18030 bytes
 * mean: utf8Transcoder's table is read from it, and it decodes what the table does not hold.
 */
export function textDecoder(encoding: string): { write(bytes: Buffer): string; end(): string } {
  try {
    const decoder = new TextDecoder(encoding);
    return { write: (bytes) => decoder.decode(bytes, { stream: true }), end: () => decoder.decode() };
  } catch {
    const decoder = iconv.getDecoder(encoding);
    return { write: (bytes) => decoder.write(bytes), end: () => decoder.end() ?? '' };
  }
}

/**
 * The first line (its byte offset) of a text read as GBK/GB18030 that is UTF-8 text: the one check for a
 * file pasted together from a UTF-8 and a GBK export. A line that is valid UTF-8 and, read so, holds
 * two or more CJK ideographs came from a UTF-8 export and would load garbled, so the file is refused.
 * GBK text is valid UTF-8 only by chance, and then reads as Latin/IPA letters (GB2312's common
 * characters have lead bytes B0–D7, never a UTF-8 ideograph's E4–E9): of 2 M random 3-character GBK
 * strings, 0.3% were valid UTF-8 but 0.003% held 2 ideographs, and of common (GB2312 level 1) ones none.
 * Lines end at LF, CR or CRLF. Each line is checked by native isUtf8 on a view of the chunk (a Buffer
 * per line, from subarray, cost as much again); only a line cut by a chunk's end is copied.
 */
export function utf8Lines(): { push(bytes: Buffer, at: number): number; end(): number } {
  let carry: Buffer = Buffer.alloc(0); // the start of a line the last chunk cut
  let carryAt = 0;
  const utf8Text = (bytes: Uint8Array) => bytes.length >= 6 && isUtf8(bytes) && !isAscii(bytes) && utf8Ideographs(bytes) >= 2;
  return {
    push(bytes, at) {
      let start = 0;
      let lf = bytes.indexOf(10);
      let cr = bytes.indexOf(13);
      for (;;) {
        if (lf >= 0 && lf < start) lf = bytes.indexOf(10, start);
        if (cr >= 0 && cr < start) cr = bytes.indexOf(13, start);
        const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
        if (end < 0) break;
        if (start === 0 && carry.length > 0) {
          if (utf8Text(Buffer.concat([carry, bytes.subarray(0, end)]))) return carryAt;
          carry = Buffer.alloc(0);
        } else if (end - start >= 6 && utf8Text(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start))) return at + start;
        start = end + 1;
      }
      // (copied: the caller reuses its buffer)
      if (start === 0 && carry.length > 0) carry = Buffer.concat([carry, bytes]);
      else {
        carry = Buffer.from(bytes.subarray(start));
        carryAt = at + start;
      }
      return -1;
    },
    end: () => (utf8Text(carry) ? carryAt : -1),
  };
}

// CJK ideographs (U+4000–U+9FFF) in valid UTF-8 text: the lead bytes E4–E9 of their 3-byte sequences.
function utf8Ideographs(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b >= 0xe4 && b <= 0xe9) n++;
  return n;
}

/**
 * The line (1 = the first) holding byte `offset` of a file, lines ending at LF, CR or CRLF (once), found by
 * native byte searches (a refused file pays for it, not a loaded one).
 */
export async function lineAt(file: string, offset: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    let line = 1;
    let crBefore = false; // the last chunk ended on a CR
    for (let pos = 0; pos < offset; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, offset - pos), pos);
      if (bytesRead === 0) break;
      const bytes = buffer.subarray(0, bytesRead);
      for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) if (!(i === 0 ? crBefore : bytes[i - 1] === 13)) line++;
      for (let i = bytes.indexOf(13); i >= 0; i = bytes.indexOf(13, i + 1)) line++;
      crBefore = bytes[bytesRead - 1] === 13;
      pos += bytesRead;
    }
    return line;
  } finally {
    await handle.close();
  }
}

// The worker thread's side of inWorker.
if (!isMainThread && (workerData as RangeJob | undefined)?.kind === 'taxbrief-transcode') {
  const job = workerData as RangeJob;
  try {
    await transcodeRange(job.file, job.out, job.encoding, job.start, job.end);
    parentPort!.postMessage({ ok: true });
  } catch (error) {
    parentPort!.postMessage(error instanceof BadText ? { kind: error.kind, at: error.at } : { error: error instanceof Error ? error.message : String(error) });
  }
}
