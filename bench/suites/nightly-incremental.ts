import { rmSync } from 'node:fs';
import path from 'node:path';
import { bringUpToDate, briefsLabel, copyWorkspace, figure, lastRunStages, runArgs, scales, joinSamples, sampleCommand, settleCache, stagesNote, type BenchContext, type Figure, type Sample, type Suite } from '../harness.js';
import { linkOrCopy } from '../../pipeline/write-atomic.js';

/** Exit 3 is a result of the nightly run (e.g. a feed late by the calendar), not a failure of the benchmark. */
const okCodes = [0, 3];

/** A night to measure: a snapshot (never changed) and the month's extracts that arrive in it. */
export interface Night {
  /** The suite's name: its scratch folders under the scale's folder are named after it. */
  suite: string;
  snapshot: string;
  newMonth: string[];
  /** How the figure names the month: "one new month", "one new month, a January (2026-01)". */
  label: string;
}

/**
 * The nightly run as it happens every night, each run on a fresh copy of the snapshot (the cache is never
 * changed): `taxbrief status` (the floor of any run: Node, CLI, lock, warehouse open), `taxbrief run` with
 * nothing new, then the new month's extracts dropped into the inbox and `taxbrief run` again: ingest, mart
 * refresh, checks, every brief of the new month rendered and delivered to the scale's recipients (their outboxes).
 */
export async function measureNight(ctx: BenchContext, night: Night): Promise<Figure[]> {
  const { suite, snapshot, newMonth } = night;
  const copy = path.join(ctx.dir, `${suite}-run`);
  // the snapshot is part of the cache: the suite brings its own copy up to date and starts each run from that
  const held = path.join(ctx.dir, `${suite}-held`);
  copyWorkspace(snapshot, held);
  const floor: Sample[] = [];
  const idle: Sample[] = [];
  const month: Sample[] = [];
  const stages: Record<string, number>[] = [];
  try {
    // The snapshot was built by the code of its day: "nothing new" must measure a run with nothing new.
    await bringUpToDate(ctx, held);
    for (let i = 0; i < ctx.runs; i++) {
      copyWorkspace(held, copy);
      const ws = [...ctx.cli, '--workspace', copy];
      floor.push(await sampleCommand([...ws, 'status'], 1, { okCodes }));
      idle.push(await sampleCommand([...ws, ...runArgs(ctx.scale)], 1, { okCodes }));
      // linked, not copied: 0.75 GB written just before the timed run at province scale would compete with it
      for (const f of newMonth) linkOrCopy(f, path.join(copy, 'inbox', path.basename(f)));
      settleCache({ drop: [path.join(held, 'warehouse.duckdb'), path.join(snapshot, 'warehouse.duckdb')], warm: [path.join(copy, 'warehouse.duckdb'), ...newMonth] });
      month.push(await sampleCommand([...ws, ...runArgs(ctx.scale)], 1, { okCodes, failureLog: path.join(ctx.dir, `${suite}-failed.log`) }));
      stages.push(await lastRunStages(copy));
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(held, { recursive: true, force: true });
  }
  const nothingNew = joinSamples(idle);
  return [
    figure(suite, 'run, nothing new', ctx.scale, nothingNew, {
      baseline: { name: 'taxbrief status', sample: joinSamples(floor) },
    }),
    figure(suite, `run, ${night.label} (${briefsLabel(ctx.scale)} rendered, delivered to ${scales[ctx.scale].recipients})`, ctx.scale, joinSamples(month), {
      baseline: { name: 'run, nothing new', sample: nothingNew },
      target: { ms: 60_000, rssMb: 8192 },
      note: `${ctx.scale === 'province' ? '' : 'the 60 s target is set for province scale; '}${stagesNote(stages)}`,
    }),
  ];
}

/** The night of the scale's last month (2026-10), from the snapshot with that month held back. */
const suite: Suite = {
  name: 'nightly-incremental',
  description: 'nightly run with nothing new vs status; with one new month vs nothing new',
  async run(ctx) {
    const { held, newMonth } = await ctx.prepared();
    return measureNight(ctx, { suite: 'nightly-incremental', snapshot: held, newMonth, label: 'one new month' });
  },
};
export default suite;
