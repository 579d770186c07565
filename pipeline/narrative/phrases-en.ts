import { roundRate, scaleAmount, thousands, type Yuan } from './numbers.js';
import { FLAT_BELOW_PCT } from './phrases.js';

// The English edition: the same rounded figures as the Chinese phrases (phrases.ts), in English words.
// Amounts keep the 亿元 unit (100 million yuan) so that every digit matches the Chinese edition.

/** "11,234.56" — an amount in 元 written in 100 million yuan (亿元) with 2 decimals. */
export { yi, wan } from './phrases.js';

/** "up 3.2%" / "down 2.1%" / "flat". */
export function change(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return 'no comparable figure';
  if (Math.abs(pct) < FLAT_BELOW_PCT) return 'flat';
  return `${pct > 0 ? 'up' : 'down'} ${roundRate(Math.abs(pct))}%`;
}

/** "up 3.2% year on year" / "flat year on year". */
export function yoy(pct: number | null | undefined): string {
  const c = change(pct);
  return c === 'no comparable figure' ? 'with no comparable figure a year earlier' : `${c} year on year`;
}

/** "an increase of 12.34" / "a decrease of 12.34" (100 million yuan). */
export function gain(diff: Yuan): string {
  const scaled = scaleAmount(diff, 'yi');
  const negative = scaled.startsWith('-');
  return `${negative ? 'a decrease of' : 'an increase of'} ${thousands(negative ? scaled.slice(1) : scaled)} (100 million yuan)`;
}

/** "up 0.8 percentage points" / "down 0.3 percentage points" / "unchanged". */
export function shareChange(pp: number | null | undefined): string {
  if (pp === null || pp === undefined || !Number.isFinite(pp)) return 'no comparable figure';
  const r = roundRate(Math.abs(pp));
  if (Number(r) === 0) return 'unchanged';
  return `${pp > 0 ? 'up' : 'down'} ${r} percentage points`;
}

/** "adding 1.2 percentage points to the growth of total revenue" / "taking 0.4 percentage points off …". */
export function pull(pp: number | null | undefined, what = 'total revenue'): string {
  if (pp === null || pp === undefined || !Number.isFinite(pp)) return '';
  const r = roundRate(Math.abs(pp));
  if (Number(r) === 0) return `moving the growth of ${what} by less than 0.1 percentage points`;
  return pp >= 0 ? `adding ${r} percentage points to the growth of ${what}` : `taking ${r} percentage points off the growth of ${what}`;
}

/** "budget progress 84.6%, 1.3 percentage points ahead of time progress (83.3%)" (or behind, or in line with). */
export function budgetProgress(progressPct: number | null | undefined, timePct: number | null | undefined): string {
  if (progressPct === null || progressPct === undefined || !Number.isFinite(progressPct) || timePct === null || timePct === undefined) return '';
  const gap = Number(roundRate(progressPct)) - Number(roundRate(timePct));
  const r = roundRate(Math.abs(gap));
  const p = `${roundRate(progressPct)}%`;
  const t = `${roundRate(timePct)}%`;
  if (Number(r) === 0) return `budget progress ${p}, in line with time progress (${t})`;
  return `budget progress ${p}, ${r} percentage points ${gap > 0 ? 'ahead of' : 'behind'} time progress (${t})`;
}

/** "+1.3" / "-0.5" / "0.0": a budget-progress gap for tables (percentage points), from the two rates as printed. */
export function progressGap(progressPct: number | null | undefined, timePct: number | null | undefined): string {
  if (progressPct === null || progressPct === undefined || !Number.isFinite(progressPct) || timePct === null || timePct === undefined) return '—';
  const gap = Number(roundRate(progressPct)) - Number(roundRate(timePct));
  const r = roundRate(Math.abs(gap));
  return Number(r) === 0 ? '0.0' : `${gap > 0 ? '+' : '-'}${r}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "October 2026". */
export function monthLabel(period: string): string {
  return `${MONTHS[Number(period.slice(5)) - 1]} ${period.slice(0, 4)}`;
}

/** "January–October 2026" (en dash), or "January 2026". */
export function ytdLabel(period: string): string {
  const m = Number(period.slice(5));
  return m === 1 ? monthLabel(period) : `January–${MONTHS[m - 1]} ${period.slice(0, 4)}`;
}

/** "August–October 2026", or "November 2025–January 2026" across years: a run of months. */
export function monthSpan(from: string, to: string): string {
  if (from === to) return monthLabel(to);
  return from.slice(0, 4) === to.slice(0, 4) ? `${MONTHS[Number(from.slice(5)) - 1]}–${monthLabel(to)}` : `${monthLabel(from)}–${monthLabel(to)}`;
}

/** "26 November 2026". */
export function dateLabel(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "3.2 robust standard deviations above the baseline" / "… below …". */
export function deviation(z: number | null | undefined): string {
  if (z === null || z === undefined || !Number.isFinite(z)) return '';
  return `${roundRate(Math.abs(z))} robust standard deviations ${z >= 0 ? 'above' : 'below'} the baseline`;
}
