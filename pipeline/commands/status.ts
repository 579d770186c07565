import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { feedFreshness } from '../freshness.js';
import { listRuns } from '../ledger.js';
import { describeHolder, lockFile, readLock } from '../lock.js';
import { resolveWorkspace } from '../workspace.js';
import { table } from './history.js';

/**
 * `taxbrief status`: the last run, each feed's freshness, the undelivered PDFs and the lock.
 * Never waits: while a run holds the warehouse it says so and shows the last run's account from
 * logs/last-run.json. Exit 3 when something needs attention (last run not ok, a feed late, mail waiting).
 */
export default async function status(env: CommandEnv): Promise<number> {
  const out = (s = '') => env.stdout.write(`${s}\n`);
  const project = env.env['TAXBRIEF_PROJECT'];
  const ws = resolveWorkspace(env.globals.workspace, env.env, project ? path.resolve(project) : undefined);
  const holder = readLock(lockFile(ws.root));
  let ctx;
  try {
    ctx = await env.open({ waitMs: 0 });
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.held || !holder) throw error;
    out(`busy: ${describeHolder(holder)} holds the workspace; the warehouse is not read until it finishes.`);
    const last = path.join(ws.logs, 'last-run.json');
    if (existsSync(last)) out(`last finished run (logs/last-run.json):\n${readFileSync(last, 'utf8').trim()}`);
    return ExitCode.ok;
  }
  let attention = false;
  try {
    const [run] = await listRuns(ctx.warehouse, 1);
    if (!run) {
      out('last run: none yet (taxbrief run)');
    } else {
      const s = run['summary'] ? (JSON.parse(String(run['summary'])) as { holds?: string[]; briefs?: Record<string, number>; deliveries?: Record<string, number>; files?: Record<string, number>; error?: string }) : {};
      const ok = run['status'] === 'ok';
      attention ||= !ok;
      out(`last run: ${run['run_id']}  ${String(run['status']).toUpperCase()}  started ${run['started']}, ${run['seconds'] ?? '…'} s`);
      out(
        `  files loaded ${s.files?.['loaded'] ?? 0}, refused ${s.files?.['refused'] ?? 0} · briefs rendered ${s.briefs?.['rendered'] ?? 0}, up to date ${s.briefs?.['up-to-date'] ?? 0}, ` +
          `not due ${s.briefs?.['not-due'] ?? 0}, held ${s.briefs?.['held'] ?? 0}, failed ${s.briefs?.['failed'] ?? 0} · delivered ${s.deliveries?.['sent'] ?? 0}, undelivered ${s.deliveries?.['failed'] ?? 0}`,
      );
      if (run['status'] === 'running' || run['status'] === 'interrupted') out('  the run did not finish (killed or crashed): rerun taxbrief run');
      if (s.error) out(`  failed: ${s.error}`);
      for (const h of s.holds ?? []) out(`  held: ${h}`);
    }
    out('\nfeeds');
    const feeds = await feedFreshness(ctx.warehouse, path.join(ctx.project.root, 'data', 'feeds'), ctx.clock());
    attention ||= feeds.some((f) => f.late);
    table(out, feeds.map((f) => ({
      feed: f.feed,
      latest: f.latestPeriod ?? (f.files > 0 ? 'snapshot' : '—'),
      'loaded at': f.lastLoadedAt ?? '—',
      expect: f.expect ?? '—',
      state: `${f.late ? 'LATE: ' : ''}${f.note}`,
    })));
    const waiting = await ctx.warehouse.all<{ recipient_id: string; brief: string; region: string; period: string; file: string; error: string | null }>(
      `select recipient_id, brief, region, period, file, error from (
         select *, row_number() over (partition by recipient_id, brief, region, period, version order by attempted_at desc, run_id desc) as n from deliveries)
       where n = 1 and status = 'failed' order by recipient_id, brief, region`,
    );
    attention ||= waiting.length > 0;
    out(`\noutbox: ${waiting.length} PDF(s) not delivered${waiting.length > 0 ? ' (the next run retries them)' : ''}`);
    for (const w of waiting) out(`  ${w.file ?? '(not printed)'}  ${w.brief}${w.region ? ` (${w.region})` : ''} ${w.period} → ${w.recipient_id}: ${w.error ?? ''}`);
    out(`\nlock: ${holder && holder.pid !== process.pid ? `stale lock of ${describeHolder(holder)} (taken over by the next run)` : 'free'}`);
  } finally {
    ctx.close();
  }
  return attention ? ExitCode.held : ExitCode.ok;
}
