/** A month as YYYY-MM. */
export type Period = string;

function parts(period: Period): [number, number] {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) throw new Error(`"${period}" is not a period (YYYY-MM).`);
  return [Number(m[1]), Number(m[2])];
}

/** "2026年10月". */
export function monthLabel(period: Period): string {
  const [y, m] = parts(period);
  return `${y}年${m}月`;
}

/** The month of the year, 1–12: a monthly brief's issue number (第10期). */
export function monthOfYear(period: Period): number {
  return parts(period)[1];
}

/** "10月": the month alone, as in "其中10月当月收入…". */
export function monthOnly(period: Period): string {
  return `${monthOfYear(period)}月`;
}

/** "1—10月" (em dash), or "1月" for January: the year-to-date span. */
export function ytdSpan(period: Period): string {
  const [, m] = parts(period);
  return m === 1 ? '1月' : `1—${m}月`;
}

/** "2026年1—10月". */
export function ytdLabel(period: Period): string {
  const [y] = parts(period);
  return `${y}年${ytdSpan(period)}`;
}

/** "8—10月" within one year (the year is the brief's), "2025年11月—2026年1月" across years, "10月" for one month: a run of months. */
export function monthSpan(from: Period, to: Period): string {
  const [y0, m0] = parts(from);
  const [y1, m1] = parts(to);
  if (from === to) return `${m1}月`;
  return y0 === y1 ? `${m0}—${m1}月` : `${y0}年${m0}月—${y1}年${m1}月`;
}

/** "2026年11月26日": a date as it is written on a document. */
export function dateLabel(date: Date): string {
  return `${date.getUTCFullYear()}年${date.getUTCMonth() + 1}月${date.getUTCDate()}日`;
}

/** The month before `date`'s month: the latest month whose data can be complete. */
export function previousMonth(date: Date): Period {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}
