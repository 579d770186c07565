import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { roundSvgNumbers } from '../pipeline/charts/plot.js';
import { fewTicks, monthLabels, revenueTrendChart, yoyDomain, type TrendPoint } from '../pipeline/charts/revenue-trend.js';

const points: TrendPoint[] = JSON.parse(readFileSync(new URL('./fixtures/render/trend.json', import.meta.url), 'utf8'));
const source = '税收收入统计月报（示例数据）';

/** Parses an SVG string so tests can count marks instead of grepping markup. */
const svgDoc = (svg: string) => parseHTML(`<!doctype html><html><body>${svg}</body></html>`).document;

/** One element per line: golden-file diffs then show which mark changed. */
const pretty = (svg: string) => roundSvgNumbers(svg, 1).replace(/></g, '>\n<') + '\n';

/** `count` months of made-up data ending 2026-10. */
function months(count: number): TrendPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(2026, 9 - (count - 1 - i), 1));
    const period = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    return { period, amount: (900 + 10 * i) * 1e8, yoyPct: i < 12 ? null : i - 15 };
  });
}

describe('revenueTrendChart', () => {
  const svg = revenueTrendChart(points, { source });

  it('is deterministic, also after other charts were drawn', () => {
    revenueTrendChart(months(20), { source }); // moves any global id counters
    expect(revenueTrendChart(points, { source })).toBe(svg);
    expect(svg).not.toMatch(/plot-[0-9a-f]{6}|plot-clip-\d/);
  });

  it('draws one bar per month, the YoY line and its zero line', () => {
    const doc = svgDoc(svg);
    expect(doc.querySelectorAll('g[aria-label="bar"] rect').length).toBe(14);
    expect(doc.querySelectorAll('g[aria-label="line"] path').length).toBe(1);
    // Two months have no prior year: 12 dots, and the line has a gap rather than a fake zero.
    expect(doc.querySelectorAll('g[aria-label="dot"] circle').length).toBe(12);
    expect(doc.querySelectorAll('g[aria-label="rule"] line').length).toBe(2);
  });

  it('labels in Chinese: units, months, years and the source', () => {
    for (const text of ['亿元', '同比%', '9月', '2025年', '1月', '2026年', '10月', '资料来源：税收收入统计月报（示例数据）', '986.1', '-1.4%']) {
      expect(svg).toContain(text);
    }
    expect(svg).toContain('font-family="&quot;Taxbrief Hei&quot;, &quot;Noto Sans CJK SC&quot;');
    expect(svg).not.toContain('period'); // no field names leaking as axis labels
  });

  it('is a single self-contained SVG of the requested size', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('viewBox="0 0 580 340"');
    expect(svg).not.toMatch(/<style|<figure|<image|href=/);
    expect(revenueTrendChart(points, { source, width: 600, height: 320 })).toContain('viewBox="0 0 600 320"');
  });

  it('uses only greys (no colour but black, white and shades between)', () => {
    const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]!);
    for (const c of new Set(colours)) {
      const grey = /^#([0-9a-f]{2})\1\1$/i.test(c) || ['none', 'white', 'black', 'currentColor'].includes(c);
      expect(grey, `colour ${c}`).toBe(true);
    }
  });

  it('matches the golden file (numbers rounded to 1 decimal)', async () => {
    await expect(pretty(svg)).toMatchFileSnapshot('./__snapshots__/revenue-trend.svg');
  });

  it('refuses fewer than 13 months or malformed periods, naming the problem', () => {
    expect(() => revenueTrendChart(points.slice(0, 12), { source })).toThrow(/at least 13 months.*got 12/);
    expect(() => revenueTrendChart([{ period: '2026-13', amount: 1, yoyPct: null }, ...points], { source })).toThrow(/"2026-13".*YYYY-MM/);
    expect(() => revenueTrendChart([...points, points[0]!], { source })).toThrow(/2025-09 twice/);
  });

  it('puts the label of a positive latest YoY above the point and keeps the axis including zero', () => {
    const up = points.map((p, i) => (i === points.length - 1 ? { ...p, yoyPct: 6.25 } : p));
    const out = revenueTrendChart(up, { source });
    expect(out).toContain('6.3%');
    expect(out).toContain('>0<'); // zero tick on the YoY axis
  });
});

describe('revenueTrendChart: the 同比 panel takes its scale from the data', () => {
  /** The YoY panel's tick values (the second y axis of the chart). */
  const yoyTicks = (svg: string) => Array.from(Array.from(svgDoc(svg).querySelectorAll('g[aria-label="y-axis tick label"]'))[1]!
    .querySelectorAll('text')).map((t) => Number(t.textContent!.replace('−', '-')));
  // 2–6% growth, with a Spring Festival swing (January +18%, February −12%), as in the demo
  const festival: TrendPoint[] = points.map((p) => {
    const m = Number(p.period.slice(5));
    return { ...p, yoyPct: p.yoyPct === null ? null : m === 1 ? 18 : m === 2 ? -12 : 2 + (m % 5) };
  });

  it('spans the values with padding and a zero line, not ±100%', () => {
    const out = revenueTrendChart(festival, { source });
    const ticks = yoyTicks(out);
    expect(ticks).toContain(0);
    expect(ticks.every((t) => Math.abs(t) < 50)).toBe(true);
    // the line uses most of the panel's plot area (65 px between its margins): it does not look flat
    const cy = Array.from(svgDoc(out).querySelectorAll('g[aria-label="dot"] circle')).map((c) => Number(c.getAttribute('cy')));
    expect(Math.max(...cy) - Math.min(...cy)).toBeGreaterThan(0.6 * 65);
    // small growth rates get a scale of a few 百分点, not tens
    const calm = yoyTicks(revenueTrendChart(points, { source }));
    expect(Math.max(...calm) - Math.min(...calm)).toBeLessThanOrEqual(12);
  });

  it('keeps room for the latest value and never drops zero', () => {
    expect(yoyDomain([2, 3, 4], 4)).toEqual([expect.closeTo(-0.4, 6), expect.closeTo(5.2, 6)]);
    expect(yoyDomain([-30, 10], -30)).toEqual([-42, 14]);
    expect(yoyDomain([5, 6], null)[0]).toBeLessThan(0);
    // at most 4 round ticks, zero among them, covering the domain
    expect(fewTicks([-0.4, 5.2])).toEqual([0, 2, 4]);
    expect(fewTicks([-15, 27])).toEqual([-10, 0, 10, 20]);
    expect(fewTicks([-0.5, 0.5])).toEqual([-0.5, 0, 0.5]);
  });

  it('draws January and February at their 1—2月 rate when given, as open dots, and says so', () => {
    const combined = festival.map((p) => (/-0[12]$/.test(p.period) && p.yoyPct !== null ? { ...p, yoyJanFebPct: 3 } : p));
    const out = revenueTrendChart(combined, { source });
    const doc = svgDoc(out);
    const open = Array.from(doc.querySelectorAll('g[aria-label="dot"][fill="white"] circle'));
    expect(open.length).toBe(2); // 2026-01 and 2026-02 (2025's have no prior year in the fixture)
    expect(new Set(open.map((c) => c.getAttribute('cy'))).size).toBe(1); // both at 3%
    expect(out).toContain('空心点为1—2月合计同比（春节错月）。');
    // the swing is gone from the scale: a few 百分点 either side
    expect(Math.max(...yoyTicks(out))).toBeLessThanOrEqual(10);
    expect(revenueTrendChart(festival, { source })).not.toContain('空心点');
  });

  it('matches the golden file of a Spring Festival year', async () => {
    await expect(pretty(revenueTrendChart(festival, { source }))).toMatchFileSnapshot('./__snapshots__/revenue-trend-festival.svg');
  });
});

describe('monthLabels', () => {
  it('labels every month when there is room, with the year at the start and at January', () => {
    const { ticks, text } = monthLabels(months(14).map((p) => p.period), 36);
    expect(ticks).toHaveLength(14);
    expect(text.get('2025-09')).toBe('9月\n2025年');
    expect(text.get('2025-12')).toBe('12月');
    expect(text.get('2026-01')).toBe('1月\n2026年');
  });

  it('thins labels when bands are narrow so they never overlap, always keeping the latest month', () => {
    const periods = months(36).map((p) => p.period);
    const band = 516 / 36;
    const { ticks, text } = monthLabels(periods, band);
    expect(ticks.length).toBeLessThan(36);
    expect(ticks.at(-1)).toBe('2026-10');
    const step = periods.indexOf(ticks[1]!) - periods.indexOf(ticks[0]!);
    expect(step * band).toBeGreaterThanOrEqual(2 * 0.6 * 12 + 12); // the widest label, "11月", at 12 px
    // Each year among the labelled months is shown exactly once, even when its January is not labelled.
    const years = new Set(ticks.map((p) => p.slice(0, 4)));
    expect([...text.values()].filter((t) => t.includes('年'))).toHaveLength(years.size);
  });
});
