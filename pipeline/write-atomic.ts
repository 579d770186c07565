import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';

/** The default mode of every file taxbrief writes: owner read/write, group read, others nothing. */
export const DEFAULT_FILE_MODE = 0o640;

/**
 * The permissions of what taxbrief writes (outputs, exports, outbox, archive, logs, the warehouse):
 * `TAXBRIEF_FILE_MODE` (octal, e.g. 0600), default 0640. Folders get the same bits plus x where r is set (0750).
 */
export interface FileModes { file: number; dir: number }

/** Reads TAXBRIEF_FILE_MODE; a value that is not an octal mode without execute bits is a usage error. */
export function fileModes(env: NodeJS.ProcessEnv = process.env): FileModes {
  const raw = env['TAXBRIEF_FILE_MODE'];
  let file = DEFAULT_FILE_MODE;
  if (raw !== undefined && raw !== '') {
    if (!/^0?[0-7]{3}$/.test(raw) || (parseInt(raw, 8) & 0o111) !== 0 || (parseInt(raw, 8) & 0o600) !== 0o600) {
      throw new CliError(`TAXBRIEF_FILE_MODE=${raw} is not a file mode taxbrief can use; give an octal mode with owner read/write and no execute bits, e.g. 0640 or 0600.`, ExitCode.usage);
    }
    file = parseInt(raw, 8);
  }
  const dir = file | ((file & 0o444) >> 2);
  return { file, dir };
}

let modes: FileModes = { file: DEFAULT_FILE_MODE, dir: DEFAULT_FILE_MODE | 0o110 };

/**
 * Sets the modes for this process: the writer below uses them, and the umask makes everything else
 * created here (the DuckDB file, logs, Chromium's PDFs, folders) no more open than they are.
 */
export function useFileModes(next: FileModes): void {
  modes = next;
  process.umask(~next.dir & 0o777);
}

/** The modes in force. */
export function currentFileModes(): FileModes {
  return modes;
}

/** Makes a folder (and its parents) with the folder mode. */
export function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: modes.dir });
}

/** Gives a file taxbrief keeps (an archived or quarantined extract, the warehouse) the file mode. */
export function restrict(file: string): void {
  chmodSync(file, modes.file);
}

/** Gives a folder tree copied from elsewhere (definitions archived with an issued brief) the folder and file modes. */
export function restrictTree(dir: string): void {
  chmodSync(dir, modes.dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) restrictTree(p);
    else chmodSync(p, modes.file);
  }
}

/** A temporary name beside `file`: same folder (so the rename is atomic), dot-prefixed (so globs skip it). */
export function temporaryBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** An output that could not be written (full disk, no permission): names the file, the reason and the fix. Exit 4. */
export class WriteError extends CliError {
  constructor(readonly file: string, readonly code: string, cause: unknown) {
    const dir = path.dirname(file);
    const reasons: Record<string, string> = {
      ENOSPC: `no space left on device; free space on the disk holding ${dir}`,
      EDQUOT: `disk quota exceeded; free space or raise the quota for ${dir}`,
      EACCES: `permission denied; make ${dir} writable`,
      EPERM: `permission denied; make ${dir} writable`,
      EROFS: `read-only file system; put the workspace on a writable disk`,
    };
    const reason = reasons[code] ?? `${(cause as Error)?.message?.split('\n')[0] ?? String(cause)}; check ${dir}`;
    super(`Cannot write ${file}: ${reason} and rerun (nothing was left half-written).`, ExitCode.environment, { cause });
  }
}

// Writes `file` through a temporary file beside it: whole, or not at all (the temporary file removed).
function atomically(file: string, write: (tmp: string) => void): void {
  const tmp = temporaryBeside(file);
  try {
    makeDir(path.dirname(file));
    write(tmp);
    chmodSync(tmp, modes.file);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new WriteError(file, (error as NodeJS.ErrnoException)?.code ?? 'EIO', error);
  }
}

/** Writes to a temporary file beside `file` (with the file mode), then renames it over `file`: a reader never sees half a file. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  atomically(file, (tmp) => writeFileSync(tmp, content, { mode: modes.file }));
}

/**
 * writeAtomic off the main thread (libuv's pool): for the briefs' PDF, HTML and manifest, whose rename over the last
 * run's file makes ext4 write the new data out first (auto_da_alloc: 0.4 s of a 20-city fan-out's main thread on a
 * busy disk). An aborted `signal` (a print that timed out meanwhile) stops it before the rename: nothing is left.
 */
export async function writeAtomicAsync(file: string, content: string | Uint8Array, signal?: AbortSignal): Promise<void> {
  const tmp = temporaryBeside(file);
  try {
    makeDir(path.dirname(file));
    await writeFile(tmp, content, { mode: modes.file });
    await chmod(tmp, modes.file);
    signal?.throwIfAborted();
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    if (signal?.aborted) throw error;
    throw new WriteError(file, (error as NodeJS.ErrnoException)?.code ?? 'EIO', error);
  }
}

/** Copies `source` to `file` the same way: whole, or not at all. */
export function copyAtomic(source: string, file: string): void {
  atomically(file, (tmp) => copyFileSync(source, tmp));
}

/**
 * Places `source` at `file` as a hard link where the filesystem allows, else as a copy: for inputs
 * nobody changes in place (generated demo extracts), whose bytes would otherwise be stored twice.
 */
export function linkOrCopy(source: string, file: string): void {
  try {
    linkSync(source, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EEXIST'].includes(code ?? '')) throw error;
    copyFileSync(source, file);
  }
}
