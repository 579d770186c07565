import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from './narrative/handlebars.js';
import { CliError } from './errors.js';
import { makeDir, writeAtomic } from './write-atomic.js';

/** Renders a brief template to a self-contained HTML string. */
export interface Templates {
  render(name: string, context: object): string;
  /** Compiles a template (and the layouts and partials) now, e.g. while a brief's queries run, rather than at its first render. */
  prepare(name: string): void;
}

/** Template names are file stems under templates/ (a sub-folder is allowed), never paths out of it. */
const NAME = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/i;

/**
 * Compiles a brief template with the shared layouts and partials registered. `cache`: a folder where each template's
 * compiled form (Handlebars' precompiled JavaScript) is kept under a hash of its text and Handlebars' version, so that a
 * later process loads it (some 10 ms) instead of compiling the templates again (0.1–0.15 s of a brief rerun's main thread).
 */
export function createTemplates(options: { dir: string /* templates/ */; helpers: Record<string, Handlebars.HelperDelegate>; cache?: string }): Templates {
  const { dir } = options;
  if (!existsSync(dir)) throw new CliError(`Template folder ${dir} does not exist; pass the project's templates/ folder.`);
  // An isolated environment: two engines (or tests) never see each other's partials or helpers.
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(options.helpers)) hb.registerHelper(name, fn);
  const compiler = compilerFor(hb, options.cache);

  // parsed now unless compiled before (a syntax error is reported at startup), compiled at the first prepare or render
  const partials = [
    ...readFolder(join(dir, 'layouts'), '.hbs').map(([stem, source]) => [`layouts/${stem}`, compiler.source(source, `layouts/${stem}.hbs`)] as const),
    ...readFolder(join(dir, 'partials'), '.hbs').map(([stem, source]) => [stem, compiler.source(source, `partials/${stem}.hbs`)] as const),
  ];
  let compiledPartials = false;
  // CSS goes in as a raw string partial (not parsed by Handlebars), so layouts inline it with
  // {{> styles/official}} and the HTML makes no request for a stylesheet.
  for (const [stem, css] of readFolder(join(dir, 'styles'), '.css')) hb.registerPartial(`styles/${stem}`, () => css);

  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  const template = (name: string): Handlebars.TemplateDelegate => {
    const cached = compiled.get(name);
    if (cached) return cached;
    if (!NAME.test(name)) throw new CliError(`Template name "${name}" is not a file stem under ${dir}; use a name like monthly-revenue.`);
    const file = join(dir, `${name}.hbs`);
    if (!existsSync(file)) throw new CliError(`Template ${file} does not exist; check the brief's template name or add the file.`);
    if (!compiledPartials) {
      for (const [partial, source] of partials) hb.registerPartial(partial, compiler.compile(source));
      compiledPartials = true;
    }
    const fn = compiler.compile(compiler.source(readFileSync(file, 'utf8'), `${name}.hbs`));
    compiled.set(name, fn);
    return fn;
  };

  return {
    prepare(name) {
      template(name);
    },
    render(name, context) {
      const fn = template(name);
      try {
        return fn(context);
      } catch (err) {
        throw new CliError(`Template ${name}.hbs failed to render: ${(err as Error).message}`, undefined, { cause: err });
      }
    },
  };
}

/** Parses a template: a syntax error is reported with the file's name. */
function parse(hb: typeof Handlebars, source: string, file: string): hbs.AST.Program {
  try {
    return hb.parse(source);
  } catch (err) {
    const lines = (err as Error).message.split('\n');
    const detail = lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : lines[0];
    throw new CliError(`Template ${file} has a syntax error (${detail}); fix the template.`, undefined, { cause: err });
  }
}

/** A template's text: its compiled form from the cache, or else its parse (made when read, so a syntax error shows at startup). */
interface TemplateSource { file: string; text: string; cached?: string; ast?: hbs.AST.Program }

/**
 * Compiles templates now, by Handlebars' documented path for templates compiled ahead (precompile, then template):
 * `hb.compile` would defer the work to the first render, when the brief's data is already waiting. With a cache folder,
 * the precompiled JavaScript of each text is kept as <file>.<hash>.js (only the newest of each file) and used again.
 */
function compilerFor(hb: typeof Handlebars, cache: string | undefined) {
  const stem = (file: string) => file.replace(/\.hbs$/, '').replace(/\//g, '~');
  const cacheFile = (file: string, text: string) =>
    join(cache!, `${stem(file)}.${createHash('sha256').update(`handlebars ${hb.VERSION}\0${file}\0${text}`).digest('hex').slice(0, 32)}.js`);
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const load = (spec: string): Handlebars.TemplateDelegate => hb.template(new Function(`return ${spec}`)() as TemplateSpecification);
  return {
    source(text: string, file: string): TemplateSource {
      const cached = cache ? read(cacheFile(file, text)) : undefined;
      return cached === undefined ? { file, text, ast: parse(hb, text, file) } : { file, text, cached };
    },
    compile(source: TemplateSource): Handlebars.TemplateDelegate {
      if (source.cached !== undefined) {
        try {
          return load(source.cached);
        } catch {
          // a cache file that does not load (damaged, another Handlebars) is compiled again and replaced
        }
      }
      // precompile returns the template's JavaScript source (the typings call it a TemplateSpecification)
      const spec = hb.precompile(source.ast ?? parse(hb, source.text, source.file)) as unknown as string;
      const fn = load(spec);
      if (cache) keep(cache, stem(source.file), cacheFile(source.file, source.text), spec);
      return fn;
    },
  };
}

/**
 * Writes a compiled template into the cache and removes that file's older ones (and a temporary file a killed process
 * left); a cache that cannot be written, or whose write another process's cleanup undid, is only slower.
 */
function keep(cache: string, stem: string, file: string, spec: string): void {
  try {
    makeDir(cache);
    for (const old of readdirSync(cache)) {
      if ((old.startsWith(`${stem}.`) || old.startsWith(`.${stem}.`)) && join(cache, old) !== file) rmSync(join(cache, old), { force: true });
    }
    writeAtomic(file, spec);
  } catch {
    // the next process compiles again
  }
}

/** The [stem, text] pairs of the files with `ext` in a folder, sorted; a missing folder is empty. */
function readFolder(folder: string, ext: string): [string, string][] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => [f.slice(0, -ext.length), readFileSync(join(folder, f), 'utf8')]);
}
