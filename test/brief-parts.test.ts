import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { placeLabels } from '../pipeline/charts/choropleth.js';
import { roundSvgNumbers, UNITS } from '../pipeline/charts/plot.js';
import { chartTypes } from '../pipeline/charts/registry.js';
import { wrapLabel } from '../pipeline/charts/waterfall.js';
import { deriveFindings } from '../pipeline/findings/rules.js';
import { markdownToHtml } from '../pipeline/narrative/markdown.js';
import { roundedPartsAddUp } from '../pipeline/narrative/numbers.js';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeIn, macrosCalled, queriesFingerprint, readMacros, readQueries } from '../pipeline/queries.js';
import { readReports } from '../pipeline/reports.js';
import { tempDir } from './helpers/workspace.js';
import { fontCoverage, missingGlyphs, preflightFonts } from '../pipeline/render/fonts.js';
import { projectPaths } from '../pipeline/workspace.js';

const pretty = (svg: string) => roundSvgNumbers(svg, 1).replace(/></g, '>\n<') + '\n';
const doc = (svg: string) => parseHTML(`<!doctype html><html><body>${svg}</body></html>`).document;
const zh = { lang: 'zh' as const };

// Small hand-made inputs: the charts' shapes are checked by counting marks, their bytes by golden files.
const cities = [
  { city_code: '440100', city_name: '广州市', yoy_pct: 8.2 },
  { city_code: '440200', city_name: '韶关市', yoy_pct: -3.5 },
  { city_code: '440400', city_name: '珠海市', yoy_pct: 1.1 },
  { city_code: '441900', city_name: '东莞市', yoy_pct: 12.4 },
];
const contributions = [
  { tax_short: '增值税', is_total: false, contribution_pp: 2.4 },
  { tax_short: '企业所得税', is_total: false, contribution_pp: -0.8 },
  { tax_short: '其他税种', is_total: false, contribution_pp: 0.3 },
  { tax_short: '合计', is_total: true, contribution_pp: 1.9 },
];

describe('brief charts', () => {
  it('ranked bars: one bar per row, the highlighted city black, values labelled', async () => {
    const svg = chartTypes['ranked-bars']!(cities, { type: 'ranked-bars', data: 'x', source: '示例', unit: 'pct' }, { ...zh, region: '440200' });
    const d = doc(svg);
    expect(d.querySelectorAll('g[aria-label="bar"] rect').length).toBe(4);
    expect(d.querySelectorAll('g[aria-label="bar"] rect[fill="#000000"]').length).toBe(1);
    expect(svg).toContain('-3.5');
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/ranked-bars.svg');
  });

  it('ranked bars: the value axis names what it measures (a rate that is not growth says so)', () => {
    const spec = { type: 'ranked-bars', data: 'x', source: '示例', unit: 'pct' as const };
    expect(chartTypes['ranked-bars']!(cities, spec, zh)).toContain('增长（%）');
    const intensity = chartTypes['ranked-bars']!(cities, { ...spec, axis: '减免强度（%）', axis_en: 'relief intensity, %' }, zh);
    expect(intensity).toContain('减免强度（%）');
    expect(intensity).not.toContain('增长');
    expect(chartTypes['ranked-bars']!(cities, { ...spec, axis: '减免强度（%）', axis_en: 'relief intensity, %' }, { lang: 'en' })).toContain('relief intensity, %');
  });

  it('waterfall: long category names wrap to the band, never overlapping the next one', () => {
    expect(wrapLabel('制造业', 48, 11)).toBe('制造业');
    expect(wrapLabel('信息传输、软件和信息技术服务业', 48, 11)).toBe('信息传输、\n软件和\n信息技术\n服务业');
    expect(wrapLabel('交通运输、仓储和邮政业', 48, 11)).toBe('交通运输、\n仓储和\n邮政业');
    expect(wrapLabel('交通运输业', 48, 11)).toBe('交通运\n输业');
    expect(wrapLabel('租赁和商务服务业', 48, 11)).toBe('租赁和\n商务服\n务业');
    expect(wrapLabel('一二三四五六七八九十一二三四五六七八九十', 48, 11).split('\n')).toEqual(['一二三四', '五六七八', '九十一二', '三四五…']);
    // English breaks between words; a word too long for the line is hyphenated
    expect(wrapLabel('Corporate income tax', 70, 11)).toBe('Corporate\nincome tax');
    expect(wrapLabel('Urban construction tax', 61, 11)).toBe('Urban\nconstruc-\ntion tax');
    expect(wrapLabel('VAT', 61, 11)).toBe('VAT');
  });

  it('waterfall: steps from zero to the total, total bar last', async () => {
    const svg = chartTypes['waterfall']!(contributions, { type: 'waterfall', data: 'x', source: '示例', label: 'tax_short' }, zh);
    expect(doc(svg).querySelectorAll('g[aria-label="rect"] rect').length).toBe(4);
    for (const t of ['+2.4', '-0.8', '+0.3', '1.9', '百分点']) expect(svg).toContain(t);
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/waterfall.svg');
  });

  it('waterfall: English names too wide for their band are set at an angle, whole, instead of hyphenated', () => {
    const rows = [
      { short_name: '批发零售', contribution_pp: 3.3, is_total: false, is_other: false },
      { short_name: '制造业', contribution_pp: 3.9, is_total: false, is_other: false },
      ...['租赁商务', '房地产业', '信息服务', '科技服务', '交通运输', '建筑业'].map((short_name) => ({ short_name, contribution_pp: 0.5, is_total: false, is_other: false })),
      { short_name: '合计', contribution_pp: 10.2, is_total: true, is_other: false },
    ];
    const spec = { type: 'waterfall', data: 'x', source: '示例', source_en: 'demo', label: 'short_name' };
    const labels = (svg: string) => Array.from(doc(svg).querySelectorAll('g[aria-label="x-axis tick label"] text'));
    const en = labels(chartTypes['waterfall']!(rows, spec, { lang: 'en' }));
    expect(en.map((t) => t.textContent)).toEqual(['Wholesale and retail', 'Manufacturing', 'Leasing and business services', 'Real estate', 'Information services', 'Research and technical services', 'Transport and logistics', 'Construction', 'Total']);
    for (const t of en) expect(t.getAttribute('transform')).toMatch(/rotate\(-35\)/);
    // the 简称 fit their bands level, one line each
    const zhLabels = labels(chartTypes['waterfall']!(rows, spec, zh));
    expect(zhLabels.map((t) => t.textContent)).toEqual(['批发零售', '制造业', '租赁商务', '房地产业', '信息服务', '科技服务', '交通运输', '建筑业', '合计']);
    for (const t of zhLabels) expect(t.getAttribute('transform')).not.toMatch(/rotate/);
  });

  it('composition: stacked bars by category with a legend', async () => {
    const rows = ['2026-09', '2026-10'].flatMap((period) => [
      { period, kind_name: '新增减税', amount: '300000000.00' },
      { period, kind_name: '留抵退税', amount: '120000000.00' },
    ]);
    const svg = chartTypes['composition']!(rows, { type: 'composition', data: 'x', source: '示例' }, zh);
    expect(doc(svg).querySelectorAll('g[aria-label="bar"] rect').length).toBe(4);
    expect(svg).toContain('新增减税');
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/composition.svg');
  });

  it('small multiples: one panel per series, titled with the latest YoY', async () => {
    const rows = ['制造业', '金融业'].flatMap((s, k) => ['2026-08', '2026-09', '2026-10'].map((period, i) => ({ section_name: s, period, amount: String((i + 1 + k) * 1e8), yoy_pct: i - k })));
    const svg = chartTypes['small-multiples']!(rows, { type: 'small-multiples', data: 'x', source: '示例' }, zh);
    expect(svg).toContain('制造业  当月同比+2.0%');
    expect(svg).toContain('金融业  当月同比+1.0%');
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/small-multiples.svg');
  });

  it('small multiples: a unit wider than the margin (English) puts the title on a row of its own below it', () => {
    const rows = ['制造业', '金融业'].flatMap((s, k) => ['2026-09', '2026-10'].map((period, i) => ({ section_name: s, period, amount: String((i + 1 + k) * 1e8), yoy_pct: i - k })));
    const spec = { type: 'small-multiples', data: 'x', source: '示例', source_en: 'demo' };
    const geometry = (svg: string) => {
      const d = doc(svg);
      const label = d.querySelector('g[aria-label="y-axis label"]')!;
      const title = Array.from(d.querySelectorAll('g[aria-label="text"] text')).find((t) => /YoY|同比/.test(t.textContent ?? ''))!;
      // where a text's top-left lands in the first panel: its group's offset plus its own
      const xy = (s: string | null) => (s?.match(/translate\(([-\d.]+),([-\d.]+)\)/) ?? ['', '0', '0']).slice(1).map(Number);
      const at = (t: Element) => [0, 1].map((k) => xy(t.parentElement!.getAttribute('transform'))[k]! + xy(t.getAttribute('transform'))[k]!);
      return { label: at(label.querySelector('text')!), title: at(title), height: Number(d.querySelector('svg')!.getAttribute('height')) };
    };
    const zhG = geometry(chartTypes['small-multiples']!(rows, spec, zh));
    const enG = geometry(chartTypes['small-multiples']!(rows, spec, { lang: 'en' }));
    expect(enG.height - zhG.height).toBe(14);
    // zh: 亿元 fits in the margin left of the title; en: the title starts at the panel's edge, a line below the unit
    expect(zhG.title[0]).toBe(44);
    expect(enG.title[0]).toBe(4);
    expect(Math.abs(zhG.title[1]! - zhG.label[1]!)).toBeLessThan(11); // one row
    expect(enG.title[1]! - enG.label[1]!).toBeGreaterThanOrEqual(14);
  });

  it('choropleth: all 21 cities drawn, a city without a value dashed, no two labels overlapping', async () => {
    const svg = chartTypes['choropleth']!(cities, { type: 'choropleth', data: 'x', source: '示例', unit: 'pct' }, zh);
    const titles = Array.from(doc(svg).querySelectorAll('g[aria-label="geo"] title'));
    expect(titles.length).toBe(21);
    expect(svg).toContain('MIT');
    const labels = placeLabels(
      Array.from({ length: 21 }, (_, i) => ({ code: String(i), text: '珠海市', x: 200 + (i % 3), y: 200, area: 1 })),
      { width: 430, height: 330 },
    );
    const boxes = labels.map((l) => ({ x0: l.x - 17, x1: l.x + 17, y0: l.y - 6, y1: l.y + 6 }));
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0).toBe(true);
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/choropleth.svg');
  });

  it('charts speak English in the English edition', () => {
    const svg = chartTypes['ranked-bars']!(cities, { type: 'ranked-bars', data: 'x', source: 'demo', unit: 'yi', value: 'yoy_pct' }, { lang: 'en' });
    expect(svg).toContain('Guangzhou');
    expect(svg).toContain(UNITS.en.yi);
    // the trend and the composition too: units, months, years, source and notes without a Chinese character
    const months = Array.from({ length: 14 }, (_, i) => `${i < 3 ? 2025 : 2026}-${String(((i + 9) % 12) + 1).padStart(2, '0')}`);
    const trend = chartTypes['revenue-trend']!(
      months.map((period, i) => ({ period, amount: String(1e10 + i * 1e8), yoy_pct: i < 12 ? null : 3, yoy_jan_feb_pct: null })),
      { type: 'revenue-trend', data: 'x', source: '示例', source_en: 'demo' }, { lang: 'en' });
    const composition = chartTypes['composition']!(
      months.map((period) => ({ period, kind_name: '留抵退税', amount: '100000000.00' })),
      { type: 'composition', data: 'x', source: '示例', source_en: 'demo' }, { lang: 'en' });
    for (const chart of [trend, composition]) {
      const text = Array.from(doc(chart).querySelectorAll('text')).map((t) => t.textContent).join(' ');
      expect(text).toMatch(/Oct/);
      expect(text).toMatch(/2026/);
      expect(text).toContain('Source: demo');
      expect(text, text).not.toMatch(/[\u4e00-\u9fff]/u);
    }
    expect(trend).toContain('YoY %');
    // the map names Shenzhen (no value: outside the jurisdiction) in English too
    const map = chartTypes['choropleth']!(cities, { type: 'choropleth', data: 'x', source: 'demo', unit: 'pct' }, { lang: 'en' });
    expect(map).toContain('>Shenzhen</text>');
    expect(map).not.toContain('深圳市');
  });
});

describe('findings rules', () => {
  const data = {
    byTax: [
      { tax_name: '国内增值税', is_total: false, ytd_amount: '100000000.00', yoy_pct: 5, contribution_pp: 2.2 },
      { tax_name: '企业所得税', is_total: false, ytd_amount: '50000000.00', yoy_pct: -1, contribution_pp: -0.4 },
    ],
    headline: { ytd_yoy_pct: 3.2, ytd_comparable_yoy_pct: 2.1, has_refund_factor: true, ytd_refund: '10000000.00', ytd_refund_prev: '2000000.00' },
    byCity: [{ name: '广州市', is_total: false, ytd_yoy_pct: 15 }, { name: '韶关市', is_total: false, ytd_yoy_pct: -2 }, { name: '合计', is_total: true, ytd_yoy_pct: 30 }],
  };

  it('ranks findings by score and prints each with evidence and a source', () => {
    const { printed } = deriveFindings({}, data, 'zh');
    expect(printed.map((f) => f.rule)).toEqual(['tax-driver', 'city-divergence', 'refund-factor']);
    expect(printed[0]!.evidence[0]!.text).toBe('国内增值税收入1.00亿元，增长5.0%，拉动全省税收增长2.2个百分点。');
    for (const f of printed) for (const e of f.evidence) expect(e.src.length).toBeGreaterThan(0);
  });

  it('obeys the definition: a rule switched off or above its threshold says nothing', () => {
    const { printed, dropped } = deriveFindings({ rules: { 'tax-driver': { enabled: false }, 'city-divergence': { min_spread_pp: 20 } } }, data, 'zh');
    expect(printed.map((f) => f.rule)).toEqual(['refund-factor']);
    expect(dropped).toContainEqual({ rule: 'tax-driver', reason: 'switched off in the definition' });
    expect(dropped.find((d) => d.rule === 'anomaly')!.reason).toMatch(/no anomalies query/);
  });
});

describe('narrative parts', () => {
  it('says when rounded parts do not add up to the rounded total', () => {
    expect(roundedPartsAddUp(['100000000.00', '200000000.00'], '300000000.00')).toBe(true);
    // 0.005 + 0.005 亿元 round to 0.01 + 0.01 = 0.02, the total 0.01 rounds to 0.01
    expect(roundedPartsAddUp(['500000.00', '500000.00'], '1000000.00')).toBe(false);
  });

  it('turns an analyst note into safe HTML', () => {
    expect(markdownToHtml('要点**一**和*二*\n\n- 甲 <script>x</script>\n- 乙\n\n1. 丙')).toBe(
      '<p>要点<strong>一</strong>和<em>二</em></p>\n<ul><li>甲 &lt;script&gt;x&lt;/script&gt;</li><li>乙</li></ul>\n<ol><li>丙</li></ol>',
    );
  });

  it('refuses to print a character no brief font can draw', async () => {
    const coverage = await fontCoverage();
    expect(missingGlyphs('税收收入增长3.2%（亿元）—「」', coverage)).toEqual([]);
    expect(missingGlyphs('税收\u0E01\u{1F600}', coverage)).toEqual(['\u0E01', '\u{1F600}']);
    expect(() => preflightFonts('<p>增长\u0E01</p>', '内部资料', 'x.pdf', coverage)).toThrow(/U\+0E01/);
  });
});

describe('query catalogue', () => {
  it('describes every query in Chinese for the appendix of a Chinese edition, in English for an English one', () => {
    const queries = readQueries(projectPaths().queries);
    expect(queries.size).toBeGreaterThan(15);
    for (const q of queries.values()) {
      // a Chinese sentence (CJK, ends with 。), not the English first line
      expect(q.descriptionZh, q.id).toMatch(/^(?=.*[\u4e00-\u9fff]{4}).*。$/u);
      expect(describeIn(q, 'zh')).toBe(q.descriptionZh);
      expect(describeIn(q, 'en')).toBe(q.description);
      expect(q.description, q.id).not.toMatch(/^zh:/);
      expect(q.description, q.id).toMatch(/^[A-Z]/);
    }
    expect(queries.get('revenue_headline')!.descriptionZh).toBe('当月及1—N月税收收入、增减收、同比、环比，以及扣除留抵退税因素后的同比。');
  });
});

describe('brief version key', () => {
  const report = (id: string) => readReports(projectPaths().reports).find((r) => r.id === id)!;

  it('names the migration macros a query calls, also through other macros', () => {
    const macros = readMacros(path.join(projectPaths().queries, 'migrations'));
    const sql = readQueries(projectPaths().queries).get('revenue_top_movers')!.sql;
    expect(macrosCalled(sql, macros)).toContain('revenue_parts_source');
    expect(macrosCalled('select 1', macros)).toEqual([]);
    const chained = new Map([['outer_m', 'create or replace macro outer_m(x) as inner_m(x) + 1;'], ['inner_m', 'create or replace macro inner_m(x) as x;'], ['unused_m', 'create or replace macro unused_m() as 1;']]);
    expect(macrosCalled('select outer_m(2)', chained)).toEqual(['inner_m', 'outer_m']);
  });

  it('changes when a macro its queries call changes, and not for a macro they do not call', () => {
    const tmp = tempDir();
    try {
      const dir = path.join(tmp.dir, 'queries');
      cpSync(projectPaths().queries, dir, { recursive: true });
      const monthly = report('monthly-revenue'); // reads revenue_breakdown, which calls revenue_parts_source
      const before = queriesFingerprint(dir, monthly);
      expect(queriesFingerprint(projectPaths().queries, monthly)).toBe(before);
      const file = path.join(dir, 'migrations', '060_breakdown_macros.sql');
      const sql = readFileSync(file, 'utf8');
      // a comment is not the macro: the key stays
      writeFileSync(file, `${sql}\n-- a note\n`);
      expect(queriesFingerprint(dir, monthly)).toBe(before);
      writeFileSync(path.join(dir, 'migrations', '098_other.sql'), 'create or replace macro nobody_calls(x) as x;\n');
      expect(queriesFingerprint(dir, monthly)).toBe(before);
      writeFileSync(file, sql.replace("when 'tax' then m.tax_code", "when 'tax' then m.tax_code || ''"));
      expect(queriesFingerprint(dir, monthly)).not.toBe(before);
    } finally {
      tmp.cleanup();
    }
  });
});
