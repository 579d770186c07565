import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { datasets } from '../pipeline/ingest/datasets.js';
import { refreshMartsFor } from '../pipeline/marts.js';
import { openWarehouse, type Warehouse } from '../pipeline/warehouse/warehouse.js';
import { EXPECTED_COPIES, PERIOD, type Fixture } from './fixture.js';

const MARTS = ['mart_revenue', 'mart_revenue_city', 'mart_relief', 'mart_relief_beneficiaries'];
const tables = [...new Set(Object.values(datasets).map((d) => d.table))];

/** Every file below `dir` (recursively), hidden ones included. */
export function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesBelow(p) : [p];
  });
}

/** Output files that are not whole: a PDF without its end marker, HTML without </html>, a manifest that is not JSON; and leftover temporary files. */
export function brokenOutputs(workspace: string): string[] {
  const problems: string[] = [];
  for (const dir of ['out', 'outbox', 'issued', 'logs']) {
    for (const f of filesBelow(path.join(workspace, dir))) {
      const name = path.basename(f);
      const rel = path.relative(workspace, f);
      if (name.endsWith('.tmp')) {
        problems.push(`temporary file left behind: ${rel}`);
        continue;
      }
      if (name.endsWith('.pdf')) {
        const bytes = readFileSync(f);
        const tail = bytes.subarray(Math.max(0, bytes.length - 64)).toString('latin1');
        if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-' || !tail.includes('%%EOF')) problems.push(`truncated PDF: ${rel} (${bytes.length} bytes)`);
      } else if (name.endsWith('.html')) {
        if (!readFileSync(f, 'utf8').trimEnd().endsWith('</html>')) problems.push(`truncated HTML: ${rel}`);
      } else if (name.endsWith('.json')) {
        try {
          JSON.parse(readFileSync(f, 'utf8'));
        } catch {
          problems.push(`truncated or invalid JSON: ${rel}`);
        }
      }
    }
  }
  return problems;
}

/** Opens the warehouse of a workspace (DuckDB replays its WAL), or says why it cannot. */
async function open(workspace: string): Promise<Warehouse | string> {
  try {
    return await openWarehouse(path.join(workspace, 'warehouse.duckdb'));
  } catch (error) {
    return `the warehouse does not open: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** The loaded-files ledger against the fact rows: every row belongs to a file in the ledger, every file has exactly its rows. */
async function ledgerProblems(wh: Warehouse): Promise<string[]> {
  const problems: string[] = [];
  for (const table of tables) {
    const orphans = await wh.all<{ file_id: number; n: number }>(
      `select file_id, count(*)::integer as n from ${table} where file_id not in (select file_id from files) group by 1`,
    );
    for (const o of orphans) problems.push(`half-loaded file: ${o.n} row(s) of ${table} carry file_id ${o.file_id}, which the files ledger does not list`);
    const wrong = await wh.all<{ name: string; rows: number; n: number }>(
      `select f.name, f.rows::integer as rows, coalesce(t.n, 0)::integer as n from files f
       left join (select file_id, count(*) as n from ${table} group by 1) t using (file_id)
       where f.dataset in (${Object.entries(datasets).filter(([, d]) => d.table === table).map(([name]) => `'${name}'`).join(', ')}) and f.rows <> coalesce(t.n, 0)`,
    );
    for (const w of wrong) problems.push(`files ledger says ${w.name} has ${w.rows} row(s), ${table} holds ${w.n}`);
  }
  const twice = await wh.all<{ sha256: string; n: number }>(`select sha256, count(*)::integer as n from files group by 1 having count(*) > 1`);
  for (const t of twice) problems.push(`the same bytes (${t.sha256.slice(0, 12)}) are in the ledger ${t.n} times`);
  const sentTwice = await wh.all<{ k: string; n: number }>(
    `select recipient_id || '/' || brief || ' ' || period || ' ' || left(version, 12) as k, count(*)::integer as n from deliveries
     where status = 'sent' group by all having count(*) > 1`,
  );
  for (const s of sentTwice) problems.push(`delivered twice: ${s.k} (${s.n} 'sent' rows)`);
  return problems;
}

/** The marts against a rebuild from the facts: a copy of the warehouse is rebuilt in full and compared, table by table. */
async function martProblems(fx: Fixture, workspace: string, scratch: string): Promise<string[]> {
  const copy = path.join(scratch, `rebuild-${path.basename(workspace)}.duckdb`);
  copyFileSync(path.join(workspace, 'warehouse.duckdb'), copy);
  const wal = path.join(workspace, 'warehouse.duckdb.wal');
  if (existsSync(wal)) copyFileSync(wal, `${copy}.wal`);
  const wh = await openWarehouse(copy);
  const problems: string[] = [];
  try {
    for (const m of MARTS) await wh.run(`create table _kept_${m} as select * from ${m}`);
    await wh.run('delete from mart_refreshes');
    await refreshMartsFor({ warehouse: wh, dir: path.join(fx.project, 'queries', 'marts'), now: new Date() });
    for (const m of MARTS) {
      const [d] = await wh.all<{ missing: number; extra: number; n: number }>(
        `select (select count(*) from (select * from ${m} except all select * from _kept_${m}))::integer as missing,
                (select count(*) from (select * from _kept_${m} except all select * from ${m}))::integer as extra,
                (select count(*) from ${m})::integer as n`,
      );
      if (d!.missing > 0 || d!.extra > 0) problems.push(`${m} differs from a rebuild from the facts: ${d!.missing} row(s) missing, ${d!.extra} extra (of ${d!.n})`);
    }
  } finally {
    wh.close();
    rmSync(copy, { force: true });
    rmSync(`${copy}.wal`, { force: true });
  }
  return problems;
}

/** Checks right after a kill: the warehouse opens and is consistent, no output is half-written, every file offered is somewhere. */
export async function afterKill(workspace: string, offered: string[], kind: 'ingest' | 'run'): Promise<string[]> {
  const wh = await open(workspace);
  if (typeof wh === 'string') return [wh];
  const problems: string[] = [];
  try {
    problems.push(...(await ledgerProblems(wh)));
  } finally {
    wh.close();
  }
  problems.push(...brokenOutputs(workspace).filter((p) => !p.startsWith('temporary file')));
  if (kind === 'run') problems.push(...lostFiles(workspace, offered, false));
  return problems;
}

// Every file offered is in the inbox, the archive or quarantine (after a rerun: in the archive).
function lostFiles(workspace: string, offered: string[], settled: boolean): string[] {
  const where = (dir: string) => new Set(existsSync(path.join(workspace, dir)) ? readdirSync(path.join(workspace, dir)) : []);
  const inbox = where('inbox');
  const archive = where('archive');
  const quarantine = where('quarantine');
  const problems: string[] = [];
  for (const f of offered) {
    if (settled && !archive.has(f)) problems.push(`${f} is not in the archive after the rerun (${inbox.has(f) ? 'still in the inbox' : quarantine.has(f) ? 'quarantined' : 'gone'})`);
    if (!settled && !inbox.has(f) && !archive.has(f) && !quarantine.has(f)) problems.push(`${f} is lost: in neither the inbox, the archive nor quarantine`);
  }
  return problems;
}

/** What one run trial delivered: per recipient/brief, whole messages received by the SMTP server (when SMTP was the channel). */
export interface Received { [copy: string]: { whole: number; messageIds: Set<string> } }

/**
 * Checks after the rerun: all of afterKill, plus every file loaded once and archived, marts equal to a rebuild, each
 * copy delivered exactly once. `resentWindow`: the kill fell after the SMTP server took a message and before the
 * ledger noted it; the copy may then arrive twice, but only under one Message-ID (a receiver folds them).
 */
export async function afterRerun(fx: Fixture, workspace: string, offered: string[], kind: 'ingest' | 'run', scratch: string, received?: Received, resentWindow = false): Promise<string[]> {
  const problems = await afterKill(workspace, offered, kind);
  problems.push(...brokenOutputs(workspace).filter((p) => p.startsWith('temporary file')));
  const wh = await open(workspace);
  if (typeof wh === 'string') return [...problems, wh];
  try {
    const loaded = new Map((await wh.all<{ name: string; n: number }>(`select name, count(*)::integer as n from files where status = 'loaded' group by 1`)).map((r) => [r.name, r.n]));
    for (const f of offered) if (loaded.get(f) !== 1) problems.push(`${f} is loaded ${loaded.get(f) ?? 0} time(s) after the rerun, not once`);
    if (kind === 'run') {
      problems.push(...lostFiles(workspace, offered, true));
      const sent = await wh.all<{ copy: string; n: number }>(
        `select recipient_id || '/' || brief as copy, count(*)::integer as n from deliveries d
         where status = 'sent' and period = $period
           and version = (select version from brief_versions v where v.brief = d.brief and v.period = d.period order by built_at desc limit 1)
         group by 1 order by 1`,
        { period: PERIOD },
      );
      const got = sent.map((s) => `${s.copy}×${s.n}`).join(', ');
      if (got !== EXPECTED_COPIES.map((c) => `${c}×1`).join(', ')) problems.push(`the delivery ledger shows ${got || 'nothing'} sent, not each of ${EXPECTED_COPIES.join(', ')} once`);
      const versions = await wh.all<{ issued_dir: string }>(`select issued_dir from brief_versions where period = $period`, { period: PERIOD });
      for (const v of versions) {
        try {
          execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: v.issued_dir, stdio: 'pipe' });
        } catch (error) {
          problems.push(`issued ${path.relative(workspace, v.issued_dir)}: SHA256SUMS does not check (${String((error as { stdout?: Buffer }).stdout ?? '').trim().split('\n')[0]})`);
        }
        const sums = readFileSync(path.join(v.issued_dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
        if (new Set(sums).size !== sums.length) problems.push(`issued ${path.relative(workspace, v.issued_dir)}: SHA256SUMS lists a file twice`);
      }
    }
  } finally {
    wh.close();
  }
  if (kind === 'run') {
    problems.push(...(await martProblems(fx, workspace, scratch)));
    if (received) {
      for (const copy of EXPECTED_COPIES) {
        const r = received[copy];
        if (!r || r.messageIds.size !== 1) problems.push(`${copy}: ${r?.messageIds.size ?? 0} distinct message(s) received whole by the SMTP server, not 1`);
        else if (r.whole > 1 && !resentWindow) problems.push(`${copy}: received whole ${r.whole} times (one Message-ID)`);
      }
    } else {
      for (const copy of EXPECTED_COPIES) {
        const [recipient, brief] = copy.split('/');
        const file = path.join(workspace, 'outbox', recipient!, PERIOD, `${brief}.pdf`);
        if (!existsSync(file) || statSync(file).size === 0) problems.push(`${copy}: no copy in the outbox`);
      }
    }
  }
  return problems;
}
