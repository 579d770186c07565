import { execFile } from 'node:child_process';
// linkedom's single-file build (worker.js): the same DOM, a third of the start-up of its module tree (the charts load it too)
import { parseHTML } from 'linkedom/worker';
import { CliError, ExitCode } from '../errors.js';

/** The faces briefs are set in (templates/styles/*.css, chart SVG, header and footer): Song, Hei, Kai. */
export const BRIEF_FONTS = ['Noto Serif CJK SC', 'Noto Sans CJK SC', 'AR PL UKai CN'] as const;

/**
 * The print cuts of those faces (scripts/print-fonts.py, installed by npm run setup): TrueType, so Chromium embeds
 * them as font subsets where it traces the CFF Noto faces glyph by glyph (Type 3), about twice as slow. The styles
 * name them first; a character outside the cut prints from the full face, which the preflight checks.
 */
export const PRINT_FONTS = ['Taxbrief Song', 'Taxbrief Hei', 'Taxbrief Kai'] as const;

/** The code points a set of installed faces can draw. */
export interface FontCoverage {
  families: readonly string[];
  has(codePoint: number): boolean;
  /** The print faces (PRINT_FONTS) fontconfig does not have: briefs then print from the full faces, correctly but slower. */
  missingPrintFaces: readonly string[];
}

const cache = new Map<string, Promise<FontCoverage>>();

/**
 * Reads each face's character set once per process (fontconfig: fc-match finds the file, fc-query lists its charset
 * as hex ranges, in the background, e.g. while Chromium starts) and answers lookups by binary search. A family
 * fontconfig does not have (it would silently substitute another) is an environment error.
 */
export function fontCoverage(families: readonly string[] = BRIEF_FONTS): Promise<FontCoverage> {
  const key = families.join('|');
  let coverage = cache.get(key);
  if (!coverage) {
    coverage = (async () => {
      const ranges: [number, number][] = [];
      const lines = (await askFontconfig(families)).split('\n');
      for (const [i, family] of families.entries()) {
        faceOf(family, lines[2 * i] ?? '');
        addCharset(ranges, lines[2 * i + 1] ?? '');
      }
      const missingPrintFaces = lines.slice(2 * families.length).filter((l) => l.startsWith('missing:')).map((l) => l.slice('missing:'.length));
      return { ...coverageOf(families, ranges), missingPrintFaces };
    })();
    cache.set(key, coverage);
    coverage.catch(() => cache.delete(key)); // a failure is not remembered: after npm run setup the next call reads again
  }
  return coverage;
}

// For each family, two lines: fc-match's family|file|index, then fc-query's charset of that face; then a line
// `missing:FAMILY` for each print face fontconfig lacks. One shell runs them all: Node forks one child, not six (a fork
// copies the page tables of a process that by then holds DuckDB and puppeteer: six took 0.1–0.5 s of a brief rerun's
// main thread).
const FONTCONFIG_SCRIPT = `for family do
  face=$(fc-match -f '%{family}|%{file}|%{index}' "$family") || exit 101
  printf '%s\\n' "$face"
  rest=\${face#*|}
  fc-query -i "\${rest##*|}" -f '%{charset}' "\${rest%|*}" || exit 102
  printf '\\n'
done
${PRINT_FONTS.map((f) => `fc-list -q '${f}' || printf 'missing:%s\\n' '${f}'`).join('\n')}`;

const askFontconfig = (families: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', FONTCONFIG_SCRIPT, 'sh', ...families], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (!err) resolve(stdout);
      else reject(fontconfigMissing((err as { code?: unknown }).code === 102 ? 'fc-query' : 'fc-match', err));
    });
  });

function fontconfigMissing(command: string, err: unknown): CliError {
  return new CliError(`fontconfig (${command}) is not available (${(err as Error).message.split('\n')[0]}); run npm run setup.`, ExitCode.environment);
}

function faceOf(family: string, found: string): { file: string; index: string } {
  const [names = '', file = '', index = '0'] = found.split('|');
  if (!names.split(',').includes(family)) {
    throw new CliError(`Font "${family}" is not installed (fontconfig offers ${names.split(',')[0]} instead); run npm run setup (fonts-noto-cjk, fonts-arphic-ukai).`, ExitCode.environment);
  }
  return { file, index };
}

function addCharset(ranges: [number, number][], charset: string): void {
  for (const part of charset.trim().split(/\s+/)) {
    const [a, b = a] = part.split('-');
    ranges.push([parseInt(a!, 16), parseInt(b!, 16)]);
  }
}

function coverageOf(families: readonly string[], ranges: [number, number][]): Omit<FontCoverage, 'missingPrintFaces'> {
  ranges.sort((x, y) => x[0] - y[0]);
  // merge overlapping ranges of different faces so a binary search is exact
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return {
    families,
    has(cp) {
      let lo = 0;
      let hi = merged.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const [a, b] = merged[mid]!;
        if (cp < a) hi = mid - 1;
        else if (cp > b) lo = mid + 1;
        else return true;
      }
      return false;
    },
  };
}

// The named character references taxbrief's templates, charts and Handlebars write; any other sends the document
// through the HTML parser (which knows them all).
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', mdash: '\u2014', ndash: '\u2013', hellip: '\u2026', middot: '\u00b7', times: '\u00d7' };
// a tag, its attribute values quoted or not (a quoted ">" does not end it); a comment; a style or script element whole
const MARKUP = /<!--[\s\S]*?-->|<(style|script)\b(?:[^>"']|"[^"]*"|'[^']*')*>[\s\S]*?<\/\1\s*>|<(?:[^>"']|"[^"]*"|'[^']*')*>/gi;

/**
 * The text a reader sees in an HTML document (body, title; character references decoded), without styles or scripts:
 * the markup dropped by one pattern, not parsed into a DOM (20 city editions took 0.7 s of the main thread in
 * linkedom, most of it a map's outlines). Briefs escape every literal "<" in text as &lt;, so the pattern meets only
 * markup; a document with CDATA or a reference outside the table above goes through linkedom, as before.
 */
export function visibleText(html: string): string {
  let unknown = html.includes('<![CDATA[');
  const text = html.replace(MARKUP, ' ').replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (ref, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
    const char = ENTITIES[name];
    if (char === undefined) unknown = true;
    return char ?? ref;
  });
  return unknown ? parsedText(html) : text;
}

/** The same text through linkedom's HTML parser (a document the pattern cannot read; the tests' independent reading). */
export function parsedText(html: string): string {
  const { document } = parseHTML(html);
  for (const el of Array.from(document.querySelectorAll('style, script'))) el.remove();
  // the whole document's text: body, title, and anything a fragment left outside <body>
  return `${document.title ?? ''}\n${document.documentElement?.textContent ?? ''}`;
}

/** The distinct characters of `text` that none of the faces can draw (whitespace and controls aside). */
export function missingGlyphs(text: string, coverage: FontCoverage): string[] {
  const missing = new Set<string>();
  const seen = new Set<number>();
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (seen.has(cp)) continue;
    seen.add(cp);
    if (cp < 0x20 || /\s/u.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x200b) continue;
    if (!coverage.has(cp)) missing.add(ch);
  }
  return [...missing];
}

/** Fails when any character of the document (or of the header/footer text) has no glyph in the brief's faces. */
export function preflightFonts(html: string, extraText: string, what: string, coverage: FontCoverage): void {
  const missing = missingGlyphs(`${visibleText(html)}\n${extraText}`, coverage);
  if (missing.length > 0) {
    const list = missing.slice(0, 10).map((c) => `"${c}" U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
    throw new CliError(`${what} has ${missing.length} character(s) no installed brief font can draw: ${list}; replace them in the data, note or template, or install a face that has them.`);
  }
}
