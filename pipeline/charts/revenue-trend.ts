import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './bundles.js';
import { CHART_INK, composeSvg, UNITS } from './plot.js';

/**
 * One month of the revenue trend. amount in 元 (number); yoyPct in percent (3.2 means +3.2%), null when there is no prior year;
 * yoyJanFebPct (January and February only) the YoY of the two months together, drawn instead of theirs when given.
 */
export interface TrendPoint {
  period: string /* 'YYYY-MM' */;
  amount: number;
  yoyPct: number | null;
  yoyJanFebPct?: number | null;
}

/** Display row: the amount converted to 亿元 for drawing only (the figure itself came from SQL). */
interface Row {
  period: string;
  yi: number;
  yoy: number | null;
  /** yoy is the 1—2月 rate (January, February): drawn as an open dot. */
  janFeb: boolean;
}

const FONT_SIZE = 12; // px in a ~580 px wide chart printed at full text width: about 9 pt on paper
const MARGIN = { left: 52, right: 20 } as const;
const MIN_MONTHS = 13;

/**
 * Monthly revenue (bars, 亿元) over its year-on-year growth (line, 同比%), sharing one month axis.
 * Two stacked panels rather than a dual axis: in print a second y scale over bars is easy to misread.
 */
export function revenueTrendChart(points: TrendPoint[], options: { source: string; width?: number; height?: number; lang?: 'zh' | 'en' }): string {
  const rows = toRows(points);
  const lang = options.lang ?? 'zh';
  const units = UNITS[lang];
  const width = options.width ?? 580;
  const height = options.height ?? 340;
  const sourceH = 22;
  const barsH = Math.round((height - sourceH) * 0.62);
  const yoyH = height - sourceH - barsH;
  const periods = rows.map((r) => r.period);
  const labels = monthLabels(periods, (width - MARGIN.left - MARGIN.right) / periods.length, lang);
  const x: PlotTypes.ScaleOptions = { type: 'band', domain: periods, paddingInner: 0.3, paddingOuter: 0.15 };
  const latest = rows[rows.length - 1]!;

  const bars: PlotTypes.PlotOptions = {
    width,
    height: barsH,
    marginTop: 24,
    marginBottom: 4,
    marginLeft: MARGIN.left,
    marginRight: MARGIN.right,
    x: { ...x, axis: null },
    y: { label: units.yi, labelArrow: 'none', nice: true, zero: true, ticks: 4, tickFormat: ',.0f' },
    marks: [
      Plot.gridY({ stroke: CHART_INK.light, strokeOpacity: 1, ticks: 4 }),
      Plot.barY(rows.slice(0, -1), { x: 'period', y: 'yi', fill: CHART_INK.mid }),
      // The reporting month is the darker bar: the one contrast the reader needs, no colour required.
      Plot.barY([latest], { x: 'period', y: 'yi', fill: CHART_INK.dark }),
      Plot.text([latest], { x: 'period', y: 'yi', text: (r: Row) => formatYi(r.yi), dy: -5, lineAnchor: 'bottom', fill: CHART_INK.text }),
      Plot.ruleY([0], { stroke: CHART_INK.text }),
    ],
  };

  const withYoy = rows.filter((r) => r.yoy !== null);
  const lastYoy = latest.yoy === null ? [] : [latest];
  const yoyScale = yoyDomain(withYoy.map((r) => r.yoy!), latest.yoy);
  const yoy: PlotTypes.PlotOptions = {
    width,
    height: yoyH,
    marginTop: 22,
    marginBottom: 34,
    marginLeft: MARGIN.left,
    marginRight: MARGIN.right,
    x: { ...x, label: null, tickSize: 3, ticks: labels.ticks, tickFormat: (p: string) => labels.text.get(p) ?? '' },
    // From the data (not a fixed ±100%), so the line's movement shows; headroom for the latest value's label.
    y: { label: units.yoy, labelArrow: 'none', domain: yoyScale, ticks: fewTicks(yoyScale), tickFormat: (v: number) => formatPct(v) },
    marks: [
      Plot.gridY(fewTicks(yoyScale), { stroke: CHART_INK.light, strokeOpacity: 1 }),
      Plot.ruleY([0], { stroke: CHART_INK.rule, strokeDasharray: '3,2' }),
      Plot.lineY(rows, { x: 'period', y: 'yoy', stroke: CHART_INK.text, strokeWidth: 1.5 }),
      Plot.dot(withYoy.filter((r) => !r.janFeb), { x: 'period', y: 'yoy', r: 2.5, fill: CHART_INK.text, stroke: 'white', strokeWidth: 0.75 }),
      // the 1—2月 rate, drawn for January and February alike: the Spring Festival's date moves revenue between them
      Plot.dot(withYoy.filter((r) => r.janFeb), { x: 'period', y: 'yoy', r: 2.5, fill: 'white', stroke: CHART_INK.text, strokeWidth: 1 }),
      // Negative latest growth gets its label under the point so it never sits on the line going up to it.
      Plot.text(lastYoy, {
        x: 'period',
        y: 'yoy',
        text: (r: Row) => `${formatPct(r.yoy!)}%`,
        dy: (latest.yoy ?? 0) < 0 ? 8 : -8,
        lineAnchor: (latest.yoy ?? 0) < 0 ? 'top' : 'bottom',
        fill: CHART_INK.text,
      }),
    ],
  };

  return composeSvg({
    width,
    height,
    label: lang === 'en' ? `Monthly tax revenue (100 million yuan) and YoY growth (%), ${periods[0]} to ${latest.period}` : `月度税收收入（亿元）及同比增长（%），${periods[0]}至${latest.period}`,
    panels: [
      { options: bars, y: 0 },
      { options: yoy, y: barsH },
    ],
    fontSize: FONT_SIZE,
    texts: [{ text: `${units.source}${options.source}${rows.some((r) => r.janFeb) ? JAN_FEB_NOTE[lang] : ''}`, x: 4, y: height - 6, fontSize: FONT_SIZE - 1, fill: CHART_INK.dark }],
  });
}

/** Checks the input and converts 元 to 亿元; fewer than 13 months cannot show a year-on-year picture. */
function toRows(points: TrendPoint[]): Row[] {
  if (points.length < MIN_MONTHS) {
    throw new Error(`revenueTrendChart needs at least ${MIN_MONTHS} months of points, got ${points.length}; widen the query's period range.`);
  }
  const seen = new Set<string>();
  return points.map((p) => {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(p.period)) throw new Error(`revenueTrendChart got period "${p.period}"; periods must be 'YYYY-MM'.`);
    if (seen.has(p.period)) throw new Error(`revenueTrendChart got period ${p.period} twice; pass one point per month.`);
    if (!Number.isFinite(p.amount)) throw new Error(`revenueTrendChart got a non-numeric amount for ${p.period}; amounts are numbers in 元.`);
    if (p.yoyPct !== null && !Number.isFinite(p.yoyPct)) throw new Error(`revenueTrendChart got yoyPct ${p.yoyPct} for ${p.period}; pass a number or null when there is no prior year.`);
    seen.add(p.period);
    const janFeb = p.yoyJanFebPct !== undefined && p.yoyJanFebPct !== null && /-0[12]$/.test(p.period);
    return { period: p.period, yi: p.amount / 1e8, yoy: janFeb ? p.yoyJanFebPct! : p.yoyPct, janFeb };
  });
}

/**
 * The YoY scale's domain, chosen from the data: lowest to highest value and always 0 (the zero line separates
 * growth from decline), padded by a tenth of the span, with room for the latest value's label on its side.
 * A span of at least 4 百分点 keeps a nearly flat series from being stretched into a dramatic one.
 */
export function yoyDomain(values: number[], latest: number | null): [number, number] {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const span = Math.max(hi - lo, 4);
  const pad = span * 0.1;
  const label = span * 0.3; // the label's line height against a panel of about 65 px
  return [
    Math.min(lo - pad, latest !== null && latest < 0 ? latest - label : 0),
    Math.max(hi + pad, latest !== null && latest >= 0 ? latest + label : 0),
  ];
}

/**
 * Round tick values inside `domain` (0 among them, as the domain holds 0), at most 4: the panel is about 65 px
 * high and more would crowd its labels. The domain itself is not rounded out, so the line keeps the height.
 */
export function fewTicks([lo, hi]: [number, number]): number[] {
  for (let power = Math.floor(Math.log10(hi - lo)) - 1; ; power++) {
    for (const unit of [1, 2, 2.5, 5]) {
      const step = unit * 10 ** power;
      const first = Math.ceil(lo / step - 1e-9);
      const last = Math.floor(hi / step + 1e-9);
      if (last - first + 1 <= 4) return Array.from({ length: last - first + 1 }, (_, i) => +((first + i) * step).toPrecision(12));
    }
  }
}

/** "1,019.7": the bar label in 亿元, one decimal, like the axis' thousands separators. */
function formatYi(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** "3.2", "-1.4", "0": one decimal, trailing ".0" dropped, no "-0". */
function formatPct(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** The note under a trend whose January and February show their 1—2月 rate. */
const JAN_FEB_NOTE = { zh: '空心点为1—2月合计同比（春节错月）。', en: ' Open dots: Jan–Feb combined.' } as const;

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Month tick labels: "11月", with the year on a second line ("2025年") at the first labelled month
 * and at each new year ("Nov" / "2025" in English). When bands are too narrow, every k-th month is labelled, always the latest.
 */
export function monthLabels(periods: string[], bandWidth: number, lang: 'zh' | 'en' = 'zh'): { ticks: string[]; text: Map<string, string> } {
  const widest = 2 * 0.6 * FONT_SIZE + FONT_SIZE + 6; // "11月" plus a gap
  const step = Math.max(1, Math.ceil(widest / bandWidth));
  const last = periods.length - 1;
  const ticks = periods.filter((_, i) => (last - i) % step === 0);
  const text = new Map<string, string>();
  let year = '';
  for (const p of ticks) {
    const [y, m] = p.split('-') as [string, string];
    const month = lang === 'en' ? MONTHS_EN[Number(m) - 1]! : `${Number(m)}月`;
    text.set(p, y !== year ? `${month}\n${y}${lang === 'en' ? '' : '年'}` : month);
    year = y;
  }
  return { ticks, text };
}
