import type { HelperDelegate } from 'handlebars';
import { dateLabel, monthLabel, ytdLabel, ytdSpan } from './periods.js';
import { change, fixed, gain, isDecline, percent, pull, shareChange, signed, wan, yi, yoy } from './phrases.js';

// Handlebars passes its options object last; the phrase functions take plain values only.
const plain = <A extends unknown[]>(fn: (...args: A) => string | boolean): HelperDelegate =>
  (...args: unknown[]) => fn(...(args.slice(0, -1) as A));

/** The template helpers: formatting of finished figures only, never arithmetic. */
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
  dateLabel: plain(dateLabel),
};
