import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openForStamping, readOverlays, type Overlays } from '../pipeline/deliver/stamp.js';
import { watermarkPages } from '../pipeline/deliver/watermark.js';
import { memoryLogger } from '../pipeline/log.js';
import { launchPrinter, resolveChromium, type Printer } from '../pipeline/render/printer.js';
import { tempDir } from './helpers/workspace.js';

// Recipient copies are the printed brief with a watermark page stamped on: real Chromium, real pdf-lib, pdftotext.
const tmp = tempDir('taxbrief-stamp-');
const CLASSIFICATION = '内部资料 注意保存';
const brief = path.join(tmp.dir, 'brief.pdf');
const pageText = (pdf: string, p: number) => execFileSync('pdftotext', ['-raw', '-f', String(p), '-l', String(p), '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
const pageCount = (pdf: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);

/**
 * A stamped copy of the three-page test brief: poppler reads it without complaint (a wrong offset in the update's
 * cross-reference section would be a "Syntax Error"), and every page keeps its text, header and page number and
 * carries `watermark` (twice) and nothing of `other`.
 */
function expectStamped(copy: string, watermark: string, other: string): void {
  const check = spawnSync('pdftotext', ['-enc', 'UTF-8', copy, '-'], { encoding: 'utf8' });
  expect(check.status).toBe(0);
  expect(check.stderr).toBe('');
  expect(pageCount(copy)).toBe(3);
  for (const [i, own] of ['第一页正文', '第二页正文', '第三页正文'].entries()) {
    const text = pageText(copy, i + 1);
    expect(text).toContain(own);
    expect(text).toContain(`${watermark} · 内部资料 注意保存`);
    expect(text).not.toContain(other);
    expect(text.match(/内部资料 注意保存/g)).toHaveLength(3); // the header once, the watermark twice
    expect(text).toMatch(new RegExp(`—\\s*${i + 1}\\s*—`));
  }
}
let printer: Printer;
let overlays: Overlays;

beforeAll(async () => {
  printer = await launchPrinter({ executablePath: resolveChromium(process.env), logger: memoryLogger() });
  const body = ['第一页正文', '第二页正文', '第三页正文'].map((t) => `<p style="break-after:page">${t}</p>`).join('');
  await printer.print({ html: `<!doctype html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`, outFile: brief, classification: CLASSIFICATION });
  const file = path.join(tmp.dir, 'watermarks.pdf');
  await printer.print({
    html: watermarkPages([{ name: '张三', id: 'R001', classification: CLASSIFICATION }, { name: '李四', id: 'R002', classification: CLASSIFICATION }]),
    outFile: file,
    classification: CLASSIFICATION,
    overlay: true,
  });
  overlays = await readOverlays(file);
}, 60_000);

afterAll(async () => {
  await printer?.close();
  tmp.cleanup();
});

describe('stamping watermarks onto a printed brief', () => {
  it('prints one bare overlay page per recipient: no header, no page number', () => {
    expect(overlays.pages).toBe(2);
    const text = pageText(path.join(tmp.dir, 'watermarks.pdf'), 1);
    expect(text).toContain('仅供张三阅 · R001 · 内部资料 注意保存');
    expect(text).not.toMatch(/—\s*1\s*—/);
  });

  it("prints an English edition's watermark in English, whole on the page", async () => {
    const file = path.join(tmp.dir, 'watermarks-en.pdf');
    const classification = 'INTERNAL — HANDLE WITH CARE';
    await printer.print({ html: watermarkPages([{ name: '王五', id: 'R003', classification, lang: 'en' }]), outFile: file, classification, overlay: true });
    const text = pageText(file, 1);
    // twice a page, nothing cut off at the page edge
    expect(text.split('For 王五 only · R003 · INTERNAL — HANDLE WITH CARE')).toHaveLength(3);
    expect(text).not.toContain('仅供');
  });

  it('puts the recipient watermark on every page and keeps the brief, its header and page numbers', async () => {
    const before = readFileSync(brief);
    const stamped = await openForStamping(brief);
    const copy = path.join(tmp.dir, 'R001.pdf');
    await stamped.stampTo(overlays, 0, copy);
    expect(readFileSync(brief).equals(before)).toBe(true);
    // an incremental update: the printed bytes stay as Chromium wrote them, the watermark is appended after them
    const stampedBytes = readFileSync(copy);
    expect(stampedBytes.subarray(0, before.length).equals(before)).toBe(true);
    expect(stampedBytes.length).toBeGreaterThan(before.length);
    expectStamped(copy, '仅供张三阅 · R001', '李四');
    // every font embedded (pdffonts: the "emb" column says yes on each row)
    const fonts = execFileSync('pdffonts', [copy], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/);
  });

  it('gives the same bytes for a copy whichever copies were stamped before it: nothing of another recipient stays in the file', async () => {
    const shared = await openForStamping(brief);
    await shared.stampTo(overlays, 0, path.join(tmp.dir, 'first-R001.pdf'));
    await shared.stampTo(overlays, 1, path.join(tmp.dir, 'then-R002.pdf'));
    const fresh = await openForStamping(brief);
    await fresh.stampTo(overlays, 1, path.join(tmp.dir, 'only-R002.pdf'));
    const then = readFileSync(path.join(tmp.dir, 'then-R002.pdf'));
    expect(then.equals(readFileSync(path.join(tmp.dir, 'only-R002.pdf')))).toBe(true);
    expect(pageText(path.join(tmp.dir, 'then-R002.pdf'), 2)).toContain('仅供李四阅 · R002');
    expect(execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(tmp.dir, 'then-R002.pdf'), '-'], { encoding: 'utf8' })).not.toContain('张三');
  });

  it('stamps a PDF whose cross-references are a compressed stream (parsed whole) as it stamps a plain one', async () => {
    // pdf-lib writes object streams and an xref stream: the reader cannot walk a plain table and parses the file whole
    const compressed = path.join(tmp.dir, 'compressed.pdf');
    const doc = await PDFDocument.load(readFileSync(brief));
    writeFileSync(compressed, await doc.save({ useObjectStreams: true }));
    expect(readFileSync(compressed).toString('latin1')).toContain('/XRef');
    const copy = path.join(tmp.dir, 'compressed-R002.pdf');
    await (await openForStamping(compressed)).stampTo(overlays, 1, copy);
    expectStamped(copy, '仅供李四阅 · R002', '张三');
  });
});
