import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from './narrative/handlebars.js';
import type { BriefRequest } from './brief.js';
import { hashTree, type Context } from './context.js';
import { queriesFingerprint } from './queries.js';
import type { ReportDefinition } from './reports.js';

/** The hash of each thing a brief edition depends on; the version is a hash over all of them. */
export interface VersionParts {
  /** The package version and the compiled code. */
  code: string;
  /** reports/<id>/ (report.json and any notes beside it) and the notes/ folders. */
  definition: string;
  /** The brief's template and every layout, partial and style it pulls in. */
  template: string;
  /** The SQL of its queries, of the provenance queries and of the marts, and of the migration macros they call. */
  queries: string;
  /** The seeds loaded (seed_versions). */
  seeds: string;
  /** The input files loaded for the periods up to the edition's period. */
  data: string;
}

/** A brief edition's content-hash key: equal keys mean an equal brief, so it need not be re-rendered. */
export interface BriefVersion { version: string; parts: VersionParts }

/** Computes versions, caching what is shared between briefs (code, seeds, data per period). */
export interface Versioner { version(request: BriefRequest): Promise<BriefVersion> }

const sha = (...parts: (string | Buffer)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

let codeHash: string | undefined;
/**
 * The code the brief was rendered with: the package version and the pipeline/ sources (whether
 * this process runs them through the compiled dist/ or directly), hashed once per process; an
 * installation without sources hashes the compiled folder.
 */
export function codeFingerprint(packageVersion: string): string {
  if (codeHash === undefined) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const sources = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../../pipeline') : here;
    codeHash = hashTree(existsSync(sources) ? sources : here);
  }
  return sha(packageVersion, codeHash);
}

/** A versioner over the context's project and warehouse. */
export function createVersioner(ctx: Context): Versioner {
  const { project } = ctx;
  const code = codeFingerprint(ctx.codeVersion);
  const notes = [path.join(project.root, 'notes'), path.join(ctx.workspace.root, 'notes')].filter((d) => existsSync(d)).map((d) => hashTree(d));
  const marts = existsSync(path.join(project.queries, 'marts')) ? hashTree(path.join(project.queries, 'marts')) : '';
  let seeds: Promise<string> | undefined;
  const data = new Map<string, Promise<string>>();
  const templates = new Map<string, string>();
  // a brief's SQL fingerprint reads its query files and every migration: once per report, not once per city edition
  const fingerprints = new Map<string, string>();

  const seedsPart = () =>
    (seeds ??= ctx.warehouse
      .all<{ v: string | null }>(`select string_agg(seed || ':' || sha256, ',' order by seed) as v from seed_versions`)
      .then(([r]) => sha(r?.v ?? '')));
  const dataPart = (period: string) => {
    let p = data.get(period);
    if (!p) {
      // The files a brief of $period can read: every loaded file whose first period is not later (snapshots too).
      p = ctx.warehouse
        .all<{ v: string | null }>(
          `select string_agg(dataset || ':' || sha256, ',' order by dataset, sha256) as v from files
           where status = 'loaded' and (period is null or period <= strptime($period || '-01', '%Y-%m-%d')::date)`,
          { period },
        )
        .then(([r]) => sha(r?.v ?? ''));
      data.set(period, p);
    }
    return p;
  };
  const templatePart = (name: string) => {
    let t = templates.get(name);
    if (t === undefined) {
      t = sha(...templateFiles(project.templates, name).map((f) => sha(path.relative(project.templates, f), readFileSync(f))));
      templates.set(name, t);
    }
    return t;
  };

  return {
    async version(request) {
      const { report, period } = request;
      const english = request.lang === 'en';
      const parts: VersionParts = {
        code,
        definition: sha(hashTree(path.dirname(report.file)), ...notes),
        template: templatePart(english ? `en/${report.template}` : report.template),
        queries: sha(marts, fingerprints.get(report.id) ?? fingerprints.set(report.id, queriesFingerprint(project.queries, report)).get(report.id)!),
        seeds: await seedsPart(),
        data: await dataPart(period),
      };
      // An English edition is its own version (a Chinese edition's key is unchanged by languages).
      const version = sha(request.region ?? '', period, ...(english ? ['en'] : []), ...Object.values(parts));
      return { version, parts };
    },
  };
}

/** Names the parts that differ between two versions, e.g. "template, data". */
export function changedParts(before: Partial<VersionParts> | undefined, after: VersionParts): string[] {
  if (!before) return ['new'];
  return (Object.keys(after) as (keyof VersionParts)[]).filter((k) => before[k] !== after[k]);
}

/**
 * The files a template is made of: templates/<name>.hbs and, transitively, every partial it names
 * (`layouts/x` → layouts/x.hbs, `styles/x` → styles/x.css, `x` → partials/x.hbs). A dynamic partial
 * name cannot be followed, so then every layout, partial and style counts.
 */
export function templateFiles(dir: string, name: string): string[] {
  const all = () => ['layouts', 'partials', 'styles'].flatMap((d) => listFiles(path.join(dir, d)));
  const seen = new Set<string>();
  const queue = [path.join(dir, `${name}.hbs`)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file) || !file.endsWith('.hbs')) continue;
    let partials: string[] | 'dynamic';
    try {
      partials = partialNames(Handlebars.parse(readFileSync(file, 'utf8')));
    } catch {
      partials = 'dynamic'; // a syntax error fails the render anyway; count everything
    }
    if (partials === 'dynamic') return [...new Set([...seen, ...all()])].sort();
    for (const p of partials) {
      if (p.startsWith('layouts/')) queue.push(path.join(dir, `${p}.hbs`));
      else if (p.startsWith('styles/')) queue.push(path.join(dir, `${p}.css`));
      else if (p !== '@partial-block') queue.push(path.join(dir, 'partials', `${p}.hbs`));
    }
  }
  return [...seen].sort();
}

function partialNames(node: unknown): string[] | 'dynamic' {
  const names: string[] = [];
  let dynamic = false;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as { type?: string; name?: { type?: string; original?: unknown } };
    if (o.type === 'PartialStatement' || o.type === 'PartialBlockStatement') {
      if (o.name?.type === 'PathExpression' && typeof o.name.original === 'string') names.push(o.name.original);
      else dynamic = true;
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'loc') walk(v);
  };
  walk(node);
  return dynamic ? 'dynamic' : names;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
