import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';
import type { Logger } from './log.js';

/** Who holds the workspace: written into `<workspace>/.lock` by the holder. */
export interface LockInfo { pid: number; host: string; command: string; startedAt: string }

/** A held lock; `release` is idempotent and also runs when the process exits. */
export interface WorkspaceLock { readonly file: string; readonly info: LockInfo; release(): void }

/** How to behave when another process holds the lock: wait up to `waitMs` (0: refuse at once). */
export interface LockOptions {
  command: string;
  waitMs: number;
  logger: Logger;
  /** For tests and the clock rule: the current time. */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  /** A lock written by another host is taken over only after this long (no way to ask whether its pid lives). */
  foreignStaleMs?: number;
}

/** The lock file of a workspace folder. */
export function lockFile(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.lock');
}

/** The current holder, or undefined when the workspace is free. */
export function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the workspace lock so that two processes never write the warehouse at once. A lock whose
 * process is gone (same host, pid not alive) is stale and taken over with a warning. Otherwise
 * waits up to `waitMs`, saying so, then refuses with exit code 3 naming the holder.
 */
export async function acquireLock(file: string, options: LockOptions): Promise<WorkspaceLock> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = options.pollMs ?? 500;
  const info: LockInfo = { pid: process.pid, host: os.hostname(), command: options.command, startedAt: now().toISOString() };
  const deadline = Date.now() + options.waitMs;
  let told = false;
  let lastTold = Date.now();
  let unreadable = 0;
  for (;;) {
    if (tryCreate(file, info)) return held(file, info);
    const holder = readLock(file);
    // No holder to read: it is writing its lock this instant, or has just released it. Look again shortly
    // (a bounded number of times: a lock file that never becomes readable is reported like a held one).
    if (!holder && unreadable++ < 20) {
      await sleep(10);
      continue;
    }
    if (holder && isStale(file, holder, options.foreignStaleMs ?? 12 * 3600_000)) {
      if (takeOver(file, holder)) {
        options.logger.warn(`took over a stale workspace lock: ${describeHolder(holder)} is no longer running`, { lock: file });
        continue;
      }
    }
    if (Date.now() >= deadline) {
      const who = holder ? describeHolder(holder) : 'another process';
      throw new CliError(
        `The workspace is busy: ${who} holds ${file}; wait for it to finish` +
          (options.waitMs > 0 ? ` (gave up after ${Math.round(options.waitMs / 1000)} s)` : '') +
          ', or pass --wait SECONDS to wait for it.',
        ExitCode.held,
      );
    }
    if (!told || Date.now() - lastTold > 60_000) {
      options.logger.warn(`waiting for ${holder ? describeHolder(holder) : 'another process'} to release the workspace…`, { lock: file });
      told = true;
      lastTold = Date.now();
    }
    await sleep(pollMs);
  }
}

/** One phrase naming the holder, for messages: `taxbrief run (pid 123 on host, since …)`. */
export function describeHolder(h: LockInfo): string {
  return `taxbrief ${h.command} (pid ${h.pid} on ${h.host}, since ${h.startedAt})`;
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx'); // O_CREAT | O_EXCL: exactly one process succeeds
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CliError(`Cannot create the workspace lock ${file} (${(error as Error).message}); check that the workspace is writable.`, ExitCode.environment);
  }
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  return true;
}

function isStale(file: string, holder: LockInfo, foreignStaleMs: number): boolean {
  if (holder.host !== os.hostname()) {
    try {
      return Date.now() - statSync(file).mtimeMs > foreignStaleMs;
    } catch {
      return false;
    }
  }
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// Moves the stale lock aside under a unique name, then checks that what was moved is the stale
// holder's (another process may have taken it over in between); if not, puts it back.
function takeOver(file: string, stale: LockInfo): boolean {
  const aside = `${file}.stale.${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return false;
  }
  const moved = readLock(aside);
  if (moved && moved.pid === stale.pid && moved.startedAt === stale.startedAt) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    renameSync(aside, file);
  } catch {
    rmSync(aside, { force: true });
  }
  return false;
}

function held(file: string, info: LockInfo): WorkspaceLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const current = readLock(file);
    if (current && current.pid === info.pid && current.startedAt === info.startedAt) rmSync(file, { force: true });
  };
  process.once('exit', release);
  return { file, info, release };
}

/** How long a command waits for the workspace: `--wait SECONDS`, else its own default. */
export function waitMs(wait: string | undefined, defaultMs: number): number {
  if (wait === undefined) return defaultMs;
  if (!/^\d+(\.\d+)?$/.test(wait)) throw new CliError(`--wait ${wait} is not a number of seconds; write e.g. --wait 600.`, ExitCode.usage);
  return Number(wait) * 1000;
}
