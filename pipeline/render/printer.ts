import type { ChildProcess } from 'node:child_process';
import fs, { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath, { basename, delimiter, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, ConnectOptions, HTTPRequest, Page, PDFOptions } from 'puppeteer-core';
import { CliError, ExitCode } from '../errors.js';
import { faultPoint } from '../fault-point.js';
import type { Logger } from '../log.js';
import { WriteError, writeAtomicAsync } from '../write-atomic.js';
import { countPdfPages } from './pdf-file.js';
import { footerTemplate, headerTemplate, OFFICIAL_MARGINS } from './page-setup.js';
import { spawnChromium, type SpawnedChromium } from './chromium.js';
import type { FontCoverage } from './fonts.js';
import { createPool } from './pool.js';

// puppeteer's connect(), required (CommonJS) only when the printer connects: Puppeteer.connect is this module's
// _connectToBrowser. Its entry (puppeteer-core) would also load the launcher, @puppeteer/browsers, ws and semver: twice
// the files (216 against 102), about 0.2 s more on the main thread of every command that prints.
type Connect = (options: ConnectOptions) => Promise<Browser>;
let connectToBrowser: Connect | undefined;
const loadPuppeteer = (): Connect => {
  if (connectToBrowser) return connectToBrowser;
  const require = createRequire(import.meta.url);
  // what the package entry sets up for Node (files for page.pdf({ path }), which we do not use), unless it was loaded
  const { environment } = require('puppeteer-core/internal/environment.js') as { environment: { value: object } };
  if (!('path' in environment.value)) environment.value = { fs, path: nodePath, get ScreenRecorder(): never { throw new Error('ScreenRecorder is not loaded by taxbrief.'); } };
  return (connectToBrowser = (require('puppeteer-core/internal/common/BrowserConnector.js') as { _connectToBrowser: Connect })._connectToBrowser);
};

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
  // The full browser (where the headless shell is not installed): Chromium 156 preloads its omnibox popup
  // (chrome://omnibox-popup.top-chrome) in a renderer of its own at every start, headless too: 1.1 s of CPU, and 0.3 s
  // more in the browser, on a 2-core machine where DuckDB answers the brief's queries meanwhile. Merged into
  // puppeteer's own list of disabled features (`chromiumCommandLine`); the headless shell has no toolbar to disable.
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
] as const;

const DEFAULT_TIMEOUT_MS = 30_000;
const LAUNCH_TIMEOUT_MS = 30_000;
const PROTOCOL_TIMEOUT_MS = 60_000;

/**
 * Debian's chromium-headless-shell (the same Chromium build without the browser's windows, tabs and toolbars): it starts
 * in a third of the time and prints the same PDF (same Skia, fonts and tags; pages rasterised identical). Its
 * /usr/bin wrapper keeps a shell as Chromium's parent, so the binary itself is started: the printer kills what it spawned.
 */
export const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

/** Finds the Chromium binary: CHROMIUM_PATH, else Debian's headless shell, else /usr/bin/chromium, else chromium-browser on PATH. */
export function resolveChromium(env: NodeJS.ProcessEnv, isExecutable: (path: string) => boolean = executable): string {
  const fix = 'run npm run setup or set CHROMIUM_PATH';
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new CliError(`Chromium was not found at ${configured} (from CHROMIUM_PATH); ${fix} to an executable Chromium.`, ExitCode.environment);
  }
  if (isExecutable(HEADLESS_SHELL)) return HEADLESS_SHELL;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'chromium-browser');
    if (isExecutable(candidate)) return candidate;
  }
  throw new CliError(`Chromium was not found at ${HEADLESS_SHELL} nor /usr/bin/chromium nor as chromium-browser on PATH; ${fix}.`, ExitCode.environment);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A pooled tab, its browser, the requests it refused during the current job, and whether its renderer crashed. */
interface Tab {
  page: Page;
  browser: Browser;
  blocked: string[];
  crashed: boolean;
  /** Rejects when the tab's renderer crashes or its browser exits (puppeteer would otherwise wait for the timeout). */
  lost: Promise<never>;
}

/** Removes the profiles of runs that were killed (their process is gone): close() removes a run's own. */
async function sweepProfiles(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^taxbrief-chromium-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      // best effort: a profile that cannot go now is tried again by the next run
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') await rm(join(tmpdir(), name), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    }
  }
}

/** One running Chromium, its process and its throwaway profile. */
interface Running { browser: Browser; child: ChildProcess; userDataDir: string }

/** A Chromium process started but not yet connected to: puppeteer is not loaded until it is. */
interface Spawned { spawned: SpawnedChromium; userDataDir: string; started: number }

/** Starts Chromium (puppeteer's flags and ours, a pipe rather than a debugging port to open or to collide with another run). */
async function spawnStep(executablePath: string): Promise<Spawned> {
  const started = performance.now();
  const userDataDir = await mkdtemp(join(tmpdir(), `taxbrief-chromium-${process.pid}-`));
  const spawned = spawnChromium(executablePath, userDataDir, CHROMIUM_ARGS);
  await sweepProfiles();
  return { spawned, userDataDir, started };
}

/** Loads puppeteer and connects to a started Chromium; a browser that does not answer is killed and its profile removed. */
async function connectStep({ spawned, userDataDir, started }: Spawned, executablePath: string, logger: Logger): Promise<Running> {
  try {
    const connecting = loadPuppeteer()({
      transport: spawned.transport,
      defaultViewport: { width: 800, height: 600 }, // puppeteer.launch's
      protocolTimeout: PROTOCOL_TIMEOUT_MS, // a call to a crashed page must not wait puppeteer's 180 s
    });
    connecting.catch(() => undefined); // raced below
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${LAUNCH_TIMEOUT_MS} ms`)), LAUNCH_TIMEOUT_MS)));
    const browser = await Promise.race([connecting, spawned.exited, late]).finally(() => clearTimeout(timer));
    logger.info('Chromium started', { ms: Math.round(performance.now() - started), executablePath });
    return { browser, child: spawned.child, userDataDir };
  } catch (err) {
    spawned.child.kill('SIGKILL');
    await removeProfile(userDataDir, logger);
    throw chromiumFailed(executablePath, err);
  }
}

function chromiumFailed(executablePath: string, err: unknown): CliError {
  return new CliError(`Chromium at ${executablePath} failed to start (${firstLine(err)}); run npm run setup or set CHROMIUM_PATH.`, ExitCode.environment, { cause: err });
}

/** Starts Chromium, loads puppeteer while it starts, and connects. */
async function startChromium(executablePath: string, logger: Logger): Promise<Running> {
  let spawned: Spawned;
  try {
    spawned = await spawnStep(executablePath);
  } catch (err) {
    throw chromiumFailed(executablePath, err);
  }
  return connectStep(spawned, executablePath, logger);
}

/** How to launch the printer: the Chromium binary, the page pool's size (default 2), how many documents to expect. */
export interface PrinterOptions {
  executablePath: string;
  pagePool?: number;
  /** No more tabs are opened ahead of the first job than this (one brief needs one tab; default: the pool's size). */
  jobs?: number;
  /** Write tagged (accessible, structure-tree) PDFs (default TAGGED_PDF_DEFAULT). */
  tagged?: boolean;
  logger: Logger;
}

/**
 * Whether PDFs carry Chromium's accessibility tags unless asked otherwise ($TAXBRIEF_TAGGED_PDF). Untagged prints
 * faster (no structure tree to build and write); tagged lets screen readers and reflow follow the document.
 */
export const TAGGED_PDF_DEFAULT = true;

/**
 * Chromium started ahead of its printer (`startPrinter`): `connect()` loads puppeteer (some 0.2 s on the main thread),
 * attaches to the browser and opens the tabs. A command calls it when its main thread would otherwise wait (while DuckDB
 * answers a brief's queries), not before its own start-up. `close()` ends the browser, connected or not.
 */
export interface StartingPrinter {
  connect(hint?: { jobs?: number }): Promise<Printer>;
  close(): Promise<void>;
}

/** Starts Chromium now (and the fonts' coverage read); the printer connects when asked to. */
export function startPrinter(options: PrinterOptions): StartingPrinter {
  const { executablePath, logger } = options;
  const spawning = spawnStep(executablePath);
  spawning.catch(() => undefined); // observed by connect, or by close
  let connected: Promise<Printer> | undefined;
  return {
    connect(hint) {
      connected ??= (async () => {
        let spawned: Spawned;
        try {
          spawned = await spawning;
        } catch (err) {
          throw chromiumFailed(executablePath, err);
        }
        // whatever the caller asked of DuckDB just before is handed to it first: puppeteer's load holds the main thread
        await new Promise<void>((resolve) => setImmediate(resolve));
        // fontconfig reads the faces' glyph coverage meanwhile, not when the first brief is due (the preflight's module,
        // with its HTML parser, loads after puppeteer: like it, not before the command's own start-up)
        const fonts = import('./fonts.js').then(async (preflight) => ({ preflight, coverage: await preflight.fontCoverage() }));
        fonts.catch(() => undefined); // observed by the first print's preflight
        void fonts.then(({ coverage }) => {
          if (coverage.missingPrintFaces.length > 0) {
            logger.warn(`The print faces ${coverage.missingPrintFaces.join(', ')} are not installed: briefs print from the full Noto/UKai faces, correctly but about twice as slowly; run npm run setup.`);
          }
        }, () => undefined);
        return printerOn(await connectStep(spawned, executablePath, logger), fonts, { ...options, jobs: hint?.jobs ?? options.jobs });
      })();
      return connected;
    },
    async close() {
      if (connected) {
        await (await connected.catch(() => undefined))?.close();
        return;
      }
      const spawned = await spawning.catch(() => undefined);
      if (!spawned) return;
      await stopChromium({ child: spawned.spawned.child });
      await removeProfile(spawned.userDataDir, logger);
    },
  };
}

/**
 * Launches one headless Chromium (fresh profile, removed on close) and returns a printer over a pool of tabs.
 * A job that fails (a renderer crash, the browser gone, a timeout) is tried once more, on a new tab, and on
 * a new Chromium when the old one has exited; a second failure is the job's failure, and the others go on.
 */
export async function launchPrinter(options: PrinterOptions): Promise<Printer> {
  return startPrinter(options).connect();
}

/** The printer over a connected Chromium: its page pool, the retry on a new tab or a new browser, and the preflight. */
function printerOn(first: Running, fonts: Promise<{ preflight: typeof import('./fonts.js'); coverage: FontCoverage }>, options: PrinterOptions): Printer {
  const { executablePath, logger } = options;
  let current = first;
  let closing = false;
  let restarting: Promise<void> | undefined;
  const watch = (browser: Browser) =>
    browser.on('disconnected', () => {
      if (!closing) logger.error('Chromium exited unexpectedly; a new one is started for the documents still to print.', { executablePath });
    });
  watch(current.browser);
  // Replaces a browser that died (once, however many jobs notice it).
  const restart = async (dead: Browser): Promise<void> => {
    if (current.browser !== dead || closing) return;
    restarting ??= (async () => {
      const old = current;
      await stopChromium(old);
      await removeProfile(old.userDataDir, logger);
      current = await startChromium(executablePath, logger);
      watch(current.browser);
    })().finally(() => (restarting = undefined));
    await restarting;
  };

  const pool = createPool<Tab>({
    size: options.pagePool ?? 2,
    create: () => openTab(current.browser),
    destroy: (tab) => tab.page.close(),
    valid: (tab) => tab.browser === current.browser && tab.browser.connected && !tab.crashed,
  });

  // the tabs open while the first brief is still being built (no more than the documents expected)
  pool.fill(options.jobs);
  const inFlight = new Set<Promise<unknown>>();

  return {
    parallel: options.pagePool ?? 2,
    async print(job) {
      if (closing) throw new CliError(`Cannot print ${job.outFile}: the printer is closed.`);
      const t0 = performance.now();
      // A character without a glyph would print as a box: refuse before Chromium spends time on it.
      if (!job.skipFontCheck) {
        const { preflight, coverage } = await fonts;
        preflight.preflightFonts(job.html, job.classification, job.outFile, coverage);
      }
      let failure: unknown;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const browser = current.browser;
        if (!browser.connected) await restart(browser);
        const running = pool.use((tab) => printOn(tab, job, options.tagged ?? TAGGED_PDF_DEFAULT));
        inFlight.add(running);
        try {
          const result = await running;
          if (result.blockedRequests.length > 0) {
            logger.warn('Blocked network requests while printing', { outFile: job.outFile, blocked: result.blockedRequests.join(' ') });
          }
          logger.info('Printed', { outFile: job.outFile, pages: result.pages, ms: Math.round(performance.now() - t0), ...(attempt > 1 ? { attempt } : {}) });
          return result;
        } catch (err) {
          failure = err;
          // A full disk or an unwritable folder is not Chromium's doing: trying again would not help.
          if (err instanceof WriteError || closing) break;
          if (attempt === 1) logger.warn(`Printing ${job.outFile} failed (${firstLine(err)}); trying once more${browser.connected ? '' : ' on a new Chromium'}.`);
        } finally {
          inFlight.delete(running);
        }
      }
      if (failure instanceof WriteError) throw failure;
      throw new CliError(`Printing ${job.outFile} failed: ${firstLine(failure)} (tried twice); fix the cause and rerun that brief (--debug shows the stack).`, ExitCode.failure, {
        cause: failure,
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      try {
        // Let jobs already printing finish (each has its own timeout) rather than cut them off mid-write.
        await Promise.allSettled([...inFlight]);
        await restarting?.catch(() => undefined);
        // the idle tabs need no closing of their own: they end with their browser
        const draining = pool.drain();
        await stopChromium(current);
        await draining;
      } finally {
        await removeProfile(current.userDataDir, logger);
      }
    },
  };
}

/**
 * Removes a Chromium profile (on close, after a crash, after a failed start). A killed or crashed browser's helper
 * processes may still be writing into it for a moment (rm then meets ENOTEMPTY): retried, and a profile that still
 * cannot go is left to the next run's sweep rather than failing a run.
 */
async function removeProfile(userDataDir: string, logger: Logger): Promise<void> {
  try {
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  } catch (error) {
    logger.warn(`could not remove the Chromium profile ${userDataDir} (${firstLine(error)}); the next run removes it`);
  }
}

/**
 * Ends a browser whose documents are all written (Node wrote every PDF; the profile is thrown away): a
 * kill takes some 20 ms where Chromium's orderly shutdown takes 150–300 ms of every command.
 */
async function stopChromium({ child }: Pick<Running, 'child'>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** A new tab that refuses every request except data: and about: URLs, and records what it refused. */
async function openTab(browser: Browser): Promise<Tab> {
  const page = await browser.newPage();
  let lose: (error: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => (lose = reject));
  lost.catch(() => undefined);
  const tab: Tab = { page, browser, blocked: [], crashed: false, lost };
  page.on('error', (error: Error) => {
    tab.crashed = true;
    lose(new Error(`the page crashed (${error.message})`));
  });
  browser.once('disconnected', () => lose(new Error('Chromium exited')));
  // Briefs are self-contained: no script is needed, and none may run or fetch anything.
  const setup = (async () => {
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
  })();
  setup.catch(() => undefined); // observed by the race below
  try {
    await Promise.race([setup, lost]); // a renderer that crashes while the tab opens fails it now
  } catch (error) {
    await page.close().catch(() => undefined);
    throw error;
  }
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
async function printOn(tab: Tab, job: PrintJob, tagged: boolean): Promise<PrintResult> {
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
    await faultPoint('print', job.key ?? basename(job.outFile, '.pdf'));
    const pdf = await page.pdf({ ...pdfOptions(job, tagged), timeout });
    // A job that already timed out must not write a file after its failure was reported.
    if (signal.aborted) throw new Error('timed out before writing');
    await writeAtomicAsync(job.outFile, pdf, signal);
    return { outFile: job.outFile, pages: countPdfPages(pdf), blockedRequests: [...tab.blocked] };
  }, tab.lost);
}

/** The print options of a job (A4; a brief's margins, classification mark and page numbers, or an overlay's none): also the bench's bare print's. */
export function pdfOptions(job: Pick<PrintJob, 'classification' | 'overlay'>, tagged: boolean): PDFOptions {
  return job.overlay
    ? { format: 'A4', printBackground: true, omitBackground: true, preferCSSPageSize: true, margin: { top: 0, bottom: 0, left: 0, right: 0 }, tagged }
    : {
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: headerTemplate(job.classification),
        footerTemplate: footerTemplate(),
        margin: { ...OFFICIAL_MARGINS },
        tagged,
      };
}

/** Rejects after `ms` so a hung tab cannot hold up the run; the pool then closes that tab. */
async function withTimeout<T>(ms: number, message: string, work: (signal: AbortSignal) => Promise<T>, lost?: Promise<never>): Promise<T> {
  const controller = new AbortController();
  // A crashed page never answers: fail now (and never write afterwards) rather than at the timeout.
  const gone = lost?.catch((error: unknown) => {
    controller.abort();
    throw error;
  });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired, ...(gone ? [gone] : [])]);
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}
