import { Plot } from './bundles.js';
import { CHART_INK, composeSvg, escapeXml, textWidth, type Units } from './plot.js';
import { monthLabels } from './revenue-trend.js';

/** One stacked segment: month, category (in stacking order) and value (亿元, scaled for display). */
export interface CompositionPoint { period: string; category: string; value: number }

const FONT = 11;
/** Fills for up to five categories that stay distinct on a black-and-white printer. */
const FILLS = [CHART_INK.dark, CHART_INK.mid, CHART_INK.light, '#ffffff', '#000000'];

/** Monthly stacked bars by category (e.g. relief by kind), with a legend row above the plot. */
export function compositionChart(points: CompositionPoint[], options: { units: Units; source: string; width?: number; lang?: 'zh' | 'en' }): string {
  if (points.length === 0) throw new Error('compositionChart needs data; check the query it draws.');
  const width = options.width ?? 580;
  const categories = [...new Set(points.map((p) => p.category))];
  if (categories.length > FILLS.length) throw new Error(`compositionChart draws at most ${FILLS.length} categories, got ${categories.length}; fold the rest into 其他 in SQL.`);
  const periods = [...new Set(points.map((p) => p.period))].sort();
  const labels = monthLabels(periods, (width - 70) / periods.length, options.lang);
  const plotH = 250;
  const legendH = 22;
  const height = legendH + plotH + 20;
  const fill = new Map(categories.map((c, i) => [c, FILLS[i]!]));
  let x = 52;
  const legend = categories
    .map((c) => {
      const item = `<rect x="${x}" y="6" width="12" height="10" fill="${fill.get(c)}" stroke="#000" stroke-width="0.5"/><text x="${x + 16}" y="15" text-anchor="start" font-size="${FONT}">${escapeXml(c)}</text>`;
      x += 16 + textWidth(c, FONT) + 18;
      return item;
    })
    .join('');
  return composeSvg({
    width,
    height,
    fontSize: FONT,
    label: categories.join('、'),
    extra: legend,
    panels: [
      {
        y: legendH,
        options: {
          width,
          height: plotH,
          marginLeft: 52,
          marginRight: 18,
          marginTop: 18,
          marginBottom: 34,
          x: { type: 'band', domain: periods, paddingInner: 0.25, label: null, tickSize: 3, ticks: labels.ticks, tickFormat: (p: string) => labels.text.get(p) ?? '' },
          y: { label: options.units.yi, labelArrow: 'none', grid: true, ticks: 4, tickFormat: ',.0f' },
          color: { domain: categories, range: categories.map((c) => fill.get(c)!) },
          marks: [
            Plot.barY(points, Plot.stackY({ x: 'period', y: 'value', fill: 'category', order: categories, stroke: '#000', strokeWidth: 0.4 })),
            Plot.ruleY([0], { stroke: CHART_INK.text }),
          ],
        },
      },
    ],
    texts: [{ text: `${options.units.source}${options.source}`, x: 4, y: height - 6, fontSize: FONT - 1, fill: CHART_INK.dark }],
  });
}
