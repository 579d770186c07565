import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChartSpec } from './charts/registry.js';
import { CliError, ExitCode } from './errors.js';
import type { FindingsConfig } from './findings/rules.js';

/** A query a brief runs: the query id, whether it yields one row, and fixed parameters. */
/** `params` override the brief's own (period, region); the value "$region" stands for the brief's region (a city edition's code). */
/** `single`: the query gives exactly one row; `optional`: one row or none (e.g. a part withheld by disclosure control: the name is then unset in the template's data). */
export interface ReportQuery { query: string; single?: boolean; optional?: boolean; params?: Record<string, string | number | null> }

/** A chart a brief draws: the chart type, the query result it draws, its source line and columns (see charts/registry.ts). */
export type ReportChart = ChartSpec;

/** What the English edition (--lang en) prints instead of the Chinese title, mark and issuer. */
export interface ReportEnglish { name?: string; title?: string; classification?: string; issuer?: string }

/** A brief as data (reports/<id>/report.json): what it reads, draws and prints. */
export interface ReportDefinition {
  id: string;
  name: string;
  description: string;
  /** templates/<template>.hbs */
  template: string;
  /** A Handlebars string for the document title, e.g. "{{monthLabel period}}全省税收收入分析". */
  title: string;
  classification: string;
  issuer: string;
  /** `province`: one brief; `city`: one brief per city in the jurisdiction (--region for one). */
  scope: 'province' | 'city';
  queries: Record<string, ReportQuery>;
  charts: Record<string, ReportChart>;
  /** `official` (GB/T 9704, the default) or `modern`: templates/layouts/<layout>.hbs. */
  layout?: string;
  /** The advisory's findings rules and their switches (pipeline/findings/rules.ts). */
  findings?: FindingsConfig;
  /** The English edition's title, mark and issuer. */
  en?: ReportEnglish;
  /** Where the definition lives and a hash of it, for the manifest. */
  file: string;
  sha256: string;
}

/** Reads every report definition under `dir`, sorted by id. */
export function readReports(dir: string): ReportDefinition[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'report.json')))
    .map((d) => parseReport(path.join(dir, d.name, 'report.json')))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The report with this id, or a clear error listing the ones that exist. */
export function findReport(reports: ReportDefinition[], id: string): ReportDefinition {
  const report = reports.find((r) => r.id === id);
  if (!report) throw new CliError(`No brief "${id}"; the briefs are ${reports.map((r) => r.id).join(', ')} (see taxbrief list).`, ExitCode.usage);
  return report;
}

/** The reports named in `select` (brief ids), in catalogue order; all of them when `select` is empty or absent. */
export function selectReports(reports: ReportDefinition[], select: string[] | undefined): ReportDefinition[] {
  if (!select || select.length === 0) return reports;
  const wanted = new Set(select.flatMap((ids) => ids.split(',')).filter(Boolean).map((id) => findReport(reports, id).id));
  return reports.filter((r) => wanted.has(r.id));
}

function parseReport(file: string): ReportDefinition {
  const bytes = readFileSync(file);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Report definition ${file} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
  const text = (name: string): string => {
    const v = raw[name];
    if (typeof v !== 'string' || v === '') throw new CliError(`Report definition ${file}: field "${name}" must be a non-empty string.`);
    return v;
  };
  const id = text('id');
  if (id !== path.basename(path.dirname(file))) throw new CliError(`Report definition ${file}: id "${id}" must equal its folder name.`);
  const scope = text('scope');
  if (scope !== 'province' && scope !== 'city') throw new CliError(`Report definition ${file}: field "scope" must be province or city.`);
  const queries = (raw['queries'] ?? {}) as Record<string, ReportQuery>;
  for (const [name, q] of Object.entries(queries)) {
    if (typeof q?.query !== 'string') throw new CliError(`Report definition ${file}: queries.${name}.query must name a query in queries/.`);
  }
  const charts = (raw['charts'] ?? {}) as Record<string, ReportChart>;
  for (const [name, c] of Object.entries(charts)) {
    if (typeof c?.type !== 'string' || !(c.data in queries)) throw new CliError(`Report definition ${file}: charts.${name} needs a type and data naming one of its queries.`);
  }
  return {
    id,
    name: text('name'),
    description: text('description'),
    template: text('template'),
    title: text('title'),
    classification: text('classification'),
    issuer: text('issuer'),
    scope,
    queries,
    charts,
    layout: typeof raw['layout'] === 'string' ? raw['layout'] : 'official',
    findings: raw['findings'] as FindingsConfig | undefined,
    en: raw['en'] as ReportEnglish | undefined,
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
