import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import type { Lang } from '../narrative/helpers.js';

/** What a recipient receives: a brief, in which language, and for a city brief which cities' editions (absent: all). */
export interface Subscription { brief: string; lang: Lang; regions?: string[] }

/** A person who receives briefs (recipients.json). `id` names their watermark and their outbox folder. */
export interface Recipient { id: string; name: string; email?: string; briefs: Subscription[] }

const LANGS: readonly Lang[] = ['zh', 'en'];

/**
 * The recipients file: `--recipients FILE`, else $TAXBRIEF_RECIPIENTS, else `<workspace>/recipients.json`.
 * Undefined when none exists: the run then delivers nothing and says so.
 */
export function recipientsFile(flag: string | undefined, env: NodeJS.ProcessEnv, workspaceRoot: string): string | undefined {
  const explicit = flag ?? env['TAXBRIEF_RECIPIENTS'];
  if (explicit) {
    if (!existsSync(explicit)) throw new CliError(`The recipients file ${explicit} does not exist; fix --recipients or TAXBRIEF_RECIPIENTS.`);
    return path.resolve(explicit);
  }
  const inWorkspace = path.join(workspaceRoot, 'recipients.json');
  return existsSync(inWorkspace) ? inWorkspace : undefined;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * Reads and checks a recipients file:
 * `{ "recipients": [ { "id", "name", "email"?, "lang"?, "briefs": [ "id" | { "brief", "regions"?, "lang"? } ] } ] }`;
 * `lang` (zh, the default, or en) on a recipient applies to all their briefs, on a brief to that one.
 */
export function readRecipients(file: string, knownBriefs: string[]): Recipient[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`The recipients file ${file} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
  const list = (raw as { recipients?: unknown })?.recipients;
  if (!Array.isArray(list)) throw new CliError(`The recipients file ${file} needs a "recipients" array; see README (Delivery).`);
  const seen = new Set<string>();
  return list.map((r: Record<string, unknown>, i) => {
    const where = `${file}: recipients[${i}]`;
    if (typeof r?.['id'] !== 'string' || !ID.test(r['id'])) throw new CliError(`${where}: "id" must be letters, digits, - or _ (at most 32), e.g. "R001".`);
    const id = r['id'];
    if (seen.has(id)) throw new CliError(`${where}: id ${id} appears twice; give each recipient their own id.`);
    seen.add(id);
    if (typeof r['name'] !== 'string' || r['name'].trim() === '') throw new CliError(`${where} (${id}): "name" is required: it is printed in the watermark.`);
    const email = r['email'];
    if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) throw new CliError(`${where} (${id}): "email" ${String(email)} is not an address.`);
    const lang = r['lang'] ?? 'zh';
    if (!LANGS.includes(lang as Lang)) throw new CliError(`${where} (${id}): "lang" ${JSON.stringify(lang)} is not a language; write "zh" (Chinese, the default) or "en" (English).`);
    if (!Array.isArray(r['briefs']) || r['briefs'].length === 0) throw new CliError(`${where} (${id}): "briefs" must list what they receive, e.g. [{"brief": "monthly-revenue"}].`);
    const briefs = (r['briefs'] as Record<string, unknown>[]).map((s, j): Subscription => {
      const brief = typeof s === 'string' ? s : s?.['brief'];
      if (typeof brief !== 'string' || !knownBriefs.includes(brief)) {
        throw new CliError(`${where} (${id}): briefs[${j}] names ${JSON.stringify(brief)}, not a brief; the briefs are ${knownBriefs.join(', ')}.`);
      }
      const regions = typeof s === 'object' ? s['regions'] : undefined;
      if (regions !== undefined && (!Array.isArray(regions) || !regions.every((x) => typeof x === 'string'))) {
        throw new CliError(`${where} (${id}): briefs[${j}].regions must be a list of region codes, e.g. ["440100"].`);
      }
      const own = typeof s === 'object' ? (s['lang'] ?? lang) : lang;
      if (!LANGS.includes(own as Lang)) throw new CliError(`${where} (${id}): briefs[${j}].lang ${JSON.stringify(own)} is not a language; write "zh" or "en".`);
      return { brief, lang: own as Lang, ...(regions ? { regions: regions as string[] } : {}) };
    });
    return { id, name: r['name'].trim(), ...(email ? { email: email as string } : {}), briefs };
  });
}

/** The recipients of one edition: subscribed to the brief in its language and, for a city edition, to that city (or all). */
export function recipientsOf(recipients: Recipient[], edition: { brief: string; region?: string; lang?: Lang }): Recipient[] {
  const { brief, region } = edition;
  const lang = edition.lang ?? 'zh';
  return recipients.filter((r) => r.briefs.some((s) => s.brief === brief && s.lang === lang && (!region || !s.regions || s.regions.includes(region))));
}
