import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';

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
    mkdirSync(path.dirname(file), { recursive: true });
    write(tmp);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new WriteError(file, (error as NodeJS.ErrnoException)?.code ?? 'EIO', error);
  }
}

/** Writes to a temporary file beside `file`, then renames it over `file`: a reader never sees half a file. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  atomically(file, (tmp) => writeFileSync(tmp, content));
}

/** Copies `source` to `file` the same way: whole, or not at all. */
export function copyAtomic(source: string, file: string): void {
  atomically(file, (tmp) => copyFileSync(source, tmp));
}
