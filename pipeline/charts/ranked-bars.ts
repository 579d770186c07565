import { Plot } from './bundles.js';
import { CHART_INK, composeSvg, formatOne, textWidth, type Units } from './plot.js';

/** One bar: its label, its value (亿元 or %, already scaled for display) and whether it is highlighted. */
export interface RankedBar { label: string; value: number; highlight?: boolean }

const FONT = 11;

/**
 * Horizontal bars sorted by value, each labelled with its value: e.g. cities by growth.
 * Grayscale: positive bars mid grey, negative bars dark, a highlighted bar (the city of a city brief) black.
 */
export function rankedBarsChart(bars: RankedBar[], options: { unit: string; units: Units; source: string; width?: number }): string {
  if (bars.length === 0) throw new Error('rankedBarsChart needs at least one bar; check the query it draws.');
  const width = options.width ?? 580;
  const rows = [...bars].sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  const band = 14;
  const marginLeft = Math.ceil(Math.max(...rows.map((r) => textWidth(r.label, FONT)))) + 10;
  // the unit's label has a row of its own below the tick labels: beside them it ran into the last tick ("25" under "增长（%）")
  const plotH = rows.length * band + 58;
  const height = plotH + 20;
  const lo = Math.min(0, ...rows.map((r) => r.value));
  const hi = Math.max(0, ...rows.map((r) => r.value));
  // room for the value labels at both ends so they never run into the frame or the axis labels
  const pad = (hi - lo) * 0.16 || 1;
  const fill = (r: RankedBar) => (r.highlight ? CHART_INK.text : r.value < 0 ? CHART_INK.dark : CHART_INK.mid);
  const svg = composeSvg({
    width,
    height,
    fontSize: FONT,
    label: `${options.unit}`,
    panels: [
      {
        y: 0,
        options: {
          width,
          height: plotH,
          marginLeft,
          marginRight: 16,
          marginTop: 22,
          marginBottom: 36,
          x: { domain: [lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0], label: options.unit, labelArrow: 'none', labelAnchor: 'right', labelOffset: 34, ticks: 5, tickFormat: (v: number) => formatOne(v).replace(/\.0$/, ''), grid: true },
          y: { domain: rows.map((r) => r.label), label: null, tickSize: 0, padding: 0.25 },
          marks: [
            Plot.barX(rows, { x: 'value', y: 'label', fill }),
            Plot.ruleX([0], { stroke: CHART_INK.text }),
            Plot.text(rows.filter((r) => r.value >= 0), { x: 'value', y: 'label', text: (r: RankedBar) => formatOne(r.value), textAnchor: 'start', dx: 3, fill: CHART_INK.text }),
            Plot.text(rows.filter((r) => r.value < 0), { x: 'value', y: 'label', text: (r: RankedBar) => formatOne(r.value), textAnchor: 'end', dx: -3, fill: CHART_INK.text }),
          ],
        },
      },
    ],
    texts: [{ text: `${options.units.source}${options.source}`, x: 4, y: height - 6, fontSize: FONT - 1, fill: CHART_INK.dark }],
  });
  return svg;
}
