import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../pipeline/workspace.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/workspace.js';

// The whole skeleton on real parts: demo files → DuckDB file → SQL → Plot SVG → Handlebars → Chromium PDF.
const now = new Date('2026-11-26T08:00:00Z');
const end = '2026-10';
const ws = tempDir('taxbrief-e2e-');
let stdout = '';
let exitCode = -1;

const cli = (args: string[]) => runCli(args, { ...process.env, TAXBRIEF_WORKSPACE: ws.dir }, () => now);

const pdfText = (pdf: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
const squash = (s: string) => s.replace(/\s+/g, '');

beforeAll(async () => {
  const run = await cli(['demo', '--taxpayers', '1500', '--months', '26', '--end', end, '--json']);
  stdout = run.out;
  exitCode = run.code;
  if (exitCode !== 0) console.error(run.err);
}, 300_000);
afterAll(() => ws.cleanup());

/** The headline figures computed independently: straight from the generated files, no warehouse, no marts. */
async function independentHeadline() {
  const cache = readdirSync(path.join(ws.dir, 'demo'))[0]!;
  const dir = path.join(ws.dir, 'demo', cache);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const regions = path.join(projectPaths().seeds, 'regions.csv');
  const reader = await c.runAndReadAll(
    `with r as (
       select period, amount::decimal(18,2) as amount
       from read_csv($glob, all_varchar = true) r
       join read_csv($regions, all_varchar = true) g on g.code = r.region_code
       where g.in_jurisdiction = 'true'
     ),
     s as (
       select sum(amount) filter (where period between '2026-01' and '2026-10') as ytd,
              sum(amount) filter (where period between '2025-01' and '2025-10') as ytd_prev,
              sum(amount) filter (where period = '2026-10') as month,
              sum(amount) filter (where period = '2025-10') as month_prev
       from r
     )
     select (ytd / 1e8)::double as ytd_yi, ((ytd - ytd_prev) / ytd_prev * 100)::double as ytd_yoy,
            ((ytd - ytd_prev) / 1e8)::double as ytd_diff_yi,
            (month / 1e8)::double as month_yi, ((month - month_prev) / month_prev * 100)::double as month_yoy
     from s`,
    { glob: path.join(dir, 'revenue_*.csv'), regions },
  );
  const [row] = reader.getRowObjectsJson() as { ytd_yi: number; ytd_yoy: number; ytd_diff_yi: number; month_yi: number; month_yoy: number }[];
  c.closeSync();
  return row!;
}

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

describe('monthly-revenue end to end', () => {
  it('runs the demo and prints where the PDF is', () => {
    expect(exitCode).toBe(0);
    const pdf = path.join(ws.dir, 'out', end, 'monthly-revenue.pdf');
    expect(stdout.trim().split('\n')).toContain(pdf);
    expect(existsSync(pdf)).toBe(true);
    expect(existsSync(pdf.replace(/\.pdf$/, '.manifest.json'))).toBe(true);
  });

  it('prints headline figures equal to an independent computation over the raw files', async () => {
    const text = squash(pdfText(path.join(ws.dir, 'out', end, 'monthly-revenue.pdf')));
    const h = await independentHeadline();
    const dir = (g: number) => (g >= 0 ? '增长' : '下降');
    expect(text).toContain(`2026年1—10月，全省税务部门组织税收收入${fmt(h.ytd_yi)}亿元，同比${dir(h.ytd_yoy)}${Math.abs(h.ytd_yoy).toFixed(1)}%，${h.ytd_diff_yi >= 0 ? '增收' : '减收'}${fmt(Math.abs(h.ytd_diff_yi))}亿元`);
    expect(text).toContain(`其中10月当月收入${fmt(h.month_yi)}亿元，同比${dir(h.month_yoy)}${Math.abs(h.month_yoy).toFixed(1)}%`);
    // comparable basis: the demo's refund year makes it differ from the headline rate
    expect(text).toMatch(/扣除留抵退税因素后(增长|下降)\d+\.\d%/);
  });

  it('shows the classification mark, page numbers, the table and the chart', () => {
    const pdf = path.join(ws.dir, 'out', end, 'monthly-revenue.pdf');
    const raw = pdfText(pdf);
    expect(raw).not.toContain('\uFFFD');
    const text = squash(raw);
    expect(text).toContain('内部资料');
    expect(text).toContain('—1—');
    expect(text).toContain('表1');
    expect(text).toContain('国内增值税');
    expect(text).toContain('合计');
    expect(text).toContain('图1');
    expect(text).toContain('数据来源与口径说明');
    const html = readFileSync(pdf.replace(/\.pdf$/, '.html'), 'utf8');
    expect(html).toContain('<svg');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(6); // leaders read 2–6 pages (BRIEF-STYLE): text, three charts, three tables, the appendix
  });

  it('embeds every font, and the fonts are the print faces (TrueType cuts of Noto CJK)', () => {
    const pdf = path.join(ws.dir, 'out', end, 'monthly-revenue.pdf');
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    // columns: name type encoding emb sub uni object ID; the print faces are CID TrueType subsets (scripts/print-fonts.py)
    for (const line of fonts) expect(line.trim().split(/\s+/).at(-5)).toBe('yes');
    expect(fonts.join('\n')).toMatch(/\+TaxbriefSong-Regular\s+CID TrueType/);
    expect(fonts.join('\n')).toMatch(/\+TaxbriefHei-Regular\s+CID TrueType/);
    // no text traced glyph by glyph (the map's city names once were: stroked text prints as Type 3, 500 KB a brief)
    expect(fonts.filter((line) => /Type 3/.test(line))).toEqual([]);
  });

  it('loads nothing twice when the demo runs again, and rebuilds one brief on its own', async () => {
    const again = await cli(['demo', '--taxpayers', '1500', '--months', '26', '--end', end, '--json']);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/0 file\(s\) loaded/);
    const one = await cli(['brief', 'monthly-revenue', '--period', '2026-09', '--json']);
    expect(one.code).toBe(0);
    const pdf = path.join(ws.dir, 'out', '2026-09', 'monthly-revenue.pdf');
    expect(one.out.trim()).toBe(pdf);
    expect(squash(pdfText(pdf))).toContain('2026年1—9月');
  });
});
