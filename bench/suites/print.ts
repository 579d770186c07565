import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sampleCommand, type BenchContext, type Sample } from '../harness.js';

/** The HTML files of the workspace's latest period whose names match `pattern` (written by the last render). */
export function renderedHtml(workspace: string, pattern: RegExp): string[] {
  const out = path.join(workspace, 'out');
  const period = readdirSync(out).filter((d) => /^\d{4}-\d{2}$/.test(d)).sort().at(-1);
  if (!period) throw new Error(`${out} holds no rendered period; delete the bench workspace and run again.`);
  const files = readdirSync(path.join(out, period)).filter((f) => pattern.test(f)).map((f) => path.join(out, period, f));
  if (files.length === 0) throw new Error(`${path.join(out, period)} holds no HTML matching ${pattern}.`);
  return files.sort();
}

/** One sample of the rendering baseline: a new process printing `files` with bare Chromium (bench/bare-print.ts). */
export async function barePrint(ctx: BenchContext, files: string[]): Promise<Sample> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'taxbrief-bench-print-'));
  try {
    return await sampleCommand([process.execPath, path.join(ctx.root, 'dist', 'bench', 'bare-print.js'), outDir, ...files], 1);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
