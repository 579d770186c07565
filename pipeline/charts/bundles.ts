/**
 * Observable Plot and d3 loaded from their single-file UMD builds (shipped in the packages' dist/)
 * instead of their ES modules. The ES modules are some 500 files (Plot's src/ and the 30 d3-*
 * packages); resolving and compiling them took most of a brief rerun's start-up. The UMD files are the
 * same versions' code, two files. Types come from the packages as usual.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as PlotModule from '@observablehq/plot';
import type * as D3Module from 'd3';

const require = createRequire(import.meta.url);

// A UMD file run as CommonJS; `deps` answers its require() calls. (The d3 package is "type": "module",
// so Node would not require() its .js files directly.)
function loadUmd(file: string, deps: Record<string, unknown>): unknown {
  const module = { exports: {} as Record<string, unknown> };
  const factory = new Function('exports', 'module', 'require', `${readFileSync(file, 'utf8')}\n//# sourceURL=${file}`) as
    (e: object, m: object, r: (id: string) => unknown) => void;
  factory(module.exports, module, (id) => {
    if (id in deps) return deps[id];
    throw new Error(`${path.basename(file)} requires ${id}, which pipeline/charts/bundles.ts does not provide.`);
  });
  return module.exports;
}

// require.resolve finds each package's entry (dist/d3.mjs, src/index.js); the UMD builds sit beside/below it.
const d3File = path.join(path.dirname(require.resolve('d3')), 'd3.min.js');
const plotFile = path.join(path.dirname(require.resolve('@observablehq/plot')), '..', 'dist', 'plot.umd.min.js');

/** d3 (v7, the whole library). */
export const d3 = loadUmd(d3File, {}) as typeof D3Module;

/** Observable Plot; its UMD build asks for d3 by a versioned name. */
export const Plot = loadUmd(plotFile, new Proxy({}, { has: (_t, id) => typeof id === 'string' && /^d3(@[\d.]+)?(\/dist\/d3(\.min)?\.js)?$/.test(id), get: () => d3 })) as typeof PlotModule;
