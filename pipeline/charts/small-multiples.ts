import type * as PlotTypes from '@observablehq/plot';
import { Plot } from './bundles.js';
import { CHART_INK, composeSvg, formatOne, textWidth, type Units } from './plot.js';

/** One month of one series (e.g. an industry): amount in 亿元 (scaled for display), YoY in % or null. */
export interface MultiplePoint { series: string; period: string; value: number; yoyPct: number | null }

const FONT = 10;
const MARGIN_LEFT = 44;

/**
 * One small panel per series (two columns), each with its monthly bars and its own y scale, titled with
 * the series name and the latest month's YoY. Same x across panels, so the shapes compare at a glance.
 */
export function smallMultiplesChart(points: MultiplePoint[], options: { units: Units; source: string; width?: number; yoyWord: string }): string {
  const series = [...new Set(points.map((p) => p.series))];
  if (series.length === 0) throw new Error('smallMultiplesChart needs data; check the query it draws.');
  const width = options.width ?? 580;
  const cols = 2;
  const panelW = width / cols;
  // a unit longer than the left margin (100 million yuan) would run into the panel's title: the title then takes a row of its own below it
  const titleRow = textWidth(options.units.yi, FONT) > MARGIN_LEFT - 8 ? 14 : 0;
  const panelH = 130 + titleRow;
  const rows = Math.ceil(series.length / cols);
  const height = rows * panelH + 22;
  const periods = [...new Set(points.map((p) => p.period))].sort();
  const first = periods[0]!;
  const last = periods[periods.length - 1]!;
  const panels = series.map((name, i) => {
    const data = points.filter((p) => p.series === name);
    const latest = data.find((p) => p.period === last);
    const title = `${name}${latest?.yoyPct == null ? '' : `  ${options.yoyWord}${latest.yoyPct > 0 ? '+' : ''}${formatOne(latest.yoyPct)}%`}`;
    return {
      x: (i % cols) * panelW,
      y: Math.floor(i / cols) * panelH,
      options: {
        width: panelW,
        height: panelH,
        marginLeft: MARGIN_LEFT,
        marginRight: 10,
        marginTop: 22 + titleRow,
        marginBottom: 20,
        x: { type: 'band', domain: periods, paddingInner: 0.2, label: null, tickSize: 2, ticks: [first, last], tickFormat: (p: string) => `${p.slice(0, 4)}.${Number(p.slice(5))}` },
        y: { label: options.units.yi, labelArrow: 'none', ticks: 3, nice: true, zero: true, grid: true, tickFormat: ',.0f' },
        marks: [
          Plot.barY(data.filter((p) => p.period !== last), { x: 'period', y: 'value', fill: CHART_INK.mid }),
          Plot.barY(data.filter((p) => p.period === last), { x: 'period', y: 'value', fill: CHART_INK.dark }),
          Plot.ruleY([0], { stroke: CHART_INK.text }),
          Plot.text([title], { frameAnchor: 'top-left', dy: -16, dx: titleRow ? 4 - MARGIN_LEFT : 0, fontSize: FONT + 1, fontWeight: 'bold', fill: CHART_INK.text }),
        ],
      } as PlotTypes.PlotOptions,
    };
  });
  return composeSvg({
    width,
    height,
    fontSize: FONT,
    label: series.join('、'),
    panels,
    texts: [{ text: `${options.units.source}${options.source}`, x: 4, y: height - 6, fontSize: FONT, fill: CHART_INK.dark }],
  });
}
