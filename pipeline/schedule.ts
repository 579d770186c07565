import { readFileSync } from 'node:fs';
import { CliError } from './errors.js';
import type { ReportDefinition } from './reports.js';

/**
 * When the nightly run issues a brief (report.json `"schedule"`):
 * `"daily"` (every run; the default), `{"every": "week", "on": "monday"}`,
 * `{"every": "month", "afterDay": 5}` (the edition for month M goes out from day 5 of M+1),
 * or `"manual"` (only `taxbrief brief`). `timeZone` (default Asia/Shanghai) sets what "day" means.
 */
export type Schedule =
  | { every: 'day'; timeZone: string }
  | { every: 'week'; on: number /* 0 = Sunday */; timeZone: string }
  | { every: 'month'; afterDay: number; timeZone: string }
  | { every: 'never'; timeZone: string };

/** Whether a brief edition is due now, and if not, why (said in the run summary). */
export type Due = { due: true } | { due: false; reason: string };

const DEFAULT_TZ = 'Asia/Shanghai';
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Reads the `schedule` field of a report definition (absent: daily). */
export function readSchedule(report: Pick<ReportDefinition, 'file'>): Schedule {
  const raw = (JSON.parse(readFileSync(report.file, 'utf8')) as { schedule?: unknown }).schedule;
  return parseSchedule(raw, report.file);
}

/** Validates a schedule value; `source` names the file in errors. */
export function parseSchedule(raw: unknown, source: string): Schedule {
  const bad = (why: string) =>
    new CliError(`Report definition ${source}: "schedule" ${why}; write "daily", "manual", {"every": "week", "on": "monday"} or {"every": "month", "afterDay": 5}.`);
  if (raw === undefined || raw === 'daily') return { every: 'day', timeZone: DEFAULT_TZ };
  if (raw === 'manual') return { every: 'never', timeZone: DEFAULT_TZ };
  if (raw === 'weekly') return { every: 'week', on: 1, timeZone: DEFAULT_TZ };
  if (raw === 'monthly') return { every: 'month', afterDay: 1, timeZone: DEFAULT_TZ };
  if (typeof raw !== 'object' || raw === null) throw bad('is not a schedule');
  const s = raw as { every?: unknown; on?: unknown; afterDay?: unknown; timeZone?: unknown };
  const timeZone = s.timeZone ?? DEFAULT_TZ;
  if (typeof timeZone !== 'string' || !validTimeZone(timeZone)) throw bad(`has an unknown timeZone ${String(timeZone)}`);
  switch (s.every) {
    case 'day':
      return { every: 'day', timeZone };
    case 'week': {
      const on = WEEKDAYS.findIndex((d) => typeof s.on === 'string' && d.startsWith(s.on.toLowerCase()) && s.on.length >= 3);
      if (s.on !== undefined && on < 0) throw bad(`has "on": ${JSON.stringify(s.on)}, not a weekday`);
      return { every: 'week', on: s.on === undefined ? 1 : on, timeZone };
    }
    case 'month': {
      const afterDay = s.afterDay ?? 1;
      if (typeof afterDay !== 'number' || !Number.isInteger(afterDay) || afterDay < 1 || afterDay > 28) throw bad('needs "afterDay" between 1 and 28');
      return { every: 'month', afterDay, timeZone };
    }
    case 'never':
      return { every: 'never', timeZone };
    default:
      throw bad(`has "every": ${JSON.stringify(s.every)}`);
  }
}

/**
 * Whether the edition of `period` is due at `now`. Monthly: from day `afterDay` of the month
 * after the period. Weekly: when the brief was last built before the latest `on` weekday.
 */
export function isDue(schedule: Schedule, at: { now: Date; period: string; lastBuiltAt?: Date }): Due {
  const today = localDate(at.now, schedule.timeZone);
  switch (schedule.every) {
    case 'day':
      return { due: true };
    case 'never':
      return { due: false, reason: 'manual schedule: issued only by taxbrief brief' };
    case 'month': {
      const from = addMonths(`${at.period}-${String(schedule.afterDay).padStart(2, '0')}`, 1);
      return today >= from ? { due: true } : { due: false, reason: `not due: the ${at.period} edition goes out from ${from}` };
    }
    case 'week': {
      const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
      const since = addDays(today, -((weekday - schedule.on + 7) % 7));
      if (!at.lastBuiltAt || localDate(at.lastBuiltAt, schedule.timeZone) < since) return { due: true };
      return { due: false, reason: `not due: built ${localDate(at.lastBuiltAt, schedule.timeZone)}, next on ${addDays(since, 7)} (${WEEKDAYS[schedule.on]})` };
    }
  }
}

/** One line describing a schedule, for `taxbrief list` and logs. */
export function describeSchedule(s: Schedule): string {
  switch (s.every) {
    case 'day': return 'daily';
    case 'never': return 'manual';
    case 'week': return `weekly on ${WEEKDAYS[s.on]}`;
    case 'month': return `monthly from day ${s.afterDay}`;
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
