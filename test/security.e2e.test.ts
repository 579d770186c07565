import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../pipeline/workspace.js';
import { runCli, type CliRun } from './helpers/cli.js';
import { tempDir } from './helpers/workspace.js';

// Hostile definitions and data on real parts: a project copy whose seeds name a city and an industry
// with markup, whose template points at an http:// image and whose analyst note carries script and
// javascript: links; SMTP configured with a distinctive password on a port where nothing listens.
// One nightly run (monthly-revenue only, demo data of 1,000 taxpayers) is then searched for what leaked.
const ws = tempDir('taxbrief-security-ws-');
const proj = tempDir('taxbrief-security-proj-');
const SECRET = 'Zq7-SECRET-smtp-pa55w0rd';
const CITY = '广州<script>alert(1)</script>市';
const INDUSTRY = '制造<img src=x onerror=alert(1)>业';
const NOTE = '**注意** <script>alert("note")</script> 见 [链接](javascript:alert(1)) <img src="http://127.0.0.1:PORT/note.png">';
const now = new Date('2026-11-26T02:00:00Z');
const out = path.join(ws.dir, 'out', '2026-10');
let server: Server;
let port = 0;
const requests: string[] = [];
const runs: CliRun[] = [];

async function cli(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const env = {
    ...process.env, TAXBRIEF_WORKSPACE: ws.dir, TAXBRIEF_PROJECT: proj.dir,
    TAXBRIEF_SMTP_URL: `smtp://mailer:${SECRET}@127.0.0.1:9`, TAXBRIEF_SMTP_RETRIES: '1', TAXBRIEF_SMTP_BACKOFF_MS: '1',
    ...extra,
  };
  const r = await runCli(args, env, () => now);
  runs.push(r);
  return r;
}

const pdfPages = (pdf: string, raw = false) => {
  const n = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
  return Array.from({ length: n }, (_, i) => execFileSync('pdftotext', [...(raw ? ['-raw'] : []), '-f', String(i + 1), '-l', String(i + 1), '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }));
};
const squash = (s: string) => s.replace(/\s+/g, '');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? [path.join(dir, d.name), ...walk(path.join(dir, d.name))] : [path.join(dir, d.name)]));
}

let run: CliRun;

beforeAll(async () => {
  server = createServer((req, res) => { requests.push(req.url ?? ''); res.end('x'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;

  const real = projectPaths();
  for (const d of ['reports', 'templates', 'queries', 'seeds', 'data']) cpSync(path.join(real.root, d), path.join(proj.dir, d), { recursive: true });
  cpSync(path.join(real.root, 'package.json'), path.join(proj.dir, 'package.json'));
  for (const d of readdirSync(path.join(proj.dir, 'reports'), { withFileTypes: true })) {
    if (d.isDirectory() && d.name !== 'monthly-revenue') rmSync(path.join(proj.dir, 'reports', d.name), { recursive: true });
  }
  const seed = (file: string, from: string, to: string) => {
    const p = path.join(proj.dir, 'seeds', file);
    writeFileSync(p, readFileSync(p, 'utf8').replace(from, to));
  };
  seed('regions.csv', '440100,广州市,', `440100,${CITY},`);
  seed('industries.csv', 'C,制造业,', `C,${INDUSTRY},`);
  const tpl = path.join(proj.dir, 'templates', 'monthly-revenue.hbs');
  writeFileSync(tpl, readFileSync(tpl, 'utf8').replace(/\{\{\/layouts\/official\}\}\s*$/, `<img src="http://127.0.0.1:${port}/logo.png" alt="">\n{{/layouts/official}}\n`));
  mkdirSync(path.join(proj.dir, 'reports', 'monthly-revenue', 'notes'), { recursive: true });
  writeFileSync(path.join(proj.dir, 'reports', 'monthly-revenue', 'notes', '2026-10.md'), NOTE.replace('PORT', String(port)));
  writeFileSync(path.join(ws.dir, 'recipients.json'), JSON.stringify({ recipients: [
    { id: 'R001', name: '张三', email: 'zhangsan@example.gov.cn', briefs: ['monthly-revenue'] },
  ] }));

  const demo = await cli(['demo', '--taxpayers', '1000', '--months', '14', '--end', '2026-10', '--no-run', '--json']);
  if (demo.code !== 0) throw new Error(demo.err);
  run = await cli(['run', '--period', '2026-10', '--json']);
}, 300_000);

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  ws.cleanup();
  proj.cleanup();
});

describe('hostile definitions and data', () => {
  it('renders the brief (the copy stays in the outbox: SMTP is down) and makes no network request', () => {
    expect(readdirSync(out)).toContain('monthly-revenue.pdf');
    expect(run.code, run.err).toBe(3);
    expect(run.err).toMatch(/not delivered|undelivered|failed/);
    expect(requests).toEqual([]);
  });

  it('reports the blocked requests in the log and the manifest', () => {
    const logged = run.err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; blocked?: string });
    expect(logged.some((l) => l.level === 'warn' && String(l.blocked).includes(`127.0.0.1:${port}/logo.png`))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(out, 'monthly-revenue.manifest.json'), 'utf8')) as { blockedRequests: string[] };
    expect(manifest.blockedRequests).toContain(`http://127.0.0.1:${port}/logo.png`);
  });

  it('prints markup from seeds and notes as text: no script, no event handler, no javascript: link in the HTML', () => {
    const html = readFileSync(path.join(out, 'monthly-revenue.html'), 'utf8');
    const { document } = parseHTML(html);
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => /^on/i.test(a.name)))).toEqual([]);
    expect(Array.from(document.querySelectorAll('[href],[src]')).map((e) => e.getAttribute('href') ?? e.getAttribute('src')).filter((u) => /^\s*javascript:/i.test(u ?? ''))).toEqual([]);
    // the only image pointing outside is the template's own (blocked above); the note's is text
    expect(Array.from(document.querySelectorAll('img[src^="http"]')).map((e) => e.getAttribute('src'))).toEqual([`http://127.0.0.1:${port}/logo.png`]);
    const text = document.body.textContent ?? '';
    expect(text).toContain('广州<script>alert(1)</script>'); // the map's label (without 市)
    expect(text).toContain(INDUSTRY); // the table by industry
    expect(text).toContain('<script>alert("note")</script>');
  });

  it('shows the same markup as characters in the PDF text', () => {
    const text = squash(pdfPages(path.join(out, 'monthly-revenue.pdf')).join(''));
    expect(text).toContain(squash('广州<script>alert(1)</script>'));
    expect(text).toContain(squash(INDUSTRY));
    expect(text).not.toContain('[objectObject]');
    expect(text).toContain(squash('<script>alert("note")</script>'));
    expect(text).toContain('javascript:alert(1)');
  });
});

describe('confidentiality of what the run wrote', () => {
  it('prints the classification mark on every page, and the recipient watermark on every page of the copy', () => {
    const issued = pdfPages(path.join(out, 'monthly-revenue.pdf'));
    expect(issued.length).toBeGreaterThan(1);
    for (const p of issued) expect(squash(p)).toContain('内部资料');
    const copy = pdfPages(path.join(ws.dir, 'outbox', 'R001', '2026-10', 'monthly-revenue.pdf'), true);
    expect(copy.length).toBe(issued.length);
    for (const p of copy) {
      expect(squash(p)).toContain('内部资料');
      expect(squash(p)).toContain('仅供张三阅');
    }
  });

  it('writes every file 0640 and every folder 0750 at most (TAXBRIEF_FILE_MODE default)', () => {
    const loose = walk(ws.dir).filter((f) => !f.endsWith('recipients.json')) /* the test's own input */.map((f) => ({ f, mode: statSync(f).mode & 0o777 })).filter(({ mode }) => (mode & 0o027) !== 0);
    expect(loose.map(({ f, mode }) => `${path.relative(ws.dir, f)} ${mode.toString(8)}`)).toEqual([]);
    for (const f of ['warehouse.duckdb', 'out/2026-10/monthly-revenue.pdf', 'out/2026-10/monthly-revenue.manifest.json', 'outbox/R001/2026-10/monthly-revenue.pdf']) {
      expect(statSync(path.join(ws.dir, f)).mode & 0o777, f).toBe(0o640);
    }
    expect(walk(path.join(ws.dir, 'archive')).length).toBeGreaterThan(0);
    for (const f of walk(path.join(ws.dir, 'archive'))) expect(statSync(f).mode & 0o777, f).toBe(0o640);
  });

  it('honours TAXBRIEF_FILE_MODE for exports, and refuses a mode that would open files to others', async () => {
    const xlsx = path.join(ws.dir, 'exports', 'headline.xlsx');
    const r = await cli(['query', 'revenue_headline', '--param', 'period=2026-10', '--format', 'xlsx', '--out', xlsx, '--json'], { TAXBRIEF_FILE_MODE: '0600' });
    expect(r.code, r.err).toBe(0);
    expect(statSync(xlsx).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(xlsx)).mode & 0o777).toBe(0o700);
    const bad = await cli(['status'], { TAXBRIEF_FILE_MODE: '0777' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/TAXBRIEF_FILE_MODE=0777/);
  });

  it('never writes the SMTP password: not in logs (JSON or human), errors, manifests, ledger, outbox or any file of the workspace', async () => {
    await cli(['status']); // human-format log lines
    await cli(['history']);
    for (const r of runs) {
      expect(r.out).not.toContain(SECRET);
      expect(r.err).not.toContain(SECRET);
    }
    const leaked = walk(ws.dir).filter((f) => statSync(f).isFile() && readFileSync(f).includes(Buffer.from(SECRET)));
    expect(leaked).toEqual([]);
    // and it was used: the delivery failed against the closed port, with the host named, the password not
    expect(run.err).toMatch(/127\.0\.0\.1:9/);
  });
});
