import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Counts the pages of a PDF written by Chromium (Skia): one `/Type /Page` dictionary per page,
 * uncompressed (Skia does not use object streams). `/Type /Pages` tree nodes are not counted.
 */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  return text.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/** Writes bytes to a temp file beside `file`, then renames it over `file`: readers never see half a file. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  // Same folder, so the rename stays on one filesystem and is atomic; dot-prefixed so globs skip it.
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
