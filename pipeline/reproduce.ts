import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildBrief, writeBrief, type BriefOutput } from './brief.js';
import { hashTree, type Context } from './context.js';
import { sha256Of } from './deliver/deliver.js';
import { CliError, ExitCode } from './errors.js';
import { readFeeds } from './ingest/feeds.js';
import { ingestFile } from './ingest/ingest.js';
import { datasets } from './ingest/datasets.js';
import { helpersFor, type Lang } from './narrative/helpers.js';
import { refreshMartsFor } from './marts.js';
import { queriesFingerprint, readQueries, runQuery } from './queries.js';
import type { PrinterFactory } from './run.js';
import { findReport, readReports } from './reports.js';
import { loadSeeds } from './seeds.js';
import { createTemplates } from './templates.js';
import { migrate, readMigrations } from './warehouse/migrate.js';

/** The parts of a brief manifest reproduce reads. */
interface Manifest {
  brief: string;
  period: string;
  region: string | null;
  /** The edition's language (manifests written before languages were keyed have none: zh). */
  lang?: Lang;
  builtAt: string;
  version?: string;
  inputs: { name: string; feed: string; dataset: string; sha256: string; rows: number | string }[];
}

/** What a reproduction gave, and how it compares with the archived brief. */
export interface Reproduction {
  output: BriefOutput;
  /** Where each input file's rows came from: still in the warehouse (by file_id), or reloaded from archive/. */
  copied: number;
  reloaded: number;
  /** The definitions used: the snapshot issued with the brief, or the project's current ones. */
  definitions: string;
  /** Byte-identical HTML. */
  identical: boolean;
  /** Every number in the text equal, in order (layout or code may differ). */
  sameNumbers: boolean;
  differences: string[];
}

/**
 * Rebuilds an issued brief with exactly the input files its manifest lists (by SHA-256) and the
 * definitions issued with it, in a scratch database attached beside the warehouse: a file's rows
 * are copied by file_id while the warehouse still holds them (restated files are kept superseded,
 * not deleted, once ingest keeps them), otherwise reloaded from the archived file itself.
 */
export async function reproduce(ctx: Context, manifestFile: string, options: { outDir?: string; newPrinter: PrinterFactory }): Promise<Reproduction> {
  if (!existsSync(manifestFile)) throw new CliError(`No manifest at ${manifestFile}; pass an issued manifest, e.g. ${path.join(ctx.workspace.root, 'issued', '<period>', '<brief>', '<version>', 'manifest.json')}.`, ExitCode.usage);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  if (!manifest.brief || !Array.isArray(manifest.inputs)) throw new CliError(`${manifestFile} is not a brief manifest (no brief or inputs); pass the manifest.json written beside a brief.`);
  const snapshot = path.join(path.dirname(manifestFile), 'definitions');
  const defsRoot = existsSync(snapshot) ? snapshot : ctx.project.root;
  if (defsRoot !== snapshot) ctx.logger.warn(`${manifestFile} has no definitions snapshot beside it: the current reports/, templates/ and queries/ are used`);
  const defs = { reports: path.join(defsRoot, 'reports'), templates: path.join(defsRoot, 'templates'), queries: path.join(defsRoot, 'queries') };
  const report = findReport(readReports(defs.reports), manifest.brief);
  const queries = readQueries(defs.queries);
  const now = new Date(manifest.builtAt);
  const { warehouse } = ctx;

  const scratch = path.join(ctx.workspace.tmp, `reproduce-${process.pid}.duckdb`);
  rmSync(scratch, { force: true });
  const [{ db }] = (await warehouse.all<{ db: string }>('select current_database() as db')) as [{ db: string }];
  const main = `"${db.replaceAll('"', '""')}".main`;
  await warehouse.run(`attach '${scratch.replaceAll("'", "''")}' as reproduce`);
  let copied = 0;
  let reloaded = 0;
  let brief;
  try {
    await warehouse.run('use reproduce');
    await migrate(warehouse, readMigrations(path.join(ctx.project.queries, 'migrations')), now);
    await loadSeeds(warehouse, ctx.project.seeds, { logger: ctx.logger, now });
    const missing: Manifest['inputs'] = [];
    for (const input of manifest.inputs) {
      const [file] = await warehouse.all<{ file_id: number; rows: string }>(`select file_id, rows::varchar as rows from ${main}.files where sha256 = $sha order by file_id desc limit 1`, { sha: input.sha256 });
      const table = datasets[input.dataset]?.table;
      if (file && table) {
        const [{ n }] = (await warehouse.all<{ n: string }>(`select count(*)::varchar as n from ${main}.${table} where file_id = $id`, { id: file.file_id })) as [{ n: string }];
        if (n === file.rows) {
          // The brief stood on these rows while they were current: copy them as current (a later restatement marked them superseded).
          await warehouse.run(`insert into ${table} select * replace (null::integer as superseded_by) from ${main}.${table} where file_id = $id`, { id: file.file_id });
          await warehouse.run(`insert into files select * replace ('loaded' as status) from ${main}.files where file_id = $id`, { id: file.file_id });
          copied++;
          continue;
        }
      }
      missing.push(input);
    }
    if (missing.length > 0) {
      // New file ids must not collide with the ids copied above.
      const [{ next }] = (await warehouse.all<{ next: number }>('select coalesce(max(file_id), 0)::integer + 1 as next from files')) as [{ next: number }];
      await warehouse.run(`create or replace sequence file_id_seq start ${Number(next)}`);
      const feeds = readFeeds(path.join(ctx.project.root, 'data', 'feeds'));
      for (const input of missing) {
        const file = findArchived(ctx.workspace.archive, input);
        const feed = feeds.find((f) => f.name === input.feed);
        if (!file || !feed) {
          throw new CliError(
            `Cannot reproduce ${manifest.brief} ${manifest.period}: input ${input.name} (sha256 ${input.sha256.slice(0, 12)}…) is neither in the warehouse nor in ${ctx.workspace.archive}` +
              (feed ? '' : ` (and feed ${input.feed} is no longer defined)`) + '; restore the file into the archive folder.',
          );
        }
        const result = await ingestFile(warehouse, file, feed, { logger: ctx.logger, now, tmpDir: ctx.workspace.tmp });
        if (result.status !== 'loaded') throw new CliError(`Cannot reproduce: the archived ${file} did not load again (${result.problems[0]?.message ?? result.status}).`);
        reloaded++;
      }
    }
    await refreshMartsFor({ warehouse, dir: path.join(defs.queries, 'marts'), now });
    const lang: Lang = manifest.lang ?? 'zh';
    const templates = createTemplates({ dir: defs.templates, helpers: helpersFor(lang) });
    const request = { report, period: manifest.period, lang, ...(manifest.region ? { region: manifest.region } : {}) };
    brief = await buildBrief(request, { warehouse, queries, templates, now });
    const inputFiles = await runQuery(warehouse, queries.get('input_files') ?? readQueries(ctx.project.queries).get('input_files')!, { period: manifest.period });
    const outDir = options.outDir ?? path.join(ctx.workspace.root, 'reproduced', (manifest.version ?? 'current').slice(0, 12));
    const printer = await options.newPrinter();
    let output: BriefOutput;
    try {
      output = await writeBrief(brief, outDir, { printer, now, codeVersion: ctx.codeVersion, templateSha256: hashTree(defs.templates), queriesSha256: queriesFingerprint(defs.queries, report), inputFiles });
    } finally {
      await printer.close();
    }
    const archivedHtml = [path.join(path.dirname(manifestFile), 'brief.html'), manifestFile.replace(/\.manifest\.json$/, '.html')].find((f) => f !== manifestFile && existsSync(f));
    const before = archivedHtml ? readFileSync(archivedHtml, 'utf8') : '';
    const differences = archivedHtml ? numberDifferences(before, brief.html) : ['no archived HTML beside the manifest to compare with'];
    return {
      output,
      copied,
      reloaded,
      definitions: defsRoot,
      identical: before !== '' && sha256Of(output.html) === sha256Of(archivedHtml!),
      sameNumbers: archivedHtml !== undefined && differences.length === 0,
      differences,
    };
  } finally {
    await warehouse.run(`use "${db.replaceAll('"', '""')}"`);
    await warehouse.run('detach reproduce');
    rmSync(scratch, { force: true });
    rmSync(`${scratch}.wal`, { force: true });
  }
}

// The archived copy of an input: archive/<name> or a renamed duplicate (<stem>.N<ext>), checked by SHA-256.
function findArchived(archiveDir: string, input: { name: string; sha256: string }): string | undefined {
  if (!existsSync(archiveDir)) return undefined;
  const { name, ext } = path.parse(input.name);
  const candidates = readdirSync(archiveDir).filter((f) => f === input.name || (f.startsWith(`${name}.`) && f.endsWith(ext)));
  return candidates.map((f) => path.join(archiveDir, f)).find((f) => sha256Of(f) === input.sha256);
}

/** The numbers in a brief's text, in reading order: what must not change between two builds. */
export function numbersOf(html: string): string[] {
  const text = html.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<svg[\s\S]*?<\/svg>/g, ' ').replace(/<[^>]+>/g, ' ');
  return text.match(/-?\d[\d,]*(\.\d+)?/g) ?? [];
}

function numberDifferences(before: string, after: string): string[] {
  const a = numbersOf(before);
  const b = numbersOf(after);
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 10; i++) {
    if (a[i] !== b[i]) out.push(`number #${i + 1}: archived ${a[i] ?? '(none)'}, rebuilt ${b[i] ?? '(none)'}`);
  }
  return out;
}
