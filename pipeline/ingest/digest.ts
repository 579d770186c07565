import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readlinkSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** A file's SHA-256 and, for text, where the first NUL byte and the first byte that is not UTF-8 lie (-1: none). */
export interface Digest { sha256: string; nulAt: number; notUtf8At: number }

/**
 * The file's SHA-256 and, for text, the byte offsets of the first NUL byte (a binary or corrupted file)
 * and of the first byte that starts no UTF-8 character. The file is read once, while DuckDB loads it;
 * UTF-8 is checked per chunk by native isUtf8 (a character cut by the chunk's end is checked with the
 * next), and only the chunk that fails is searched byte by byte. (DuckDB's CSV reader loads bytes that
 * are not UTF-8 as U+FFFD without a word: a GBK line past the megabyte prepare judges would load garbled.)
 */
export async function digestFile(file: string, text = false): Promise<Digest> {
  const hash = createHash('sha256');
  let offset = 0;
  let nulAt = -1;
  let notUtf8At = text ? -1 : -2;
  let carry: Buffer = Buffer.alloc(0); // the start of a character the last chunk cut
  for await (const chunk of chunksOf(file)) {
    hash.update(chunk);
    if (text && nulAt < 0) {
      const i = chunk.indexOf(0);
      if (i >= 0) nulAt = offset + i;
    }
    if (notUtf8At === -1) {
      // the continuation bytes that end the cut character belong with it
      let k = 0;
      while (carry.length > 0 && k < 3 && k < chunk.length && (chunk[k]! & 0xc0) === 0x80) k++;
      const body = trimPartial(chunk.subarray(k));
      const joined = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, k)]) : undefined;
      if (joined && !isUtf8(joined)) notUtf8At = offset - carry.length;
      else if (!isUtf8(body)) notUtf8At = offset + k + firstNotUtf8(body);
      carry = Buffer.from(chunk.subarray(k + body.length));
    }
    offset += chunk.length;
  }
  if (notUtf8At === -1 && carry.length > 0) notUtf8At = offset - carry.length; // the file ends inside a character
  return { sha256: hash.digest('hex'), nulAt, notUtf8At: Math.max(notUtf8At, -1) };
}

/**
 * A file's bytes, 4 MiB at a time, read into one buffer that each chunk reuses (valid until the next is read):
 * a new buffer per chunk, as a read stream gives, cost a sixth of the hash's CPU in page faults and GC.
 */
async function* chunksOf(file: string): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The index of the first byte that starts no UTF-8 character (a valid character is stepped over whole), or the length. */
export function firstNotUtf8(bytes: Buffer): number {
  let at = 0;
  for (let b = bytes[0]!; at < bytes.length; b = bytes[at]!) {
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    if (length > 1 && !isUtf8(bytes.subarray(at, at + length))) break;
    at += length;
  }
  return at;
}


// A sample cut in the middle of a multi-byte character is not invalid: drop the partial tail.
export function trimPartial(buf: Buffer): Buffer {
  let end = buf.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const b = buf[end - i]!;
    if ((b & 0xc0) === 0xc0) return buf.subarray(0, end - i); // a lead byte whose sequence may be cut
    if ((b & 0x80) === 0) break;
  }
  return buf;
}


/**
 * Files from this size on are digested on a thread of their own. Starting one cost 65–70 ms of CPU more than
 * digesting a 25 MB Parquet file here (100 against 35 ms), as much as hashing some 48 MB: below it the digest
 * runs here, beside the insert, and takes less from it than the thread would.
 */
export const ASIDE_BYTES = 64 << 20;

/** A digest being taken beside the load: its result, and `hurry()` to give its thread full priority once the load is done. */
export interface DigestAside { result: Promise<Digest>; hurry(): void }

/**
 * Starts digestFile on a worker thread of the lowest priority (nice 19), so that it takes only the CPU the
 * load leaves idle while DuckDB's reader works on both cores, then `hurry()` (once the rows are in) asks
 * for normal priority again (granted where the process may raise it: as root, or with RLIMIT_NICE; elsewhere
 * the thread keeps nice 19, which still has the core the single-threaded key pass leaves free). Where no worker can
 * start (the sources run uncompiled, as under vitest, or the thread fails), and for a small file, the digest is taken here.
 */
export function digestAside(file: string, text: boolean, options: { asideBytes?: number } = {}): DigestAside {
  if (!workerFile || statSync(file).size < (options.asideBytes ?? ASIDE_BYTES)) return { result: digestFile(file, text), hurry: () => undefined };
  const worker = new Worker(workerFile, { workerData: { kind: 'taxbrief-digest', file, text } satisfies DigestJob });
  const result = new Promise<Digest>((resolve, reject) => {
    let answered = false;
    worker.once('message', (m: { digest: Digest } | { error: string }) => {
      answered = true;
      if ('digest' in m) resolve(m.digest);
      else reject(new Error(m.error));
    });
    worker.once('error', (error) => {
      answered = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the hashing thread stopped (exit code ${code}) before it finished`));
    });
  }).catch(() => digestFile(file, text)); // a thread that cannot start or dies: the digest is taken here
  return { result, hurry: () => worker.postMessage('hurry') };
}

/** What the worker thread is given: the file to digest. */
interface DigestJob { kind: 'taxbrief-digest'; file: string; text: boolean }

// This module compiled (dist/): a worker thread can run it. Its TypeScript source (under vitest) cannot be.
const workerFile = import.meta.url.endsWith('.js') ? fileURLToPath(import.meta.url) : undefined;

/** Sets the calling thread's nice value (Linux: a thread's id, from /proc/thread-self, names it alone); false where refused. */
function niceThisThread(priority: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, priority);
    return true;
  } catch {
    return false;
  }
}

// The worker thread's side of digestAside.
if (!isMainThread && (workerData as DigestJob | undefined)?.kind === 'taxbrief-digest') {
  const job = workerData as DigestJob;
  niceThisThread(19);
  parentPort!.on('message', () => niceThisThread(0));
  digestFile(job.file, job.text).then(
    (digest) => parentPort!.postMessage({ digest }),
    (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  ).finally(() => parentPort!.close());
}
