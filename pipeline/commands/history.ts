import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { listRuns, runDetail } from '../ledger.js';
import type { Row } from '../warehouse/warehouse.js';

/** `taxbrief history [run-id]`: the runs in the ledger, newest first; or one run's stages, outputs and deliveries. */
export default async function history(env: CommandEnv, runId: string | undefined, flags: { limit: string }): Promise<number> {
  if (!/^\d+$/.test(flags.limit)) throw new CliError(`--limit ${flags.limit} must be a whole number.`, ExitCode.usage);
  const ctx = await env.open();
  try {
    const out = (s = '') => env.stdout.write(`${s}\n`);
    if (runId === undefined) {
      const runs = await listRuns(ctx.warehouse, Number(flags.limit));
      if (runs.length === 0) out('no runs yet: taxbrief run records each nightly run here.');
      else
        table(out, runs.map((r) => {
          const s = r['summary'] ? (JSON.parse(String(r['summary'])) as Summary) : {};
          return {
            run: String(r['run_id']),
            started: String(r['started']),
            seconds: r['seconds'] === null ? '…' : String(r['seconds']),
            status: String(r['status']),
            loaded: String(s.files?.['loaded'] ?? 0),
            rendered: String(s.briefs?.['rendered'] ?? 0),
            'up to date': String(s.briefs?.['up-to-date'] ?? 0),
            held: String((s.briefs?.['held'] ?? 0) + (s.briefs?.['failed'] ?? 0)),
            sent: String(s.deliveries?.['sent'] ?? 0),
            undelivered: String(s.deliveries?.['failed'] ?? 0),
          };
        }));
      return ExitCode.ok;
    }
    const detail = await runDetail(ctx.warehouse, runId);
    if (!detail.run) throw new CliError(`No run ${runId} in the ledger; taxbrief history lists the runs.`, ExitCode.usage);
    const r = detail.run;
    out(`run ${r['run_id']}  ${r['status']}  ${r['started']} → ${r['finished'] ?? '(not finished)'}`);
    const s = r['summary'] ? (JSON.parse(String(r['summary'])) as Summary) : {};
    for (const h of s.holds ?? []) out(`  held: ${h}`);
    if (s.error) out(`  failed: ${s.error}`);
    out('\nstages');
    const stages = detail.stages.map((x) => ({ x, detail: str(x['detail']), parsed: parse(str(x['detail'])) }));
    table(out, stages.map(({ x, detail, parsed }) => ({ stage: str(x['stage']), ms: str(x['ms']), status: str(x['status']), detail: parsed ? detailOf(parsed) : detail })));
    const files = stages.flatMap(({ parsed }) => (Array.isArray(parsed?.['files']) ? (parsed['files'] as FileDetail[]) : []));
    if (files.length > 0) {
      out('\nfiles');
      table(out, files.map((f) => ({ file: str(f.file), status: str(f.status), rows: str(f.rows), ms: str(f.ms) })));
    }
    out('\nbriefs');
    table(out, detail.outputs.map((x) => ({ brief: str(x['brief']), region: str(x['region']), period: str(x['period']), lang: str(x['lang']), status: str(x['status']), version: str(x['version']), reason: str(x['reason']) })));
    if (detail.deliveries.length > 0) {
      out('\ndeliveries');
      table(out, detail.deliveries.map((x) => ({ recipient: str(x['recipient_id']), brief: str(x['brief']), region: str(x['region']), period: str(x['period']), lang: str(x['lang']), channel: str(x['channel']), status: str(x['status']), attempts: str(x['attempts']), error: str(x['error']) })));
    }
    return ExitCode.ok;
  } finally {
    ctx.close();
  }
}

interface Summary { files?: Record<string, number>; briefs?: Record<string, number>; deliveries?: Record<string, number>; holds?: string[]; error?: string }

const str = (v: Row[string] | undefined) => (v === null || v === undefined ? '' : String(v));

type Detail = Record<string, unknown>;
const parse = (raw: string): Detail | undefined => {
  try {
    const d = JSON.parse(raw) as unknown;
    return d && typeof d === 'object' && !Array.isArray(d) ? (d as Detail) : undefined;
  } catch {
    return undefined;
  }
};

/** A file of the ingest stage's detail: its status, rows and wall ms. */
interface FileDetail { file?: string; status?: string; rows?: number; ms?: number }

/**
 * A stage's detail (JSON) as one short line: a hash cut to 12 characters, the files counted (listed in their own table),
 * the checks counted with those that fail named. (The raw JSON of a night of 49 files ran to thousands of characters.)
 */
export function detailLine(raw: string): string {
  const d = parse(raw);
  return d ? detailOf(d) : raw;
}

function detailOf(d: Detail, separator = ' · '): string {
  const parts = Object.entries(d).map(([k, v]) => {
    if (k === 'files' && Array.isArray(v)) return v.length ? `${v.length} files (below)` : 'no files';
    if (k === 'results' && Array.isArray(v)) {
      const failing = (v as { id?: string; holds?: boolean }[]).filter((c) => c.holds === false).map((c) => c.id);
      return `${v.length} checks, ${failing.length ? `failing: ${failing.join(', ')}` : 'all hold'}`;
    }
    if (k === 'failed' && Array.isArray(v) && d['results']) return ''; // named with the results
    if (typeof v === 'string') return `${k} ${/^[0-9a-f]{64}$/.test(v) ? v.slice(0, 12) : v}`;
    if (typeof v === 'number' || typeof v === 'boolean') return `${k} ${v}`;
    if (Array.isArray(v)) return `${k}: ${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '(none)'}`;
    return v && typeof v === 'object' ? `${k} (${detailOf(v as Detail, ', ')})` : `${k} ${String(v)}`;
  });
  return parts.filter(Boolean).join(separator);
}

/** Prints rows as aligned columns (CJK characters count double). */
export function table(out: (s: string) => void, rows: Record<string, string>[]): void {
  if (rows.length === 0) {
    out('  (none)');
    return;
  }
  const cols = Object.keys(rows[0]!);
  const width = (s: string) => [...s].reduce((n, c) => n + (/[\u2E80-\uFFEF]/.test(c) ? 2 : 1), 0);
  const w = cols.map((c) => Math.max(width(c), ...rows.map((r) => width(r[c] ?? ''))));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(w[i]! - width(c)))).join('  ')}`.trimEnd();
  out(line(cols));
  for (const r of rows) out(line(cols.map((c) => r[c] ?? '')));
}
