import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watermarkPages, watermarkText } from '../pipeline/deliver/watermark.js';
import { readRecipients, recipientsOf } from '../pipeline/deliver/recipients.js';
import { openSmtp, smtpConfig } from '../pipeline/deliver/smtp.js';
import { CliError } from '../pipeline/errors.js';
import { detailLine } from '../pipeline/commands/history.js';
import { feedFreshness, parseExpectation } from '../pipeline/freshness.js';
import { acquireLock, lockFile, readLock } from '../pipeline/lock.js';
import { createLogger, memoryLogger } from '../pipeline/log.js';
import { createPaceTracker, paceLine } from '../pipeline/progress.js';
import { PassThrough } from 'node:stream';
import { isDue, parseSchedule } from '../pipeline/schedule.js';
import { templateFiles } from '../pipeline/versions.js';
import { numbersOf } from '../pipeline/reproduce.js';
import { listRuns, startRun } from '../pipeline/ledger.js';
import { openInViewer } from '../pipeline/open.js';
import { freshWarehouse, tempDir } from './helpers/workspace.js';
import { currentFileModes, makeDir, useFileModes } from '../pipeline/write-atomic.js';
import { projectPaths } from '../pipeline/workspace.js';

const tmp = tempDir('taxbrief-nightly-units-');
afterAll(() => tmp.cleanup());

describe('schedule', () => {
  const at = (iso: string) => new Date(iso);
  it('issues a monthly edition from day afterDay of the following month, in Beijing time', () => {
    const s = parseSchedule({ every: 'month', afterDay: 5 }, 'r.json');
    expect(isDue(s, { now: at('2026-11-04T15:59:00Z'), period: '2026-10' })).toEqual({ due: false, reason: 'not due: the 2026-10 edition goes out from 2026-11-05' });
    // 16:00 UTC on the 4th is 00:00 on the 5th in Asia/Shanghai
    expect(isDue(s, { now: at('2026-11-04T16:00:00Z'), period: '2026-10' })).toEqual({ due: true });
    expect(isDue(s, { now: at('2026-12-01T01:00:00Z'), period: '2026-10' })).toEqual({ due: true });
  });

  it('issues a weekly brief once a week from its weekday, and a daily brief every run', () => {
    const s = parseSchedule({ every: 'week', on: 'monday', timeZone: 'UTC' }, 'r.json');
    // 2026-11-23 is a Monday
    expect(isDue(s, { now: at('2026-11-25T02:00:00Z'), period: '2026-10', lastBuiltAt: at('2026-11-23T02:00:00Z') }).due).toBe(false);
    expect(isDue(s, { now: at('2026-11-25T02:00:00Z'), period: '2026-10', lastBuiltAt: at('2026-11-22T02:00:00Z') }).due).toBe(true);
    expect(isDue(s, { now: at('2026-11-25T02:00:00Z'), period: '2026-10' }).due).toBe(true);
    expect(isDue(parseSchedule(undefined, 'r.json'), { now: at('2026-11-25T02:00:00Z'), period: '2026-10' }).due).toBe(true);
    expect(isDue(parseSchedule('manual', 'r.json'), { now: at('2026-11-25T02:00:00Z'), period: '2026-10' }).due).toBe(false);
  });

  it('names the file and the accepted forms when a schedule is wrong', () => {
    expect(() => parseSchedule({ every: 'fortnight' }, 'reports/x/report.json')).toThrow(/reports\/x\/report\.json.*"every": "fortnight".*afterDay/);
    expect(() => parseSchedule({ every: 'month', afterDay: 31 }, 'r.json')).toThrow(/afterDay/);
    expect(() => parseSchedule({ every: 'week', on: 'someday' }, 'r.json')).toThrow(/not a weekday/);
  });
});

describe('feed freshness', () => {
  it('parses the expectations a feed may declare, and refuses others clearly', () => {
    expect(parseExpectation('monthly by day 10', 'f.json')).toMatchObject({ kind: 'monthly', byDay: 10 });
    expect(parseExpectation('every 35 days', 'f.json')).toMatchObject({ kind: 'every', days: 35 });
    expect(parseExpectation(undefined, 'f.json')).toBeUndefined();
    expect(() => parseExpectation('sometimes', 'data/feeds/x.json')).toThrow(/data\/feeds\/x\.json.*monthly by day 10/);
  });

  it('flags a monthly feed whose previous month has not arrived after its day', async () => {
    const { warehouse, cleanup } = await freshWarehouse();
    try {
      const feeds = path.join(tmp.dir, 'feeds');
      mkdirSync(feeds, { recursive: true });
      writeFileSync(path.join(feeds, 'rev.json'), JSON.stringify({ name: 'rev', dataset: 'revenue', expect: 'monthly by day 10' }));
      writeFileSync(path.join(feeds, 'reg.json'), JSON.stringify({ name: 'reg', dataset: 'taxpayers' }));
      await warehouse.run(`insert into files (file_id, name, sha256, feed, dataset, period, rows, status, loaded_at) values (1, 'revenue_2026-09.csv', 'aa', 'rev', 'revenue', date '2026-09-01', 10, 'loaded', timestamp '2026-10-08 02:00:00')`);
      const on = async (iso: string) => (await feedFreshness(warehouse, feeds, new Date(iso))).find((f) => f.feed === 'rev')!;
      // Nov 10 (Beijing): October is due by today, not yet late
      expect((await on('2026-11-10T03:00:00Z')).late).toBe(false);
      const late = await on('2026-11-11T03:00:00Z');
      expect(late).toMatchObject({ late: true, latestPeriod: '2026-09', note: '2026-10 expected by 2026-11-10; the latest is 2026-09' });
      const reg = (await feedFreshness(warehouse, feeds, new Date('2026-11-11T03:00:00Z'))).find((f) => f.feed === 'reg')!;
      expect(reg).toMatchObject({ late: false, note: 'no expectation declared' });
    } finally {
      cleanup();
    }
  });
});

describe('workspace lock', () => {
  const quiet = memoryLogger();
  it('refuses at once, naming the holder, while a live process holds it; free again after release', async () => {
    const file = lockFile(path.join(tmp.dir));
    const first = await acquireLock(file, { command: 'run', waitMs: 0, logger: quiet });
    expect(readLock(file)).toMatchObject({ pid: process.pid, command: 'run' });
    const refused = await acquireLock(file, { command: 'brief', waitMs: 0, logger: quiet }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(3);
    expect((refused as CliError).message).toMatch(new RegExp(`busy: taxbrief run \\(pid ${process.pid} on .*--wait SECONDS`));
    first.release();
    expect(existsSync(file)).toBe(false);
    const second = await acquireLock(file, { command: 'brief', waitMs: 0, logger: quiet });
    second.release();
  });

  it('waits, saying so, until the holder releases it', async () => {
    const file = lockFile(path.join(tmp.dir));
    const first = await acquireLock(file, { command: 'run', waitMs: 0, logger: quiet });
    const logger = memoryLogger();
    let polls = 0;
    const waiting = acquireLock(file, {
      command: 'brief',
      waitMs: 60_000,
      logger,
      // the holder finishes after the waiter has looked three times
      sleep: async () => {
        if (++polls === 3) first.release();
      },
    });
    const lock = await waiting;
    expect(logger.lines.some((l) => l.level === 'warn' && /waiting for taxbrief run \(pid \d+/.test(l.message))).toBe(true);
    expect(readLock(file)?.command).toBe('brief');
    lock.release();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const file = lockFile(path.join(tmp.dir));
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(file, JSON.stringify({ pid: dead, host: os.hostname(), command: 'run', startedAt: '2026-11-26T02:00:00.000Z' }));
    const logger = memoryLogger();
    const lock = await acquireLock(file, { command: 'run', waitMs: 0, logger });
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes(`pid ${dead}`) && l.message.includes('stale'))).toBe(true);
    expect(readLock(file)?.pid).toBe(process.pid);
    lock.release();
  });
});

describe('run ledger', () => {
  it('marks a run that never finished (killed) interrupted when the next run starts', async () => {
    const wh = await freshWarehouse(new Date('2026-11-26T02:00:00Z'));
    try {
      let t = Date.parse('2026-11-26T02:00:00Z');
      const effects = { command: 'run', clock: () => new Date((t += 1000)), logger: memoryLogger() };
      await startRun(wh.warehouse, effects); // killed: never finishes
      const next = await startRun(wh.warehouse, effects);
      await next.finish('ok', {});
      expect((await listRuns(wh.warehouse, 5)).map((r) => r['status'])).toEqual(['ok', 'interrupted']);
    } finally {
      wh.cleanup();
    }
  });
});

describe('recipients and watermark', () => {
  it('reads a recipients file and finds who receives which edition', () => {
    const file = path.join(tmp.dir, 'recipients.json');
    writeFileSync(file, JSON.stringify({ recipients: [
      { id: 'R001', name: '张三', email: 'zs@example.gov.cn', briefs: [{ brief: 'monthly-revenue' }, { brief: 'city', regions: ['440100'] }] },
      { id: 'R002', name: '李四', briefs: ['city'] },
      { id: 'R003', name: 'Wang Wu', lang: 'en', briefs: ['monthly-revenue', { brief: 'city', regions: ['440100'], lang: 'zh' }] },
    ] }));
    const rs = readRecipients(file, ['monthly-revenue', 'city']);
    const ids = (brief: string, region?: string, lang?: 'zh' | 'en') => recipientsOf(rs, { brief, region, lang }).map((r) => r.id);
    expect(ids('monthly-revenue')).toEqual(['R001']);
    expect(ids('monthly-revenue', undefined, 'en')).toEqual(['R003']);
    expect(ids('city', '440100')).toEqual(['R001', 'R002', 'R003']);
    expect(ids('city', '440100', 'en')).toEqual([]);
    expect(ids('city', '440500')).toEqual(['R002']);
    writeFileSync(file, JSON.stringify({ recipients: [{ id: 'R1', name: '王五', briefs: ['nope'] }] }));
    expect(() => readRecipients(file, ['monthly-revenue'])).toThrow(/recipients\[0\] \(R1\): briefs\[0\] names "nope", not a brief; the briefs are monthly-revenue/);
    writeFileSync(file, JSON.stringify({ recipients: [{ id: 'R1', name: '王五', lang: 'fr', briefs: ['monthly-revenue'] }] }));
    expect(() => readRecipients(file, ['monthly-revenue'])).toThrow(/recipients\[0\] \(R1\): "lang" "fr" is not a language; write "zh" \(Chinese, the default\) or "en"/);
  });

  it('gives each recipient one page holding their watermark and the classification, escaped, in order', () => {
    const html = watermarkPages([
      { name: '张<三>', id: 'R001', classification: '内部资料 注意保存' },
      { name: '李四', id: 'R002', classification: '内部资料 注意保存' },
    ]);
    expect(watermarkText({ name: '张三', id: 'R001', classification: '内部资料 注意保存' })).toBe('仅供张三阅 · R001 · 内部资料 注意保存');
    // an English edition's watermark is English throughout (the name stays as written)
    expect(watermarkText({ name: '王五', id: 'R003', classification: 'INTERNAL — HANDLE WITH CARE', lang: 'en' })).toBe('For 王五 only · R003 · INTERNAL — HANDLE WITH CARE');
    expect(watermarkPages([{ name: '王五', id: 'R003', classification: 'INTERNAL', lang: 'en' }])).not.toContain('仅供');
    const pages = html.split(/<section class="tb-watermark(?: en)?">/).slice(1);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain('仅供张&lt;三&gt;阅 · R001 · 内部资料 注意保存');
    expect(pages[1]).toContain('仅供李四阅 · R002 · 内部资料 注意保存');
    expect(html).toMatch(/@page\{size:A4;margin:0\}/);
  });
});

describe('SMTP configuration', () => {
  it('comes from the environment only, and its description and redaction never show the credentials', async () => {
    expect(smtpConfig({})).toBeUndefined();
    const smtp = await openSmtp(smtpConfig({ TAXBRIEF_SMTP_URL: 'smtp://mailer:s3cr%40t-pw@127.0.0.1:2525' })!);
    expect(smtp.describe).toBe('smtp://127.0.0.1:2525');
    expect(smtp.redact('auth failed for mailer with s3cr@t-pw')).toBe('auth failed for *** with ***');
    smtp.close();
    const byHost = await openSmtp(smtpConfig({ TAXBRIEF_SMTP_HOST: 'mail.example', TAXBRIEF_SMTP_USER: 'u1', TAXBRIEF_SMTP_PASS: 'pw-9' })!);
    expect(byHost.describe).toBe('smtp://mail.example:587');
    expect(byHost.redact('pw-9')).toBe('***');
    byHost.close();
  });
});

describe('incremental keys', () => {
  it('follow a template into the layouts, partials and styles it names', () => {
    const dir = path.join(tmp.dir, 'templates');
    for (const d of ['layouts', 'partials', 'styles']) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, 'a.hbs'), '{{#> layouts/page}}{{> table}}{{/layouts/page}}');
    writeFileSync(path.join(dir, 'b.hbs'), '{{#> layouts/page}}plain{{/layouts/page}}');
    writeFileSync(path.join(dir, 'layouts', 'page.hbs'), '<style>{{> styles/base}}</style>{{> @partial-block}}');
    writeFileSync(path.join(dir, 'partials', 'table.hbs'), '<table>{{> cell}}</table>');
    writeFileSync(path.join(dir, 'partials', 'cell.hbs'), '<td></td>');
    writeFileSync(path.join(dir, 'partials', 'unused.hbs'), 'x');
    writeFileSync(path.join(dir, 'styles', 'base.css'), 'p{}');
    const rel = (name: string) => templateFiles(dir, name).map((f) => path.relative(dir, f));
    expect(rel('a')).toEqual(['a.hbs', 'layouts/page.hbs', 'partials/cell.hbs', 'partials/table.hbs', 'styles/base.css']);
    expect(rel('b')).toEqual(['b.hbs', 'layouts/page.hbs', 'styles/base.css']);
  });
});

describe('reproduce', () => {
  it('compares briefs by the numbers in their text, not in their styles or charts', () => {
    expect(numbersOf('<style>p{margin:28mm}</style><p>收入1,234.56亿元，增长-2.1%</p><svg><text>999</text></svg>')).toEqual(['1,234.56', '-2.1']);
  });
});


describe('progress', () => {
  it('gives elapsed time and an ETA from the rate so far', () => {
    let now = 0;
    const pace = createPaceTracker(() => now);
    pace('ingest', 0, 40);
    now = 10_000;
    const p = pace('ingest', 10, 40);
    expect(p).toMatchObject({ elapsedMs: 10_000, etaMs: 30_000 });
    expect(paceLine(p)).toBe('ingest  10/40  25%  0:10 elapsed  ETA 0:30');
    now = 40_000;
    expect(pace('ingest', 40, 40).etaMs).toBeUndefined();
  });

  it('redraws one line in place on a terminal and erases it before a log line', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    stream.on('data', (d) => (out += d));
    const logger = createLogger({ format: 'human', stream });
    logger.progress('briefs', 0, 3);
    logger.progress('briefs', 1, 3);
    logger.info('brief monthly-revenue: 4 page(s)');
    expect(out).toMatch(/^\r\x1b\[2K▸ briefs {2}0\/3 {2}0%.*\r\x1b\[2K▸ briefs {2}1\/3 {2}33%.*\r\x1b\[2Kbrief monthly-revenue: 4 page\(s\)\n$/s);
  });

  it('writes JSON lines with the pace when there is no terminal', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d) => (out += d));
    const logger = createLogger({ format: 'json', stream });
    logger.progress('ingest', 0, 2);
    logger.progress('ingest', 2, 2);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'info', message: 'progress', stage: 'ingest', done: 2, total: 2 });
    expect(typeof lines[1].elapsed_ms).toBe('number');
  });
});

describe('--open', () => {
  it('hands the file to xdg-open when there is one, and otherwise says where the file is', async () => {
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const seen = path.join(tmp.dir, 'opened.txt');
    // written then renamed, so that the file appears whole (the test reads it as soon as it exists)
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${seen}.part && mv ${seen}.part ${seen}\n`, { mode: 0o755 });
    expect(openInViewer('/tmp/x.pdf', memoryLogger(), { PATH: bin })).toBe(true);
    for (let i = 0; i < 200 && !existsSync(seen); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(seen, 'utf8').trim()).toBe('/tmp/x.pdf');
    const logger = memoryLogger();
    expect(openInViewer('/tmp/x.pdf', logger, { PATH: path.join(tmp.dir, 'none') })).toBe(false);
    expect(logger.lines[0]).toMatchObject({ level: 'warn', message: 'no xdg-open on this machine: open /tmp/x.pdf yourself' });
  });
});

describe('folder modes', () => {
  it('makes folders with the configured mode (TAXBRIEF_FILE_MODE) even under a looser umask, and pipeline/ makes none otherwise', () => {
    const tmp = tempDir();
    const modes = currentFileModes();
    const umask = process.umask();
    try {
      useFileModes({ file: 0o600, dir: 0o700 });
      process.umask(0o022); // as if something else in the process had reset it
      makeDir(path.join(tmp.dir, 'issued', '2026-10'));
      expect(statSync(path.join(tmp.dir, 'issued')).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(tmp.dir, 'issued', '2026-10')).mode & 0o777).toBe(0o700);
    } finally {
      useFileModes(modes);
      process.umask(umask);
      tmp.cleanup();
    }
    // every folder taxbrief makes goes through makeDir or names the mode (nightly issue(), delivery, briefs, workspace …)
    const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const bare = sources(path.join(projectPaths().root, 'pipeline'))
      .filter((f) => !f.endsWith('write-atomic.ts') && /\bmkdir(Sync)?\((?![^)]*mode)/.test(readFileSync(f, 'utf8')));
    expect(bare.map((f) => path.relative(projectPaths().root, f))).toEqual([]);
  });
});

describe('taxbrief history: a stage detail as one line', () => {
  it('cuts hashes, counts files and checks, names the failing checks, keeps what is not JSON', () => {
    const key = 'a'.repeat(64);
    expect(detailLine(JSON.stringify({ loaded: 2, files: [{ file: 'a.csv' }, { file: 'b.csv' }] }))).toBe('loaded 2 · 2 files (below)');
    expect(detailLine(JSON.stringify({
      key, reconciled: { file: 7, period: '2026-10' }, failed: ['b'],
      results: [{ id: 'a', holds: true }, { id: 'b', holds: false }, { id: 'c', holds: false }],
    }))).toBe('key aaaaaaaaaaaa · reconciled (file 7, period 2026-10) · 3 checks, failing: b, c');
    expect(detailLine(JSON.stringify({ sent: 0, held: ['city 440100', 'relief'] }))).toBe('sent 0 · held: city 440100, relief');
    expect(detailLine('disk full')).toBe('disk full');
  });
});
