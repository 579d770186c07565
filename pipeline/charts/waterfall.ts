import { Plot } from './bundles.js';
import { CHART_INK, composeSvg, formatOne, textWidth, type Units } from './plot.js';

/** One step of a waterfall: a part and its contribution to the total's growth (百分点, from SQL). */
export interface WaterfallStep { label: string; value: number }

const FONT = 11;
const LINE = 13; // px a label line takes
const ANGLE = 35; // degrees of an angled label

/**
 * Contribution waterfall: each part's 拉动 (百分点) stacked from zero to the total growth rate, then
 * the total as a solid bar. Rises mid grey, falls dark; every step labelled with its signed value.
 */
export function waterfallChart(steps: WaterfallStep[], total: WaterfallStep, options: { units: Units; source: string; width?: number }): string {
  if (steps.length === 0) throw new Error('waterfallChart needs at least one step; check the query it draws.');
  const width = options.width ?? 580;
  let run = 0;
  const bars = steps.map((s) => {
    const start = run;
    run += s.value;
    return { label: s.label, start, end: run, value: s.value, kind: s.value < 0 ? 'down' : 'up' };
  });
  bars.push({ label: total.label, start: 0, end: total.value, value: total.value, kind: 'total' });
  const labels = bars.map((b) => b.label);
  const band = (width - 60) / bars.length;
  // long labels (信息传输、软件和信息技术服务业) are wrapped to the band's width; the bottom margin grows with them
  const wrapped = new Map(labels.map((l) => [l, wrapLabel(l, band - 4, FONT)]));
  // a Latin word wider than its band (Manufacturing) would be hyphenated mid-word: such labels are set at an angle instead
  const angled = labels.some((l) => (l.match(/[A-Za-z&]+/g) ?? []).some((w) => textWidth(w, FONT) > band - 4));
  const wrap = (s: string) => (angled ? s : (wrapped.get(s) ?? s));
  const extraLines = angled ? 0 : Math.max(0, ...[...wrapped.values()].map((w) => w.split('\n').length - 2));
  // the angled labels' depth below the axis beyond the two label lines (2 × LINE) the bottom margin holds anyway,
  // and how far the first reaches left of its bar
  const cos = Math.cos((ANGLE * Math.PI) / 180);
  const sin = Math.sin((ANGLE * Math.PI) / 180);
  const angledDepth = angled ? Math.max(...labels.map((l) => textWidth(l, FONT))) * sin + FONT - 2 * LINE : 0;
  const marginLeft = angled ? Math.max(48, textWidth(labels[0]!, FONT) * cos - band / 2 + 8) : 48;
  const ends = bars.flatMap((b) => [b.start, b.end]);
  const lo = Math.min(0, ...ends);
  const hi = Math.max(0, ...ends);
  const pad = (hi - lo) * 0.14 || 1;
  const plotH = 220 + extraLines * LINE + angledDepth;
  const height = plotH + 20;
  const fill = (b: { kind: string }) => (b.kind === 'total' ? CHART_INK.text : b.kind === 'down' ? CHART_INK.dark : CHART_INK.mid);
  const signedLabel = (b: { value: number; kind: string }) => `${b.value > 0 && b.kind !== 'total' ? '+' : ''}${formatOne(b.value)}`;
  return composeSvg({
    width,
    height,
    fontSize: FONT,
    label: `拉动（${options.units.pp}）`,
    panels: [
      {
        y: 0,
        options: {
          width,
          height: plotH,
          marginLeft,
          marginRight: 12,
          marginTop: 24,
          marginBottom: 40 + extraLines * LINE + angledDepth,
          x: { domain: labels, label: null, tickSize: 0, padding: 0.25, tickFormat: wrap, ...(angled ? { tickRotate: -ANGLE } : {}) },
          y: { domain: [lo < 0 ? lo - pad : 0, hi + pad], label: options.units.pp, labelArrow: 'none', ticks: 5, grid: true, tickFormat: (v: number) => formatOne(v).replace(/\.0$/, '') },
          marks: [
            Plot.rectY(bars, { x: 'label', y1: 'start', y2: 'end', fill }),
            Plot.ruleY([0], { stroke: CHART_INK.text }),
            // connectors from each step's end to the next step's start, so the eye follows the running total
            // (x1/x2 named as channels: without them each connector ran across the whole chart, through the labels)
            Plot.ruleY(bars.slice(0, -1).map((b, i) => ({ y: b.end, x1: b.label, x2: bars[i + 1]!.label })), { y: 'y', x1: 'x1', x2: 'x2', stroke: CHART_INK.rule, strokeDasharray: '2,2', strokeWidth: 0.75 }),
            Plot.text(bars, {
              x: 'label',
              y: (b: { start: number; end: number }) => Math.max(b.start, b.end),
              text: signedLabel,
              dy: -4,
              lineAnchor: 'bottom',
              fill: CHART_INK.text,
            }),
          ],
        },
      },
    ],
    texts: [{ text: `${options.units.source}${options.source}`, x: 4, y: height - 6, fontSize: FONT - 1, fill: CHART_INK.dark }],
  });
}

/**
 * A category label broken into lines no wider than `width` (at most 4; the last is cut with …): Chinese between any two
 * characters, preferring to break after 、 or 和 once a line is half full (a 、 may hang past the width rather than start
 * a line; a lone last character takes the one before it along); English between words, a word wider than the line hyphenated.
 */
export function wrapLabel(label: string, width: number, fontSize: number): string {
  if (textWidth(label, fontSize) <= width) return label;
  const fits = (t: string) => textWidth(t, fontSize) <= width;
  const lines: string[] = [];
  let line = '';
  // tokens: a Latin word with its trailing space, or one character
  for (let token of label.match(/[A-Za-z0-9.,'’()-]+ ?|./gu) ?? []) {
    const word = /^[A-Za-z0-9]/.test(token);
    if (word) {
      if (line !== '' && !fits(line + token.trimEnd())) { lines.push(line.trimEnd()); line = ''; }
      while (!fits(token.trimEnd())) {
        let n = token.length - 1;
        while (n > 1 && !fits(`${token.slice(0, n)}-`)) n--;
        lines.push(`${token.slice(0, n)}-`);
        token = token.slice(n);
      }
      line += token;
      continue;
    }
    // punctuation never starts a line: it hangs at the end of this one
    if (line !== '' && !'、，。；：）'.includes(token) && !fits(line + token)) {
      // move the tail after the last 、/和 of a half-full line down with this character
      const cut = Math.max(line.lastIndexOf('、'), line.lastIndexOf('和'));
      if (cut >= line.length / 2 && cut < line.length - 1) {
        lines.push(line.slice(0, cut + 1));
        line = line.slice(cut + 1);
      } else {
        lines.push(line);
        line = '';
      }
    }
    line += token;
  }
  lines.push(line.trimEnd());
  // no lone character on the last line (交通运输/业): the line above gives it its last character
  const [above, last] = [lines.at(-2), lines.at(-1)!];
  if (above && /^\p{Script=Han}$/u.test(last) && /\p{Script=Han}{3}$/u.test(above)) lines.splice(-2, 2, above.slice(0, -1), above.slice(-1) + last);
  if (lines.length > 4) lines.splice(3, lines.length - 3, `${lines[3]!.slice(0, -1)}…`);
  return lines.join('\n');
}
