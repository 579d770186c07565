import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildBrief } from './brief.js';
import type { Context } from './context.js';
import type { Logger } from './log.js';
import { narrativeHelpers } from './narrative/helpers.js';
import { escapeHtml } from './render/page-setup.js';
import { readQueries } from './queries.js';
import { findReport, readReports } from './reports.js';
import { expand, refreshMarts, resolvePeriod } from './run.js';
import { createTemplates } from './templates.js';

/** A running preview: its address, a way to rebuild by hand, and how many builds it made. */
export interface PreviewServer { url: string; builds(): number; rebuild(): Promise<void>; close(): Promise<void> }

/** What a preview serves and watches. */
export interface PreviewOptions {
  /** Builds the brief's HTML afresh (definitions, templates and queries are read again each time). */
  build: () => Promise<string>;
  /** Folders whose changes trigger a rebuild (templates/, reports/, queries/, notes/). */
  watch: string[];
  port: number;
  logger: Logger;
  /** How often the folders are scanned; a scan compares mtimes and sizes only. */
  pollMs?: number;
}

// The only script in the page: reload when the server says the brief changed.
const CLIENT = `<script>(function(){var s=new EventSource('/events');s.addEventListener('reload',function(){location.reload()});})();</script>`;

/**
 * Serves a brief as HTML on 127.0.0.1 and reloads it in the browser (server-sent events) when a
 * watched file changes. Folders are polled (mtime + size), which works the same on every
 * filesystem and costs a few hundred stat calls a second at most.
 */
export async function startPreview(options: PreviewOptions): Promise<PreviewServer> {
  const { logger } = options;
  let html = '';
  let count = 0;
  const clients = new Set<ServerResponse>();
  const build = async () => {
    const t0 = performance.now();
    try {
      html = inject(await options.build());
      count++;
      logger.info(`preview rebuilt in ${Math.round(performance.now() - t0)} ms`);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      html = inject(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>taxbrief preview: error</title><body><h1>The brief did not build</h1><pre>${escapeHtml(message)}</pre><p>Fix the file; this page reloads by itself.</p></body></html>`);
      count++;
      logger.error(`preview: ${message}`);
    }
    for (const c of clients) c.write(`event: reload\ndata: ${count}\n\n`);
  };
  await build();

  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(`event: hello\ndata: ${count}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: the brief is at /\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let signature = scan(options.watch);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    const now = scan(options.watch);
    if (now === signature) return;
    signature = now;
    busy = true;
    void build().finally(() => (busy = false));
  }, options.pollMs ?? 300);
  const ping = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);

  return {
    url: `http://127.0.0.1:${port}/`,
    builds: () => count,
    rebuild: build,
    close: async () => {
      clearInterval(timer);
      clearInterval(ping);
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The HTML of one brief edition, built without printing (for the preview). */
export async function previewHtml(ctx: Context, options: { id: string; period?: string; region?: string }): Promise<string> {
  const report = findReport(readReports(ctx.project.reports), options.id);
  const marts = await ctx.warehouse.all(`select 1 from information_schema.tables where table_name = 'mart_revenue'`);
  if (marts.length === 0) await refreshMarts(ctx);
  const period = await resolvePeriod(ctx, options.period);
  const [request] = await expand(ctx, [report], period, options.region);
  const queries = readQueries(ctx.project.queries);
  const templates = createTemplates({ dir: ctx.project.templates, helpers: narrativeHelpers });
  const brief = await buildBrief(request!, { warehouse: ctx.warehouse, queries, templates, now: ctx.clock() });
  return brief.html;
}

function inject(html: string): string {
  const at = html.lastIndexOf('</body>');
  return at < 0 ? `${html}${CLIENT}` : `${html.slice(0, at)}${CLIENT}${html.slice(at)}`;
}

// Every file's path, mtime and size under the folders: changes when any file is edited, added or removed.
function scan(dirs: string[]): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          const s = statSync(p);
          parts.push(`${p}:${s.mtimeMs}:${s.size}`);
        } catch {
          // removed between readdir and stat: the next scan sees it
        }
      }
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return parts.sort().join('\n');
}
