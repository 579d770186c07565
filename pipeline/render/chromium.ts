import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable, Readable } from 'node:stream';
import type { ConnectionTransport } from 'puppeteer-core';

/**
 * Chromium started by hand, as puppeteer.launch({ pipe: true, headless: true }) starts it (but with no window), without
 * loading puppeteer first: the browser's start (some 0.5 s) then runs beside the loading of puppeteer,
 * DuckDB and the brief's queries instead of after them. puppeteer.connect() takes the DevTools pipe later.
 */
export interface SpawnedChromium {
  child: ChildProcess;
  /** The DevTools protocol over the pipe (fd 3 in, fd 4 out), for puppeteer.connect({ transport }). */
  transport: ConnectionTransport;
  /** Rejects when the process cannot be started or exits; never resolves. */
  exited: Promise<never>;
}

/**
 * Puppeteer's default arguments for headless Chromium (puppeteer-core 24.43.1, `puppeteer.defaultArgs({ headless: true })`
 * without its trailing about:blank); test/speed.test.ts holds them equal to the installed puppeteer's.
 */
export const PUPPETEER_DEFAULT_ARGS = [
  '--allow-pre-commit-input',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-breakpad',
  '--disable-client-side-phishing-detection',
  '--disable-component-extensions-with-background-pages',
  '--disable-crash-reporter',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-hang-monitor',
  '--disable-infobars',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--disable-prompt-on-repost',
  '--disable-renderer-backgrounding',
  '--disable-search-engine-choice-screen',
  '--disable-sync',
  '--enable-automation',
  '--export-tagged-pdf',
  '--force-color-profile=srgb',
  '--generate-pdf-document-outline',
  '--metrics-recording-only',
  '--no-first-run',
  '--password-store=basic',
  '--use-mock-keychain',
  '--disable-features=Translate,AcceptCHFrame,MediaRouter,OptimizationHints,WebUIReloadButton,ProcessPerSiteUpToMainFrameThreshold,IsolateSandboxedIframes',
  '--enable-features=PdfOopif',
  '--headless=new',
  '--hide-scrollbars',
  '--mute-audio',
  '--disable-extensions',
] as const;

/** Switches whose value is a list that Chromium reads from its last occurrence only: puppeteer merges ours into its own. */
const FEATURE_LISTS = ['--disable-features', '--enable-features'];

/**
 * The command line puppeteer.launch({ headless: true, args }) gives Chromium (without its about:blank): its defaults,
 * then `args`; features `args` disable or enable are added to puppeteer's lists rather than given a second switch,
 * which would replace puppeteer's list.
 */
export function chromiumCommandLine(args: readonly string[]): string[] {
  const listed = (flag: string) => args.filter((a) => a.startsWith(`${flag}=`)).flatMap((a) => a.slice(flag.length + 1).split(','));
  const merged = PUPPETEER_DEFAULT_ARGS.map((arg) => {
    const flag = FEATURE_LISTS.find((f) => arg.startsWith(`${f}=`));
    return flag ? [arg, ...listed(flag)].filter(Boolean).join(',') : arg;
  });
  return [...merged, ...args.filter((a) => !FEATURE_LISTS.some((f) => a.startsWith(`${f}=`)))];
}

/**
 * Starts Chromium with a fresh profile and the DevTools pipe; `args` come after puppeteer's defaults (ours win). No
 * window opens at start (puppeteer.launch opens about:blank): the printer prints in tabs of its own, and the blank one
 * cost a renderer process and puppeteer's attaching to it, some 0.2 s of CPU on a 2-core machine.
 */
export function spawnChromium(executablePath: string, userDataDir: string, args: readonly string[]): SpawnedChromium {
  const child = spawn(executablePath, [...chromiumCommandLine(args), '--remote-debugging-pipe', `--user-data-dir=${userDataDir}`, '--no-startup-window'], {
    // Chromium makes its singleton socket's folder in TMPDIR and removes it only on an orderly exit; the printer
    // kills it, so every run left an org.chromium.Chromium.* folder in /tmp. In the profile, it goes with the profile.
    env: { ...process.env, TMPDIR: userDataDir },
    // stdout and stderr are not read: a pipe nobody drains would stall a talkative browser
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`Chromium exited (${signal ?? `code ${code}`})`)));
  });
  exited.catch(() => undefined); // observed by whoever waits on the browser
  return { child, transport: pipeTransport(child.stdio[3] as Writable, child.stdio[4] as Readable), exited };
}

/** DevTools messages over Chromium's pipe: JSON texts, each ended by a NUL byte. */
function pipeTransport(toBrowser: Writable, fromBrowser: Readable): ConnectionTransport {
  let pending: Buffer[] = [];
  let closed = false;
  const transport: ConnectionTransport = {
    send(message) {
      if (closed) return;
      toBrowser.write(message);
      toBrowser.write('\0');
    },
    close() {
      closed = true;
      fromBrowser.removeAllListeners('data');
    },
  };
  fromBrowser.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      pending.push(chunk.subarray(start, end));
      const message = Buffer.concat(pending).toString('utf8');
      pending = [];
      start = end + 1;
      setImmediate(() => transport.onmessage?.(message)); // as puppeteer's own pipe transport: never inside the read
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  });
  fromBrowser.on('close', () => transport.onclose?.());
  // a write after Chromium died: reported by the 'disconnected' event, not as an unhandled error
  toBrowser.on('error', () => undefined);
  fromBrowser.on('error', () => undefined);
  return transport;
}
