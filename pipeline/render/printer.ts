import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { CliError, ExitCode } from '../errors.js';
import type { Logger } from '../log.js';
import { writeAtomic } from '../write-atomic.js';
import { countPdfPages } from './pdf-file.js';
import { footerTemplate, headerTemplate, OFFICIAL_MARGINS } from './page-setup.js';
import { createPool } from './pool.js';
import { preflightFonts } from './fonts.js';

/** Prints HTML to PDF with one shared browser and a small page pool. */
export interface Printer {
  print(job: PrintJob): Promise<PrintResult>;
  /** How many jobs print at once (the page pool's size). */
  parallel: number;
  close(): Promise<void>;
}

/** One document to print. */
export interface PrintJob {
  html: string;
  outFile: string;
  classification: string /* e.g. '内部资料 注意保存', printed top-left on every page */;
  timeoutMs?: number;
  /** The brief's identity (e.g. city-440100-2026-10), carried on <html data-brief>: the page printed must be this one. */
  key?: string;
  /** How many charts (svg.chart) the page must show before it is printed. */
  charts?: number;
  /** Skip the glyph check (only for measuring a bare print). */
  skipFontCheck?: boolean;
  /** Print pages to lay over other PDFs: transparent, no margins, no header or footer (recipient watermarks). */
  overlay?: boolean;
}

/** What was printed: the file, its page count, and any network requests the page tried and was refused. */
export interface PrintResult {
  outFile: string;
  pages: number;
  blockedRequests: string[];
}

/** Chromium flags for a quiet, offline, container-friendly browser (see docs/DESIGN: Stack). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
] as const;

const DEFAULT_TIMEOUT_MS = 30_000;

/** Finds the Chromium binary: CHROMIUM_PATH, else /usr/bin/chromium, else chromium-browser on PATH. */
export function resolveChromium(env: NodeJS.ProcessEnv, isExecutable: (path: string) => boolean = executable): string {
  const fix = 'run npm run setup or set CHROMIUM_PATH';
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new CliError(`Chromium was not found at ${configured} (from CHROMIUM_PATH); ${fix} to an executable Chromium.`, ExitCode.environment);
  }
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'chromium-browser');
    if (isExecutable(candidate)) return candidate;
  }
  throw new CliError(`Chromium was not found at /usr/bin/chromium nor as chromium-browser on PATH; ${fix}.`, ExitCode.environment);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A pooled tab and the requests it refused during the current job. */
interface Tab {
  page: Page;
  blocked: string[];
}

/** Launches one headless Chromium (fresh profile, removed on close) and returns a printer over a pool of tabs. */
export async function launchPrinter(options: { executablePath: string; pagePool?: number /* default 2 */; logger: Logger }): Promise<Printer> {
  const { executablePath, logger } = options;
  const started = performance.now();
  const userDataDir = await mkdtemp(join(tmpdir(), 'taxbrief-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true, // no debugging port to open or to collide with another run
      userDataDir,
      args: [...CHROMIUM_ARGS],
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new CliError(
      `Chromium at ${executablePath} failed to start (${firstLine(err)}); run npm run setup or set CHROMIUM_PATH.`,
      ExitCode.environment,
      { cause: err },
    );
  }
  logger.info('Chromium started', { ms: Math.round(performance.now() - started), executablePath });

  let closing = false;
  browser.on('disconnected', () => {
    if (!closing) logger.error('Chromium exited unexpectedly; the remaining briefs cannot be printed.', { executablePath });
  });

  const pool = createPool<Tab>({
    size: options.pagePool ?? 2,
    create: () => openTab(browser),
    destroy: (tab) => tab.page.close(),
  });

  const inFlight = new Set<Promise<unknown>>();

  return {
    parallel: options.pagePool ?? 2,
    async print(job) {
      if (closing || !browser.connected) throw new CliError(`Cannot print ${job.outFile}: the printer is closed or Chromium has exited.`);
      const t0 = performance.now();
      // A character without a glyph would print as a box: refuse before Chromium spends time on it.
      if (!job.skipFontCheck) preflightFonts(job.html, job.classification, job.outFile);
      const running = pool.use((tab) => printOn(tab, job));
      inFlight.add(running);
      try {
        const result = await running;
        if (result.blockedRequests.length > 0) {
          logger.warn('Blocked network requests while printing', { outFile: job.outFile, blocked: result.blockedRequests.join(' ') });
        }
        logger.info('Printed', { outFile: job.outFile, pages: result.pages, ms: Math.round(performance.now() - t0) });
        return result;
      } catch (err) {
        throw new CliError(`Printing ${job.outFile} failed: ${firstLine(err)}; fix the cause and rerun that brief (--debug shows the stack).`, ExitCode.failure, {
          cause: err,
        });
      } finally {
        inFlight.delete(running);
      }
    },
    async close() {
      if (closing) return;
      closing = true;
      try {
        // Let jobs already printing finish (each has its own timeout) rather than cut them off mid-write.
        await Promise.allSettled([...inFlight]);
        await pool.drain();
        await browser.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A new tab that refuses every request except data: and about: URLs, and records what it refused. */
async function openTab(browser: Browser): Promise<Tab> {
  const page = await browser.newPage();
  const tab: Tab = { page, blocked: [] };
  // Briefs are self-contained: no script is needed, and none may run or fetch anything.
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    if (request.isInterceptResolutionHandled()) return;
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('about:')) {
      void request.continue();
      return;
    }
    if (!tab.blocked.includes(url)) tab.blocked.push(url);
    void request.abort('blockedbyclient');
  });
  return tab;
}

/** Loads the HTML, waits for fonts, prints, and writes the PDF atomically. Any failure discards the tab (see pool). */
async function printOn(tab: Tab, job: PrintJob): Promise<PrintResult> {
  const timeout = job.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { page } = tab;
  tab.blocked = [];
  return withTimeout(timeout, `did not finish within ${timeout} ms`, async (signal) => {
    await page.setContent(job.html, { waitUntil: 'load', timeout });
    // Ready means: fonts loaded (layout must not be measured with a fallback face), every chart in
    // place, and the document in this tab is the job's own (a pooled tab never prints another brief).
    const ready = await page.evaluate(() =>
      document.fonts.ready.then(() => ({ key: document.documentElement.getAttribute('data-brief'), charts: document.querySelectorAll('svg.chart').length })),
    );
    if (job.key !== undefined && ready.key !== job.key) throw new Error(`the page holds brief ${ready.key ?? '(none)'}, not ${job.key}`);
    if (job.charts !== undefined && ready.charts < job.charts) throw new Error(`only ${ready.charts} of ${job.charts} charts are on the page`);
    const pdf = await page.pdf(
      job.overlay
        ? { format: 'A4', printBackground: true, omitBackground: true, preferCSSPageSize: true, margin: { top: 0, bottom: 0, left: 0, right: 0 }, timeout }
        : {
            format: 'A4',
            printBackground: true,
            preferCSSPageSize: true,
            displayHeaderFooter: true,
            headerTemplate: headerTemplate(job.classification),
            footerTemplate: footerTemplate(),
            margin: { ...OFFICIAL_MARGINS },
            timeout,
          },
    );
    // A job that already timed out must not write a file after its failure was reported.
    if (signal.aborted) throw new Error('timed out before writing');
    writeAtomic(job.outFile, pdf);
    return { outFile: job.outFile, pages: countPdfPages(pdf), blockedRequests: [...tab.blocked] };
  });
}

/** Rejects after `ms` so a hung tab cannot hold up the run; the pool then closes that tab. */
async function withTimeout<T>(ms: number, message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}
