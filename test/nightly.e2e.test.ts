import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../pipeline/cli.js';
import { acquireLock, lockFile } from '../pipeline/lock.js';
import { openLockedContext } from '../pipeline/locked-context.js';
import { memoryLogger } from '../pipeline/log.js';
import { previewHtml, startPreview } from '../pipeline/preview.js';
import { projectPaths } from '../pipeline/workspace.js';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { runCli, type CliRun } from './helpers/cli.js';
import { tempDir } from './helpers/workspace.js';

// The nightly run on real parts: demo extracts → DuckDB → Chromium → a real SMTP server on 127.0.0.1.
const ws = tempDir('taxbrief-nightly-ws-');
const proj = tempDir('taxbrief-nightly-proj-');
const PASSWORD = 'Pa55-w0rd-never-logged';
let t = Date.parse('2026-11-26T02:00:00Z');
const clock = () => new Date((t += 1000)); // each reading a second later: a night of runs in order

interface Mail { to: string; subject: string; pdf: Buffer }
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;
let closedPort = 0;
const logs: string[] = [];

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TAXBRIEF_WORKSPACE: ws.dir,
    TAXBRIEF_PROJECT: proj.dir,
    TAXBRIEF_SMTP_URL: `smtp://mailer:${PASSWORD}@127.0.0.1:${smtpPort}`,
    TAXBRIEF_SMTP_FROM: 'taxbrief <nightly@example.gov.cn>',
    TAXBRIEF_SMTP_RETRIES: '2',
    TAXBRIEF_SMTP_BACKOFF_MS: '1',
    ...extra,
  };
}

async function cli(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const r = await runCli([...args, '--json'], baseEnv(extra), clock);
  logs.push(r.err);
  return r;
}

const text = (pdf: string, raw = false) => execFileSync('pdftotext', [...(raw ? ['-raw'] : []), '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
const squash = (s: string) => s.replace(/\s+/g, '');
const pages = (pdf: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
const messages = (err: string) => err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string; [k: string]: unknown });

/** The attachment of a raw MIME message: the base64 part typed application/pdf. */
function pdfOf(raw: string): Buffer {
  const m = /Content-Type: application\/pdf[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
  if (!m) throw new Error('no PDF attachment in the message');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function issuedVersions(stem: string): string[] {
  const dir = path.join(ws.dir, 'issued', '2026-10', stem);
  return existsSync(dir) ? readdirSync(dir).map((v) => path.join(dir, v)) : [];
}

beforeAll(async () => {
  // A project copy with a second brief that has its own template: what incremental rendering is judged on.
  const real = projectPaths();
  for (const d of ['reports', 'templates', 'queries', 'seeds', 'data']) cpSync(path.join(real.root, d), path.join(proj.dir, d), { recursive: true });
  cpSync(path.join(real.root, 'package.json'), path.join(proj.dir, 'package.json'));
  // Only monthly-revenue of the catalogue: the two briefs are what the counts below are judged on.
  for (const d of readdirSync(path.join(proj.dir, 'reports'), { withFileTypes: true })) {
    if (d.isDirectory() && d.name !== 'monthly-revenue') rmSync(path.join(proj.dir, 'reports', d.name), { recursive: true });
  }
  mkdirSync(path.join(proj.dir, 'reports', 'revenue-digest'));
  writeFileSync(
    path.join(proj.dir, 'reports', 'revenue-digest', 'report.json'),
    JSON.stringify({
      id: 'revenue-digest', name: '税收收入要情', description: 'One paragraph: the year-to-date headline.', template: 'revenue-digest',
      title: '{{monthLabel period}}税收收入要情', classification: '内部资料 注意保存', issuer: '收入规划核算处', scope: 'province', schedule: 'daily',
      queries: { headline: { query: 'revenue_headline', single: true } },
    }),
  );
  writeFileSync(
    path.join(proj.dir, 'templates', 'revenue-digest.hbs'),
    '{{#> layouts/official}}<h2>一、总体情况</h2><p class="finding">{{period.ytd}}，全省税收收入{{yi data.headline.ytd_amount}}亿元，{{yoy data.headline.ytd_yoy_pct}}。</p>{{/layouts/official}}\n',
  );
  writeFileSync(
    path.join(ws.dir, 'recipients.json'),
    JSON.stringify({ recipients: [
      { id: 'R001', name: '张三', email: 'zhangsan@example.gov.cn', briefs: [{ brief: 'monthly-revenue' }, { brief: 'revenue-digest' }] },
      { id: 'R002', name: '李四', email: 'lisi@example.gov.cn', briefs: ['monthly-revenue'] },
    ] }),
  );

  smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === PASSWORD) cb(null, { user: 'mailer' });
      else cb(new Error('535 authentication failed'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), subject: /^Subject: (.*)$/m.exec(raw)?.[1] ?? '', pdf: pdfOf(raw) });
        cb();
      });
    },
    logger: false,
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  closedPort = await freePort();

  const demo = await cli(['demo', '--taxpayers', '1000', '--months', '14', '--end', '2026-10', '--no-run']);
  if (demo.code !== 0) throw new Error(demo.err);
}, 300_000);

afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  ws.cleanup();
  proj.cleanup();
});

describe('taxbrief run: the nightly job', () => {
  it('loads the inbox, renders every brief due and mails each recipient a copy watermarked with their name', async () => {
    const run = await cli(['run']);
    expect(run.code, run.err).toBe(0);
    expect(run.out.trim().split('\n').sort()).toEqual([path.join(ws.dir, 'out', '2026-10', 'monthly-revenue.pdf'), path.join(ws.dir, 'out', '2026-10', 'revenue-digest.pdf')]);
    expect(run.err).toMatch(/files: 29 file\(s\) loaded/);
    expect(run.err).toMatch(/briefs: 2 rendered, 0 up to date, 0 not due, 0 held, 0 failed/);
    expect(run.err).toMatch(/delivered: 3 sent, 0 already sent, 0 failed/);
    // progress as JSON lines: each stage with its count (and pace: elapsed, ETA once it has a rate)
    const progress = messages(run.err).filter((l) => l.message === 'progress');
    expect(progress.filter((l) => l.stage === 'ingest').map((l) => [l.done, l.total])).toContainEqual([29, 29]);
    expect(progress.filter((l) => l.stage === 'deliver').map((l) => [l.done, l.total])).toContainEqual([3, 3]);
    for (const l of progress) expect(typeof l.elapsed_ms).toBe('number');
    // the account names the slowest files, with the rows the files ledger holds for each and their wall time
    const account = JSON.parse(readFileSync(path.join(ws.dir, 'logs', 'last-run.json'), 'utf8')) as { slowestFiles: { file: string; status: string; rows: number; ms: number }[] };
    const w = await openWarehouse(path.join(ws.dir, 'warehouse.duckdb'), { readOnly: true });
    const ledger = new Map((await w.all<{ name: string; rows: number }>('select name, rows from files')).map((f) => [f.name, Number(f.rows)]));
    w.close();
    expect(account.slowestFiles).toHaveLength(3);
    for (const f of account.slowestFiles) {
      expect(f.status).toBe('loaded');
      expect(f.rows).toBe(ledger.get(f.file));
      expect(Number.isInteger(f.ms) && f.ms >= 0).toBe(true);
    }
    expect(account.slowestFiles.map((f) => f.ms)).toEqual(account.slowestFiles.map((f) => f.ms).sort((a, b) => b - a));

    expect(mails.map((m) => m.to).sort()).toEqual(['lisi@example.gov.cn', 'zhangsan@example.gov.cn', 'zhangsan@example.gov.cn']);
    for (const mail of mails) {
      const file = path.join(ws.dir, 'tmp-mail.pdf');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, mail.pdf);
      expect(mail.pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const who = mail.to.startsWith('zhangsan') ? '仅供张三阅 · R001 · 内部资料 注意保存' : '仅供李四阅 · R002 · 内部资料 注意保存';
      const other = mail.to.startsWith('zhangsan') ? '李四' : '张三';
      // on every page: the recipient's watermark, and the classification mark in the header
      for (let p = 1; p <= pages(file); p++) {
        const page = execFileSync('pdftotext', ['-raw', '-f', String(p), '-l', String(p), '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
        expect(page).toContain(who);
        expect(page).not.toContain(other);
      }
    }
    // the copy mailed is the one archived, with its checksum
    const [issued] = issuedVersions('monthly-revenue');
    const sums = readFileSync(path.join(issued!, 'SHA256SUMS'), 'utf8');
    expect(sums).toMatch(/^[0-9a-f]{64} {2}brief\.pdf$/m);
    expect(sums).toMatch(/^[0-9a-f]{64} {2}recipients\/R001\.pdf$/m);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: issued! });
    // the SMTP password appears in no log line and nowhere in the warehouse's ledger
    expect(run.err).not.toContain(PASSWORD);
    expect(run.err).toContain(`smtp://127.0.0.1:${smtpPort}`);
  });

  it('sends nothing and renders nothing on a second run, and says so (in JSON lines: stderr is no terminal, no --json given)', async () => {
    const before = mails.length;
    const run = await runCli(['run'], baseEnv(), clock);
    logs.push(run.err);
    expect(run.code, run.err).toBe(0);
    expect(messages(run.err).length).toBeGreaterThan(5); // every line parses as JSON
    expect(mails.length).toBe(before);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/nothing new: no files in the inbox, the marts and every due brief up to date, nothing to deliver/);
    expect(run.err).toMatch(/briefs: 0 rendered, 2 up to date/);
    expect(run.err).toMatch(/delivered: 0 sent, 3 already sent, 0 failed/);
    // neither the marts nor the checks are computed again
    expect(run.err).toMatch(/stage marts skipped: nothing the marts read changed/);
    expect(run.err).toMatch(/stage checks skipped: nothing they read changed since run \S+, where all \d+ held/);
    expect(messages(run.err).some((l) => l.message === 'Chromium started')).toBe(false);
  });

  it('re-renders only the brief whose template changed, and sends only its new version', async () => {
    const before = mails.length;
    const tpl = path.join(proj.dir, 'templates', 'revenue-digest.hbs');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('一、总体情况', '一、总体情况（修订）'));
    const run = await cli(['run']);
    expect(run.code, run.err).toBe(0);
    expect(run.out.trim()).toBe(path.join(ws.dir, 'out', '2026-10', 'revenue-digest.pdf'));
    expect(run.err).toMatch(/revenue-digest 2026-10: to render \(template changed\)/);
    expect(run.err).toMatch(/briefs: 1 rendered, 1 up to date/);
    expect(mails.slice(before).map((m) => m.to)).toEqual(['zhangsan@example.gov.cn']);
    expect(squash(text(path.join(ws.dir, 'out', '2026-10', 'revenue-digest.pdf')))).toContain('一、总体情况（修订）');
    expect(issuedVersions('revenue-digest')).toHaveLength(2);
    expect(issuedVersions('monthly-revenue')).toHaveLength(1);
  });

  it('retries when SMTP is down, then reports the copy as undelivered and keeps it in the outbox; the next run sends it', async () => {
    const tpl = path.join(proj.dir, 'templates', 'revenue-digest.hbs');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('（修订）', '（再次修订）'));
    const down = { TAXBRIEF_SMTP_URL: `smtp://mailer:${PASSWORD}@127.0.0.1:${closedPort}`, TAXBRIEF_SMTP_BACKOFF_MS: '200' };
    const before = mails.length;
    const run = await cli(['run'], down);
    expect(run.code).toBe(3);
    const lines = messages(run.err);
    // two retries, the wait doubling: 0.2 s, then 0.4 s
    expect(lines.filter((l) => l.level === 'warn' && /retry \d\/2/.test(l.message)).map((l) => /retry (\d\/2 in [\d.]+ s)/.exec(l.message)?.[1])).toEqual(['1/2 in 0.2 s', '2/2 in 0.4 s']);
    const outbox = path.join(ws.dir, 'outbox', 'R001', '2026-10', 'revenue-digest.pdf');
    expect(existsSync(outbox)).toBe(true);
    expect(text(outbox, true)).toContain('仅供张三阅 · R001');
    expect(run.err).toMatch(/not everything due went out \(1\)/);
    expect(run.err).toMatch(new RegExp(`not delivered: revenue-digest 2026-10 to R001 张三: .*ECONNREFUSED.*kept in ${outbox.replace(/[/.]/g, '\\$&')}`));
    expect(run.err).not.toContain(PASSWORD);
    expect(mails.length).toBe(before);

    const status = await cli(['status']);
    expect(status.code).toBe(3);
    expect(status.out).toMatch(/last run: .* HELD/);
    expect(status.out).toMatch(/outbox: 1 PDF\(s\) not delivered/);
    expect(status.out).toContain(outbox);

    const again = await cli(['run']);
    expect(again.code, again.err).toBe(0);
    expect(mails.slice(before).map((m) => m.to)).toEqual(['zhangsan@example.gov.cn']);
    expect(again.err).toMatch(/briefs: 0 rendered, 2 up to date/);
    expect(again.err).toMatch(/delivered: 1 sent, 2 already sent, 0 failed/);
    // the copy kept in the outbox is what was sent: no second print
    expect(messages(again.err).some((l) => l.message === 'Chromium started')).toBe(false);
    expect(existsSync(outbox)).toBe(false);
    const statusAfter = await cli(['status']);
    expect(statusAfter.code, statusAfter.out).toBe(0);
    expect(statusAfter.out).toMatch(/demo-revenue\s+2026-10 .* monthly by day 10\s+up to date/);
    // by 15 December (Beijing), November's extracts should have arrived: status flags the feed
    const december = await runCli(['status'], baseEnv(), () => new Date('2026-12-15T02:00:00Z'));
    expect(december.code).toBe(3);
    expect(december.out).toMatch(/demo-revenue\s+2026-10 .* monthly by day 10\s+LATE: 2026-11 expected by 2026-12-10; the latest is 2026-10/);
  });

  it('--resend delivers again what was already delivered', async () => {
    const before = mails.length;
    const run = await cli(['run', '--resend']);
    expect(run.code, run.err).toBe(0);
    expect(mails.length - before).toBe(3);
  });

  it('without SMTP configured, the outbox folder is the delivery', async () => {
    const run = await cli(['run', '--resend'], { TAXBRIEF_SMTP_URL: '' });
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/delivered: 3 sent, 0 already sent, 0 failed/);
    const inOutbox = (id: string) => readdirSync(path.join(ws.dir, 'outbox', id, '2026-10')).sort();
    expect(inOutbox('R001')).toEqual(['monthly-revenue.pdf', 'revenue-digest.pdf']);
    expect(inOutbox('R002')).toEqual(['monthly-revenue.pdf']);
    expect(text(path.join(ws.dir, 'outbox', 'R002', '2026-10', 'monthly-revenue.pdf'), true)).toContain('仅供李四阅 · R002');
  });

  it('rebuilds an issued brief with the same numbers after its data was restated', async () => {
    const [first] = issuedVersions('monthly-revenue');
    const original = squash(text(path.join(first!, 'brief.pdf')));
    // a restated October: every amount doubled, same file name (the feed replaces the period)
    const csv = readFileSync(path.join(ws.dir, 'archive', 'revenue_2026-10.csv'), 'utf8').trimEnd().split('\n');
    const col = csv[0]!.split(',').indexOf('amount');
    const doubled = csv.map((line, i) => (i === 0 ? line : line.split(',').map((v, j) => (j === col ? (Number(v) * 2).toFixed(2) : v)).join(',')));
    writeFileSync(path.join(ws.dir, 'inbox', 'revenue_2026-10.csv'), `${doubled.join('\n')}\n`);
    const run = await cli(['run']);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/monthly-revenue 2026-10: to render \(data changed\)/);
    // the marts are compared with the facts for the restated month only: the other months did not change
    expect(run.err).toMatch(/reconcile checks compare the months changed since they last held: 2026-10"/);
    const restated = squash(text(path.join(ws.dir, 'out', '2026-10', 'monthly-revenue.pdf')));
    const headline = (s: string) => /全省税务部门组织税收收入[\d,.]+亿元/.exec(s)?.[0];
    expect(headline(restated)).not.toBe(headline(original));

    const repro = await cli(['reproduce', path.join(first!, 'manifest.json')]);
    expect(repro.code, repro.err).toBe(0);
    const pdf = repro.out.trim();
    expect(pdf.startsWith(path.join(ws.dir, 'reproduced'))).toBe(true);
    expect(squash(text(pdf))).toBe(original);
    expect(repro.err).toMatch(/identical to the archived HTML/);
  });

  it('records runs, stages and outputs: history lists them and shows one run in detail', async () => {
    const h = await cli(['history']);
    expect(h.code).toBe(0);
    const rows = h.out.trim().split('\n');
    expect(rows[0]).toMatch(/run\s+started\s+seconds\s+status\s+loaded\s+rendered\s+up to date\s+held\s+sent\s+undelivered/);
    expect(rows.filter((r) => /^\s+2026\d{4}T/.test(r))).toHaveLength(8);
    expect(rows.filter((r) => /^\s+2026\S+\s+\S+ \S+\s+\S+\s+held\s/.test(r))).toHaveLength(1);
    const id = /^\s+(\S+)/.exec(rows.at(-1)!)![1]!; // the first run
    const one = await cli(['history', id]);
    expect(one.out).toMatch(/stages\n\s+stage\s+ms\s+status\s+detail\n\s+ingest\s+\d+\s+ok\s+loaded 29 · 29 files \(below\)\n/);
    expect(one.out).toMatch(/\n\s+checks\s+\d+\s+ok\s+key [0-9a-f]{12} · .*\d+ checks, all hold\n/);
    // each file of the ingest stage, with its rows and wall time, in a table of its own
    expect(one.out).toMatch(/\nfiles\n\s+file\s+status\s+rows\s+ms\n/);
    const files = [...one.out.matchAll(/^\s+(\S+)\s+loaded\s+(\d+)\s+(\d+)$/gm)];
    expect(files).toHaveLength(29);
    expect(new Set(files.map((f) => f[1])).size).toBe(29);
    expect(one.out).toMatch(/marts\s+\d+\s+ok/);
    expect(one.out).toMatch(/monthly-revenue\s+2026-10\s+zh\s+rendered/);
    expect(one.out).toMatch(/R002\s+monthly-revenue\s+2026-10\s+zh\s+smtp\s+sent\s+1/);
  });

  it('renders the English edition only once a recipient asks for it, and sends it to them exactly once', async () => {
    const file = path.join(ws.dir, 'recipients.json');
    const { recipients } = JSON.parse(readFileSync(file, 'utf8')) as { recipients: object[] };
    writeFileSync(file, JSON.stringify({ recipients: [...recipients, { id: 'R003', name: '王五', email: 'wangwu@example.gov.cn', lang: 'en', briefs: ['monthly-revenue'] }] }));
    const before = mails.length;
    const run = await cli(['run']);
    expect(run.code, run.err).toBe(0);
    const english = path.join(ws.dir, 'out', '2026-10', 'monthly-revenue.en.pdf');
    expect(run.out.trim()).toBe(english);
    expect(run.err).toMatch(/monthly-revenue \[en\] 2026-10: to render \(first build\)/);
    expect(run.err).toMatch(/briefs: 1 rendered, 2 up to date/);
    const sent = mails.slice(before);
    expect(sent.map((m) => m.to)).toEqual(['wangwu@example.gov.cn']);
    const copy = path.join(ws.dir, 'tmp-mail-en.pdf');
    writeFileSync(copy, sent[0]!.pdf);
    expect(squash(text(copy))).toContain(squash('Guangdong tax revenue'));
    for (let p = 1; p <= pages(copy); p++) {
      const page = execFileSync('pdftotext', ['-raw', '-f', String(p), '-l', String(p), '-enc', 'UTF-8', copy, '-'], { encoding: 'utf8' });
      expect(page).toContain('For 王五 only · R003 · INTERNAL — HANDLE WITH CARE');
      expect(page).not.toContain('仅供');
    }
    expect(issuedVersions('monthly-revenue.en')).toHaveLength(1);

    const again = await cli(['run']);
    expect(again.code, again.err).toBe(0);
    expect(mails.length - before).toBe(1);
    expect(again.err).toMatch(/briefs: 0 rendered, 3 up to date/);
    expect(again.err).toMatch(/delivered: 0 sent, 4 already sent, 0 failed/);
    const id = /run (\S+) finished|run (\S+): nothing new/.exec(run.err)!.slice(1).find(Boolean)!;
    const detail = await cli(['history', id]);
    expect(detail.out).toMatch(/monthly-revenue\s+2026-10\s+en\s+rendered/);
    expect(detail.out).toMatch(/R003\s+monthly-revenue\s+2026-10\s+en\s+smtp\s+sent\s+1/);
  });

  it('holds a brief whose figures a failing check covers, lists it and exits 3; sends it once the check holds again', async () => {
    const check = path.join(proj.dir, 'queries', 'checks', 'zz_test_guard.sql');
    writeFileSync(check, '-- A guard that fails on purpose (test).\nselect 1 as offending\n');
    const tpl = path.join(proj.dir, 'templates', 'revenue-digest.hbs');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('一、总体情况', '一、总体情况（三）'));
    const before = mails.length;
    const run = await cli(['run']);
    expect(run.code, run.err).toBe(3);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/check zz_test_guard fails: A guard that fails on purpose \(test\)\./);
    expect(run.err).toMatch(/briefs: 0 rendered, 2 up to date, 0 not due, 1 held, 0 failed/);
    expect(run.err).toMatch(/not everything due went out \(1\)/);
    expect(run.err).toMatch(/brief revenue-digest 2026-10: held: check\(s\) zz_test_guard fail/);
    expect(mails.length).toBe(before);

    rmSync(check);
    const again = await cli(['run']);
    expect(again.code, again.err).toBe(0);
    expect(again.out.trim()).toBe(path.join(ws.dir, 'out', '2026-10', 'revenue-digest.pdf'));
    expect(mails.slice(before).map((m) => m.to)).toEqual(['zhangsan@example.gov.cn']);
  });
});

describe('concurrency', () => {
  it('refuses a second run clearly while the workspace is held, and lets an analyst brief wait for it', async () => {
    const held = await acquireLock(lockFile(ws.dir), { command: 'run', waitMs: 0, logger: memoryLogger() });
    try {
      const refused = await cli(['run']);
      expect(refused.code).toBe(3);
      expect(refused.err).toMatch(new RegExp(`The workspace is busy: taxbrief run \\(pid ${process.pid} on .*\\) holds .*\\.lock; wait for it to finish, or pass --wait SECONDS`));
    } catch (error) {
      held.release();
      throw error;
    }

    const err = new PassThrough();
    let e = '';
    let release: () => void = () => undefined;
    const seenWaiting = new Promise<void>((resolve) => (release = resolve));
    err.on('data', (d) => {
      e += d;
      if (e.includes('waiting for taxbrief run')) release();
    });
    const out = new PassThrough();
    let o = '';
    out.on('data', (d) => (o += d));
    const brief = main(['brief', 'revenue-digest', '--json', '--wait', '120'], { stdout: out, stderr: err, env: baseEnv(), clock });
    await seenWaiting;
    held.release();
    expect(await brief).toBe(0);
    expect(o.trim()).toBe(path.join(ws.dir, 'out', '2026-10', 'revenue-digest.pdf'));
  });

  it('two runs started together: one runs, the other waits or refuses; the warehouse stays whole', async () => {
    const bin = path.join(projectPaths().root, 'bin', 'taxbrief.js');
    const start = () =>
      new Promise<{ code: number; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'run', '--json'], { env: baseEnv() });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code: code ?? -1, err }));
      });
    const results = await Promise.all([start(), start()]);
    for (const r of results) {
      expect([0, 3], r.err).toContain(r.code);
      if (r.code === 3) expect(r.err).toMatch(/The workspace is busy: taxbrief run \(pid \d+/);
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    expect(existsSync(lockFile(ws.dir))).toBe(false);
    const h = await cli(['history', '--limit', '3']);
    expect(h.code).toBe(0);
    expect(h.out).not.toMatch(/\srunning\s/);
  });
});

describe('taxbrief preview', () => {
  it('serves the brief on 127.0.0.1 and tells the browser to reload when its template changes', async () => {
    const env = baseEnv();
    const logger = memoryLogger();
    const build = async () => {
      const ctx = await openLockedContext({ env, logger, clock }, { command: 'preview', waitMs: 60_000 });
      try {
        return await previewHtml(ctx, { id: 'revenue-digest' });
      } finally {
        ctx.close();
      }
    };
    const server = await startPreview({ build, watch: [path.join(proj.dir, 'templates'), path.join(proj.dir, 'reports')], port: 0, logger, pollMs: 50 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await (await fetch(server.url)).text();
      expect(page).toContain('2026年10月税收收入要情');
      expect(page).toContain("new EventSource('/events')");

      const reloaded = new Promise<string>((resolve, reject) => {
        get(`${server.url}events`, (res) => {
          let buf = '';
          res.on('data', (d) => {
            buf += d;
            if (buf.includes('event: hello')) writeFileSync(path.join(proj.dir, 'templates', 'revenue-digest.hbs'), '{{#> layouts/official}}<p>预览已更新</p>{{/layouts/official}}\n');
            if (buf.includes('event: reload')) {
              res.destroy();
              resolve(buf);
            }
          });
        }).on('error', reject);
      });
      await reloaded;
      expect(await (await fetch(server.url)).text()).toContain('预览已更新');
    } finally {
      await server.close();
    }
  });
});

describe('commands', () => {
  it.each(['run', 'history', 'status', 'preview', 'reproduce', 'brief'])('%s --help explains itself', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: taxbrief/);
  });

  it('never wrote the SMTP password into a log line or the warehouse', () => {
    for (const l of logs) expect(l).not.toContain(PASSWORD);
    const db = readFileSync(path.join(ws.dir, 'warehouse.duckdb'));
    expect(db.includes(Buffer.from(PASSWORD))).toBe(false);
  });
});
