import type { Lang } from '../narrative/helpers.js';
import { englishName } from '../narrative/names-en.js';
import type { Row } from '../warehouse/warehouse.js';
import { choroplethChart, MAP_CREDIT } from './choropleth.js';
import { compositionChart } from './composition.js';
import { UNITS } from './plot.js';
import { rankedBarsChart } from './ranked-bars.js';
import { revenueTrendChart } from './revenue-trend.js';
import { smallMultiplesChart } from './small-multiples.js';
import { waterfallChart } from './waterfall.js';

/**
 * A chart as a brief defines it (reports/<id>/report.json → charts.<name>): its type, the query result
 * it draws, its source line, and which columns it reads (names default to the usual column names).
 */
export interface ChartSpec {
  type: string;
  data: string;
  source: string;
  /** The source line of the English edition (default: `source`). */
  source_en?: string;
  /** Column of the label (city_name, tax_short …). */
  label?: string;
  /** The label of the folded 其他 row (e.g. 其他税种); default: its own name. */
  other?: string;
  /** Column of the value drawn. */
  value?: string;
  /** How the value is written: `yi` (an amount in 元, drawn in 亿元) or `pct` (a rate in %). */
  unit?: 'yi' | 'pct' | 'pp';
  /** What the value axis measures, with its unit (e.g. 减免强度（%）), and in the English edition; default: from `unit` (a `pct` is a growth rate). */
  axis?: string;
  axis_en?: string;
  /** Column of the code matched against the brief's region (highlighted bar) or the map's features. */
  key?: string;
  /** Columns of composition and small multiples. */
  period?: string;
  category?: string;
  series?: string;
  yoy?: string;
}

/** What a chart knows of the brief it is drawn for. */
export interface ChartContext { lang: Lang; region?: string }

type Draw = (rows: Row[], spec: ChartSpec, ctx: ChartContext) => string;

const num = (v: unknown): number => Number(v);
const yiOf = (v: unknown): number => Number(v) / 1e8; // for drawing only; printed figures come from narrative/numbers.ts
const nameIn = (ctx: ChartContext) => (s: unknown): string => (ctx.lang === 'en' ? englishName(String(s)) : String(s));
const sourceOf = (spec: ChartSpec, ctx: ChartContext) => (ctx.lang === 'en' ? spec.source_en ?? spec.source : spec.source);
const unitWord = (spec: ChartSpec, ctx: ChartContext) => {
  const u = UNITS[ctx.lang];
  const axis = ctx.lang === 'en' ? spec.axis_en ?? spec.axis : spec.axis;
  if (axis) return axis;
  return spec.unit === 'yi' ? u.yi : spec.unit === 'pp' ? u.pp : ctx.lang === 'en' ? 'growth, %' : '增长（%）';
};
const valueOf = (spec: ChartSpec) => (spec.unit === 'yi' ? yiOf : num);
/** Totals are not drawn as parts. */
const parts = (rows: Row[]) => rows.filter((r) => r['is_total'] !== true);
/** Parts that are one place or one thing: 其他 (folded parts) has no bar of its own among cities, nor a place on the map. */
const named = (rows: Row[]) => parts(rows).filter((r) => r['is_other'] !== true);
const labelOf = (spec: ChartSpec, ctx: ChartContext, fallback: string) => (r: Row): string =>
  nameIn(ctx)(r['is_other'] === true && spec.other ? spec.other : r[spec.label ?? fallback]);

/** The chart types a brief can name. */
export const chartTypes: Record<string, Draw> = {
  'revenue-trend': (rows, spec, ctx) =>
    revenueTrendChart(
      rows.map((r) => ({
        period: String(r['period']),
        amount: Number(r['amount']),
        yoyPct: r['yoy_pct'] === null ? null : Number(r['yoy_pct']),
        yoyJanFebPct: r['yoy_jan_feb_pct'] === null || r['yoy_jan_feb_pct'] === undefined ? null : Number(r['yoy_jan_feb_pct']),
      })),
      { source: sourceOf(spec, ctx), lang: ctx.lang },
    ),
  'ranked-bars': (rows, spec, ctx) =>
    rankedBarsChart(
      named(rows).map((r) => ({
        label: labelOf(spec, ctx, 'city_name')(r),
        value: valueOf(spec)(r[spec.value ?? 'yoy_pct']),
        highlight: ctx.region !== undefined && r[spec.key ?? 'city_code'] === ctx.region,
      })),
      { unit: unitWord(spec, ctx), units: UNITS[ctx.lang], source: sourceOf(spec, ctx) },
    ),
  waterfall: (rows, spec, ctx) => {
    const total = rows.find((r) => r['is_total'] === true);
    if (!total) throw new Error(`waterfall chart of ${spec.data} needs a total row (is_total).`);
    const value = spec.value ?? 'contribution_pp';
    return waterfallChart(
      parts(rows).map((r) => ({ label: labelOf(spec, ctx, 'tax_short')(r), value: num(r[value]) })),
      { label: nameIn(ctx)(total[spec.label ?? 'tax_short']), value: num(total[value]) },
      { units: UNITS[ctx.lang], source: sourceOf(spec, ctx) },
    );
  },
  composition: (rows, spec, ctx) =>
    compositionChart(
      rows.map((r) => ({ period: String(r[spec.period ?? 'period']), category: nameIn(ctx)(r[spec.category ?? 'kind_name']), value: yiOf(r[spec.value ?? 'amount']) })),
      { units: UNITS[ctx.lang], source: sourceOf(spec, ctx), lang: ctx.lang },
    ),
  'small-multiples': (rows, spec, ctx) =>
    smallMultiplesChart(
      rows.map((r) => ({
        series: nameIn(ctx)(r[spec.series ?? 'section_name']),
        period: String(r[spec.period ?? 'period']),
        value: yiOf(r[spec.value ?? 'amount']),
        yoyPct: r[spec.yoy ?? 'yoy_pct'] === null ? null : num(r[spec.yoy ?? 'yoy_pct']),
      })),
      { units: UNITS[ctx.lang], source: sourceOf(spec, ctx), yoyWord: ctx.lang === 'en' ? 'latest YoY ' : '当月同比' },
    ),
  choropleth: (rows, spec, ctx) =>
    choroplethChart(
      named(rows).map((r) => ({
        code: String(r[spec.key ?? 'city_code']),
        label: nameIn(ctx)(String(r[spec.label ?? 'city_name'])).replace(/市$/, ''),
        value: r[spec.value ?? 'yoy_pct'] === null ? null : valueOf(spec)(r[spec.value ?? 'yoy_pct']),
      })),
      {
        units: UNITS[ctx.lang],
        unit: unitWord(spec, ctx),
        source: sourceOf(spec, ctx),
        credit: MAP_CREDIT[ctx.lang],
        notCovered: ctx.lang === 'en' ? 'Shenzhen (not covered)' : '深圳（不在本局辖区）',
        nameOf: (name) => nameIn(ctx)(name).replace(/市$/, ''),
      },
    ),
};

/** Draws one chart of a brief; an unknown type names the ones that exist. */
export function drawChart(rows: Row[], spec: ChartSpec, ctx: ChartContext): string {
  const draw = chartTypes[spec.type];
  if (!draw) throw new Error(`chart type "${spec.type}" is unknown; use one of ${Object.keys(chartTypes).join(', ')}.`);
  return draw(rows, spec, ctx);
}
