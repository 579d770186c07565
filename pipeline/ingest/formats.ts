import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Feed } from './feeds.js';
import { firstNotUtf8, trimPartial } from './digest.js';
import { BadText, badTextMessage, lineAt, textDecoder, transcodeFile, utf8Lines } from './transcode.js';

/** A file ingest cannot read, with the sentence that tells the analyst what to do, and where (line, column) when one place is at fault. */
export class Unreadable extends Error {
  constructor(message: string, readonly at?: { row: number; column?: string }) {
    super(message);
  }
}

/** What a file's first bytes say it is. */
export type FileKind = 'ole2' | 'zip' | 'parquet' | 'text' | 'empty';

/** How DuckDB is to read a prepared file: the reader call, and how to number its rows. */
export interface Prepared {
  /** A `read_*` table function call over `$file`-free literal paths. */
  reader: string;
  /** SQL giving each row the line (CSV, header = its line) or row (xlsx, JSON, Parquet) an analyst sees. */
  line: string;
  /** A faster reader typing the clean columns of a plain feed (retried on text if a row breaks it). */
  typedReader?: string;
  /** The same reader keeping broken rows aside (DuckDB's reject_errors), to locate parse errors. */
  rejects?: string;
  /** Whether the file carries its own `_line` column (an .xlsx converted with its sheet row numbers). */
  lineColumn?: boolean;
  /** Temporary files to remove once the load is over. */
  temporary: string[];
  /** The encoding the text was read in, for the log. */
  encoding?: string;
  /** CSV: whether line ends were mended and the file is read serially, and whether the whole file decided it (or its first megabyte). */
  shape?: CsvShape;
}

/** How a CSV is read: line ends mended to LF, read serially (a quoted field holds a line break), decided on the whole file. */
export interface CsvShape { mended: boolean; serial: boolean; wholeFile: boolean }

/** `wholeFile`: judge line ends and quoted line breaks on every byte, not the first megabyte (asked again when DuckDB's reader failed). */
export interface PrepareOptions { wholeFile?: boolean }

const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Tells a file's kind from its magic bytes, whatever its name says. */
export function sniff(file: string): FileKind {
  const head = readHead(file, 8);
  if (head.length === 0) return 'empty';
  if (head.subarray(0, 8).equals(OLE2)) return 'ole2';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  return 'text';
}

/** The refusal of a file read as UTF-8 whose byte `at` starts no UTF-8 character, at its record. */
export async function notUtf8(file: string, feed: Feed, at: number): Promise<Unreadable> {
  const how = feed.encoding === 'auto'
    ? 'the text is not UTF-8 (GBK?) from here on, though the lines before are UTF-8: the file mixes encodings; re-export the whole file in one encoding (UTF-8).'
    : `the text is not UTF-8 (GBK?), but feed ${feed.name} declares encoding ${feed.encoding}; save the file as UTF-8, or set "encoding": "auto" (or "gbk") in the feed definition.`;
  return new Unreadable(how, { row: (await csvLayout(file, at)).record });
}

/** Why a file no feed matches is refused: a workbook ingest cannot open says what to do about it. */
export function unmatched(file: string): string {
  const name = path.basename(file);
  if (sniff(file) === 'ole2') return legacyWorkbook(name);
  return `${name} matches no feed definition; pass --feed NAME, add a definition under data/feeds/ (see taxbrief feeds), or rename the file.`;
}

function legacyWorkbook(name: string): string {
  return `${name} is a legacy .xls or a password-protected workbook (an OLE2 file), which taxbrief cannot read; ` +
    'open it in Excel or WPS, remove any password, save it as .xlsx (or as CSV UTF-8) and put that file in the inbox.';
}

/** Refuses what cannot be read before anything is staged: legacy/encrypted workbooks, format mismatches, empty files. */
export function checkKind(file: string, feed: Feed, kind: FileKind): void {
  const name = path.basename(file);
  if (kind === 'empty') throw new Unreadable(`${name} is empty (0 bytes); the export probably failed: export it again.`);
  if (kind === 'ole2') throw new Unreadable(legacyWorkbook(name));
  const expected: Record<Feed['format'], FileKind[]> = { csv: ['text'], json: ['text'], xlsx: ['zip'], parquet: ['parquet'] };
  if (!expected[feed.format].includes(kind)) {
    const what = kind === 'zip' ? 'an .xlsx workbook (zip)' : kind === 'parquet' ? 'a Parquet file' : 'a text file';
    throw new Unreadable(`${name} is ${what}, but feed ${feed.name} (${feed.source}) expects ${feed.format}; export the file as ${feed.format} or rename it so that the right feed picks it up.`);
  }
}

/** Turns a file into something DuckDB reads directly: transcodes GBK, converts .xlsx rows, finds the header. */
/** CSV columns DuckDB's reader may type itself (a plain feed): the period, and amounts in 元. */
export interface TypedColumns { period?: string; amounts: string[] }

export async function prepare(file: string, feed: Feed, tmpDir: string, headerNames: string[], typed?: TypedColumns, options: PrepareOptions = {}): Promise<Prepared> {
  const name = path.basename(file);
  const tmp = (suffix: string) => path.join(tmpDir, `.${name}.${process.pid}.${suffix}`);
  switch (feed.format) {
    case 'parquet':
      return { reader: `read_parquet(${lit(file)})`, line: 'row_number() over ()', temporary: [] };
    case 'json':
      return { reader: `read_json(${lit(file)}, format = 'auto')`, line: 'row_number() over ()', temporary: [] };
    case 'xlsx': {
      const out = tmp('csv');
      const sheetHeader = await xlsxToCsv(file, feed, out, headerNames);
      const names = columnNames(splitCsvLine(firstLines(out, 1)[0]!));
      return { reader: csvReader(out, 0, names), line: '"_line"::bigint', lineColumn: true, temporary: [out], encoding: `xlsx:${sheetHeader}` };
    }
    case 'csv': {
      const encoding = feed.encoding === 'auto' ? detectEncoding(file) : feed.encoding;
      if (feed.encoding !== 'auto' && encoding !== 'utf-8') checkNotUtf8(file, feed);
      if (encoding === 'utf-8') await checkUtf8(file, feed);
      let source = file;
      const temporary: string[] = [];
      // Line ends and quoted line breaks are judged on the first megabyte (no extra pass over a large
      // extract); when DuckDB's reader then fails on something past it, ingest asks again with wholeFile.
      // (The raw bytes serve: CR, LF, comma and quote never occur inside a GBK/GB18030 character.)
      const whole = options.wholeFile ? await csvLayout(file) : undefined;
      const mixedEnds = whole ? whole.mixedEnds : mixedLineEnds(readHead(file, 1 << 20));
      try {
        if (encoding !== 'utf-8' || mixedEnds) {
          source = tmp('utf8.csv');
          temporary.push(source);
          // DuckDB reads UTF-8 with one kind of line end only: transcode and mend by streaming, never holding the file in memory.
          if (!mixedEnds) await transcode(file, source, name, encoding);
          else if (encoding === 'utf-8') await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), mendedText(name, encoding), createWriteStream(source));
          else await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), noUtf8Lines(file, name, encoding), decodeStream(encoding), mendedText(name, encoding), createWriteStream(source));
        }
        const lines = firstLines(source, 60);
        const headerLine = feed.header === 'auto' ? findHeader(lines, headerNames) : feed.header;
        const names = columnNames(splitCsvLine(lines[headerLine - 1] ?? ''));
        // Short rows are padded with nulls (real exports end rows early), which DuckDB's parallel reader cannot
        // combine with a line break inside a quoted field: such a file is read serially.
        const serial = whole ? whole.quotedBreak : quotedLineBreak(readHead(source, 1 << 20));
        // DuckDB's serial reader drops the rest of a file whose last quote is never closed instead of
        // failing (its parallel reader fails, naming the line): such a file is refused here.
        if (serial) await refuseUnclosedQuote(source, names);
        return {
          reader: csvReader(source, headerLine - 1, names, { serial }),
          typedReader: typed ? typedCsvReader(source, headerLine - 1, names, splitCsvLine(lines[headerLine] ?? ''), typed, serial) : undefined,
          rejects: csvReader(source, headerLine - 1, names, { rejects: true, serial }),
          line: `(row_number() over () + ${headerLine})`, temporary, encoding,
          shape: { mended: mixedEnds, serial, wholeFile: Boolean(whole) },
        };
      } catch (error) {
        for (const t of temporary) rmSync(t, { force: true });
        throw error;
      }
    }
  }
}

/** GBK/GB18030 bytes decoded to text by streaming (the path of a file whose line ends are mended on the way). */
function decodeStream(encoding: string): NodeJS.ReadWriteStream {
  const decoder = textDecoder(encoding);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, done) {
      done(null, decoder.write(chunk));
    },
    flush(done) {
      const rest = decoder.end();
      done(null, rest.length > 0 ? rest : undefined);
    },
  });
}

/** A GBK/GB18030 file transcoded to UTF-8 (transcodeRange), its refusal located at its line. */
async function transcode(file: string, out: string, name: string, encoding: string): Promise<void> {
  try {
    await transcodeFile(file, out, encoding);
  } catch (error) {
    if (!(error instanceof BadText)) throw error;
    throw new Unreadable(badTextMessage(error.kind, name, encoding), { row: await lineAt(file, error.at) });
  }
}

// Whether a quoted field holds a CR or LF (in the first megabyte; later ones make DuckDB refuse the file, saying so).
function quotedLineBreak(head: Buffer): boolean {
  let quoted = false;
  for (let i = head.indexOf(34); i >= 0; ) {
    quoted = !quoted;
    const next = head.indexOf(34, i + 1);
    if (quoted && next >= 0) { // (a quote never closed is a broken row, not a field holding a line break)
      const lf = head.indexOf(10, i + 1);
      const cr = head.indexOf(13, i + 1);
      if ((lf >= 0 && lf < next) || (cr >= 0 && cr < next)) return true;
    }
    i = next;
  }
  return false;
}

// LF and CRLF (or CR) in one file, as when exports are pasted together or edited on another system:
// DuckDB's reader takes the first line's ending for all. (CR and LF bytes never occur inside a GBK character.)
function mixedLineEnds(head: Buffer): boolean {
  let crlf = false;
  let bare = false;
  for (let i = head.indexOf(13); i >= 0 && i < head.length - 1; i = head.indexOf(13, i + 1)) {
    if (head[i + 1] === 10) crlf = true;
    else bare = true;
  }
  if (!bare) for (let i = head.indexOf(10); i >= 0; i = head.indexOf(10, i + 1)) if (i === 0 || head[i - 1] !== 13) { bare = true; break; }
  return crlf && bare;
}

/**
 * Byte offset of a quote that opens a field and is never closed (the rest of the file would be one
 * value), or -1. It jumps from quote to quote (native indexOf), so a file costs one pass per megabyte
 * plus a step per quote. A quote opens a field only at its start (after a comma, a line end or the
 * start of the file, as DuckDB reads it); inside, "" is a quote and a lone quote closes the field.
 */
export async function unclosedQuote(file: string): Promise<number> {
  let offset = 0;
  let openAt = -1; // the opening quote of the quoted field being read
  let pending = false; // inside quotes, the last chunk ended on a quote: it closes unless a quote follows
  let before = 10; // the byte before the chunk (the start of the file counts as a line start)
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const bom = offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    let i = bom;
    if (pending) {
      pending = false;
      if (chunk[0] === 34) i = 1;
      else openAt = -1;
    }
    for (let q = chunk.indexOf(34, i); q >= 0; q = chunk.indexOf(34, i)) {
      if (openAt < 0) {
        const prev = offset === 0 && q === bom ? 10 : q > 0 ? chunk[q - 1]! : before;
        if (prev === 44 || prev === 10 || prev === 13) openAt = offset + q;
        i = q + 1;
      } else if (q + 1 === chunk.length) {
        pending = true;
        i = q + 1;
      } else if (chunk[q + 1] === 34) i = q + 2;
      else {
        openAt = -1;
        i = q + 1;
      }
    }
    before = chunk[chunk.length - 1] ?? before;
    offset += chunk.length;
  }
  return pending ? -1 : openAt;
}

/**
 * A CSV read byte by byte, as DuckDB's reader splits it (only when something went wrong: it is a
 * JavaScript step per byte): whether records end in both LF and CRLF/CR, whether a quoted field holds
 * a line break, and the record (1 = the first line) and field (0-based) at byte `at`.
 */
export async function csvLayout(file: string, at = Number.POSITIVE_INFINITY): Promise<{ mixedEnds: boolean; quotedBreak: boolean; record: number; field: number }> {
  let quoted = false;
  let quoteSeen = false; // inside quotes, the previous byte was a quote
  let fieldStart = true;
  let cr = false; // the previous byte ended a record with CR
  let crlf = false;
  let bare = false;
  let quotedBreak = false;
  let record = 1;
  let field = 0;
  let offset = 0;
  scan: for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const bom = offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    for (let i = bom; i < chunk.length; i++) {
      if (offset + i >= at) break scan;
      const b = chunk[i]!;
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (b === 34) continue;
          quoted = false; // the quote before closed the field: b is read unquoted
        } else {
          if (b === 34) quoteSeen = true;
          else if (b === 10 || b === 13) quotedBreak = true;
          continue;
        }
      }
      if (cr) {
        cr = false;
        if (b === 10) {
          crlf = true;
          continue;
        }
        bare = true;
      }
      if (b === 34 && fieldStart) {
        quoted = true;
        fieldStart = false;
      } else if (b === 44) {
        field++;
        fieldStart = true;
      } else if (b === 10 || b === 13) {
        if (b === 10) bare = true;
        cr = b === 13;
        record++;
        field = 0;
        fieldStart = true;
      } else fieldStart = false;
    }
    offset += chunk.length;
  }
  if (cr) bare = true;
  return { mixedEnds: crlf && bare, quotedBreak, record, field };
}

// A quote never closed: the file is refused at the field it opens (DuckDB's serial reader would
// silently drop the rows after it).
async function refuseUnclosedQuote(source: string, names: string[]): Promise<void> {
  const at = await unclosedQuote(source);
  if (at < 0) return;
  const { record, field } = await csvLayout(source, at);
  throw new Unreadable(
    'a quote opens this field and is never closed, so the rest of the file would be read as one value; ' +
      'close the quote, or write a quote inside a value as two ("") and quote the whole value, then export again.',
    { row: record, column: names[field] },
  );
}

/** The bytes of a file read as GBK/GB18030 on their way to the decoder, refused at a line that is UTF-8 text (utf8Lines). */
function noUtf8Lines(file: string, name: string, encoding: string): Transform {
  const lines = utf8Lines();
  let offset = 0;
  const refuse = (at: number, done: (error: Error) => void) => {
    lineAt(file, at).then((row) => done(new Unreadable(badTextMessage('mixed', name, encoding), { row })), done);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const at = lines.push(chunk, offset);
      offset += chunk.length;
      if (at >= 0) refuse(at, done);
      else done(null, chunk);
    },
    flush(done) {
      const at = lines.end();
      if (at >= 0) refuse(at, done);
      else done();
    },
  });
}

/**
 * Decoded CSV text whose line ends are mended on its way to DuckDB: CRLF and CR between records become
 * LF (inside quoted fields they are data and stay as they are); a character the encoding could not decode
 * (U+FFFD) refuses the file, naming its line (rather than loading a garbled name).
 */
function mendedText(name: string, encoding: string): Transform {
  const decoder = new StringDecoder('utf8');
  let quoted = false;
  let pendingCr = false;
  let lines = 1;
  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _encoding, done) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const bad = encoding === 'utf-8' ? -1 : text.indexOf('\uFFFD');
      if (bad >= 0) {
        const line = lines + (text.slice(0, bad).match(/\n/g)?.length ?? 0);
        done(new Unreadable(badTextMessage('undecodable', name, encoding), { row: line }));
        return;
      }
      let out = '';
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (pendingCr) {
          pendingCr = false;
          out += '\n';
          lines++;
          if (ch === '\n') continue;
        }
        if (ch === '"') quoted = !quoted;
        if (ch === '\r' && !quoted) { pendingCr = true; continue; }
        if (ch === '\n') lines++;
        out += ch;
      }
      done(null, Buffer.from(out, 'utf8'));
    },
    flush(done) {
      done(null, Buffer.from(pendingCr ? '\n' : '', 'utf8'));
    },
  });
}

/**
 * The CSV reader's buffer, given explicitly: 32 MiB is DuckDB's documented default, yet the same load with it
 * passed cost a sixth less (DuckDB 1.5.6, 5 M rows, 482 MB, two threads: 11.2 against 13.4 s of CPU, 5.8 against
 * 7.2 s of wall time, medians of 8 interleaved runs; the file then took 44 row groups against 47). The read
 * alone costs the same either way: the saving is in how the insert stores the rows.
 */
export const CSV_BUFFER_BYTES = 32 << 20;

// The dialect is fixed and the header read here: DuckDB's sniffer is skipped (faster, and a broken row
// then fails with its line number instead of "cannot sniff").
function csvReader(file: string, skip: number, names: string[], options: { rejects?: boolean; serial?: boolean; types?: Record<string, string>; dateformat?: string } = {}): string {
  const columns = names.map((n) => `${lit(n)}: '${options.types?.[n] ?? 'VARCHAR'}'`).join(', ');
  return `read_csv(${lit(file)}, auto_detect = false, header = true, columns = {${columns}}, delim = ',', quote = '"', escape = '"', ` +
    `skip = ${skip}, null_padding = true, buffer_size = ${CSV_BUFFER_BYTES}${options.serial ? ', parallel = false' : ''}${options.rejects ? ', store_rejects = true' : ''}${options.dateformat ? `, dateformat = ${lit(options.dateformat)}` : ''})`;
}

// A plain feed whose first row has its period as 2026-10 (or 2026-10-31) and amounts as plain decimals
// is read with those columns typed by DuckDB's reader, as plain read_csv would; a row that breaks the
// pattern fails the read, and the load is retried on text.
function typedCsvReader(file: string, skip: number, names: string[], first: string[], typed: TypedColumns, serial: boolean): string | undefined {
  const value = (column: string) => first[names.indexOf(column)]?.trim() ?? '';
  const types: Record<string, string> = {};
  let dateformat: string | undefined;
  if (typed.period && names.includes(typed.period)) {
    if (/^\d{4}-\d{2}$/.test(value(typed.period))) dateformat = '%Y-%m';
    else if (/^\d{4}-\d{2}-\d{2}$/.test(value(typed.period))) dateformat = '%Y-%m-%d';
    if (dateformat) types[typed.period] = 'DATE';
  }
  for (const a of typed.amounts) if (names.includes(a) && /^-?\d{1,14}(\.\d{1,4})?$/.test(value(a))) types[a] = 'DECIMAL(18,4)';
  return Object.keys(types).length > 0 ? csvReader(file, skip, names, { types, dateformat, serial }) : undefined;
}

// Header cells as column names: blank ones numbered, repeated ones suffixed, as DuckDB would.
function columnNames(cells: string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((c, i) => {
    const name = c.trim().replace(/^\uFEFF/, '') || `column${i}`;
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return n === 0 ? name : `${name}_${n}`;
  });
}

/** A SQL string literal (paths and definition values; never data). */
export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function readHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, statSync(file).size));
    readSync(fd, buf, 0, buf.length, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

// The first megabyte decides: valid UTF-8 (with or without BOM) is UTF-8, anything else GB18030 (a superset of GBK).
function detectEncoding(file: string): 'utf-8' | 'gb18030' {
  const head = readHead(file, 1 << 20);
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  return validUtf8(trimPartial(head)) ? 'utf-8' : 'gb18030';
}

// A file declared GBK whose text is valid UTF-8 with Chinese in it was exported in UTF-8: read as GBK
// it would load garbled names, so it is refused. (Real GBK text is almost never valid UTF-8.)
function checkNotUtf8(file: string, feed: Feed): void {
  const head = trimPartial(readHead(file, 1 << 20));
  const multiByte = head.some((b) => b >= 0xe0 && b <= 0xef);
  if (!multiByte || !validUtf8(head)) return;
  throw new Unreadable(
    `${path.basename(file)} is UTF-8 text, but feed ${feed.name} declares encoding ${feed.encoding}; ` +
      'set "encoding": "auto" (or "utf-8") in the feed definition, or export the file as GBK again.',
  );
}

async function checkUtf8(file: string, feed: Feed): Promise<void> {
  const head = trimPartial(readHead(file, 1 << 20));
  if (!validUtf8(head)) throw await notUtf8(file, feed, firstNotUtf8(head));
}

function validUtf8(bytes: Buffer, prefixOnly = false): boolean {
  // (node:buffer's isUtf8 is native and throws nothing: a TextDecoder and an exception per line made
  // a GBK file with 100,000 short lines take 15 s to check)
  if (!prefixOnly) return isUtf8(bytes);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: prefixOnly });
    return true;
  } catch {
    return false;
  }
}

function firstLines(file: string, n: number): string[] {
  return readHead(file, 256 * 1024).toString('utf8').replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).slice(0, n);
}

/** Splits one CSV line (RFC 4180 quotes) into fields. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { fields.push(field); field = ''; }
    else field += ch;
  }
  fields.push(field);
  return fields;
}

/** The 1-based line of the header: the first row naming every expected column (title rows above it are skipped). */
function findHeader(lines: string[], names: string[]): number {
  if (names.length === 0) return 1;
  const i = lines.findIndex((l) => {
    const fields = new Set(splitCsvLine(l).map((f) => f.trim()));
    return names.every((n) => fields.has(n));
  });
  return i < 0 ? 1 : i + 1;
}

/** Writes the chosen worksheet as CSV from its header row on, each row prefixed with its Excel row number. */
async function xlsxToCsv(file: string, feed: Feed, out: string, headerNames: string[]): Promise<string> {
  // exceljs takes a quarter of a second to load: only workbooks pay for it.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch (error) {
    throw new Unreadable(`${path.basename(file)} cannot be opened as an .xlsx workbook (${firstLine(error)}); open it in Excel or WPS and save it again as .xlsx.`);
  }
  const sheet = feed.sheet ? workbook.getWorksheet(feed.sheet) : workbook.worksheets[0];
  if (!sheet) {
    const names = workbook.worksheets.map((w) => w.name).join(', ') || 'none';
    throw new Unreadable(`${path.basename(file)} has no worksheet "${feed.sheet ?? ''}" (its sheets: ${names}); fix "sheet" in ${feed.source} or rename the sheet.`);
  }
  const rows: { n: number; cells: string[] }[] = [];
  let width = 0;
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    const values = row.values as unknown[];
    const cells = values.slice(1).map(cellText);
    width = Math.max(width, cells.length);
    rows.push({ n, cells });
  });
  const lines = rows.map((r) => r.cells.join(','));
  const h = feed.header === 'auto' ? findHeader(lines, headerNames) - 1 : rows.findIndex((r) => r.n === feed.header);
  const headerRow = rows[Math.max(h, 0)];
  if (!headerRow) throw new Unreadable(`${path.basename(file)}: worksheet "${sheet.name}" is empty; export the data again.`);
  const header = Array.from({ length: width }, (_, i) => headerRow.cells[i]?.trim() || `column${i}`);
  const stream = createWriteStream(out);
  const write = (cells: string[]) => stream.write(cells.map(csvField).join(',') + '\n');
  write(['_line', ...header]);
  for (const r of rows.slice(Math.max(h, 0) + 1)) write([String(r.n), ...Array.from({ length: width }, (_, i) => r.cells[i] ?? '')]);
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return `${sheet.name}!${headerRow.n}`;
}

// What a cell shows: numbers as written, dates as ISO days, rich text joined, formulas by their result.
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; result?: unknown; text?: string; error?: string };
    if (v.richText) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return cellText(v.result);
    if (v.text !== undefined) return String(v.text);
    if (v.error) return '';
  }
  return String(value);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 240);
}
