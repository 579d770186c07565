import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from './errors.js';

/** A query a brief runs: the query id, whether it yields one row, and fixed parameters. */
export interface ReportQuery { query: string; single?: boolean; params?: Record<string, string | number> }

/** A chart a brief draws: the chart type, the query result it draws, and its source line. */
export interface ReportChart { type: string; data: string; source: string }

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
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
