import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BriefRequest } from './brief.js';
import { copyAtomic, makeDir, restrictTree, writeAtomic } from './write-atomic.js';
import { hashTree, type Context } from './context.js';
import { deliverEditions, sha256Of, type DeliveryOutcome, type Edition } from './deliver/deliver.js';
import { readRecipients, recipientsFile, recipientsOf, type Recipient } from './deliver/recipients.js';
import { openSmtp, smtpConfig, type SmtpTransport } from './deliver/smtp.js';
import { ExitCode } from './errors.js';
import { faultPoint } from './fault-point.js';
import { checksHeldUnder, checksKeyOf, currentMartsKey, reconcileScope, type ReconcileMark } from './checks-cache.js';
import { feedFreshness, type FeedFreshness } from './freshness.js';
import { lastBuiltAt, lastStageDetail, saveVersion, seconds, startRun, storedVersion, type StoredVersion } from './ledger.js';
import type { Printer } from './render/printer.js';
import { briefQueryIds } from './queries.js';
import { readReports } from './reports.js';
import { runNightly, type BriefOutcome, type PrinterFactory, type RunSummary } from './run.js';
import { isDue, readSchedule, type Schedule } from './schedule.js';
import { changedParts, createVersioner, templateFiles, type BriefVersion } from './versions.js';

/** How the nightly run was asked to behave (taxbrief run flags). */
export interface NightlyOptions {
  period?: string;
  /** Only these briefs (ids) are considered; default: the whole catalogue. */
  select?: string[];
  /** Render every brief due even when it is up to date. */
  force?: boolean;
  /** Deliver again versions already delivered. */
  resend?: boolean;
  /** The recipients file (else $TAXBRIEF_RECIPIENTS, else <workspace>/recipients.json). */
  recipients?: string;
  /** Waits between SMTP retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/** The account of one nightly run: the pipeline's summary plus versions, deliveries, feeds and the holds. */
export interface NightlyResult {
  runId: string;
  summary: RunSummary;
  deliveries: DeliveryOutcome[];
  /** Why nothing was delivered, when nothing could be (no recipients file). */
  deliveryNote?: string;
  feeds: FeedFreshness[];
  marts: 'rebuilt' | 'up to date';
  /** Everything that did not go out, one sentence each. */
  holds: string[];
  nothingNew: boolean;
  exitCode: number;
  ms: number;
}

/** A brief edition's key in maps: brief, region, period, language. */
const keyOf = (e: { brief?: string; report?: { id: string }; region?: string; period: string; lang?: string }) =>
  `${e.brief ?? e.report!.id}|${e.region ?? ''}|${e.period}|${e.lang ?? 'zh'}`;

/** An edition as the log names it: monthly-revenue, city (440100), advisory [en]. */
const editionLabel = (e: { brief: string; region?: string; lang?: string }) => `${e.brief}${e.region ? ` (${e.region})` : ''}${e.lang === 'en' ? ' [en]' : ''}`;

/**
 * `taxbrief run`: takes the pipeline (run.ts runNightly) through its stages with the ledger, renders
 * only the briefs that are due and changed, issues (archives) each new version, delivers it to its
 * recipients once, checks each feed's freshness, and gives one account with a meaningful exit code.
 */
export async function nightly(ctx: Context, newPrinter: PrinterFactory, options: NightlyOptions = {}): Promise<NightlyResult> {
  const { warehouse, logger } = ctx;
  const t0 = performance.now();
  const ledger = await startRun(warehouse, { command: 'run', clock: ctx.clock, logger });
  const printer = sharedPrinter(newPrinter);
  const versioner = createVersioner(ctx);
  const planned = new Map<string, { request: BriefRequest; version: BriefVersion; stored?: StoredVersion }>();
  const schedules = new Map<string, Schedule>();
  let martsKey = '';
  let checksKey = '';
  let reconciled: ReconcileMark | undefined;
  let martsState: NightlyResult['marts'] = 'rebuilt';
  const details: Record<string, (result: unknown) => Record<string, unknown>> = {
    ingest: (r) => {
      const ingested = r as RunSummary['ingested'];
      // each file with its wall time: `taxbrief history <run>` shows which file was slow
      return { ...count(ingested.map((x) => x.status)), files: ingested.map(fileTiming) };
    },
    marts: () => ({ key: martsKey }),
    checks: (r) => {
      const checks = r as RunSummary['checks'];
      return { key: checksKey, reconciled, failed: checks.filter((c) => !c.holds).map((c) => c.id), results: checks.map(({ id, description, holds }) => ({ id, description, holds })) };
    },
    briefs: (r) => count((r as BriefOutcome[]).map((x) => x.status)),
  };
  let smtp: SmtpTransport | undefined;
  try {
    // Read first: a recipient who wants an edition in English is what makes the run render one.
    const reports = new Map(readReports(ctx.project.reports).map((r) => [r.id, r]));
    const file = recipientsFile(options.recipients, ctx.env, ctx.workspace.root);
    const recipients: Recipient[] | undefined = file ? readRecipients(file, [...reports.keys()]) : undefined;
    const summary = await runNightly(ctx, printer.factory, {
      period: options.period,
      select: options.select,
      hooks: {
        stage: async <T>(name: string, work: () => Promise<T>): Promise<T> => {
          // Marts rebuilt means new data and briefs to render: Chromium starts (about a second) beside the checks and
          // the planning rather than after them. A run with nothing new never starts it.
          if (name === 'checks' && (martsState as NightlyResult['marts']) === 'rebuilt') void printer.get().catch(() => undefined);
          // Checks read the marts: when those did not change and the checks held last time, they hold now.
          if (name === 'checks' && (martsState as NightlyResult['marts']) === 'up to date' && !options.force) {
            const held = await checksHeldUnder(ctx, checksKey);
            if (held) {
              await ledger.skipStage('checks', `nothing they read changed since run ${held.runId}, where all ${held.results.length} held`);
              return held.results as T;
            }
          }
          return ledger.stage(name, work, details[name]);
        },
        martsUpToDate: async () => {
          martsKey = await currentMartsKey(ctx);
          checksKey = checksKeyOf(ctx, martsKey, options.period);
          const exists = (await warehouse.all(`select 1 from information_schema.tables where table_name = 'mart_revenue'`)).length > 0;
          if (exists && !options.force && (await lastStageDetail(warehouse, 'marts'))?.detail['key'] === martsKey) {
            martsState = 'up to date';
            await ledger.skipStage('marts', 'nothing the marts read changed');
            return true;
          }
          return false;
        },
        checkParams: async (period) => {
          const scope = await reconcileScope(ctx, period);
          reconciled = scope.mark;
          if (scope.months !== '*') logger.info(`reconcile checks compare the months changed since they last held: ${scope.months || 'none'}`);
          return { months: options.force ? '*' : scope.months };
        },
        plan: async (requests, period) => {
          const render: BriefRequest[] = [];
          const skipped: BriefOutcome[] = [];
          // The English edition of a brief only when some recipient asked for it (recipients.json "lang": "en").
          const english = requests.filter((r) => (r.lang ?? 'zh') === 'zh' && recipientsOf(recipients ?? [], { brief: r.report.id, region: r.region, lang: 'en' }).length > 0);
          for (const request of [...requests, ...english.map((r): BriefRequest => ({ ...r, lang: 'en' }))]) {
            const { report, region, lang } = request;
            const edition = editionLabel({ brief: report.id, region, lang });
            let schedule = schedules.get(report.id);
            if (!schedule) schedules.set(report.id, (schedule = readSchedule(report)));
            const due = options.force ? { due: true as const } : isDue(schedule, { now: ctx.clock(), period, lastBuiltAt: await lastBuiltAt(warehouse, report.id) });
            if (!due.due) {
              skipped.push({ brief: report.id, region, period, lang, status: 'skipped', reason: due.reason });
              continue;
            }
            const version = await versioner.version(request);
            const stored = await storedVersion(warehouse, { brief: report.id, region, period, lang });
            planned.set(keyOf(request), { request, version, stored });
            const current = stored?.version === version.version && existsSync(path.join(stored.issuedDir, 'brief.pdf'));
            if (current && !options.force) {
              skipped.push({ brief: report.id, region, period, lang, status: 'skipped', reason: `up to date (version ${version.version.slice(0, 12)})` });
              continue;
            }
            const why = options.force ? 'forced' : changedParts(stored?.parts, version.parts).join(', ') + ' changed';
            logger.info(`${edition} ${period}: to render (${why.replace('new changed', 'first build')})`, { version: version.version.slice(0, 12) });
            render.push(request);
          }
          return { render, skipped };
        },
      },
    });

    // Issue each new version: archive it with its definitions and checksums, and remember its key.
    const editions: Edition[] = [];
    for (const o of summary.briefs) {
      const plan = planned.get(keyOf(o));
      if (!plan) continue;
      if (o.status === 'rendered' && o.output) {
        await faultPoint('issue:rendered', path.basename(o.output.pdf, '.pdf'));
        const issuedDir = issue(ctx, plan.request, plan.version, o.output);
        await faultPoint('issue:archived', path.basename(o.output.pdf, '.pdf'));
        await saveVersion(warehouse, { brief: o.brief, region: o.region, period: o.period, lang: o.lang, ...plan.version, issuedDir, builtAt: ctx.clock(), runId: ledger.runId });
        editions.push(edition(plan.request, plan.version.version, issuedDir));
      } else if (o.status === 'skipped' && plan.stored && o.reason?.startsWith('up to date')) {
        editions.push(edition(plan.request, plan.stored.version, plan.stored.issuedDir));
      }
    }

    let deliveries: DeliveryOutcome[] = [];
    let deliveryNote: string | undefined;
    if (!recipients) {
      deliveryNote = `no recipients file (${path.join(ctx.workspace.root, 'recipients.json')}): briefs stay in out/, nothing delivered`;
      await ledger.skipStage('deliver', deliveryNote);
    } else if (editions.length > 0) {
      const config = smtpConfig(ctx.env);
      smtp = config ? await openSmtp(config) : undefined;
      deliveries = await ledger.stage(
        'deliver',
        () =>
          deliverEditions(editions, recipients, {
            warehouse,
            logger,
            clock: ctx.clock,
            printer: printer.get,
            smtp,
            outboxDir: path.join(ctx.workspace.root, 'outbox'),
            tmpDir: ctx.workspace.tmp,
            runId: ledger.runId,
            resend: options.resend ?? false,
            retries: intFrom(ctx.env['TAXBRIEF_SMTP_RETRIES'], 3),
            backoffMs: intFrom(ctx.env['TAXBRIEF_SMTP_BACKOFF_MS'], 5000),
            sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
          }),
        (d) => ({ ...count(d.map((x) => x.status)), channel: smtp?.describe ?? 'outbox' }),
      );
    }

    const feeds = await feedFreshness(warehouse, path.join(ctx.project.root, 'data', 'feeds'), ctx.clock());
    const holds = [
      ...summary.ingested.filter((r) => r.status === 'refused').map((r) => `file ${path.basename(r.file)} refused: ${r.problems[0]?.message ?? ''} (see quarantine/)`),
      ...summary.briefs.filter((b) => b.status === 'held' || b.status === 'failed').map((b) => `brief ${editionLabel(b)} ${b.period}: ${b.reason?.startsWith(b.status) ? b.reason : `${b.status}: ${b.reason ?? ''}`}`),
      ...deliveries.filter((d) => d.status === 'failed').map((d) => `not delivered: ${editionLabel(d)} ${d.period} to ${d.recipient} ${d.name}: ${d.error ?? ''}; kept in ${d.file ?? 'the outbox'}`),
      ...feeds.filter((f) => f.late).map((f) => `feed ${f.feed} is late: ${f.note}`),
    ];
    const exitCode = summary.exitCode !== ExitCode.ok || holds.length > 0 ? ExitCode.held : ExitCode.ok;
    const nothingNew =
      !summary.ingested.some((r) => r.status === 'loaded') && (martsState as NightlyResult['marts']) === 'up to date' && !summary.briefs.some((b) => b.status === 'rendered') && !deliveries.some((d) => d.status === 'sent');
    const ms = performance.now() - t0;
    const result: NightlyResult = { runId: ledger.runId, summary, deliveries, deliveryNote, feeds, marts: martsState, holds, nothingNew, exitCode, ms };
    await ledger.recordOutputs(summary.briefs.map((b) => ({ ...b, version: planned.get(keyOf(b))?.version.version })));
    const account = accountOf(result);
    await ledger.finish(exitCode === ExitCode.ok ? 'ok' : 'held', account);
    writeLastRun(ctx, account);
    return result;
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    await ledger.finish('failed', { error: message }).catch(() => undefined);
    writeLastRun(ctx, { runId: ledger.runId, status: 'failed', error: message });
    throw error;
  } finally {
    smtp?.close();
    await printer.close();
  }
}

/** The counts a run is judged by, as stored in runs.summary and logs/last-run.json. */
export function accountOf(r: NightlyResult): Record<string, unknown> {
  const files = count(r.summary.ingested.map((x) => x.status));
  const briefs = count(r.summary.briefs.map((x) => (x.status === 'skipped' ? (x.reason?.startsWith('up to date') ? 'up-to-date' : 'not-due') : x.status)));
  return {
    runId: r.runId,
    status: r.exitCode === 0 ? 'ok' : 'held',
    exitCode: r.exitCode,
    seconds: Math.round(r.ms / 100) / 10,
    files,
    rows: r.summary.ingested.filter((x) => x.status === 'loaded').reduce((n, x) => n + x.rows, 0),
    slowestFiles: slowestFiles(r.summary.ingested),
    marts: r.marts,
    checksFailed: r.summary.checks.filter((c) => !c.holds).map((c) => c.id),
    briefs,
    deliveries: count(r.deliveries.map((d) => d.status)),
    lateFeeds: r.feeds.filter((f) => f.late).map((f) => f.feed),
    holds: r.holds,
    nothingNew: r.nothingNew,
  };
}

/** One line per fact, for the end of the log: what loaded, what was held and why, what went out. */
export function summaryLines(r: NightlyResult): string[] {
  const n = (xs: { status: string }[], s: string) => xs.filter((x) => x.status === s).length;
  const ingested = r.summary.ingested;
  const briefs = r.summary.briefs;
  const upToDate = briefs.filter((b) => b.status === 'skipped' && b.reason?.startsWith('up to date')).length;
  const notDue = briefs.filter((b) => b.status === 'skipped').length - upToDate;
  const lines = [
    r.nothingNew
      ? `run ${r.runId}: nothing new: no files in the inbox, the marts and every due brief up to date, nothing to deliver (${seconds(r.ms)})`
      : `run ${r.runId} finished in ${seconds(r.ms)}`,
    `files: ${n(ingested, 'loaded')} file(s) loaded (${ingested.filter((x) => x.status === 'loaded').reduce((s, x) => s + x.rows, 0)} rows), ${n(ingested, 'duplicate')} already loaded, ${n(ingested, 'refused')} refused; marts ${r.marts}`,
    `checks: ${r.summary.checks.filter((c) => c.holds).length}/${r.summary.checks.length} hold`,
    `briefs: ${n(briefs, 'rendered')} rendered, ${upToDate} up to date, ${notDue} not due, ${n(briefs, 'held')} held, ${n(briefs, 'failed')} failed`,
    r.deliveryNote
      ? `delivered: ${r.deliveryNote}`
      : `delivered: ${n(r.deliveries, 'sent')} sent, ${n(r.deliveries, 'already-sent')} already sent, ${n(r.deliveries, 'failed')} failed`,
  ];
  const late = r.feeds.filter((f) => f.late);
  if (late.length > 0) lines.push(`feeds late: ${late.map((f) => f.feed).join(', ')}`);
  return lines;
}

/**
 * Archives a newly rendered version under issued/<period>/<stem>/<version12>/: brief.pdf,
 * brief.html, manifest.json (with the version and checksums), the definitions it was built from
 * (report folder, template files, query files) for `taxbrief reproduce`, and SHA256SUMS.
 */
function issue(ctx: Context, request: BriefRequest, version: BriefVersion, output: { pdf: string; html: string; manifest: string }): string {
  const { report, period } = request;
  // The printed file's stem names the edition (brief.ts briefStem: monthly-revenue, city-440100, advisory.en).
  const dir = path.join(ctx.workspace.root, 'issued', period, path.basename(output.pdf, '.pdf'), version.version.slice(0, 12));
  makeDir(dir);
  copyAtomic(output.pdf, path.join(dir, 'brief.pdf'));
  copyAtomic(output.html, path.join(dir, 'brief.html'));
  const defs = path.join(dir, 'definitions');
  const { project } = ctx;
  cpSync(path.dirname(report.file), path.join(defs, 'reports', report.id), { recursive: true });
  for (const f of templateFiles(project.templates, report.template)) {
    if (existsSync(f)) cpSync(f, path.join(defs, 'templates', path.relative(project.templates, f)));
  }
  for (const id of briefQueryIds(report)) {
    const f = path.join(project.queries, `${id}.sql`);
    if (existsSync(f)) cpSync(f, path.join(defs, 'queries', `${id}.sql`));
  }
  cpSync(path.join(project.queries, 'marts'), path.join(defs, 'queries', 'marts'), { recursive: true });
  // the macros its queries call (versions: queries) live in the migrations
  cpSync(path.join(project.queries, 'migrations'), path.join(defs, 'queries', 'migrations'), { recursive: true });
  restrictTree(defs); // copies keep the project's modes: give them the outputs' (TAXBRIEF_FILE_MODE)
  const pdfSha = sha256Of(output.pdf);
  const htmlSha = sha256Of(output.html);
  const manifest = {
    ...(JSON.parse(readFileSync(output.manifest, 'utf8')) as object),
    version: version.version,
    parts: version.parts,
    sha256: { pdf: pdfSha, html: htmlSha },
    issued: dir,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  writeAtomic(path.join(dir, 'manifest.json'), text);
  writeAtomic(output.manifest, text);
  writeAtomic(path.join(dir, 'SHA256SUMS'), `${pdfSha}  brief.pdf\n${htmlSha}  brief.html\n`);
  return dir;
}

function edition(request: BriefRequest, version: string, issuedDir: string): Edition {
  const manifest = JSON.parse(readFileSync(path.join(issuedDir, 'manifest.json'), 'utf8')) as { title: string };
  const { report } = request;
  const lang = request.lang ?? 'zh';
  return {
    brief: report.id,
    region: request.region,
    period: request.period,
    lang,
    version,
    title: manifest.title,
    classification: lang === 'en' ? report.en?.classification ?? report.classification : report.classification,
    pdf: path.join(issuedDir, 'brief.pdf'),
    issuedDir,
  };
}

/** One browser for the whole run, started only when something is printed. */
function sharedPrinter(factory: PrinterFactory): { factory: PrinterFactory; get: () => Promise<Printer>; close: () => Promise<void> } {
  let started: Promise<Printer> | undefined;
  const get = () => (started ??= factory());
  // The facade promises the launcher's default pool; the real printer is started on the first print.
  const facade: Printer = { parallel: 2, print: async (job) => (await get()).print(job), close: async () => undefined };
  return {
    factory: async () => facade,
    get,
    close: async () => {
      if (started) await started.then((p) => p.close(), () => undefined);
    },
  };
}

function writeLastRun(ctx: Context, account: object): void {
  try {
    writeAtomic(path.join(ctx.workspace.logs, 'last-run.json'), `${JSON.stringify(account, null, 2)}\n`);
  } catch {
    // the ledger in the warehouse is the record; this copy only serves status while a run holds the warehouse
  }
}

/** The files that took longest to ingest (at most `n`, slowest first), with their rows and wall milliseconds. */
export function slowestFiles(ingested: RunSummary['ingested'], n = 3): FileTiming[] {
  return [...ingested].sort((a, b) => b.ms - a.ms).slice(0, n).map(fileTiming);
}

/** One ingested file as the run ledger and last-run.json show it. */
interface FileTiming { file: string; status: string; rows: number; ms: number }

function fileTiming(x: RunSummary['ingested'][number]): FileTiming {
  return { file: path.basename(x.file), status: x.status, rows: x.rows, ms: x.ms };
}

function count(statuses: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

function intFrom(value: string | undefined, fallback: number): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
}
