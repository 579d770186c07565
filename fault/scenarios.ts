import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BRIEFS, EXPECTED_COPIES, envFor, PERIOD, trialWorkspace, type Fixture } from './fixture.js';
import { afterKill, afterRerun, brokenOutputs } from './inspect.js';
import { startMailServer, type MailServer } from './smtp.js';
import { alive, descendants, runTaxbrief, sleep, startTaxbrief, type Ended, type Taxbrief } from './proc.js';

/** The outcome of one trial: what was tried, what was checked, and what did not hold. */
export interface TrialResult {
  scenario: 'kill' | 'chromium' | 'enospc' | 'smtp-drop';
  name: string;
  /** What held, one short phrase each. */
  held: string[];
  /** What did not hold, one sentence each (empty: the trial held). */
  problems: string[];
  seconds: number;
}

/** Where a kill lands: a time after the start, or a named fault point (TAXBRIEF_FAULT_PAUSE). */
export type KillAt = { kind: 'time'; ms: number } | { kind: 'point'; point: string };

/** One kill -9 trial. */
export interface KillTrial { id: number; command: 'ingest' | 'run'; smtp: boolean; at: KillAt }

const INGEST_POINTS = ['ingest:inserted', 'ingest:committed'];
const RUN_POINTS = ['ingest:inserted', 'ingest:committed', 'marts:refreshed', 'print', 'issue:rendered', 'issue:archived', 'deliver:printed', 'deliver:sent'];

/** A small seeded generator (mulberry32): the same seed, the same trials. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Plans `n` kill trials from `seed`: a third on `taxbrief ingest` (29 extracts), the rest on `taxbrief run`
 * (the last month: ingest, marts, two briefs, three copies delivered). Of the ingest trials every other one,
 * of the run trials every third, is killed at a random time within the reference duration; the others at the
 * named points, taken in a seeded order so that every point is hit, each at a random occurrence. About half
 * of the run trials deliver by SMTP (always those killed at deliver:sent). `durations`: the reference runs, ms.
 */
export function planKills(n: number, seed: number, durations: { ingest: number; run: number }): KillTrial[] {
  const random = seeded(seed);
  const shuffle = <T>(xs: T[]): T[] => xs.map((x) => ({ x, k: random() })).sort((a, b) => a.k - b.k).map((e) => e.x);
  const order = { ingest: shuffle(INGEST_POINTS), run: shuffle(RUN_POINTS) };
  const used = { ingest: 0, run: 0 };
  const count = { ingest: 0, run: 0 };
  return Array.from({ length: n }, (_, i) => {
    const command = i % 3 === 0 ? 'ingest' : 'run';
    const byTime = command === 'ingest' ? count.ingest++ % 2 === 1 : count.run++ % 3 === 2;
    const point = byTime ? undefined : order[command][used[command]++ % order[command].length]!;
    const smtp = command === 'run' && (point === 'deliver:sent' || random() < 0.5);
    // how often a point is reached in one trial: per file loaded, per brief, per copy delivered
    const times = !point ? 1 : point.startsWith('ingest') ? (command === 'ingest' ? 29 : 2) : point.startsWith('deliver') ? 3 : point === 'marts:refreshed' ? 1 : 2;
    const at: KillAt = point
      ? { kind: 'point', point: `${point}#${1 + Math.floor(random() * times)}` }
      : { kind: 'time', ms: Math.round(random() * 0.9 * (command === 'ingest' ? durations.ingest : durations.run)) };
    return { id: i + 1, command, smtp, at };
  });
}

const describeAt = (at: KillAt) => (at.kind === 'time' ? `${at.ms} ms in` : `at ${at.point}`);
const args = (command: 'ingest' | 'run', target?: string) => (command === 'ingest' ? ['ingest', target!] : ['run']);
const smtpEnv = (mail: MailServer): Record<string, string> => ({
  TAXBRIEF_SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
  TAXBRIEF_SMTP_FROM: 'taxbrief <nightly@example.gov.cn>',
  TAXBRIEF_SMTP_RETRIES: '2',
  TAXBRIEF_SMTP_BACKOFF_MS: '100',
});

/** How long an undisturbed `ingest` (every extract) and `run` (the last month) take here: the range random kills are drawn from. */
export async function referenceDurations(fx: Fixture, scratch: string): Promise<{ ingest: number; run: number; problems: string[] }> {
  const problems: string[] = [];
  const time = async (command: 'ingest' | 'run') => {
    const t = trialWorkspace(fx, command, path.join(scratch, `reference-${command}`));
    const t0 = performance.now();
    const r = await runTaxbrief(args(command, t.target), envFor(fx, t.workspace));
    const ms = performance.now() - t0;
    if (r.code !== 0) problems.push(`the reference ${command} failed (exit ${r.code}): ${lastError(r)}`);
    else problems.push(...(await afterRerun(fx, t.workspace, t.offered, command, scratch)).map((p) => `reference ${command}: ${p}`));
    rmSync(t.workspace, { recursive: true, force: true });
    return ms;
  };
  return { ingest: await time('ingest'), run: await time('run'), problems };
}

/** kill -9 of the real process at the trial's point, then: the warehouse consistent, a rerun exit 0, nothing twice, nothing lost. */
export async function killTrial(fx: Fixture, trial: KillTrial, scratch: string, keep = false): Promise<TrialResult> {
  const t0 = performance.now();
  const name = `kill ${String(trial.id).padStart(2, '0')}: ${trial.command}${trial.smtp ? ' (SMTP)' : ''} ${describeAt(trial.at)}`;
  const held: string[] = [];
  const problems: string[] = [];
  let t = trialWorkspace(fx, trial.command, path.join(scratch, `kill-${trial.id}`));
  let mail = trial.smtp ? await startMailServer() : undefined;
  try {
    let at = trial.at;
    let p: Taxbrief;
    for (let attempt = 1; ; attempt++) {
      const env = envFor(fx, t.workspace, { ...(mail ? smtpEnv(mail) : {}), ...(at.kind === 'point' ? { TAXBRIEF_FAULT_PAUSE: at.point } : {}) });
      p = startTaxbrief(args(trial.command, t.target), env);
      const early = await Promise.race([at.kind === 'time' ? sleep(at.ms).then(() => undefined) : p.paused.then(() => undefined), p.ended.then((e) => e)]);
      if (!early) break;
      // The machine was quicker than in the reference run: the process finished first. Try again, sooner.
      if (at.kind === 'time' && attempt < 3 && early.code === 0) {
        at = { kind: 'time', ms: Math.floor(at.ms / 2) };
        held.push(`finished before the kill; tried again with the kill ${at.ms} ms in`);
        await mail?.close();
        t = trialWorkspace(fx, trial.command, path.join(scratch, `kill-${trial.id}`));
        mail = trial.smtp ? await startMailServer() : undefined;
        continue;
      }
      problems.push(`the process ended (exit ${early.code}) before the kill ${describeAt(at)}: ${lastError(early)}`);
      return { scenario: 'kill', name, held, problems, seconds: (performance.now() - t0) / 1000 };
    }
    const browsers = descendants(p.pid).filter((d) => /chrom/i.test(d.cmdline));
    process.kill(p.pid, 'SIGKILL');
    const ended = await p.ended;
    if (ended.signal !== 'SIGKILL') problems.push(`the process was not killed (exit ${ended.code})`);
    // Chromium must not outlive the run it printed for (it reads the pipe's end).
    for (let i = 0; i < 50 && browsers.some((b) => alive(b.pid)); i++) await sleep(100);
    const orphans = browsers.filter((b) => alive(b.pid));
    if (orphans.length > 0) {
      problems.push(`${orphans.length} Chromium process(es) outlived the killed run by 5 s`);
      for (const o of orphans) process.kill(o.pid, 'SIGKILL');
    } else if (browsers.length > 0) held.push(`its ${browsers.length} Chromium process(es) exited`);

    const broken = await afterKill(t.workspace, t.offered, trial.command);
    problems.push(...broken.map((b) => `after the kill: ${b}`));
    if (broken.length === 0) held.push('warehouse opens and is consistent, no half-written output, no file lost');

    const rerun = await runTaxbrief(args(trial.command, t.target), envFor(fx, t.workspace, mail ? smtpEnv(mail) : {}));
    if (rerun.code !== 0) problems.push(`the rerun exited ${rerun.code}: ${lastError(rerun)}`);
    else held.push('rerun exit 0');
    // A run that printed removes leftovers of killed runs' Chromium profiles when it starts its own.
    const profiles = readdirSync(os.tmpdir()).filter((n) => n.startsWith(`taxbrief-chromium-${p.pid}-`));
    if (profiles.length > 0 && /Chromium started/.test(rerun.stderr)) problems.push(`the killed run's Chromium profile is still in ${os.tmpdir()}: ${profiles.join(', ')}`);
    const window = trial.at.kind === 'point' ? trial.at.point.startsWith('deliver:sent') : trial.smtp;
    const settled = await afterRerun(fx, t.workspace, t.offered, trial.command, scratch, mail?.received, window);
    problems.push(...settled.map((s) => `after the rerun: ${s}`));
    for (const [copy, r] of Object.entries(mail?.received ?? {})) {
      if (r.whole > 1 && r.messageIds.size === 1) held.push(`${copy} reached the server ${r.whole}× under one Message-ID (killed between the server's acceptance and the ledger): folded by the receiver`);
    }
    if (settled.length === 0) {
      held.push(trial.command === 'run' ? `${t.offered.length} files loaded once, marts = rebuild, ${EXPECTED_COPIES.length} copies delivered once${mail ? ' (SMTP count)' : ''}` : `${t.offered.length} files loaded once`);
    }
  } finally {
    await mail?.close();
    if (!keep && problems.length === 0) rmSync(t.workspace, { recursive: true, force: true });
  }
  return { scenario: 'kill', name, held, problems, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Chromium crashes while printing one brief: every time the page of `relief-digest` is loaded, its
 * renderer processes are killed (SIGKILL) before it prints (`browser`: the browser process itself, once).
 * Renderer: the brief is tried twice, then reported failed (exit 3, named), the other brief and its copies go out.
 * Browser: every brief goes out on a new browser (exit 0). Then a rerun without the fault completes everything once.
 */
export async function chromiumTrial(fx: Fixture, what: 'renderer' | 'browser', scratch: string, options: { keep?: boolean; rerun?: boolean } = {}): Promise<TrialResult> {
  const keep = options.keep ?? false;
  const t0 = performance.now();
  const victim = what === 'renderer' ? 'relief-digest' : 'revenue-digest';
  const name = `chromium: ${what === 'renderer' ? 'renderer killed at every print of' : 'browser process killed while printing'} ${victim}`;
  const held: string[] = [];
  const problems: string[] = [];
  const t = trialWorkspace(fx, 'run', path.join(scratch, `chromium-${what}`));
  try {
    // One page at a time: Chromium may host two tabs in one renderer, and only the victim's may be crashed.
    const p = startTaxbrief(['run'], envFor(fx, t.workspace, { TAXBRIEF_FAULT_PAUSE: `print=${victim}-province-${PERIOD}-zh`, TAXBRIEF_PRINT_TABS: '1' }));
    let crashes = 0;
    const loop = (async () => {
      for (;;) {
        await p.waitFor(/^taxbrief-fault-pause print /);
        // renderer: crash every print of the victim; browser: kill the browser process at the first only
        if (what === 'renderer' || crashes === 0) {
          const chromium = descendants(p.pid).filter((d) => /chrom/i.test(d.cmdline));
          const targets = what === 'renderer' ? chromium.filter((d) => d.cmdline.includes('--type=renderer')) : chromium.filter((d) => !d.cmdline.includes('--type='));
          for (const v of targets) process.kill(v.pid, 'SIGKILL');
          if (targets.length > 0) crashes++;
          await sleep(200);
        }
        process.kill(p.pid, 'SIGUSR2');
      }
    })();
    loop.catch(() => undefined);
    const ended = await p.ended;
    const expectCode = what === 'renderer' ? 3 : 0;
    if (ended.code !== expectCode) problems.push(`exit ${ended.code}, not ${expectCode}: ${lastError(ended)}`);
    else held.push(`exit ${expectCode}`);
    if (what === 'renderer') {
      if (crashes !== 2) problems.push(`${victim} was crashed ${crashes} time(s): it should be tried exactly twice (once, then one retry)`);
      else held.push('crashed twice (tried, retried once)');
      const named = ended.stderr.split('\n').some((l) => l.includes(`brief ${victim} ${PERIOD}: failed`));
      if (!named) problems.push(`the run's holds do not name ${victim} as failed`);
      else held.push(`${victim} reported failed`);
      const others = BRIEFS.filter((b) => b !== victim);
      for (const b of others) if (!existsSync(path.join(t.workspace, 'out', PERIOD, `${b}.pdf`))) problems.push(`${b} did not go out`);
      const copies = EXPECTED_COPIES.filter((c) => !c.endsWith(victim)).filter((c) => existsSync(path.join(t.workspace, 'outbox', c.split('/')[0]!, PERIOD, `${c.split('/')[1]}.pdf`)));
      if (copies.length !== EXPECTED_COPIES.filter((c) => !c.endsWith(victim)).length) problems.push(`only ${copies.length} of the other brief's copies were delivered`);
      else held.push(`${others.join(', ')} and its ${copies.length} copies went out`);
    } else if (crashes !== 1) problems.push(`the browser was killed ${crashes} time(s), not once`);
    else held.push('browser killed once, briefs printed on a new one');
    const broken = brokenOutputs(t.workspace);
    problems.push(...broken);
    // what the run said when it went wrong: its errors in the report, its whole log beside the kept workspace
    if (problems.length > 0) problems.push(keptLog(t.workspace, ended));
    if (options.rerun !== false) {
      const rerun = await runTaxbrief(['run'], envFor(fx, t.workspace));
      if (rerun.code !== 0) problems.push(`the rerun exited ${rerun.code}: ${lastError(rerun)}`);
      const settled = await afterRerun(fx, t.workspace, t.offered, 'run', scratch);
      problems.push(...settled.map((s) => `after the rerun: ${s}`));
      if (rerun.code === 0 && settled.length === 0) held.push('rerun exit 0, every copy delivered once');
    }
  } finally {
    if (!keep && problems.length === 0) rmSync(t.workspace, { recursive: true, force: true });
  }
  return { scenario: 'chromium', name, held, problems, seconds: (performance.now() - t0) / 1000 };
}

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN); else the ENOSPC trial injects the failure. */
export function canMount(scratch: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = path.join(scratch, 'mount-probe');
  mkdirSync(probe, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * No space left on device while writing outputs: `folder` (out, outbox or issued) of the workspace is a
 * small tmpfs, filled to `freeKiB` KiB. The run must fail with one sentence naming the file and ENOSPC,
 * leave no truncated PDF, HTML or manifest (nor a temporary file) in place, and a rerun with space must
 * deliver everything once. Without the right to mount, the writes are made to fail by a preloaded module
 * (fault/enospc-preload.ts) that throws ENOSPC for files under the folder: `injected` in the result.
 */
export async function enospcTrial(fx: Fixture, folder: 'out' | 'outbox' | 'issued', scratch: string, options: { mount: boolean; freeKiB?: number; keep?: boolean; rerun?: boolean }): Promise<TrialResult> {
  const t0 = performance.now();
  const name = `enospc: ${folder}/ full (${options.mount ? `tmpfs, ${options.freeKiB ?? 48} KiB free` : 'injected ENOSPC: not root, no tmpfs'})`;
  const held: string[] = [];
  const problems: string[] = [];
  const t = trialWorkspace(fx, 'run', path.join(scratch, `enospc-${folder}`));
  const dir = path.join(t.workspace, folder);
  mkdirSync(dir, { recursive: true });
  let mounted = false;
  try {
    let extra: Record<string, string> = {};
    let nodeArgs: string[] = [];
    if (options.mount) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
      mounted = true;
      const { bfree, bsize } = statfsSync(dir);
      writeFileSync(path.join(dir, '.filler'), Buffer.alloc(Math.max(0, bfree * bsize - (options.freeKiB ?? 48) * 1024)));
    } else {
      nodeArgs = ['--import', new URL('./enospc-preload.js', import.meta.url).href];
      extra = { TAXBRIEF_FAULT_ENOSPC_DIR: dir };
    }
    const p = startTaxbrief(['run'], envFor(fx, t.workspace, extra), nodeArgs);
    const ended = await p.ended;
    if (ended.code === 0) problems.push('the run exited 0 with a full disk');
    else held.push(`exit ${ended.code}`);
    const lines = ended.stderr.split('\n').filter((l) => /ENOSPC|no space left/i.test(l));
    const named = lines.filter((l) => /no space left on device/i.test(l) && new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+`).test(l));
    if (named.length === 0) problems.push(`no error names the file it could not write and says the device is full: ${lines[0]?.slice(0, 300) ?? lastError(ended)}`);
    else held.push(`error names the file: ${message(named[0]!)}`);
    const broken = brokenOutputs(t.workspace);
    problems.push(...broken);
    if (broken.length === 0) held.push('no truncated PDF, HTML or manifest, no temporary file');
  } finally {
    if (mounted) {
      rmSync(path.join(dir, '.filler'), { force: true });
      // keep what the run left, on the real disk, for the rerun
      const left = path.join(scratch, `enospc-${folder}-left`);
      rmSync(left, { recursive: true, force: true });
      mkdirSync(left, { recursive: true });
      execFileSync('cp', ['-a', `${dir}/.`, `${left}/`], { stdio: 'pipe' });
      execFileSync('umount', [dir], { stdio: 'pipe' });
      execFileSync('cp', ['-a', `${left}/.`, `${dir}/`], { stdio: 'pipe' });
      rmSync(left, { recursive: true, force: true });
    }
  }
  if (options.rerun !== false) {
    const rerun = await runTaxbrief(['run'], envFor(fx, t.workspace));
    if (rerun.code !== 0) problems.push(`the rerun with space exited ${rerun.code}: ${lastError(rerun)}`);
    const settled = await afterRerun(fx, t.workspace, t.offered, 'run', scratch);
    problems.push(...settled.map((s) => `after the rerun: ${s}`));
    if (rerun.code === 0 && settled.length === 0) held.push('rerun with space: exit 0, every copy delivered once');
  }
  if (!options.keep && problems.length === 0) rmSync(t.workspace, { recursive: true, force: true });
  return { scenario: 'enospc', name, held, problems, seconds: (performance.now() - t0) / 1000 };
}

/** The SMTP server drops the connection in the middle of the first message: it is retried and every copy arrives whole exactly once. */
export async function smtpDropTrial(fx: Fixture, scratch: string, keep = false): Promise<TrialResult> {
  const t0 = performance.now();
  const name = 'smtp-drop: connection cut 4 KiB into the first message';
  const held: string[] = [];
  const problems: string[] = [];
  const t = trialWorkspace(fx, 'run', path.join(scratch, 'smtp-drop'));
  const mail = await startMailServer({ drop: 1, afterBytes: 4096 });
  try {
    const ended = await runTaxbrief(['run'], envFor(fx, t.workspace, smtpEnv(mail)));
    if (mail.dropped !== 1) problems.push(`the proxy cut ${mail.dropped} connection(s), not 1: the fault did not happen`);
    else held.push('1 connection cut mid-message');
    if (ended.code !== 0) problems.push(`exit ${ended.code}, not 0: ${lastError(ended)}`);
    else held.push('exit 0');
    if (!/retry 1\/2/.test(ended.stderr)) problems.push('no retry was logged');
    else held.push('retried');
    const settled = await afterRerun(fx, t.workspace, t.offered, 'run', scratch, mail.received);
    problems.push(...settled);
    if (settled.length === 0) held.push(`${EXPECTED_COPIES.length} copies received whole exactly once (server count and ledger)`);
  } finally {
    await mail.close();
    if (!keep && problems.length === 0) rmSync(t.workspace, { recursive: true, force: true });
  }
  return { scenario: 'smtp-drop', name, held, problems, seconds: (performance.now() - t0) / 1000 };
}

/** The message of a JSON log line (or the line). */
function message(line: string): string {
  try {
    return (JSON.parse(line) as { message: string }).message;
  } catch {
    return line;
  }
}

/** Writes a failed trial's run log into its (kept) workspace; returns a problem line naming it with the run's errors. */
function keptLog(workspace: string, e: Ended): string {
  const file = path.join(workspace, 'trial-run.log');
  writeFileSync(file, e.stderr);
  return `the run's errors: ${errorLines(e).map(message).join(' | ').slice(0, 800) || '(none)'}; its log: ${file}`;
}

/** The last error logged by a process, for a failure message. */
function lastError(e: Ended): string {
  return message(errorLines(e).at(-1) ?? e.stderr.split('\n').filter(Boolean).at(-1) ?? '').slice(0, 400);
}

/** A process's error-level log lines (JSON). */
function errorLines(e: Ended): string[] {
  return e.stderr.split('\n').filter((l) => l.includes('"level":"error"'));
}

