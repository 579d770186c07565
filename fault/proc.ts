import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../pipeline/workspace.js';

/** How a taxbrief process ended. */
export interface Ended { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A running `taxbrief` process (the real CLI, bin/taxbrief.js on dist/). */
export interface Taxbrief {
  pid: number;
  child: ChildProcess;
  /** Resolves with the point and detail when the process pauses at a fault point (TAXBRIEF_FAULT_PAUSE). */
  paused: Promise<{ point: string; detail: string }>;
  /** Resolves with every stderr line that matches `pattern`, the first time one does. */
  waitFor(pattern: RegExp): Promise<string>;
  ended: Promise<Ended>;
  stderr(): string;
}

/** Starts `taxbrief <args> --json` with only the environment given (plus PATH and HOME), so the caller's TAXBRIEF_* never leak in. */
export function startTaxbrief(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Taxbrief {
  const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args, '--json'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    err += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...watchers]) {
        if (w.pattern.test(line)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  // 'close' waits for the pipes; a Chromium that outlived the process would hold them open, so 'exit' plus 3 s also ends it.
  const ended = new Promise<Ended>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
    child.on('exit', (code, signal) => setTimeout(() => resolve({ code, signal, stdout: out, stderr: err }), 3000).unref());
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      watchers.push({ pattern, resolve });
      void ended.then(() => reject(new Error(`taxbrief ended before a line matched ${pattern}`)));
    });
  const paused = waitFor(/^taxbrief-fault-pause /).then((line) => {
    const [, point, detail] = line.split(' ');
    return { point: point!, detail: detail! };
  });
  paused.catch(() => undefined);
  return { pid: child.pid!, child, paused, waitFor, ended, stderr: () => err };
}

/** Runs `taxbrief <args>` to its end. */
export function runTaxbrief(args: string[], env: Record<string, string>): Promise<Ended> {
  return startTaxbrief(args, env).ended;
}

/** The processes below `pid` (children, grandchildren …), from /proc: [pid, command line]. */
export function descendants(pid: number): { pid: number; cmdline: string }[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue;
      }
      found.push({ pid: child, cmdline });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
