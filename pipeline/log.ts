import { createLiveLine, createPaceTracker, paceLine } from './progress.js';

/** Fields attached to a log line: counts, ids, durations. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where stages report progress. Human text on a terminal, JSON lines for the nightly run. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A step of long work: `done` of `total` (total may be unknown). */
  progress(stage: string, done: number, total?: number): void;
}

/** How log lines are written: `human` for a person at a terminal, `json` for log collectors. */
export type LogFormat = 'human' | 'json';

/** A logger writing to a stream (stderr by default, so stdout stays for results such as PDF paths). */
export function createLogger(options: {
  format?: LogFormat;
  stream?: NodeJS.WritableStream;
  clock?: () => Date;
  quiet?: boolean;
} = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (process.stderr.isTTY ? 'human' : 'json');
  const clock = options.clock ?? (() => new Date());
  // On a terminal, progress is one line redrawn in place; elsewhere, JSON lines at most once a second per stage.
  const live = format === 'human' && (stream as NodeJS.WriteStream).isTTY ? createLiveLine(stream) : undefined;
  const pace = createPaceTracker();
  const lastJson = new Map<string, number>();
  const write = (level: string, message: string, fields: LogFields = {}): void => {
    if (options.quiet && level === 'info') return;
    live?.clear();
    if (format === 'json') {
      stream.write(JSON.stringify({ time: clock().toISOString(), level, message, ...fields }) + '\n');
      return;
    }
    const extras = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const prefix = level === 'info' ? '' : `${level}: `;
    stream.write(`${prefix}${message}${extras ? `  (${extras})` : ''}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    progress: (stage, done, total) => {
      if (options.quiet) return;
      const p = pace(stage, done, total);
      if (live) return live.draw(p);
      if (format === 'json') {
        const t = performance.now();
        const edge = done === 0 || (total !== undefined && done >= total);
        if (!edge && t - (lastJson.get(stage) ?? -Infinity) < 1000) return;
        lastJson.set(stage, t);
        write('info', 'progress', { stage, done, total, elapsed_ms: Math.round(p.elapsedMs), eta_ms: p.etaMs === undefined ? undefined : Math.round(p.etaMs) });
      } else stream.write(`  ${paceLine(p)}\n`);
    },
  };
}

/** A logger that keeps its lines in memory: for tests. */
export function memoryLogger(): Logger & { lines: { level: string; message: string; fields?: LogFields }[] } {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  return {
    lines,
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
    progress: (stage, done, total) => lines.push({ level: 'progress', message: stage, fields: { done, total } }),
  };
}
