import Handlebars, { type HelperDelegate, type HelperOptions } from './handlebars.js';
import { roundedPartsAddUp, thousands } from './numbers.js';
import { englishName } from './names-en.js';
import * as en from './phrases-en.js';
import { dateLabel, monthLabel, monthSpan, ytdLabel, ytdSpan } from './periods.js';
import { budgetProgress, change, deviation, fixed, gain, isDecline, percent, progressGap, pull, shareChange, signed, wan, yi, yoy } from './phrases.js';

// Handlebars passes its options object last; the phrase functions take plain values only.
const plain = <A extends unknown[]>(fn: (...args: A) => string | boolean): HelperDelegate =>
  (...args: unknown[]) => fn(...(args.slice(0, -1) as A));

/** The languages a brief can be written in. */
export type Lang = 'zh' | 'en';

/** The template helpers: formatting of finished figures only, never arithmetic (Chinese edition). */
export const narrativeHelpers: Record<string, HelperDelegate> = {
  yi: plain(yi),
  wan: plain(wan),
  change: plain(change),
  yoy: plain(yoy),
  gain: plain(gain),
  percent: plain(percent),
  signed: plain(signed),
  fixed: plain(fixed),
  shareChange: plain(shareChange),
  pull: plain((pp: number, what?: string) => pull(pp, typeof what === 'string' ? what : undefined)),
  isDecline: plain(isDecline),
  monthLabel: plain(monthLabel),
  ytdLabel: plain(ytdLabel),
  ytdSpan: plain(ytdSpan),
  monthSpan: plain(monthSpan),
  dateLabel: plain(dateLabel),
  deviation: plain(deviation),
  budgetProgress: plain(budgetProgress),
  progressGap: plain(progressGap),
  count: plain((n: number | string) => thousands(String(n))),
  addsUp: plain(addsUp),
  src,
  layout: plain((name: string) => `layouts/${name}`),
  eq: plain((a: unknown, b: unknown) => a === b),
  lt: plain((a: number, b: number) => a < b),
  name: plain((n: string) => n),
  concat: plain((...parts: unknown[]) => parts.map(String).join('')),
  /** Rows in groups of n, for a table that prints n regions side by side: `{{#each (chunk data.budget 2)}}<tr>{{#each this}}…{{/each}}</tr>{{/each}}`. */
  chunk: (rows: unknown, n: unknown) =>
    Array.isArray(rows) ? Array.from({ length: Math.ceil(rows.length / Number(n)) }, (_, i) => rows.slice(i * Number(n), (i + 1) * Number(n))) : [],
  /** The rows of a breakdown without its 合计 row: `{{#each (parts data.byArea)}}…{{#if @last}}。{{/if}}{{/each}}`. */
  parts: (rows: unknown) => (Array.isArray(rows) ? rows.filter((r: Record<string, unknown>) => r['is_total'] !== true) : []),
};

/** The same helpers with English phrases: same rounding, same digits. */
export const englishHelpers: Record<string, HelperDelegate> = {
  ...narrativeHelpers,
  change: plain(en.change),
  yoy: plain(en.yoy),
  gain: plain(en.gain),
  shareChange: plain(en.shareChange),
  pull: plain((pp: number, what?: string) => en.pull(pp, typeof what === 'string' ? what : undefined)),
  monthLabel: plain(en.monthLabel),
  ytdLabel: plain(en.ytdLabel),
  monthSpan: plain(en.monthSpan),
  dateLabel: plain(en.dateLabel),
  deviation: plain(en.deviation),
  budgetProgress: plain(en.budgetProgress),
  progressGap: plain(en.progressGap),
  name: plain((n: string) => englishName(n)),
};

/** The helper set of a language. */
export function helpersFor(lang: Lang): Record<string, HelperDelegate> {
  return lang === 'en' ? englishHelpers : narrativeHelpers;
}

/**
 * True when a table's rounded parts (rows other than the total) add up to its rounded total row:
 * `{{#unless (addsUp data.byTax "ytd_amount")}}…may not add up…{{/unless}}`.
 */
function addsUp(rows: Record<string, unknown>[], field: string): boolean {
  const total = rows.find((r) => r['is_total'] === true);
  if (!total) return true;
  const parts = rows.filter((r) => r !== total).map((r) => r[field] as string);
  // a withheld figure (null: disclosure control) leaves nothing to add up
  if (total[field] === null || parts.some((p) => p === null || p === undefined)) return true;
  return roundedPartsAddUp(parts, total[field] as string);
}

/**
 * The provenance mark of a figure-bearing sentence, table or chart: `{{src "headline" "byTax"}}` →
 * a small "[1,2]" keyed to the numbered query list of the appendix, with the query names in data-src.
 * Naming a query the brief did not run is an error, so a mark can never point nowhere.
 */
function src(...args: unknown[]): Handlebars.SafeString {
  const options = args.at(-1) as HelperOptions;
  const names = args.slice(0, -1).map(String);
  const keys = (options.data?.root as { sourceKeys?: Record<string, number> })?.sourceKeys ?? {};
  const numbers = names.map((n) => {
    const k = keys[n];
    if (k === undefined) throw new Error(`{{src "${n}"}} names no query of this brief; use one of ${Object.keys(keys).join(', ')}.`);
    return k;
  });
  return new Handlebars.SafeString(`<sup class="src" data-src="${names.join(' ')}">[${numbers.join(',')}]</sup>`);
}
