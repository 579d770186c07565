import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './bundles.js';
// linkedom's single-file build (worker.js): the same DOM, a third of the start-up of its module tree
import { parseHTML } from 'linkedom/worker';

/** Fonts for chart text: the print cut of the CJK sans face (scripts/print-fonts.py), the full face (fonts-noto-cjk), then generic fallbacks. */
export const CHART_FONT = '"Taxbrief Hei", "Noto Sans CJK SC", "Noto Sans CJK", sans-serif';

/** Grayscale-safe palette: charts must read the same on a black-and-white office printer. */
export const CHART_INK = { text: '#000000', dark: '#333333', mid: '#8c8c8c', light: '#c8c8c8', rule: '#555555' } as const;

/** One chart panel placed inside a composed SVG: its Plot options and its vertical offset. */
export interface Panel {
  options: PlotTypes.PlotOptions;
  y: number;
  /** Horizontal offset, for side-by-side panels (small multiples). */
  x?: number;
}

/** Extra text drawn in the composed SVG (e.g. the source line), in SVG user units. */
export interface SvgText {
  text: string;
  x: number;
  y: number;
  anchor?: 'start' | 'middle' | 'end';
  fontSize?: number;
  fill?: string;
}

/** Renders one Plot chart against a fresh linkedom document and returns the SVG element. */
export function plotSvg(options: PlotTypes.PlotOptions): Element {
  // A fresh document per chart: Plot appends nodes to it, and nothing may leak between charts.
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const node = Plot.plot({ ...options, document, className: 'tb-plot' }) as unknown as Element;
  if (node.tagName.toLowerCase() !== 'svg') {
    // Plot wraps the SVG in a <figure> when given a title/caption/legend; charts keep those outside.
    throw new Error('plotSvg expects options without title, subtitle, caption or legend; put them in the template.');
  }
  return node;
}

/**
 * Stacks Plot panels (sharing one x layout) into a single self-contained SVG string.
 * Plot has no dual axis; panels let a bar chart and a rate line share x without a misleading second scale.
 */
export function composeSvg(parts: { width: number; height: number; panels: Panel[]; texts?: SvgText[]; label?: string; fontSize?: number; /** trusted SVG markup drawn last (legends) */ extra?: string }): string {
  const { width, height } = parts;
  const groups = parts.panels.map(({ options, y, x }) => panelGroup(plotSvg(options), y, x));
  const texts = (parts.texts ?? []).map(textElement);
  const aria = parts.label ? ` role="img" aria-label="${escapeXml(parts.label)}"` : '';
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
    ` font-family="${escapeXml(CHART_FONT)}" font-size="${parts.fontSize ?? 12}" fill="${CHART_INK.text}" text-anchor="middle"${aria}>` +
    groups.join('') +
    texts.join('') +
    (parts.extra ?? '') +
    '</svg>';
  return normaliseSvg(svg);
}

/** Moves a Plot SVG's marks into a translated <g>, dropping Plot's <style> (the page CSS owns styling). */
function panelGroup(svg: Element, y: number, x = 0): string {
  const inner = Array.from(svg.childNodes)
    .filter((n) => !(n.nodeType === 1 && (n as Element).tagName.toLowerCase() === 'style'))
    .map((n) => (n as Element).outerHTML ?? '')
    .join('');
  return `<g transform="translate(${x},${y})">${inner}</g>`;
}

function textElement(t: SvgText): string {
  const size = t.fontSize ? ` font-size="${t.fontSize}"` : '';
  const fill = t.fill ? ` fill="${t.fill}"` : '';
  return `<text x="${t.x}" y="${t.y}" text-anchor="${t.anchor ?? 'start'}"${size}${fill}>${escapeXml(t.text)}</text>`;
}

/** Escapes text for an XML attribute or text node. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Makes SVG output stable: Plot's global clip/pattern counters and class names depend on how many
 * charts were drawn before, so they are renumbered in order of appearance.
 */
export function normaliseSvg(svg: string): string {
  const ids = new Map<string, string>();
  const renumber = (kind: string) => (m: string) => {
    if (!ids.has(m)) ids.set(m, `tb-${kind}-${[...ids.keys()].filter((k) => k.includes(kind)).length + 1}`);
    return ids.get(m)!;
  };
  return svg
    .replace(/plot-clip-\d+/g, renumber('clip'))
    .replace(/plot-pattern-\d+/g, renumber('pattern'))
    .replace(/\bplot-[0-9a-f]{6}\b/g, 'tb-plot');
}

/** Rounds every decimal number in an SVG string to `digits` places: for golden-file comparisons. */
export function roundSvgNumbers(svg: string, digits = 1): string {
  return svg.replace(/-?\d+\.\d+/g, (m) => {
    const r = Number(Number(m).toFixed(digits));
    return String(Object.is(r, -0) ? 0 : r);
  });
}

/** Unit words for chart axes, per edition. */
export const UNITS = {
  zh: { yi: '亿元', pct: '%', yoy: '同比%', pp: '百分点', source: '资料来源：' },
  en: { yi: '100 million yuan', pct: '%', yoy: 'YoY %', pp: 'percentage points', source: 'Source: ' },
} as const;

/** An edition's unit words. */
export type Units = (typeof UNITS)[keyof typeof UNITS];

/** Approximate printed width of a label at `fontSize`: CJK characters are square, Latin ones about half. */
export function textWidth(text: string, fontSize: number): number {
  let w = 0;
  for (const ch of text) w += /[\u2E80-\uFFEF]/.test(ch) ? fontSize : fontSize * 0.58;
  return w;
}

/** "1,019.7" / "3.2": one decimal with thousands separators, no "-0". */
export function formatOne(v: number): string {
  const r = Math.round(v * 10) / 10;
  return (Object.is(r, -0) ? 0 : r).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
