import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revenueTrendChart, type TrendPoint } from '../pipeline/charts/revenue-trend.js';
import { ExitCode } from '../pipeline/errors.js';
import { memoryLogger } from '../pipeline/log.js';
import { countPdfPages } from '../pipeline/render/pdf-file.js';
import { HEADLESS_SHELL, launchPrinter, resolveChromium, type Printer } from '../pipeline/render/printer.js';
import { createTemplates } from '../pipeline/templates.js';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures/render');
const context = JSON.parse(readFileSync(join(fixtures, 'context.json'), 'utf8'));
const trend: TrendPoint[] = JSON.parse(readFileSync(join(fixtures, 'trend.json'), 'utf8'));
const REMOTE_IMG = '<img src="http://example.com/x.png" alt="">';

/** A templates/ folder holding the project's layouts, partials and styles plus the fixture brief. */
function fixtureTemplates(dir: string): string {
  for (const sub of ['layouts', 'partials', 'styles']) cpSync(join(root, 'templates', sub), join(dir, sub), { recursive: true });
  cpSync(join(fixtures, 'fixture-brief.hbs'), join(dir, 'fixture-brief.hbs'));
  return dir;
}

const poppler = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });

/**
 * Runs `work` with a TMPDIR of its own, removed after: other test files and other processes launch Chromium into the
 * shared /tmp meanwhile, and the printer puts each Chromium's profile (and Chromium its temporary files) in TMPDIR.
 */
async function inPrivateTmpdir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const saved = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'taxbrief-render-tmp-'));
  process.env.TMPDIR = dir;
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

describe('createTemplates', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureTemplates(mkdtempSync(join(tmpdir(), 'taxbrief-tpl-')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const render = () =>
    createTemplates({ dir, helpers: {} }).render('fixture-brief', {
      ...context,
      charts: { trend: revenueTrendChart(trend, { source: '示例' }) },
    });

  it('renders a self-contained HTML document with the layout, CSS and chart inlined', () => {
    const html = render();
    expect(html).toMatch(/^\s*<!doctype html>/);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<h1 class="title">2026年10月全省税收收入分析</h1>');
    expect(html).toContain('第10期');
    expect(html).toContain('@page');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart"');
    expect(html).toContain('<tr class="total">');
    expect(html).toContain('<td class="neg">-0.9</td>');
    // Nothing that would make the browser fetch: no links, scripts or remote sources.
    expect(html).not.toMatch(/<link|<script|\ssrc=|url\(\s*['"]?(https?:|\/\/)/i);
  });

  it('keeps escaping on for {{ }}', () => {
    expect(render()).toContain('转义检查：&lt;b&gt;这段文字应按原样显示&lt;/b&gt; &amp; 符号');
  });

  it('compiles each template once per engine and isolates engines', () => {
    const a = createTemplates({ dir, helpers: { shout: (s: string) => `${s}!` } });
    writeFileSync(join(dir, 'greeting.hbs'), '{{shout name}}');
    expect(a.render('greeting', { name: '你好' })).toBe('你好!');
    writeFileSync(join(dir, 'greeting.hbs'), 'changed');
    expect(a.render('greeting', { name: '你好' })).toBe('你好!'); // compiled once, cached
    expect(createTemplates({ dir, helpers: {} }).render('greeting', {})).toBe('changed');
  });

  it('names the template and the fix when a template is missing, misnamed or broken', () => {
    const t = createTemplates({ dir, helpers: {} });
    expect(() => t.render('no-such-brief', {})).toThrow(/no-such-brief\.hbs does not exist/);
    expect(() => t.render('../etc/passwd', {})).toThrow(/not a file stem/);
    writeFileSync(join(dir, 'broken.hbs'), '{{#if x}}unclosed');
    expect(() => t.render('broken', {})).toThrow(/broken\.hbs has a syntax error/);
  });
});

describe('resolveChromium', () => {
  it('uses CHROMIUM_PATH when it is executable, else the headless shell, else /usr/bin/chromium, else chromium-browser on PATH', () => {
    const exists = (set: string[]) => (p: string) => set.includes(p);
    expect(resolveChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, exists(['/opt/c/chrome', HEADLESS_SHELL]))).toBe('/opt/c/chrome');
    expect(resolveChromium({}, exists([HEADLESS_SHELL, '/usr/bin/chromium']))).toBe(HEADLESS_SHELL);
    expect(resolveChromium({}, exists(['/usr/bin/chromium']))).toBe('/usr/bin/chromium');
    expect(resolveChromium({ PATH: '/a:/b' }, exists(['/b/chromium-browser']))).toBe('/b/chromium-browser');
  });

  it('fails with exit code 4, naming the path and the fix', () => {
    for (const env of [{ CHROMIUM_PATH: '/nowhere/chromium' }, { PATH: '/nowhere' }]) {
      try {
        resolveChromium(env, () => false);
        expect.unreachable();
      } catch (err) {
        const e = err as Error & { exitCode: number };
        expect(e.exitCode).toBe(ExitCode.environment);
        expect(e.message).toMatch(env.CHROMIUM_PATH ? /\/nowhere\/chromium/ : /\/usr\/bin\/chromium/);
        expect(e.message).toContain('run npm run setup or set CHROMIUM_PATH');
      }
    }
  });

  it('finds the Chromium of this machine: the headless shell npm run setup installs', () => {
    expect(resolveChromium(process.env)).toBe(process.env.CHROMIUM_PATH?.trim() || HEADLESS_SHELL);
  });
});

describe('printer (real Chromium)', () => {
  const logger = memoryLogger();
  let printer: Printer;
  let launchMs = 0;
  let work: string;
  let html: string;
  let out: string;
  let pdfFile: string;
  let printed: Awaited<ReturnType<Printer['print']>>;
  let printMs = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'taxbrief-render-'));
    out = join(work, 'out');
    mkdirSync(out);
    const templates = createTemplates({ dir: fixtureTemplates(join(work, 'templates')), helpers: {} });
    const chart = revenueTrendChart(trend, { source: '税收收入统计月报（示例数据）' });
    // The remote image stands for a template mistake: the printer must refuse it, not hang on it.
    html = templates.render('fixture-brief', { ...context, charts: { trend: chart } }).replace('</main>', `${REMOTE_IMG}\n</main>`);
    const t0 = performance.now();
    printer = await launchPrinter({ executablePath: resolveChromium(process.env), logger });
    launchMs = performance.now() - t0;
    pdfFile = join(out, '2026-10', 'fixture-brief.pdf');
    const t1 = performance.now();
    printed = await printer.print({ html, outFile: pdfFile, classification: context.meta.classification });
    printMs = performance.now() - t1;
  });

  afterAll(async () => {
    await printer?.close();
    if (process.env.TAXBRIEF_KEEP_RENDER) cpSync(pdfFile, process.env.TAXBRIEF_KEEP_RENDER);
    rmSync(work, { recursive: true, force: true });
  });

  it('prints the title, the classification mark on every page and "— N —" page numbers', () => {
    const text = poppler('pdftotext', '-layout', pdfFile, '-');
    const pages = text.split('\f').filter((p) => p.trim());
    expect(pages.length).toBe(printed.pages);
    expect(text).toContain('2026年10月全省税收收入分析');
    expect(text).toContain('第10期');
    expect(text).toContain('国家税务总局广东省税务局');
    pages.forEach((page, i) => {
      expect(page.trim().startsWith('内部资料 注意保存'), `page ${i + 1} header`).toBe(true);
      // pdftotext -layout pads the em spaces around the number to its column grid: any run of spaces is one
      expect(page.replace(/\s+/g, ' '), `page ${i + 1} footer`).toContain(`— ${i + 1} —`);
    });
  });

  it('has every character as text: no replacement characters, no empty boxes', () => {
    const text = poppler('pdftotext', pdfFile, '-');
    expect(text).not.toMatch(/[\uFFFD\u25A1\u2610\uFFFF]/);
    const flat = text.replace(/\s+/g, '');
    for (const sentence of [
      '全省税务部门组织税收收入11,234.56亿元，同比增长3.2%，增收348.90亿元',
      '（一）主体税种拉动明显。',
      '某市房地产业税收连续4个月下降',
      '资料来源：税收收入统计月报（示例数据）',
      '转义检查：<b>这段文字应按原样显示</b>&符号',
      '附件：数据来源与口径说明',
    ]) {
      expect(flat).toContain(sentence.replace(/\s+/g, ''));
    }
  });

  it('embeds the print faces it was styled with (Song, Hei, Kai) as font subsets, and only embedded fonts', () => {
    const fonts = poppler('pdffonts', pdfFile).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const row of fonts) expect(row, row).toMatch(/\s+yes\s+(yes|no)\s+yes\s+\d+\s+\d+\s*$/); // emb … uni yes
    // The TrueType print faces (scripts/print-fonts.py, npm run setup) are embedded as CID TrueType subsets; the CFF
    // Noto faces would be Type 3 fonts (pdffonts lists those as [none]), every glyph traced, twice the print time.
    const subsets = fonts.filter((row) => /CID TrueType/.test(row)).map((row) => /^[A-Z]{6}\+(\S+)/.exec(row)?.[1]);
    expect(subsets, 'the print faces are missing: run npm run setup').toEqual(
      expect.arrayContaining(['TaxbriefSong-Regular', 'TaxbriefSong-Bold', 'TaxbriefHei-Regular', 'TaxbriefKai-Regular']),
    );
    // every character of the fixture is in the cut: the full faces are not needed
    const bytes = readFileSync(pdfFile).toString('latin1');
    const names = new Set([...bytes.matchAll(/\/FontName\s*\/(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)/g)].map((m) => m[1]));
    expect([...names].filter((n) => /Noto|UKai|DejaVu|Liberation|Droid|WenQuanYi/.test(n!))).toEqual([]);
  });

  it('prints a character outside the print cut from the full face, as text', async () => {
    // 堃 (U+5803) is in GBK but not in GB 2312, so not in Taxbrief Song; Noto Serif CJK SC has it
    const rare = html.replace('<h2>一、总体情况</h2>', '<h2>一、总体情况</h2><p>堃字检查</p>');
    const file = join(work, 'fixture-rare.pdf'); // outside out/: later tests list it
    await printer.print({ html: rare, outFile: file, classification: context.meta.classification });
    expect(poppler('pdftotext', file, '-').replace(/\s+/g, '')).toContain('堃字检查');
    const bytes = readFileSync(file).toString('latin1');
    const names = new Set([...bytes.matchAll(/\/FontName\s*\/(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)/g)].map((m) => m[1]));
    expect([...names]).toEqual(expect.arrayContaining(['NotoSerifCJKsc-Regular', 'TaxbriefSong-Regular']));
  });

  it('reports the same page count as pdfinfo', () => {
    const info = poppler('pdfinfo', pdfFile);
    expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(printed.pages);
    expect(info).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
    expect(countPdfPages(readFileSync(pdfFile))).toBe(printed.pages);
  });

  it('blocks and reports network requests without waiting on them', () => {
    expect(printed.blockedRequests).toEqual(['http://example.com/x.png']);
    expect(logger.lines.some((l) => l.level === 'warn' && String(l.fields?.blocked).includes('example.com'))).toBe(true);
    expect(printMs).toBeLessThan(10_000);
  });

  it('writes atomically: only finished PDFs in the folder, never temp files', async () => {
    const other = join(out, '2026-10', 'second.pdf');
    await Promise.all([
      printer.print({ html, outFile: other, classification: '内部资料' }),
      printer.print({ html, outFile: pdfFile, classification: context.meta.classification }),
    ]);
    expect(readdirSync(join(out, '2026-10')).sort()).toEqual(['fixture-brief.pdf', 'second.pdf']);
  });

  it('fails a job naming its outFile, leaves nothing behind, and keeps printing with a fresh tab', async () => {
    const blocker = join(out, 'not-a-folder');
    writeFileSync(blocker, 'x');
    await expect(printer.print({ html, outFile: join(blocker, 'x.pdf'), classification: 'x' })).rejects.toThrow(/not-a-folder\/x\.pdf/);
    const slow = join(out, 'timeout.pdf');
    await expect(printer.print({ html, outFile: slow, classification: 'x', timeoutMs: 1 })).rejects.toThrow(/timeout\.pdf failed:.*\b1 ms\b/);
    await new Promise((r) => setTimeout(r, 1500)); // let the abandoned job run out: it must not write late
    expect(readdirSync(out).sort()).toEqual(['2026-10', 'not-a-folder']);
    const again = await printer.print({ html: '<p>仍可打印</p>', outFile: join(out, 'after.pdf'), classification: 'x' });
    expect(again.pages).toBe(1);
  });

  // Speed is the bench's (npm run bench -- brief fanout): this test only logs the timings, and asserts the pages.
  it('prints one section and the whole brief five times each with the same page count (logs the timings)', async () => {
    const medianOf5 = async (doc: string, name: string) => {
      const times: number[] = [];
      const counts = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        counts.add((await printer.print({ html: doc, outFile: join(out, `${name}-${i}.pdf`), classification: 'x' })).pages);
        times.push(performance.now() - t0);
      }
      expect(counts.size).toBe(1); // the same HTML prints to the same pages every time
      const [pages] = counts;
      return { pages, median: [...times].sort((a, b) => a - b)[2]!, all: times.map((t) => t.toFixed(0)).join('/') };
    };
    // The first section only (title, summary, text and the chart): one page.
    const onePage = await medianOf5(html.replace(/<h2>二、[\s\S]*<\/main>/, '</main>'), 'one');
    const whole = await medianOf5(html, 'whole');
    console.info(
      `render timings: launch ${launchMs.toFixed(0)} ms, first print ${printMs.toFixed(0)} ms; median of 5 prints: ` +
        `${onePage.pages} page ${onePage.median.toFixed(0)} ms (${onePage.all}), ${whole.pages} pages ${whole.median.toFixed(0)} ms (${whole.all})`,
    );
    expect(onePage.pages).toBe(1);
    expect(whole.pages).toBeGreaterThan(1);
  });

  it('prints tagged PDFs by default (a structure tree) and untagged ones when asked (TAXBRIEF_TAGGED_PDF=0)', async () => {
    const structure = (file: string) => readFileSync(file).toString('latin1').includes('/StructTreeRoot');
    expect(structure(pdfFile)).toBe(true);
    const untagged = await launchPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger(), tagged: false });
    try {
      const file = join(work, 'untagged.pdf');
      await untagged.print({ html, outFile: file, classification: context.meta.classification });
      expect(structure(file)).toBe(false);
      expect(poppler('pdftotext', file, '-').replace(/\s+/g, '')).toContain('2026年10月全省税收收入分析');
    } finally {
      await untagged.close();
    }
  });

  it('starts no renderer for Chromium\'s own toolbar (the omnibox popup it preloads costs a second of CPU)', async () => {
    // the profile (in the private TMPDIR, named on every process's command line) tells this Chromium's processes from others
    await inPrivateTmpdir(async (profile) => {
      const processes = () =>
        readdirSync('/proc')
          .filter((pid) => /^\d+$/.test(pid))
          .map((pid) => {
            try {
              // a process forked from the zygote sets its title: its arguments in one string, separated by spaces
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
            } catch {
              return []; // gone meanwhile
            }
          })
          .filter((argv) => argv.some((a) => a.startsWith(`--user-data-dir=${profile}`)));
      // the full browser (the headless shell has no toolbar): what a machine without the shell prints with (or the
      // browser CHROMIUM_PATH names)
      const browser = resolveChromium({ ...process.env, CHROMIUM_PATH: process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium' });
      const p = await launchPrinter({ executablePath: browser, logger: memoryLogger() });
      try {
        await p.print({ html, outFile: join(out, 'toolbar.pdf'), classification: 'x' });
        const running = processes();
        expect(running.filter((argv) => argv.includes('--type=renderer')).length).toBeGreaterThan(0);
        expect(running.filter((argv) => argv.includes('--top-chrome-webui')).map((argv) => argv.find((a) => a.startsWith('--type')))).toEqual([]);
      } finally {
        await p.close();
      }
    });
  });

  it('refuses to print after close, and leaves nothing in the temporary folder (profile, singleton socket)', async () => {
    const p = await inPrivateTmpdir(async (dir) => {
      const profiles = () => readdirSync(dir).filter((f) => f.startsWith('taxbrief-chromium-')).sort();
      expect(profiles()).toEqual([]);
      const printer = await launchPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger() });
      expect(profiles()).toHaveLength(1);
      await printer.close();
      // Chromium's singleton socket folder too (org.chromium.Chromium.*): the browser is killed, not shut down.
      expect(readdirSync(dir)).toEqual([]);
      return printer;
    });
    await expect(p.print({ html, outFile: join(out, 'closed.pdf'), classification: 'x' })).rejects.toThrow(/closed\.pdf: the printer is closed/);
  });
});
