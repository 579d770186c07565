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
 * done, so that the two cores share the work (the append, a copy of half the output, costs a tenth of
 * transcoding it). Throws BadText at the first line that fails, whichever half finds it. Where no worker
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
 * that no line is UTF-8 text (utf8Lines) and that every byte decodes; throws BadText at the first line
 * that fails. One read buffer and one output buffer serve every chunk (a new buffer per chunk, as
 * streams give, cost as much CPU as the encoding itself), and nothing is done per line in JavaScript
 * beyond one native validity check. `start` must begin a line (the byte after a LF, or 0): GB18030 never
 * uses a LF byte inside a character, so a range cut there decodes as it would within the whole file.
 */
export async function transcodeRange(file: string, out: string, encoding: string, start: number, end: number): Promise<void> {
  const input = await open(file, 'r');
  try {
    const output = await open(out, 'w');
    try {
      const raw = Buffer.allocUnsafe(CHUNK);
      // A GB18030 byte decodes to at most one UTF-16 unit, which takes at most 3 bytes in UTF-8 (+3: a character the last chunk cut).
      const encoded = Buffer.allocUnsafe(3 * (CHUNK + 3));
      const decoder = textDecoder(encoding);
      const lines = utf8Lines();
      const write = async (text: string, at: number, bytes?: Buffer) => {
        const bad = text.indexOf('\uFFFD');
        if (bad >= 0) throw new BadText('undecodable', bytes ? lineStartOf(bytes, at, text, bad) : at);
        const n = encoded.write(text, 'utf8');
        if (n > 0) await output.write(encoded, 0, n);
      };
      let pos = start;
      while (pos < end) {
        const { bytesRead } = await input.read(raw, 0, Math.min(CHUNK, end - pos), pos);
        if (bytesRead === 0) break;
        const bytes = raw.subarray(0, bytesRead);
        const mixed = lines.push(bytes, pos);
        if (mixed >= 0) throw new BadText('mixed', mixed);
        await write(decoder.write(bytes), pos, bytes);
        pos += bytesRead;
      }
      const mixed = lines.end();
      if (mixed >= 0) throw new BadText('mixed', mixed);
      await write(decoder.end(), lines.lastLineAt());
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** A streaming decoder: Node's own (ICU, native; half the CPU of iconv-lite's), or iconv-lite's on a Node built without it. Undecodable bytes become U+FFFD either way. */
export function textDecoder(encoding: string): { write(bytes: Buffer): string; end(): string } {
  try {
    const decoder = new TextDecoder(encoding);
    return { write: (bytes) => decoder.decode(bytes, { stream: true }), end: () => decoder.decode() };
  } catch {
    const decoder = iconv.getDecoder(encoding);
    return { write: (bytes) => decoder.write(bytes), end: () => decoder.end() ?? '' };
  }
}

// The offset of the line holding text[bad], the text decoded from `bytes` (at offset `at`) plus the end of a
// character the chunk before cut. CR and LF bytes are characters of their own in GB18030 and in the text, so
// the n-th line break in the text is the n-th in the bytes. (Only on failure: a step per byte is fine.)
function lineStartOf(bytes: Buffer, at: number, text: string, bad: number): number {
  let breaks = 0;
  for (let i = 0; i < bad; i++) if (text[i] === '\n' || text[i] === '\r') breaks++;
  if (breaks === 0) return at;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] === 10 || bytes[i] === 13) && --breaks === 0) return at + i + 1;
  return at;
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
export function utf8Lines(): { push(bytes: Buffer, at: number): number; end(): number; lastLineAt(): number } {
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
    lastLineAt: () => carryAt,
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
