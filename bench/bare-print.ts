/**
 * The rendering baseline (a child process of the brief and fanout suites, not a command of its own):
 * `node dist/bench/bare-print.js OUT_DIR FILE.html ...` launches Chromium as the printer does (the
 * same binary, resolveChromium's: the headless shell where installed; the same flags), prints each HTML file to A4 PDF with two tabs and the printer's options (margins, classification
 * mark, page numbers, tagged or not as $TAXBRIEF_TAGGED_PDF says), and nothing else: no warehouse, no queries, no
 * charts, no template, no preflight. A brief's time over this is what the pipeline adds to printing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, pdfOptions, resolveChromium, TAGGED_PDF_DEFAULT } from '../pipeline/render/printer.js';

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  process.stderr.write('usage: node dist/bench/bare-print.js OUT_DIR FILE.html ...\n');
  process.exit(2);
}
// the briefs' mark (reports/*/report.json); its length is all that matters to the print
const options = pdfOptions({ classification: '内部资料 注意保存' }, process.env.TAXBRIEF_TAGGED_PDF ? process.env.TAXBRIEF_TAGGED_PDF === '1' : TAGGED_PDF_DEFAULT);
const browser = await puppeteer.launch({ executablePath: resolveChromium(process.env), headless: true, pipe: true, args: [...CHROMIUM_ARGS] });
try {
  const queue = [...files];
  await Promise.all(
    Array.from({ length: Math.min(2, files.length) }, async () => {
      const page = await browser.newPage();
      for (let f = queue.shift(); f; f = queue.shift()) {
        await page.setContent(await readFile(f, 'utf8'), { waitUntil: 'load' });
        await page.pdf({ ...options, path: path.join(outDir, `${path.basename(f, '.html')}.pdf`) });
      }
    }),
  );
} finally {
  await browser.close();
}
