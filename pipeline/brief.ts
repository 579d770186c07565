import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from './narrative/handlebars.js';
import { briefReads } from './checks.js';
import { CliError } from './errors.js';
import { deriveFindings, type Finding, type FindingsResult } from './findings/rules.js';
import { helpersFor, type Lang } from './narrative/helpers.js';
import { markdownToHtml } from './narrative/markdown.js';
import * as en from './narrative/phrases-en.js';
import { dateLabel, monthLabel, monthOfYear, monthOnly, ytdLabel, ytdSpan } from './narrative/periods.js';
import { describeIn, runQuery, type Query, type QueryRunner } from './queries.js';
import type { ReportDefinition } from './reports.js';
import type { Printer } from './render/printer.js';
import type { Params, Row, Warehouse } from './warehouse/warehouse.js';
import { makeDir, writeAtomicAsync } from './write-atomic.js';

/**
 * One brief to build: which report, for which month, (for city briefs) which region, in which language;
 * `unverified` names the failed checks of a brief printed anyway (`taxbrief brief --force`): marked 未通过校验.
 */
export interface BriefRequest { report: ReportDefinition; period: string; region?: string; lang?: Lang; unverified?: string[] }

/** Where a figure set came from: its key in the appendix list, the query, its parameters, and how many rows it gave. */
/** `repeated`: an earlier source of the brief is the same query (the appendix describes a query once). */
export interface Provenance { key: number; name: string; query: string; description: string; params: Record<string, string | number | null>; rows: number; repeated: boolean }

/** The analyst's note merged into a brief: the file it came from, its hash, and its HTML (escaped). */
export interface AnalystNote { file: string; sha256: string; html: string }

/** A brief built as HTML, with everything needed to print it and to trace its figures. */
export interface BuiltBrief {
  request: BriefRequest;
  title: string;
  html: string;
  provenance: Provenance[];
  inputs: Row[];
  /** The identity carried on <html data-brief>, checked by the printer. */
  key: string;
  /** How many charts the page must show. */
  charts: number;
  classification: string;
  findings?: FindingsResult;
  note?: AnalystNote;
}

/** What building a brief needs from outside: the warehouse, the query catalogue, templates, the clock. */
export interface BriefEffects {
  warehouse: Warehouse;
  queries: Map<string, Query>;
  templates: { render(name: string, context: object): string; /** compiles ahead, while the queries run */ prepare?(name: string): void };
  now: Date;
  /** How queries run (default: each on the warehouse; a render pass shares `memoQueries`). */
  runQuery?: QueryRunner;
}

/** The file stem of a brief's outputs: monthly-revenue, city-440100, advisory.en … */
export function briefStem(request: BriefRequest): string {
  const { report, region, lang } = request;
  return `${report.id}${region ? `-${region}` : ''}${lang === 'en' ? '.en' : ''}`;
}

/** One query a brief asks: the name its template knows the rows by, its definition, the query and the parameters bound. */
export interface BriefQuery { name: string; spec: ReportDefinition['queries'][string]; query: Query; params: Params }

/** The queries a brief asks (in its definition's order), with their parameters for the request's period and region. */
export function briefQueries(request: BriefRequest, queries: Map<string, Query>): BriefQuery[] {
  const { report, period, region } = request;
  return Object.entries(report.queries).map(([name, spec]) => {
    const query = queries.get(spec.query);
    if (!query) throw new CliError(`Brief ${report.id} reads query ${spec.query}, which is not in queries/; fix ${report.file}.`);
    // region is NULL for a province brief: region-aware queries then cover the whole jurisdiction
    const params: Params = { period, region: region ?? null };
    for (const [key, value] of Object.entries(spec.params ?? {})) params[key] = value === '$region' ? region ?? null : value;
    return { name, spec, query, params };
  });
}

/** Runs a brief's queries, draws its charts, applies its findings rules and fills its template: HTML ready to print. */
export async function buildBrief(request: BriefRequest, effects: BriefEffects): Promise<BuiltBrief> {
  const { report, period, region } = request;
  const lang: Lang = request.lang ?? 'zh';
  const data: Record<string, Row[] | Row> = {};
  const provenance: Provenance[] = [];
  const run: QueryRunner = effects.runQuery ?? ((query, params) => runQuery(effects.warehouse, query, params));
  const asked = briefQueries(request, effects.queries);
  // Every query of the brief is asked at once (on a warehouse with several readers DuckDB runs them side by side),
  // with the provenance list of input files and, for a city edition, its name: a city edition names its city even
  // where disclosure control withholds the city's row from a breakdown.
  const inputsQuery = effects.queries.get('brief_inputs')!;
  const answers = Promise.all([
    run(inputsQuery, { period, datasets: datasetsRead(briefReads(report, effects.queries)).join(',') }),
    region ? effects.warehouse.all('select name from regions where code = $region', { region }).then((rows) => String(rows[0]?.['name'] ?? region)) : undefined,
    ...asked.map(({ query, params }) => run(query, params)),
  ]);
  answers.catch(() => undefined); // observed below, after the work done while DuckDB answers
  // Meanwhile (DuckDB works on its own threads): the chart modules load (Plot, d3: once per process) and the template compiles.
  const english = lang === 'en';
  const template = english ? `en/${report.template}` : report.template;
  const { drawChart } = await import('./charts/registry.js');
  effects.templates.prepare?.(template);
  const [inputs, regionName, ...results] = await answers;
  for (const [i, { name, spec, query, params }] of asked.entries()) {
    const rows = results[i]!;
    if (spec.single) {
      const [row] = rows;
      // an optional row that is not there leaves data[name] unset: the template's {{#if}} says what to print instead
      if (row && rows.length === 1) data[name] = row;
      else if (!(spec.optional && rows.length === 0)) throw new CliError(`Query ${spec.query} gave ${rows.length} rows for brief ${report.id}${region ? ` (${region})` : ''}, where one was expected.`);
    } else data[name] = rows;
    provenance.push({ key: provenance.length + 1, name, query: query.id, description: describeIn(query, lang), params: pick(params, query.params), rows: rows.length, repeated: provenance.some((p) => p.query === query.id) });
  }

  const charts: Record<string, string> = {};
  for (const [name, chart] of Object.entries(report.charts)) {
    try {
      charts[name] = drawChart(data[chart.data] as Row[], chart, { lang, region });
    } catch (error) {
      throw new CliError(`Brief ${report.id}: chart ${name} (${chart.type}) cannot be drawn: ${(error as Error).message}`, undefined, { cause: error });
    }
  }

  const findings = report.findings ? deriveFindings(report.findings, data, lang) : undefined;
  const note = readNote(report, period, region);
  const periodInfo = english
    ? { id: period, month: en.monthLabel(period), monthOnly: en.monthLabel(period).split(' ')[0], ytd: en.ytdLabel(period), ytdSpan: en.ytdLabel(period) }
    : { id: period, month: monthLabel(period), monthOnly: monthOnly(period), ytd: ytdLabel(period), ytdSpan: ytdSpan(period) };
  const key = `${report.id}-${region ?? 'province'}-${period}-${lang}`;
  const title = renderTitle(english ? report.en?.title ?? report.title : report.title, { period, region, regionName, data }, lang);
  const unverified = request.unverified && request.unverified.length > 0 ? request.unverified : undefined;
  // a brief printed over failed checks says so on every page (the printer's header carries the classification)
  const classification = `${english ? report.en?.classification ?? report.classification : report.classification}${unverified ? (english ? ' · NOT VERIFIED' : '　未通过校验') : ''}`;
  const context = {
    meta: {
      title,
      classification,
      issue: english ? `No. ${monthOfYear(period)}` : `第${monthOfYear(period)}期`,
      issuer: english ? report.en?.issuer ?? report.issuer : report.issuer,
      date: english ? en.dateLabel(effects.now) : dateLabel(effects.now),
      lang: english ? 'en' : 'zh-CN',
      layout: report.layout,
      modern: report.layout === 'modern',
      key,
      unverified,
    },
    period: periodInfo,
    region,
    regionName,
    data,
    charts,
    findings: findings?.printed ?? [],
    note,
    provenance,
    sourceKeys: Object.fromEntries(provenance.map((p) => [p.name, p.key])),
    inputs,
  };
  const html = effects.templates.render(template, context);
  return { request, title, html, provenance, inputs, key, charts: Object.keys(charts).length, classification, findings, note };
}

/** reports/<id>/notes/<period>.md (or <period>-<region>.md for one city's edition): the analyst's commentary. */
function readNote(report: ReportDefinition, period: string, region: string | undefined): AnalystNote | undefined {
  const file = path.join(path.dirname(report.file), 'notes', `${period}${region ? `-${region}` : ''}.md`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  return { file, sha256: createHash('sha256').update(text).digest('hex'), html: markdownToHtml(text) };
}

/** The printed findings, for tests and the manifest. */
export type { Finding };

function renderTitle(template: string, context: object, lang: Lang): string {
  const hb = Handlebars.create();
  hb.registerHelper(helpersFor(lang));
  return hb.compile(template, { noEscape: true, strict: true })(context);
}

function pick(params: Params, names: string[]): Record<string, string | number | null> {
  return Object.fromEntries(names.filter((n) => n in params).map((n) => [n, params[n] as string | number | null]));
}

/** The files written for one brief. */
export interface BriefOutput { pdf: string; html: string; manifest: string; pages: number }

/** Prints a built brief and writes its HTML and manifest beside the PDF, each written whole or not at all. */
export async function writeBrief(
  brief: BuiltBrief,
  outDir: string,
  /** `queriesSha256`: the brief's SQL with the migration macros it calls (versions.ts queriesFingerprint). */
  effects: { printer: Printer; now: Date; codeVersion: string; templateSha256: string; queriesSha256: string; inputFiles: Row[] },
): Promise<BriefOutput> {
  const { report, period, region } = brief.request;
  const dir = path.join(outDir, period);
  makeDir(dir);
  const stem = path.join(dir, briefStem(brief.request));
  const html = `${stem}.html`;
  // written while the brief prints (the write waits on the disk, not on the main thread); a failed print still leaves it
  const [, printed] = await Promise.all([
    writeAtomicAsync(html, brief.html),
    effects.printer.print({ html: brief.html, outFile: `${stem}.pdf`, classification: brief.classification, key: brief.key, charts: brief.charts }),
  ]);
  const manifest = {
    brief: report.id,
    title: brief.title,
    period,
    region: region ?? null,
    lang: brief.request.lang ?? 'zh',
    builtAt: effects.now.toISOString(),
    pages: printed.pages,
    versions: { code: effects.codeVersion, definition: report.sha256, templates: effects.templateSha256, queries: effects.queriesSha256 },
    figures: brief.provenance,
    inputs: effects.inputFiles,
    findings: brief.findings ? { printed: brief.findings.printed.map((f) => ({ rule: f.rule, score: f.score, src: [...new Set(f.evidence.flatMap((e) => e.src))] })), dropped: brief.findings.dropped } : undefined,
    note: brief.note ? { file: brief.note.file, sha256: brief.note.sha256 } : undefined,
    unverified: brief.request.unverified,
    blockedRequests: printed.blockedRequests,
  };
  await writeAtomicAsync(`${stem}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { pdf: printed.outFile, html, manifest: `${stem}.manifest.json`, pages: printed.pages };
}


/** The datasets (feeds' canonical tables) behind the tables a brief reads: a mart_revenue* reads revenue, a mart_relief* relief. */
export function datasetsRead(tables: string[]): string[] {
  return [...new Set(tables.map((t) => /^mart_(revenue|relief)/.exec(t)?.[1] ?? t))].sort();
}
