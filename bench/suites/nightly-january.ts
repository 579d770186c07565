import { measureNight } from './nightly-incremental.js';
import type { Suite } from '../harness.js';

/**
 * The same night as `nightly-incremental`, for a January: from the snapshot whose data ends in the December before
 * (`held-january`), the January's extracts arrive. The costliest night for the marts: the year-to-date sums start
 * again and every beneficiary of the new year is first seen.
 */
const suite: Suite = {
  name: 'nightly-january',
  description: 'nightly run with one new month that is a January vs nothing new (data up to the December before)',
  async run(ctx) {
    const { held, month, newMonth } = await ctx.january();
    return measureNight(ctx, { suite: 'nightly-january', snapshot: held, newMonth, label: `one new month, a January (${month})` });
  },
};
export default suite;
