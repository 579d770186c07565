import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { descendants } from '../fault/proc.js';
import { memoryLogger } from '../pipeline/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../pipeline/errors.js';
import { memoQueries, runQuery } from '../pipeline/queries.js';
import { fontCoverage, missingGlyphs, parsedText, preflightFonts, visibleText } from '../pipeline/render/fonts.js';
import { createPool } from '../pipeline/render/pool.js';
import { chromiumCommandLine, PUPPETEER_DEFAULT_ARGS } from '../pipeline/render/chromium.js';
import { createTemplates } from '../pipeline/templates.js';
import { CHROMIUM_ARGS, launchPrinter, resolveChromium, startPrinter } from '../pipeline/render/printer.js';
import { openWarehouse, type Warehouse } from '../pipeline/warehouse/warehouse.js';
import { analyticsWarehouse, type AnalyticsWarehouse } from './helpers/analytics.js';
import { tempDir } from './helpers/workspace.js';

// What the speed work (issue 5 point 10, issue 7) changed in behaviour; its timings are in `npm run bench`.

/** The real warehouse, counting the statements that reach DuckDB. */
function counting(warehouse: Warehouse): { warehouse: Warehouse; statements: () => number } {
  let n = 0;
  return {
    statements: () => n,
    warehouse: {
      ...warehouse,
      file: warehouse.file,
      allTyped: (sql, params) => {
        n += 1;
        return warehouse.allTyped(sql, params);
      },
    },
  };
}

describe('memoQueries: one render pass runs a query and its parameters once', () => {
  let wh: AnalyticsWarehouse;
  beforeAll(async () => {
    wh = await analyticsWarehouse();
    const rows = ['2025-01-01', '2026-01-01'].flatMap((p, y) => [['A', 100], ['B', 50], ['C', 25]].map(([tp, a]) =>
      `(date '${p}', '${tp}', '440103', 'C', 'S', '10101', ${Number(a) * (1 + y)}.25)`));
    await wh.load('revenue', rows.join(','));
    await wh.refresh();
  });
  afterAll(() => wh.cleanup());

  it('answers a repeated query from memory with the same rows, and asks again for other parameters', async () => {
    const { warehouse, statements } = counting(wh.warehouse);
    const run = memoQueries(warehouse);
    const byCity = wh.queries.get('revenue_breakdown')!;
    const first = await run(byCity, { period: '2026-01', dimension: 'city' });
    // the defaults are bound before the key is made: naming a default explicitly is the same query
    const again = await run(byCity, { period: '2026-01', dimension: 'city', region: null });
    expect(statements()).toBe(1);
    expect(again).toEqual(first);
    expect(first).toEqual(await runQuery(wh.warehouse, byCity, { period: '2026-01', dimension: 'city' }));
    expect(first.find((r) => r['code'] === '440100')).toMatchObject({ ytd_amount: '350.75', ytd_prev: '175.75' });
    await run(byCity, { period: '2026-01', dimension: 'tax' });
    expect(statements()).toBe(2);
  });

  it('answers one part of a breakdown (@row-filter) from the whole breakdown, run once, with the rows the query itself gives', async () => {
    const { warehouse, statements } = counting(wh.warehouse);
    const run = memoQueries(warehouse);
    const breakdown = wh.queries.get('revenue_breakdown')!;
    expect(breakdown.rowFilter).toEqual({ param: 'part', column: 'code' });
    for (const [dimension, part] of [['city', '440100'], ['city', '440300'], ['tax', '10101'], ['county', '440103'], ['city', null]] as const) {
      const direct = await runQuery(wh.warehouse, breakdown, { period: '2026-01', dimension, region: null, part });
      expect(await run(breakdown, { period: '2026-01', dimension, region: null, part })).toEqual(direct);
      if (part === '440100') expect(direct).toHaveLength(1);
    }
    expect(statements()).toBe(3); // one per dimension: city, tax, county
  });

  it('gives each caller its own rows (a chart that sorts or edits them leaves the next brief alone)', async () => {
    const run = memoQueries(wh.warehouse);
    const headline = wh.queries.get('revenue_headline')!;
    const a = await run(headline, { period: '2026-01' });
    a[0]!['ytd_amount'] = 'changed';
    a.reverse();
    const b = await run(headline, { period: '2026-01' });
    expect(b[0]!['ytd_amount']).toBe('350.75');
  });

  it('does not remember a failure: the next brief asking runs the query again', async () => {
    const { warehouse, statements } = counting(wh.warehouse);
    const run = memoQueries(warehouse);
    const byWhat = wh.queries.get('revenue_breakdown')!;
    await expect(run(byWhat, { period: '2026-01', dimension: 'planet' })).rejects.toThrow(/revenue_breakdown.*dimension must be/);
    await expect(run(byWhat, { period: '2026-01', dimension: 'planet' })).rejects.toThrow(/dimension must be/);
    expect(statements()).toBe(2);
  });
});

describe('the warehouse does not vacuum at checkpoints', () => {
  // A loaded file leaves its last row group part-filled; DuckDB's vacuum would merge such groups at the
  // next checkpoint after any write, rewriting the table behind them (20–50 s for the revenue facts at
  // tenth scale, at the close of a nightly run with nothing new).
  it('a checkpoint after a small unrelated write leaves the part-filled row groups of the facts as they are', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'warehouse.duckdb');
      let warehouse = await openWarehouse(file);
      // two "files" of facts, each ending in a part-filled row group (122,880 rows a group)
      await warehouse.run('create table facts as select i, i % 7 as v from range(130000) r(i)');
      await warehouse.run('insert into facts select i, i % 5 from range(130000, 260000) r(i)');
      await warehouse.run('checkpoint');
      const groups = async () => (await warehouse.all<{ n: number }>(`select count(distinct row_group_id)::integer as n from pragma_storage_info('facts')`))[0]!.n;
      const before = await groups();
      warehouse.close();

      // a later process records one ledger row: its checkpoint must not merge the facts' row groups
      warehouse = await openWarehouse(file);
      await warehouse.run('create table ledger (run integer)');
      await warehouse.run('insert into ledger values (1)');
      await warehouse.run('checkpoint');
      expect(before).toBe(4);
      expect(await groups()).toBe(before);
      expect((await warehouse.all(`select count(*)::integer as n, sum(i)::bigint as s from facts`))[0]).toEqual({ n: 260000, s: String((259999 * 260000) / 2) });
      warehouse.close();
    } finally {
      cleanup();
    }
  });
});

describe('the glyph coverage read in the background (while Chromium starts)', () => {
  it('is read once per process, and refuses the characters no face has', async () => {
    const families = ['Noto Sans CJK SC', 'AR PL UKai CN'];
    const early = await fontCoverage(families);
    expect(await fontCoverage(families)).toBe(early); // one reading per process
    expect(missingGlyphs('税收收入增长3.2%（亿元）', early)).toEqual([]);
    expect(missingGlyphs('税收\u0E01', early)).toEqual(['\u0E01']);
    expect(() => preflightFonts('<p>增长\u0E01</p>', '内部资料', 'x.pdf', early)).toThrow(/x\.pdf has 1 character.*U\+0E01/);
  });

  it('names a face fontconfig does not have (an environment error), and asks fontconfig again next time', async () => {
    const refusal = await fontCoverage(['No Such Face SC']).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ exitCode: ExitCode.environment, message: expect.stringMatching(/Font "No Such Face SC" is not installed.*npm run setup/) });
    expect(await fontCoverage(['No Such Face SC']).catch((error: unknown) => error)).not.toBe(refusal);
  });
});

describe('closing the printer', () => {
  // close() ends Chromium with a kill (its documents are written by then): no browser of this process is left, nor its profile
  it('leaves no Chromium of its own running and removes its profile, with the PDF written whole', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const profiles = () => new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith(`taxbrief-chromium-${process.pid}-`)));
      const before = profiles();
      const printer = await launchPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger() });
      const mine = descendants(process.pid).filter((p) => /chrom/i.test(p.cmdline));
      expect(mine.length).toBeGreaterThan(0);
      const out = path.join(dir, 'closing.pdf');
      const printed = await printer.print({ html: '<html lang="zh-CN"><body><p>收入增长</p></body></html>', outFile: out, classification: '内部资料' });
      await printer.close();
      expect(printed.pages).toBe(1);
      expect(readFileSync(out).subarray(-6).toString('latin1')).toMatch(/%%EOF/);
      // the browser and its renderers are gone (a crash reporter may outlive them by a moment, outside our tree)
      const left = new Set(descendants(process.pid).map((p) => p.pid));
      expect(mine.filter((p) => left.has(p.pid) && existsSync(`/proc/${p.pid}`) && !/crashpad/.test(p.cmdline))).toEqual([]);
      expect([...profiles()].filter((n) => !before.has(n))).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

describe('Chromium started ahead of its printer (taxbrief brief)', () => {
  const profiles = () => new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith(`taxbrief-chromium-${process.pid}-`)));
  const chromiums = () => descendants(process.pid).filter((p) => /chrom/i.test(p.cmdline) && !/crashpad/.test(p.cmdline));

  it('closed unused (a held brief), leaves no Chromium running and no profile', async () => {
    const before = profiles();
    const starting = startPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger() });
    // the browser is started without anyone connecting to it
    for (let i = 0; i < 100 && chromiums().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const mine = chromiums();
    expect(mine.length).toBeGreaterThan(0);
    await starting.close();
    const left = new Set(descendants(process.pid).map((p) => p.pid));
    expect(mine.filter((p) => left.has(p.pid) && existsSync(`/proc/${p.pid}`))).toEqual([]);
    expect([...profiles()].filter((n) => !before.has(n))).toEqual([]);
  });

  it('connects when asked (once, however often asked) and prints', async () => {
    const { dir, cleanup } = tempDir();
    const starting = startPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger() });
    try {
      const printer = await starting.connect({ jobs: 1 });
      expect(await starting.connect()).toBe(printer);
      const printed = await printer.print({ html: '<html lang="zh-CN"><body><p>收入增长</p></body></html>', outFile: path.join(dir, 'one.pdf'), classification: '内部资料' });
      expect(printed.pages).toBe(1);
    } finally {
      await starting.close();
      cleanup();
    }
    expect(chromiums()).toEqual([]);
  });
});

describe('Warehouse.readers: a brief\'s queries spread over several connections', () => {
  it('answers each of many queries asked at once with its own rows, on at most the connections asked for', async () => {
    const { dir, cleanup } = tempDir();
    const warehouse = await openWarehouse(path.join(dir, 'w.duckdb'));
    try {
      await warehouse.run('create table amounts as select i, (i * 3)::decimal(18,2) as amount from range(1000) t(i)');
      // a temporary table is its connection's own: only the first connection sees it, so where it is missing the query ran elsewhere
      await warehouse.run('create temp table mine as select 1 as x');
      const readers = warehouse.readers(2);
      const asked = Array.from({ length: 8 }, (_, k) => readers.all('select sum(amount)::varchar as s from amounts where i < $k', { k: 100 * (k + 1) }));
      const sums = (await Promise.all(asked)).map((rows) => rows[0]!['s']);
      expect(sums).toEqual(Array.from({ length: 8 }, (_, k) => { const n = 100 * (k + 1); return `${(3 * n * (n - 1)) / 2}.00`; }));
      const seen = await Promise.all(Array.from({ length: 6 }, () => readers.all('select count(*)::integer as n from mine').then(() => 'first', () => 'other')));
      expect(new Set(seen)).toEqual(new Set(['first', 'other'])); // two connections, no third
      expect(seen.filter((s) => s === 'first').length).toBeGreaterThanOrEqual(2);
      // a lane hands its connection the next query when the last is done, whether it failed or not
      const lane = warehouse.readers(1);
      const [before, failed, after] = await Promise.allSettled([
        lane.all('select count(*)::integer as n from amounts'),
        lane.all('select * from no_such_table'),
        lane.all('select max(i)::integer as m from amounts'),
      ]);
      expect(before).toEqual({ status: 'fulfilled', value: [{ n: 1000 }] });
      expect(failed).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/no_such_table/) } });
      expect(after).toEqual({ status: 'fulfilled', value: [{ m: 999 }] });
      // writes stay on the one connection: what it wrote, the readers read
      await readers.run('insert into amounts values (5000, 1.25)');
      expect((await readers.all('select amount::varchar as a from amounts where i = 5000'))[0]).toEqual({ a: '1.25' });
    } finally {
      warehouse.close();
      cleanup();
    }
  });
});

describe('the page pool filled ahead of use', () => {
  it('opens up to its size before the first job, hands those out, and destroys them on drain even while they open', async () => {
    const created: number[] = [];
    const destroyed: number[] = [];
    let n = 0;
    const pool = createPool<number>({ size: 2, create: async () => { const id = ++n; created.push(id); return id; }, destroy: async (id) => void destroyed.push(id) });
    pool.fill();
    pool.fill(); // already filling: nothing more
    expect(created).toEqual([1, 2]);
    const used = await Promise.all([pool.use(async (id) => id), pool.use(async (id) => id)]);
    expect(used.sort()).toEqual([1, 2]);
    expect(created).toEqual([1, 2]); // no third
    await pool.drain();
    expect(destroyed.sort()).toEqual([1, 2]);

    // filled for fewer jobs than its size (one brief, one tab): the second is opened only when a second job needs it
    const few: number[] = [];
    const small = createPool<number>({ size: 2, create: async () => { few.push(few.length + 1); return few.length; }, destroy: async () => undefined });
    small.fill(1);
    expect(few).toEqual([1]);
    let release!: () => void;
    const held = small.use(() => new Promise<number>((resolve) => (release = () => resolve(0))));
    expect(await small.use(async (id) => id)).toBe(2);
    release();
    await held;
    expect(few).toEqual([1, 2]);
    await small.drain();

    // a resource that fails to open while filling: the job opens its own
    let fail = true;
    const second = createPool<string>({ size: 1, create: async () => { if (fail) { fail = false; throw new Error('tab crashed'); } return 'tab'; }, destroy: async () => undefined });
    second.fill();
    expect(await second.use(async (t) => t)).toBe('tab');
    const third = createPool<string>({ size: 1, create: () => new Promise((resolve) => setTimeout(() => resolve('late'), 20)), destroy: async (t) => void destroyed.push(t === 'late' ? 99 : 0) });
    third.fill();
    await third.drain(); // waits for the tab being opened, then closes it
    expect(destroyed).toContain(99);
  });
});

describe('templates compiled ahead (prepare)', () => {
  it('renders what the lazily compiled template rendered, and reports a syntax error at creation with the file', () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(path.join(dir, 'partials'));
      writeFileSync(path.join(dir, 'partials', 'amount.hbs'), '<b>{{value}}</b>');
      writeFileSync(path.join(dir, 'brief.hbs'), '<p>{{title}}：{{#each rows}}{{> amount value=this}}{{/each}}</p>');
      const templates = createTemplates({ dir, helpers: {} });
      templates.prepare('brief');
      expect(templates.render('brief', { title: '收入<增长>', rows: ['1.00', '2.50'] })).toBe('<p>收入&lt;增长&gt;：<b>1.00</b><b>2.50</b></p>');
      writeFileSync(path.join(dir, 'partials', 'broken.hbs'), '{{#if x}}');
      expect(() => createTemplates({ dir, helpers: {} })).toThrow(/partials\/broken\.hbs has a syntax error/);
    } finally {
      cleanup();
    }
  });

  it('keeps each compiled template in the cache folder, renders the same from it, and follows an edited or damaged template', () => {
    const { dir, cleanup } = tempDir();
    try {
      const templatesDir = path.join(dir, 'templates');
      const cache = path.join(dir, 'cache');
      mkdirSync(path.join(templatesDir, 'partials'), { recursive: true });
      writeFileSync(path.join(templatesDir, 'partials', 'amount.hbs'), '<b>{{value}}</b>');
      writeFileSync(path.join(templatesDir, 'brief.hbs'), '<p>{{title}}：{{#each rows}}{{> amount value=this}}{{/each}}</p>');
      const context = { title: '收入<增长>', rows: ['1.00', '2.50'] };
      const render = () => createTemplates({ dir: templatesDir, helpers: {}, cache }).render('brief', context);
      const uncached = createTemplates({ dir: templatesDir, helpers: {} }).render('brief', context);
      expect(existsSync(cache)).toBe(false);

      expect(render()).toBe(uncached); // compiles and writes the cache
      const files = readdirSync(cache).sort();
      expect(files).toHaveLength(2);
      expect(files[0]).toMatch(/^brief\.[0-9a-f]{32}\.js$/);
      expect(files[1]).toMatch(/^partials~amount\.[0-9a-f]{32}\.js$/);
      // a cached template is loaded as it was written: marking its JavaScript shows in the output
      const briefFile = path.join(cache, files[0]!);
      const spec = readFileSync(briefFile, 'utf8');
      writeFileSync(briefFile, spec.replace('"<p>"', '"<p data-cached>"'));
      expect(render()).toBe(uncached.replace('<p>', '<p data-cached>'));

      // an edited template is compiled again (the marked cache file is not used) and replaces its old compiled form,
      // and a temporary file a killed process left for it
      const leftover = path.join(cache, `.${files[0]!}.4242.0a0b0c0d.tmp`);
      writeFileSync(leftover, 'half');
      writeFileSync(path.join(templatesDir, 'brief.hbs'), '<p>{{title}}！{{#each rows}}{{> amount value=this}}{{/each}}</p>');
      expect(render()).toBe('<p>收入&lt;增长&gt;！<b>1.00</b><b>2.50</b></p>');
      expect(readdirSync(cache).filter((f) => f.startsWith('brief.'))).toHaveLength(1);
      expect(existsSync(briefFile)).toBe(false);
      expect(existsSync(leftover)).toBe(false);

      // a damaged cache file is compiled again and rewritten
      const [current] = readdirSync(cache).filter((f) => f.startsWith('brief.'));
      writeFileSync(path.join(cache, current!), '{ not javascript');
      expect(render()).toBe('<p>收入&lt;增长&gt;！<b>1.00</b><b>2.50</b></p>');
      expect(readFileSync(path.join(cache, current!), 'utf8')).not.toBe('{ not javascript');
    } finally {
      cleanup();
    }
  });
});

describe('the glyph preflight reads a chart\'s text, not its outlines', () => {
  it('finds a missing glyph in an SVG label and in a path\'s title, and ignores path data', async () => {
    const coverage = await fontCoverage();
    const svg = (label: string, title: string) => `<svg class="chart"><path d="M0,0L10,10Z" fill="#000"><title>${title}</title></path><text>${label}</text></svg>`;
    expect(visibleText(svg('广州', '440100 广州'))).toMatch(/440100 广州[\s\S]*广州/);
    expect(visibleText(svg('广州', '')).includes('M0,0')).toBe(false);
    expect(() => preflightFonts(svg('广州\u0E01', ''), '内部资料', 'map.pdf', coverage)).toThrow(/U\+0E01/);
    expect(() => preflightFonts(svg('广州', '\u0E02'), '内部资料', 'map.pdf', coverage)).toThrow(/U\+0E02/);
  });

  // the characters a reader sees, as a set (the preflight's question), read by the pattern and by linkedom's parser
  const chars = (text: string) => [...new Set(text.replace(/\s/gu, ''))].sort().join('');

  it('reads the same characters as an HTML parser in every brief of the snapshots', () => {
    const dir = new URL('./__snapshots__/briefs', import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.html'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const html = readFileSync(path.join(dir, f), 'utf8');
      expect(chars(visibleText(html)), f).toBe(chars(parsedText(html)));
      expect(chars(visibleText(html)), f).not.toMatch(/[<>]|font-family|svg/);
    }
  });

  it('decodes character references, keeps a quoted ">" inside its tag, and drops styles, scripts and comments', () => {
    const html = `<html><head><title>标题&amp;</title><style>p::after{content:"样式"}</style></head><body><!-- 注释 -->` +
      `<svg><text aria-label="a>b" x='1'>广&#24030;&#x6DF1;&emsp;&lt;&gt;&quot;</text></svg><script>var s = "脚本";</script><p>&#39;完</p></body></html>`;
    expect(chars(visibleText(html))).toBe(chars('标题&广州深<>"\'完'));
    expect(chars(visibleText(html))).toBe(chars(parsedText(html)));
    // a reference outside the pattern's table: the parser reads the document
    expect(visibleText('<p>版权&copy;</p>')).toContain('版权©');
  });
});

describe('Chromium started before puppeteer loads', () => {
  it('gets the arguments puppeteer.launch would give it (headless, ours after its defaults)', async () => {
    const puppeteer = (await import('puppeteer-core')).default;
    expect([...PUPPETEER_DEFAULT_ARGS, 'about:blank']).toEqual(puppeteer.defaultArgs({ headless: true }));
    // the features we disable join puppeteer's list (a second --disable-features would replace it)
    expect(chromiumCommandLine(CHROMIUM_ARGS)).toEqual(puppeteer.defaultArgs({ headless: true, args: [...CHROMIUM_ARGS] }).filter((a) => a !== 'about:blank'));
    expect(chromiumCommandLine(CHROMIUM_ARGS).filter((a) => a.startsWith('--disable-features='))).toHaveLength(1);
  });
});
