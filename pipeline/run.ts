import path from 'node:path';
import type { BriefOutput, BriefRequest } from './brief.js';
import { briefReads, checksHolding, runChecks, type CheckResult } from './checks.js';
import { checksHeldUnder, checksKeyOf, currentMartsKey } from './checks-cache.js';
import { hashTree, type Context } from './context.js';
import { CliError, ExitCode } from './errors.js';
import type { IngestResult } from './ingest/ingest.js';
import { helpersFor, type Lang } from './narrative/helpers.js';
import { refreshMartsFor, type MartRefresh } from './marts.js';
import { memoQueries, queriesFingerprint, readQueries, runQuery } from './queries.js';
import { readReports, selectReports, type ReportDefinition } from './reports.js';
import type { Printer } from './render/printer.js';
import type { Params } from './warehouse/warehouse.js';
import { createTemplates } from './templates.js';

/** Starts the one browser a run prints with; `jobs`: how many documents it is about to print (it opens no more tabs ahead). */
export type PrinterFactory = (hint?: { jobs?: number }) => Promise<Printer>;

/** What happened to one brief. */
export interface BriefOutcome {
  brief: string;
  region?: string;
  period: string;
  /** The edition's language (absent: zh). */
  lang?: Lang;
  /** skipped: not due by its schedule, or up to date (nothing it depends on changed); the reason says which. */
  status: 'rendered' | 'held' | 'failed' | 'skipped';
  output?: BriefOutput;
  reason?: string;
}

/** The account a run gives of itself; `exitCode` is 0 only when every brief due went out. */
export interface RunSummary {
  ingested: IngestResult[];
  checks: CheckResult[];
  briefs: BriefOutcome[];
  exitCode: number;
}

/** What the nightly job leaves to its caller (pipeline/nightly.ts): the ledger of stages, whether the marts are current, which briefs are due. */
export interface NightlyHooks {
  /** Runs one stage (ingest, marts, checks, briefs): timed and recorded by the caller. */
  stage?<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** True when nothing the marts read changed since they were built: the rebuild is skipped. */
  martsUpToDate?(): Promise<boolean>;
  /** Parameters for the checks beyond the period (the nightly run narrows the reconcile checks to the changed months). */
  checkParams?(period: string): Promise<Params>;
  /** Which of the briefs to render now; the others are reported as skipped with a reason (not due, up to date). */
  plan?(requests: BriefRequest[], period: string): Promise<{ render: BriefRequest[]; skipped: BriefOutcome[] }>;
}

/** The nightly job: inbox → ingest → marts → checks → every brief due → out/. */
export async function runNightly(ctx: Context, newPrinter: PrinterFactory, options: { period?: string; lang?: Lang; select?: string[]; hooks?: NightlyHooks } = {}): Promise<RunSummary> {
  const { logger } = ctx;
  const hooks = options.hooks ?? {};
  const stage = <T>(name: string, work: () => Promise<T>): Promise<T> => (hooks.stage ? hooks.stage(name, work) : work());
  // ingest is loaded only by the nightly job: an analyst's rerun (runBrief) never needs it
  const [{ readFeeds }, { ingestInbox }] = await Promise.all([import('./ingest/feeds.js'), import('./ingest/ingest.js')]);
  const ingested = await stage('ingest', () =>
    ingestInbox(ctx.warehouse, ctx.workspace, readFeeds(path.join(ctx.project.root, 'data', 'feeds')), { logger, now: ctx.clock(), tmpDir: ctx.workspace.tmp }),
  );
  for (const r of ingested.filter((r) => r.status === 'refused')) {
    logger.error(`${path.basename(r.file)} refused and moved to quarantine: ${r.problems[0]?.message ?? ''}`, { problems: r.problemCount });
  }
  if (!(await hooks.martsUpToDate?.())) {
    await stage('marts', () => refreshMarts(ctx, ingested.filter((r) => r.status === 'loaded').flatMap((r) => r.periods)));
  }
  const period = await resolvePeriod(ctx, options.period);
  const checks = await stage('checks', async () => runChecks(ctx.warehouse, path.join(ctx.project.queries, 'checks'), { ...(await hooks.checkParams?.(period)), period }));
  const failed = checks.filter((c) => !c.holds);
  for (const c of failed) logger.error(`check ${c.id} fails: ${c.description}`, { rows: c.rows.length, first: JSON.stringify(c.rows[0]) });

  // --select narrows the run to some briefs (dbt's --select): the others are not considered at all.
  const reports = selectReports(readReports(ctx.project.reports), options.select);
  const all = (await expand(ctx, reports, period)).map((r) => ({ ...r, lang: options.lang }));
  const { render: requests, skipped } = hooks.plan ? await hooks.plan(all, period) : { render: all, skipped: [] };
  // A failed check means some numbers may be wrong: the briefs that read them are held, the others go out.
  const queries = readQueries(ctx.project.queries);
  const held: BriefOutcome[] = [];
  const due: BriefRequest[] = [];
  for (const r of requests) {
    const holding = checksHolding(r.report, queries, checks);
    if (holding.length === 0) due.push(r);
    else held.push({ brief: r.report.id, region: r.region, period, lang: r.lang, status: 'held', reason: `held: check(s) ${holding.map((c) => c.id).join(', ')} fail` });
  }
  for (const id of new Set(held.map((h) => h.brief))) logger.error(`brief ${id} ${held.find((h) => h.brief === id)!.reason}`);
  const briefs = [...held, ...(due.length > 0 ? await stage('briefs', () => renderBriefs(ctx, newPrinter, due)) : []), ...skipped];
  const refused = ingested.some((r) => r.status === 'refused');
  const allOut = briefs.every((b) => b.status === 'rendered' || b.status === 'skipped');
  const exitCode = allOut && !refused ? ExitCode.ok : ExitCode.held;
  return { ingested, checks, briefs, exitCode };
}

/**
 * The analyst's rerun: one brief (one region's edition, or every city's), for one period. The checks that
 * vouch for the brief's tables run first; a failure holds the brief (status held, exit 3), unless `force`:
 * then it is printed with 未通过校验 on every page and in the manifest.
 */
export async function runBrief(
  ctx: Context,
  newPrinter: PrinterFactory,
  options: { id: string; period?: string; region?: string; lang?: Lang; force?: boolean },
): Promise<BriefOutcome[]> {
  const reports = readReports(ctx.project.reports);
  const report = reports.find((r) => r.id === options.id);
  if (!report) throw new CliError(`No brief "${options.id}"; the briefs are ${reports.map((r) => r.id).join(', ')} (see taxbrief list).`, ExitCode.usage);
  // Files loaded by `taxbrief ingest` since the last run are folded in first (nothing to do otherwise).
  await refreshMarts(ctx);
  const period = await resolvePeriod(ctx, options.period);
  const requests = (await expand(ctx, [report], period, options.region)).map((r) => ({ ...r, lang: options.lang }));
  const queries = readQueries(ctx.project.queries);
  // The checks the last run recorded still hold when nothing they read changed since: not run again.
  const held = await checksHeldUnder(ctx, checksKeyOf(ctx, await currentMartsKey(ctx), options.period));
  const checks = held?.results ?? (await runChecks(ctx.warehouse, path.join(ctx.project.queries, 'checks'), { period }, briefReads(report, queries)));
  const failed = checksHolding(report, queries, checks);
  if (failed.length === 0) return renderBriefs(ctx, newPrinter, requests);
  const ids = failed.map((c) => c.id).join(', ');
  for (const c of failed) ctx.logger.error(`check ${c.id} fails: ${c.description}`, { rows: c.rows.length, first: JSON.stringify(c.rows[0]) });
  if (!options.force) {
    const reason = `held: check(s) ${ids} fail for ${period}; \`taxbrief check --period ${period}\` shows the rows; fix the data, or rerun with --force to print it marked 未通过校验`;
    ctx.logger.error(`brief ${report.id} ${reason}`);
    return requests.map((r) => ({ brief: report.id, region: r.region, period, status: 'held', reason }));
  }
  ctx.logger.warn(`brief ${report.id}: --force: printed although check(s) ${ids} fail; every page is marked 未通过校验`);
  return renderBriefs(ctx, newPrinter, requests.map((r) => ({ ...r, unverified: failed.map((c) => c.id) })));
}

/** Refreshes the aggregate tables every brief reads, for the months that changed (`changed`, plus what the files ledger shows). */
export async function refreshMarts(ctx: Context, changed: string[] = []): Promise<MartRefresh> {
  const refresh = await refreshMartsFor({ warehouse: ctx.warehouse, dir: path.join(ctx.project.queries, 'marts'), now: ctx.clock() }, changed);
  if (refresh.mode !== 'none') ctx.logger.info(`marts refreshed (${refresh.mode}): ${refresh.periods.length} month(s)`, { periods: refresh.periods.join(',') });
  return refresh;
}

/** `YYYY-MM` as given, or the latest month with data. */
export async function resolvePeriod(ctx: Context, period: string | undefined): Promise<string> {
  if (period !== undefined) {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new CliError(`--period ${period} is not a month; write it as YYYY-MM, e.g. 2026-10.`, ExitCode.usage);
    return period;
  }
  const queries = readQueries(ctx.project.queries);
  const [row] = await runQuery(ctx.warehouse, queries.get('latest_period')!, {});
  const latest = row?.['period'];
  if (typeof latest !== 'string') {
    throw new CliError(`The warehouse ${ctx.workspace.warehouse} holds no revenue yet; put extracts into ${ctx.workspace.inbox} and run taxbrief run, or run taxbrief demo.`);
  }
  return latest;
}

/** One request per brief, or per city for city-scoped briefs. */
export async function expand(ctx: Context, reports: ReportDefinition[], period: string, region?: string): Promise<BriefRequest[]> {
  const requests: BriefRequest[] = [];
  for (const report of reports) {
    if (report.scope === 'province') {
      requests.push({ report, period });
      continue;
    }
    const cities = await ctx.warehouse.all<{ code: string }>(
      `select code from regions where level = 'city' and in_jurisdiction and ($region is null or code = $region) order by code`,
      { region: region ?? null },
    );
    if (region && cities.length === 0) throw new CliError(`--region ${region} is not a city in the jurisdiction; see seeds/regions.csv for the codes.`, ExitCode.usage);
    for (const c of cities) requests.push({ report, period, region: c.code });
  }
  return requests;
}

/**
 * Builds each brief (its queries two at a time, on two connections of the warehouse) and prints up to
 * `printer.parallel` of them at once on the page pool; a brief that fails is reported and the others go on.
 */
async function renderBriefs(ctx: Context, newPrinter: PrinterFactory, requests: BriefRequest[]): Promise<BriefOutcome[]> {
  const queries = readQueries(ctx.project.queries);
  // One template engine per language: the helpers format numbers and dates in the edition's language.
  const engines = new Map<Lang, ReturnType<typeof createTemplates>>();
  const templatesFor = (lang: Lang) => engines.get(lang) ?? engines.set(lang, createTemplates({ dir: ctx.project.templates, helpers: helpersFor(lang), cache: ctx.workspace.templateCache })).get(lang)!;
  const templateSha256 = hashTree(ctx.project.templates);
  // the briefs of one pass share the query results they have in common (the data is fixed meanwhile), and a brief's
  // queries run two at a time (one per core of the machine this is sized for)
  const run = memoQueries(ctx.warehouse.readers(2));
  const outcomes: BriefOutcome[] = new Array(requests.length);
  // Chromium starts (or, started by the command, connects: puppeteer loads) once the first brief's queries are with
  // DuckDB: the launch costs about as much as they do, and the main thread would wait for them anyway.
  let launching: Promise<Printer> | undefined;
  const launch = (): Promise<Printer> => {
    if (!launching) {
      launching = newPrinter({ jobs: requests.length });
      launching.catch(() => undefined); // observed below; this only keeps an early failure from going unhandled
    }
    return launching;
  };
  const inFlight = new Set<Promise<void>>();
  // the queries asked ahead for the next brief (their rows wait in `run`)
  const asked: Promise<unknown>[] = [];
  // each brief's SQL fingerprint, once per report (the files do not change during the pass)
  const fingerprints = new Map<string, string>();
  let done = 0;
  const fail = (i: number, request: BriefRequest, error: unknown) => {
    const { report, period, region, lang } = request;
    const reason = error instanceof Error ? error.message : String(error);
    ctx.logger.error(`brief ${report.id}${region ? ` (${region})` : ''}${lang === 'en' ? ' [en]' : ''} failed: ${reason}`);
    outcomes[i] = { brief: report.id, region, period, lang, status: 'failed', reason };
  };
  try {
    // The brief stage (charts: Plot, d3, linkedom) loads only when something is rendered (a nightly run
    // with nothing new skips it), while Chromium starts.
    const { buildBrief, briefQueries, writeBrief } = await import('./brief.js');
    // The next brief's queries run (on DuckDB's threads) while this one prints and waits for a tab; its charts and
    // template wait for its turn, so that the main thread stays free to feed the tabs' printing.
    const prefetch = (i: number) => {
      if (i >= requests.length) return;
      try {
        for (const { query, params } of briefQueries(requests[i]!, queries)) asked.push(run(query, params).catch(() => undefined));
      } catch {
        // a definition naming a query that does not exist fails when that brief is built, with its message
      }
    };
    const build = async (request: BriefRequest) => {
      const now = ctx.clock();
      const [brief, inputFiles] = await Promise.all([
        buildBrief(request, { warehouse: ctx.warehouse, queries, templates: templatesFor(request.lang ?? 'zh'), now, runQuery: run }),
        run(queries.get('input_files')!, { period: request.period }),
      ]);
      return { brief, now, inputFiles };
    };
    for (const [i, request] of requests.entries()) {
      const { report, period, region, lang } = request;
      let built: Awaited<ReturnType<typeof build>>;
      const building = build(request);
      launch();
      try {
        built = await building;
      } catch (error) {
        fail(i, request, error);
        ctx.logger.progress('briefs', ++done, requests.length);
        prefetch(i + 1);
        continue;
      }
      prefetch(i + 1);
      // A browser that does not start is the machine's fault, not the brief's: it ends the run (exit 4).
      const printer = await launch();
      const queriesSha256 = fingerprints.get(report.id) ?? fingerprints.set(report.id, queriesFingerprint(ctx.project.queries, report)).get(report.id)!;
      const printing = writeBrief(built.brief, ctx.workspace.out, { printer, now: built.now, codeVersion: ctx.codeVersion, templateSha256, queriesSha256, inputFiles: built.inputFiles })
        .then((output) => {
          ctx.logger.info(`brief ${report.id}${region ? ` (${region})` : ''} ${period}: ${output.pages} page(s)`, { pdf: output.pdf });
          outcomes[i] = { brief: report.id, region, period, lang, status: 'rendered', output };
        })
        .catch((error: unknown) => fail(i, request, error))
        .finally(() => {
          inFlight.delete(printing);
          ctx.logger.progress('briefs', ++done, requests.length);
        });
      inFlight.add(printing);
      // keep the pool busy but no busier: the next brief's queries run while the tabs print
      if (inFlight.size >= printer.parallel) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    // queries asked ahead when the run stopped (Chromium failed to start) finish before the warehouse closes
    await Promise.allSettled(asked);
    const printer = await launching?.catch(() => undefined);
    await printer?.close();
  }
  return outcomes;
}
