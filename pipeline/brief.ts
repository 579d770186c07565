import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { revenueTrendChart } from './charts/revenue-trend.js';
import { CliError } from './errors.js';
import { narrativeHelpers } from './narrative/helpers.js';
import { dateLabel, monthLabel, ytdLabel, ytdSpan } from './narrative/periods.js';
import { runQuery, type Query } from './queries.js';
import type { ReportChart, ReportDefinition } from './reports.js';
import type { Printer } from './render/printer.js';
import type { Row, Warehouse } from './warehouse/warehouse.js';

/** One brief to build: which report, for which month and (for city briefs) which region. */
export interface BriefRequest { report: ReportDefinition; period: string; region?: string }

/** Where a figure set came from: the query, its parameters, and how many rows it gave. */
export interface Provenance { name: string; query: string; description: string; params: Record<string, string | number>; rows: number }

/** A brief built as HTML, with everything needed to print it and to trace its figures. */
export interface BuiltBrief {
  request: BriefRequest;
  title: string;
  html: string;
  provenance: Provenance[];
  inputs: Row[];
}

/** What building a brief needs from outside: the warehouse, the query catalogue, templates, the clock. */
export interface BriefEffects {
  warehouse: Warehouse;
  queries: Map<string, Query>;
  templates: { render(name: string, context: object): string };
  now: Date;
}

/** Draws a chart from a query's rows. Charts receive finished numbers; they only scale for display. */
type ChartType = (rows: Row[], chart: ReportChart) => string;

const chartTypes: Record<string, ChartType> = {
  'revenue-trend': (rows, chart) =>
    revenueTrendChart(
      rows.map((r) => ({ period: String(r['period']), amount: Number(r['amount']), yoyPct: r['yoy_pct'] === null ? null : Number(r['yoy_pct']) })),
      { source: chart.source },
    ),
};

/** Runs a brief's queries, draws its charts and fills its template: HTML ready to print. */
export async function buildBrief(request: BriefRequest, effects: BriefEffects): Promise<BuiltBrief> {
  const { report, period, region } = request;
  const data: Record<string, Row[] | Row> = {};
  const provenance: Provenance[] = [];
  for (const [name, spec] of Object.entries(report.queries)) {
    const query = effects.queries.get(spec.query);
    if (!query) throw new CliError(`Brief ${report.id} reads query ${spec.query}, which is not in queries/; fix ${report.file}.`);
    const params = { period, ...(region ? { region } : {}), ...spec.params };
    const rows = await runQuery(effects.warehouse, query, params);
    if (spec.single) {
      const [row] = rows;
      if (rows.length !== 1 || !row) throw new CliError(`Query ${spec.query} gave ${rows.length} rows for brief ${report.id}, where one was expected.`);
      data[name] = row;
    } else data[name] = rows;
    provenance.push({ name, query: query.id, description: query.description, params: pick(params, query.params), rows: rows.length });
  }

  const charts: Record<string, string> = {};
  for (const [name, chart] of Object.entries(report.charts)) {
    const draw = chartTypes[chart.type];
    if (!draw) throw new CliError(`Brief ${report.id}: chart type "${chart.type}" is unknown; use one of ${Object.keys(chartTypes).join(', ')}.`);
    charts[name] = draw(data[chart.data] as Row[], chart);
  }

  const inputsQuery = effects.queries.get('brief_inputs')!;
  const inputs = await runQuery(effects.warehouse, inputsQuery, { period });
  const periodInfo = { id: period, month: monthLabel(period), monthOnly: `${Number(period.slice(5))}月`, ytd: ytdLabel(period), ytdSpan: ytdSpan(period) };
  const title = renderTitle(report.title, { period, region });
  const context = {
    meta: {
      title,
      classification: report.classification,
      issue: `第${Number(period.slice(5))}期`,
      issuer: report.issuer,
      date: dateLabel(effects.now),
      lang: 'zh-CN',
    },
    period: periodInfo,
    region,
    data,
    charts,
    provenance,
    inputs,
  };
  return { request, title, html: effects.templates.render(report.template, context), provenance, inputs };
}

function renderTitle(template: string, context: object): string {
  const hb = Handlebars.create();
  hb.registerHelper(narrativeHelpers);
  return hb.compile(template, { noEscape: true, strict: true })(context);
}

function pick(params: Record<string, string | number>, names: string[]): Record<string, string | number> {
  return Object.fromEntries(names.filter((n) => n in params).map((n) => [n, params[n]!]));
}

/** The files written for one brief. */
export interface BriefOutput { pdf: string; html: string; manifest: string; pages: number }

/** Prints a built brief and writes its HTML and manifest beside the PDF, each written whole or not at all. */
export async function writeBrief(
  brief: BuiltBrief,
  outDir: string,
  effects: { printer: Printer; now: Date; codeVersion: string; templateSha256: string; inputFiles: Row[] },
): Promise<BriefOutput> {
  const { report, period, region } = brief.request;
  const dir = path.join(outDir, period);
  mkdirSync(dir, { recursive: true });
  const stem = path.join(dir, region ? `${report.id}-${region}` : report.id);
  const html = `${stem}.html`;
  writeAtomic(html, brief.html);
  const printed = await effects.printer.print({ html: brief.html, outFile: `${stem}.pdf`, classification: report.classification });
  const manifest = {
    brief: report.id,
    title: brief.title,
    period,
    region: region ?? null,
    builtAt: effects.now.toISOString(),
    pages: printed.pages,
    versions: { code: effects.codeVersion, definition: report.sha256, templates: effects.templateSha256 },
    figures: brief.provenance,
    inputs: effects.inputFiles,
    blockedRequests: printed.blockedRequests,
  };
  writeAtomic(`${stem}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { pdf: printed.outFile, html, manifest: `${stem}.manifest.json`, pages: printed.pages };
}

/** Writes to a temporary file beside the target, then renames: a reader never sees half a file. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
