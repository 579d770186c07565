import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.js';
import { localDate } from './schedule.js';
import type { Warehouse } from './warehouse/warehouse.js';

/** When a feed's files should arrive (data/feeds/<name>.json, optional `"expect"`). */
export type Expectation =
  /** "monthly by day 10": month M's file is in by day 10 of M+1. */
  | { kind: 'monthly'; byDay: number; text: string }
  /** "every 35 days": a snapshot is reloaded at least this often. */
  | { kind: 'every'; days: number; text: string };

/** One feed's freshness: what arrived last, what was expected by now, and whether it is late. */
export interface FeedFreshness {
  feed: string;
  dataset: string;
  expect?: string;
  latestPeriod?: string;
  lastLoadedAt?: string;
  files: number;
  late: boolean;
  /** One sentence: "2026-10 expected by 2026-11-10; the latest is 2026-09". */
  note: string;
}

/** Parses an `expect` value; `source` names the feed file in errors. */
export function parseExpectation(raw: unknown, source: string): Expectation | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const monthly = /^monthly by day (\d{1,2})$/.exec(text);
  if (monthly && Number(monthly[1]) >= 1 && Number(monthly[1]) <= 28) return { kind: 'monthly', byDay: Number(monthly[1]), text };
  const every = /^every (\d{1,3}) days?$/.exec(text);
  if (every && Number(every[1]) > 0) return { kind: 'every', days: Number(every[1]), text };
  throw new CliError(`Feed definition ${source}: "expect" ${JSON.stringify(raw)} is not understood; write "monthly by day 10" or "every 35 days".`);
}

/** The feeds declared in `dir` with their expectation (read straight from the JSON: the field is optional). */
export function readExpectations(dir: string): { feed: string; dataset: string; expect?: Expectation }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dataset: string; expect?: unknown };
      return { feed: raw.name, dataset: raw.dataset, expect: parseExpectation(raw.expect, file) };
    });
}

/**
 * Each declared feed's freshness at `now` (dates in `timeZone`): a monthly feed is late when the
 * previous month is missing after its day; a snapshot when it was last loaded longer ago than declared.
 */
export async function feedFreshness(warehouse: Warehouse, feedsDir: string, now: Date, timeZone = 'Asia/Shanghai'): Promise<FeedFreshness[]> {
  const today = localDate(now, timeZone);
  const out: FeedFreshness[] = [];
  for (const { feed, dataset, expect } of readExpectations(feedsDir)) {
    const [row] = await warehouse.all<{ files: number; latest: string | null; loaded: string | null }>(
      `select count(*)::integer as files, strftime(max(period), '%Y-%m') as latest, strftime(max(loaded_at), '%Y-%m-%d %H:%M') as loaded
       from files where feed = $feed and status = 'loaded'`,
      { feed },
    );
    const base = { feed, dataset, expect: expect?.text, latestPeriod: row?.latest ?? undefined, lastLoadedAt: row?.loaded ?? undefined, files: row?.files ?? 0 };
    if (!expect) {
      out.push({ ...base, late: false, note: 'no expectation declared' });
      continue;
    }
    if (expect.kind === 'monthly') {
      const [y, m, d] = today.split('-').map(Number) as [number, number, number];
      // Month M's data is due by day N of M+1: after that day the previous month must be in.
      const back = d > expect.byDay ? 1 : 2;
      const due = new Date(Date.UTC(y, m - 1 - back, 1)).toISOString().slice(0, 7);
      const dueBy = `${new Date(Date.UTC(y, m - back, 1)).toISOString().slice(0, 7)}-${String(expect.byDay).padStart(2, '0')}`;
      const late = !base.latestPeriod || base.latestPeriod < due;
      out.push({ ...base, late, note: late ? `${due} expected by ${dueBy}; the latest is ${base.latestPeriod ?? 'none'}` : `up to date (${due} was due by ${dueBy})` });
    } else {
      const loaded = base.lastLoadedAt ? new Date(`${base.lastLoadedAt.replace(' ', 'T')}:00Z`) : undefined;
      const ageDays = loaded ? (now.getTime() - loaded.getTime()) / 86_400_000 : Infinity;
      const late = ageDays > expect.days;
      out.push({ ...base, late, note: late ? `last loaded ${base.lastLoadedAt ?? 'never'}, expected every ${expect.days} days` : `loaded ${Math.floor(ageDays)} day(s) ago` });
    }
  }
  return out;
}
