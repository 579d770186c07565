import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from './narrative/handlebars.js';
import { CliError } from './errors.js';

/** Renders a brief template to a self-contained HTML string. */
export interface Templates {
  render(name: string, context: object): string;
  /** Compiles a template (and the layouts and partials) now, e.g. while a brief's queries run, rather than at its first render. */
  prepare(name: string): void;
}

/** Template names are file stems under templates/ (a sub-folder is allowed), never paths out of it. */
const NAME = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/i;

/** Compiles a brief template with the shared layouts and partials registered. */
export function createTemplates(options: { dir: string /* templates/ */; helpers: Record<string, Handlebars.HelperDelegate> }): Templates {
  const { dir } = options;
  if (!existsSync(dir)) throw new CliError(`Template folder ${dir} does not exist; pass the project's templates/ folder.`);
  // An isolated environment: two engines (or tests) never see each other's partials or helpers.
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(options.helpers)) hb.registerHelper(name, fn);

  // parsed now (a syntax error is reported at startup), compiled at the first prepare or render
  const partials = [
    ...readFolder(join(dir, 'layouts'), '.hbs').map(([stem, source]) => [`layouts/${stem}`, parse(hb, source, `layouts/${stem}.hbs`)] as const),
    ...readFolder(join(dir, 'partials'), '.hbs').map(([stem, source]) => [stem, parse(hb, source, `partials/${stem}.hbs`)] as const),
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
      for (const [partial, ast] of partials) hb.registerPartial(partial, compileNow(hb, ast));
      compiledPartials = true;
    }
    const fn = compileNow(hb, parse(hb, readFileSync(file, 'utf8'), `${name}.hbs`));
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

/**
 * Compiles a parsed template now, by Handlebars' documented path for templates compiled ahead (precompile, then
 * template); `hb.compile` would defer the work to the first render, when the brief's data is already waiting.
 */
function compileNow(hb: typeof Handlebars, ast: hbs.AST.Program): Handlebars.TemplateDelegate {
  return hb.template(new Function(`return ${hb.precompile(ast)}`)() as TemplateSpecification);
}

/** The [stem, text] pairs of the files with `ext` in a folder, sorted; a missing folder is empty. */
function readFolder(folder: string, ext: string): [string, string][] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => [f.slice(0, -ext.length), readFileSync(join(folder, f), 'utf8')]);
}
