import type { FuzzCase } from './cases.js';

/**
 * Counterexamples `npm run fuzz` found, each cut down to what broke and named by its cause, kept so
 * that CI replays them (test/fuzz.test.ts) and every fuzz run starts with them. Each must give the
 * oracle's outcome: a correct load or a clear refusal at the row (and column) at fault.
 */
export const regressions: { name: string; case: FuzzCase }[] = [];

const registry = (taxpayer_id: string, name: string, status = '') =>
  ({ taxpayer_id, name, region_code: '440103', industry_code: 'A', size_code: 'IND', registered_on: '1980-01-01', status });

// A name a megabyte and more long, a line break every 8 characters (as the generator's huge names).
const hugeName = (repeats: number) => `巨${'长名称,"x"\n'.repeat(repeats)}尾`;

const revenue = (period: string, taxpayer_id: string, amount: string) =>
  ({ period, taxpayer_id, region_code: '440305', industry_code: 'J', size_code: 'S', tax_code: '10113', amount });

regressions.push(
  {
    // seed 3: DuckDB's serial reader (chosen because a quoted name holds a line break) dropped the rows
    // after a quote never closed and loaded the rest, instead of failing. Refused at the quote's field now.
    name: 'an unterminated quote in a GB18030 registry read serially (7 of 8 rows loaded)',
    case: {
      feed: 'taxpayers-gbk', encoding: 'gb18030', eol: 'lf',
      rows: [registry('TP109', '名\r\n佛+司'), registry('9144PNWQYWTRYX0TWU', '名户深司', '正常'), registry('9144YXQWPHYWQKYQWM', '名）李司', '非正常')],
      mutation: { kind: 'unterminated-quote', row: 1 },
    },
  },
  {
    // seed 3, shrunk: "司司司" (CB BE ×3 in GB18030) is valid UTF-8; alone on a line after a quoted line
    // break, the first-megabyte heuristic (6 non-ASCII bytes) called the file mixed. One whole-file check now.
    name: 'a GB18030 line that is valid UTF-8 by chance (falsely refused as mixed encodings)',
    case: {
      feed: 'taxpayers-gbk', encoding: 'gb18030', eol: 'lf',
      rows: [registry('TP0', '名\r\n司司司'), registry('9144YXQWPAYWQJYQWJ', '名广司', '正常')],
      mutation: { kind: 'none' },
    },
  },
  {
    name: 'the same file with an unknown region: refused at its row and column, not as mixed encodings',
    case: {
      feed: 'taxpayers-gbk', encoding: 'gb18030', eol: 'lf',
      rows: [registry('TP0', '名\r\n司司司'), registry('9144YXQWPAYWQJYQWJ', '名广司', '正常')],
      mutation: { kind: 'wrong-type', row: 0, column: 'region_code', value: '999999' },
    },
  },
  {
    // seed 3 (after the fixes above), case 11: the only GBK bytes are an extra field's 多余 in row 2 of a
    // CR-only file declared UTF-8; the check counted LF only and put the error on line 1.
    name: 'a GBK extra field in a CR-only file declared UTF-8 (the error put on line 1, not row 2)',
    case: {
      feed: 'revenue-csv', encoding: 'gbk', eol: 'cr',
      rows: [revenue('202605', '9144WYWTEW33T7GPTR', '13659866592.18'), revenue('2026-01-15', '9144PT8JY8R9QT9YQU', '-376233.51')],
      mutation: { kind: 'extra-field', row: 0 },
    },
  },
  {
    // seed 3 (after the fixes above), case 602: a fuzz-model fault, not ingest's. The one row of a UTF-8
    // file written in GBK held 😀, which GBK lacks: the file said "?" where the model still said 😀.
    // The model now means the row as written; the file loads (as GB18030, its only non-ASCII row) exactly.
    name: 'a UTF-8 file whose only row is GBK, with a character GBK lacks (the model meant 😀, the file said ?)',
    case: {
      feed: 'taxpayers-auto', encoding: 'utf-8', eol: 'mixed',
      rows: [registry('@A1', '名😀H-汕<img src=x onerror=alert(1)>é司')],
      mutation: { kind: 'mixed-encoding', row: 0 },
    },
  },
  {
    // seeds 7 and 1234: a UTF-8 file whose GBK row lies past the first megabyte (a long name before it)
    // was judged UTF-8 on that megabyte, and DuckDB's reader loaded the GBK bytes as U+FFFD without a
    // word. The digest pass (which reads the whole file anyway) now checks UTF-8 too, natively.
    name: 'a GBK row past the first megabyte of a UTF-8 file (loaded as U+FFFD)',
    case: {
      feed: 'taxpayers-auto', encoding: 'utf-8', eol: 'lf',
      rows: [registry('TP1', hugeName(70_000), '注销'), registry('9144PQQF2WXYTRQU1R', '名股山圳江服司', '注销')],
      mutation: { kind: 'mixed-encoding', row: 1 },
    },
  },
  {
    // seed 20261126, case 130: the first megabyte (all one quoted name) shows LF only, so the line ends
    // were not mended and DuckDB failed with "state machine reached an invalid state", no row. The
    // whole file is judged when DuckDB's reader fails: mended, then the wrong date is found at its row.
    name: 'mixed line ends past the first megabyte, a huge multi-line name and a wrong date (DuckDB\'s generic error)',
    case: {
      feed: 'taxpayers-auto', encoding: 'utf-8-bom', eol: 'mixed',
      rows: [registry('TP38434948', hugeName(70_000), '正常'), registry('TP07796', '名赵赵张司', '非正常'), registry('9144PRRTYUNLPFQTUC', '名个司', '非正常')],
      mutation: { kind: 'wrong-type', row: 2, column: 'registered_on', value: 'not-a-date' },
    },
  },
  {
    name: 'the same file without the wrong date: loads exactly',
    case: {
      feed: 'taxpayers-auto', encoding: 'utf-8-bom', eol: 'mixed',
      rows: [registry('TP38434948', hugeName(70_000), '正常'), registry('TP07796', '名赵赵张司', '非正常'), registry('9144PRRTYUNLPFQTUC', '名个司', '非正常')],
      mutation: { kind: 'none' },
    },
  },
);
