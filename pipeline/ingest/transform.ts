import path from 'node:path';
import type { Dataset, DatasetColumn } from './datasets.js';
import { units, type Feed } from './feeds.js';
import { lit, Unreadable } from './formats.js';

/** Where each canonical column of a feed comes from in the file as DuckDB reads it. */
export interface Sources {
  /** Canonical column → SQL of its source text (varchar), or null when the file does not have it. */
  text: Record<string, string | null>;
  /** Canonical column → SQL of its typed source value, for typed readers (Parquet, JSON). */
  raw: Record<string, { sql: string; type: string } | undefined>;
  /** Canonical column → SQL naming the source column in messages. */
  label: Record<string, string>;
  /** The FROM clause: the file, unpivoted, with dropped rows left out. */
  from: string;
  /** 元 per unit of the file, as an exact decimal literal. */
  scale: string;
  /** Key columns that group a total with its parts (all but the item column). */
  groupColumns: string[];
  /** SQL: is the row a total; its indent level; its label; the source column of its amount. */
  total: string;
  level: string;
  itemLabel: string;
  valueColumn: string;
  /**
   * The period text of the file's first row, where the period is read from text (set by ingest): the rows that
   * repeat it, as every row of a monthly extract does, take its value and basis worked out once.
   */
  periodText?: string;
}

/** One check on a staged row: SQL over t_/v_/f_ columns that is true for a bad row. */
export interface Check {
  where: string;
  /** SQL naming the column, and SQL of the offending text, for the report. */
  column: string;
  value: string;
  message: string;
  window?: boolean;
  severity?: 'error' | 'warning';
  /** The same check over the loaded table's columns, run after the insert (a seed lookup would make the insert serial). */
  after?: string;
  /** The canonical column whose null value alone makes the row bad: a NOT NULL column refuses that row itself. */
  nullOf?: string;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const numeric = /^(DECIMAL|DOUBLE|FLOAT|REAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)/;
const temporal = /^(DATE|TIMESTAMP)/;

/** Works out where each canonical column comes from; a required column the file lacks refuses the file. */
export function resolveSources(file: string, feed: Feed, dataset: Dataset, described: { name: string; type: string }[]): Sources {
  const byName = new Map(described.map((d) => [d.name.trim(), d]));
  const find = (name: string) => {
    const m = /^#(\d+)$/.exec(name);
    return m ? described[Number(m[1]) - 1] : byName.get(name.trim());
  };
  const missing: string[] = [];
  const need = (name: string) => {
    const col = find(name);
    if (!col) missing.push(name);
    return col;
  };
  const text: Sources['text'] = {};
  const raw: Sources['raw'] = {};
  const label: Sources['label'] = {};
  const u = feed.unpivot;
  for (const c of dataset.columns) {
    if (c.type === 'basis') continue;
    if (c.name in feed.constants) {
      text[c.name] = lit(feed.constants[c.name]!);
      label[c.name] = lit(`constants.${c.name}`);
    } else if (u && u.name === c.name) {
      text[c.name] = '"_name"';
      label[c.name] = lit('header');
    } else if (u && u.value === c.name) {
      text[c.name] = '"_value"';
      label[c.name] = '"_name"';
    } else {
      const wanted = feed.columns[c.name] ?? c.name;
      const col = c.required || c.name in feed.columns ? need(wanted) : find(wanted);
      text[c.name] = col ? `${q(col.name)}::varchar` : null;
      raw[c.name] = col && !/^VARCHAR/.test(col.type) ? { sql: q(col.name), type: col.type } : undefined;
      label[c.name] = lit(col?.name ?? wanted);
    }
  }
  const extra = (name: string | undefined) => (name ? need(name) : undefined);
  const totalCol = extra(feed.totals?.column);
  const itemCol = extra(feed.hierarchy?.column) ?? totalCol;
  const drops = Object.entries(feed.drop).map(([c, re]) => ({ col: need(c), re }));
  let unpivotOn = '';
  if (u) {
    if (typeof u.columns === 'string') {
      const re = new RegExp(u.columns);
      if (!described.some((d) => re.test(d.name))) missing.push(`(columns matching /${u.columns}/)`);
      unpivotOn = `columns(${lit(u.columns)})`;
    } else {
      const present = u.columns.filter((c) => find(c));
      if (present.length === 0) missing.push(...u.columns);
      unpivotOn = present.map((c) => q(find(c)!.name)).join(', ');
    }
  }
  if (missing.length > 0) {
    throw new Unreadable(
      `${path.basename(file)}: missing column(s) ${missing.map((m) => `"${m}"`).join(', ')} in the header; feed ${feed.name} (${feed.source}) needs them ` +
        `(the header has: ${described.map((d) => d.name).slice(0, 12).join(', ')}${described.length > 12 ? ', …' : ''}); fix the file or the feed's "columns".`,
    );
  }
  const where = drops.map((d) => `not coalesce(regexp_matches(trim(${q(d.col!.name)}::varchar), ${lit(d.re)}), false)`);
  let from = '_raw';
  if (u) {
    from = `(unpivot _raw on ${unpivotOn} into name _name value _value)`;
    // A blank cell of a wide table is "no figure", not an error.
    const value = dataset.columns.find((c) => c.name === u.value);
    if (value?.type === 'money') where.push('tb_number_text("_value") is not null');
  }
  const itemColumn = Object.entries(feed.columns).find(([, src]) => itemCol && find(src)?.name === itemCol.name)?.[0];
  return {
    text, raw, label,
    from: `${from}${where.length ? ` where ${where.join(' and ')}` : ''}`,
    scale: units[feed.unit],
    groupColumns: dataset.key.filter((k) => k !== itemColumn),
    total: totalCol ? `coalesce(regexp_matches(trim(${q(totalCol.name)}::varchar, ' 　\t'), ${lit(feed.totals!.match)}), false)` : 'false',
    level: feed.hierarchy && itemCol ? `coalesce(tb_indent(${q(itemCol.name)}), 0)` : '0',
    itemLabel: itemCol ? `trim(${q(itemCol.name)}::varchar, ' 　\t')` : 'null',
    valueColumn: u ? '"_name"' : 'null',
  };
}

/** Text → value of one column (lenient: null where the text cannot be read; the checks turn that into an error). */
function valueSql(feed: Feed, dataset: Dataset, s: Sources, c: DatasetColumn, lean: string[]): string {
  const t = `"t_${c.name}"`;
  const raw = s.raw[c.name];
  if (feed.codes[c.name]) return `m_${c.name}.code`;
  switch (c.type) {
    // (trim with a set of multi-byte characters is slow on millions of rows: ASCII whitespace only)
    case 'varchar': return lean.includes(c.name) ? t : `nullif(tb_trim(${t}), '')`;
    // (date_trunc goes through a timestamp: a first-of-month date is taken as it is)
    case 'period': return raw && temporal.test(raw.type) ? `case when day("r_${c.name}") = 1 then "r_${c.name}"::date else date_trunc('month', "r_${c.name}")::date end` : periodText(s, 'tb_period', t);
    case 'year': return raw && numeric.test(raw.type) ? `try_cast("r_${c.name}" as integer)` : `year(${periodText(s, 'tb_period', t)})::integer`;
    case 'date': return raw && temporal.test(raw.type) ? `"r_${c.name}"::date` : `try_cast(nullif(tb_trim(${t}), '') as date)`;
    case 'basis': {
      if (feed.basis !== 'auto') return lit(feed.basis);
      const p = s.raw['period'];
      return p && temporal.test(p.type) ? `'month'` : periodText(s, 'tb_period_basis', '"t_period"');
    }
    case 'money': {
      const form = moneyForm(feed, dataset, s, c);
      if (form === 'fen') return `"r_${c.name}"::decimal(18,2)`;
      if (form === 'typed') return `"r_${c.name}"`; // exact already; the 分 check sees its decimals
      if (form === 'text4') return `try_cast(tb_trim(${t}) as decimal(18,4))`;
      if (raw && numeric.test(raw.type)) return `(try_cast("r_${c.name}" as decimal(38,8)) * ${s.scale})`;
      const text = feed.numbers === 'plain' ? `tb_trim(${t})` : `tb_number_text(${t})`;
      return `(try_cast(${text} as decimal(38,8)) * ${s.scale})`;
    }
  }
}

/**
 * A macro of the period text `t` (tb_period, tb_period_basis): for the file's own period text (Sources.periodText)
 * a constant, for any other text the macro on the row. (Reading 2026-10 on every row cost a relief extract a
 * twentieth of its insert.)
 */
function periodText(s: Sources, macro: 'tb_period' | 'tb_period_basis', t: string): string {
  if (s.periodText === undefined) return `${macro}(${t})`;
  return `case when ${t} = ${lit(s.periodText)} then ${macro}(${lit(s.periodText)}) else ${macro}(${t}) end`;
}

/**
 * How a money column's value is computed: `fen`, a typed value already in whole 分 of 元 (an integer, or a
 * decimal of scale ≤ 2 that fits DECIMAL(18,2)); `typed`, a typed 元 decimal of another scale that fits
 * 18 digits (as the CSV reader's DECIMAL(18,4)); `text4`, a plain 元 figure cast from text to DECIMAL(18,4);
 * `other`, anything else (units, Chinese number formats), computed as DECIMAL(38,8).
 */
function moneyForm(feed: Feed, dataset: Dataset, s: Sources, c: DatasetColumn): 'fen' | 'typed' | 'text4' | 'other' {
  const raw = s.raw[c.name];
  if (raw && numeric.test(raw.type)) {
    const d = /^DECIMAL\((\d+),(\d+)\)/.exec(raw.type);
    const exact = /^(INTEGER|BIGINT|SMALLINT|TINYINT)/.test(raw.type) || (d && Number(d[1]) - Number(d[2]) <= 16 && Number(d[2]) <= 2);
    if (exact && s.scale === '1') return 'fen';
    if (d && s.scale === '1' && Number(d[1]) <= 18) return 'typed';
    return 'other';
  }
  // Plain 元 figures take the cheap exact cast; anything else the full reading of Chinese number formats.
  return feed.numbers === 'plain' && s.scale === '1' && dataset.bounds.max <= 1e13 ? 'text4' : 'other';
}

/**
 * SQL true for an amount with fractions of a 分: none is possible in whole 分; a DECIMAL(18,4) is compared
 * with itself rounded to 分 in 64-bit decimals (round() would widen both sides to 128 bits; a value that
 * rounds beyond 14 digits comes back null, and is a fraction of a 分 too).
 */
function fractionOfFen(form: ReturnType<typeof moneyForm>, rawType: string | undefined, v: string): string | undefined {
  if (form === 'fen') return undefined;
  if (form === 'text4' || (form === 'typed' && rawType === 'DECIMAL(18,4)')) return `try_cast(${v}::decimal(18,2) as decimal(18,4)) is distinct from ${v}`;
  return `${v} <> round(${v}, 2)`;
}

function blankSql(feed: Feed, s: Sources, c: DatasetColumn): string {
  if (s.raw[c.name]) return `("r_${c.name}" is null)`; // typed: no text to read
  const t = `"t_${c.name}"`;
  return c.type === 'money' && feed.numbers === 'formatted' ? `(tb_number_text(${t}) is null)` : `(nullif(tb_trim(${t}), '') is null)`;
}

/**
 * The code columns a lean read takes as they are, untrimmed: those read straight from a column of the
 * file and checked against a seed after the insert, where a blank or padded value (rare) is caught on
 * the file's few distinct codes and sends the file back to a full read. (Trimming five columns of every
 * row cost a twentieth of a plain read_csv.)
 */
export function leanColumns(feed: Feed, dataset: Dataset, s: Sources): string[] {
  return dataset.columns
    .filter((c) => c.type === 'varchar' && c.references && !feed.codes[c.name] && !(c.name in feed.constants) && s.text[c.name] !== null && !s.raw[c.name])
    .map((c) => c.name);
}

/**
 * The SELECT that turns the file into canonical columns: t_<col> (text), v_<col> (value), f_<col> (code found);
 * `lean`: columns taken untrimmed (see leanColumns).
 */
export function canonicalSql(feed: Feed, dataset: Dataset, s: Sources, withLines: boolean, lean: string[] = []): string {
  const inner = [
    ...(withLines ? ['_line'] : []),
    ...dataset.columns.filter((c) => c.type !== 'basis').flatMap((c) => {
      const cols = [`${s.text[c.name] ?? 'null::varchar'} as "t_${c.name}"`];
      const raw = s.raw[c.name];
      if (raw) cols.push(`${raw.sql} as "r_${c.name}"`);
      return cols;
    }),
    ...(withLines ? [`${s.total} as _total`, `${s.level} as _level`, `${s.itemLabel} as _label`, `${s.valueColumn} as _value_column`] : []),
  ];
  const joins = Object.keys(feed.codes).map((c) =>
    `left join (select src, arg_min(code, ord) as code from _codes where col = ${lit(c)} group by src) m_${c} on m_${c}.src = trim(i."t_${c}", ' 　\t')`,
  );
  const outer = [
    'i.*',
    ...dataset.columns.map((c) => `${valueSql(feed, dataset, s, c, lean)} as "v_${c.name}"`),
    ...Object.keys(feed.codes).map((c) => `(m_${c}.src is not null) as "f_${c}"`),
    ...(withLines ? [] : ['false as _total']),
  ];
  return `select ${outer.join(', ')} from (select ${inner.join(', ')} from ${s.from}) i ${joins.join(' ')}`;
}

/** The row checks of a feed, each true for a bad row. */
export function checksFor(feed: Feed, dataset: Dataset, s: Sources, now: Date): Check[] {
  const checks: Check[] = [];
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`;
  const year = `${now.getUTCFullYear()}-01-01`;
  const defFile = path.basename(feed.source);
  for (const c of dataset.columns) {
    if (c.type === 'basis') {
      if (feed.basis === 'auto') checks.push({ where: `"v_basis" not in (${dataset.bases.map(lit).join(', ')})`, column: s.label['period']!, value: '"t_period"', message: `is a period of a basis (year/month/ytd) that dataset ${feed.dataset} does not hold` });
      continue;
    }
    if (s.text[c.name] === null) continue; // optional and absent
    const t = `"t_${c.name}"`;
    const v = `"v_${c.name}"`;
    const blank = blankSql(feed, s, c);
    const at = { column: s.label[c.name]!, value: t };
    if (c.required) checks.push({ where: `${blank} and ${v} is null`, ...at, message: 'is empty; the column is required', nullOf: c.name });
    if (feed.codes[c.name]) {
      checks.push({ where: `not ${blank} and not "f_${c.name}"`, ...at, message: `is not in the code map codes.${c.name} of ${defFile}; add it there (or correct the file)` });
      if (c.required) checks.push({ where: `"f_${c.name}" and ${v} is null`, ...at, message: `maps to no code in codes.${c.name} of ${defFile}, but ${c.name} is required`, nullOf: c.name });
    }
    const notRead = `not ${blank} and ${v} is null${feed.codes[c.name] ? ' and false' : ''}`;
    const unread = c.required ? { nullOf: c.name } : {};
    switch (c.type) {
      case 'period': {
        checks.push({ where: notRead, ...at, ...unread, message: 'is not a period (write 2026-10, 202610, 2026年10月, 2026年1—10月 or 2026)' });
        const written = s.raw['period'] && temporal.test(s.raw['period'].type) ? `'month'` : periodText(s, 'tb_period_basis', t);
        if (feed.basis === 'auto' && !dataset.columns.some((d) => d.type === 'basis')) {
          checks.push({ where: `${v} is not null and ${written} not in (${dataset.bases.map(lit).join(', ')})`, ...at, message: `is not a single month; dataset ${feed.dataset} holds ${dataset.bases.join('/')} figures` });
        }
        if (feed.basis !== 'auto') {
          checks.push({ where: `${v} is not null and ${written} <> 'month' and ${written} <> ${lit(feed.basis)}`, ...at, message: `is written as a ${feed.basis === 'year' ? 'month' : 'year or year-to-date'} period, but ${defFile} says "basis": "${feed.basis}"` });
        }
        const basis = dataset.columns.some((d) => d.type === 'basis') ? '"v_basis"' : written;
        checks.push({ where: `${v} >= case when ${basis} = 'year' then date '${year}' else date '${month}' end`, ...at, message: 'lies in the future (or in the current, unfinished period)' });
        break;
      }
      case 'year': checks.push({ where: notRead, ...at, ...unread, message: 'is not a year (write 2026 or 2026年)' }); break;
      case 'date': checks.push({ where: notRead, ...at, ...unread, message: 'is not a date (write YYYY-MM-DD)' }); break;
      case 'money': {
        checks.push({ where: notRead, ...at, ...unread, message: `is not an amount (a number in ${feed.unit})` });
        const fraction = fractionOfFen(moneyForm(feed, dataset, s, c), s.raw[c.name]?.type, v);
        if (fraction) checks.push({ where: fraction, ...at, message: 'has fractions of a 分 once converted to 元' });
        const b = feed.bounds ?? dataset.bounds;
        checks.push({ where: `(${v} < ${b.min} or ${v} > ${b.max})`, ...at, message: `is outside the sane bounds of ${feed.dataset} (${b.min} to ${b.max} 元): a unit mistake?` });
        break;
      }
      case 'varchar': break;
    }
    if (c.references) {
      const [table, key] = c.references.split('.') as [string, string];
      checks.push({
        where: `${v} is not null and ${v} not in (select ${key} from ${table})`, column: at.column, value: `coalesce(${v}, ${t})`, message: `is not a code in the ${table} seed`,
        after: `${c.name} is not null and ${c.name} not in (select ${key} from ${table})`,
      });
    }
  }
  return checks;
}
