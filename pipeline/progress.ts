/** A stage's pace: how far it is, how long it has taken, and when it should end. */
export interface Pace { stage: string; done: number; total?: number; elapsedMs: number; etaMs?: number }

/** Tracks when each stage started, to give elapsed time and an ETA from the rate so far. */
export function createPaceTracker(now: () => number = () => performance.now()): (stage: string, done: number, total?: number) => Pace {
  const started = new Map<string, { at: number; done: number }>();
  return (stage, done, total) => {
    let s = started.get(stage);
    if (!s || done < s.done) started.set(stage, (s = { at: now(), done }));
    const elapsedMs = now() - s.at;
    const progressed = done - s.done;
    const etaMs = total !== undefined && progressed > 0 && done < total ? (elapsedMs / progressed) * (total - done) : undefined;
    if (total !== undefined && done >= total) started.delete(stage);
    return { stage, done, total, elapsedMs, etaMs };
  };
}

/** "1:05" for a duration in ms. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line describing a pace, e.g. "ingest  12/30  40%  0:08 elapsed  ETA 0:12". */
export function paceLine(p: Pace): string {
  const of = p.total === undefined ? `${p.done}` : `${p.done}/${p.total}  ${p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100}%`;
  return `${p.stage}  ${of}  ${clock(p.elapsedMs)} elapsed${p.etaMs !== undefined ? `  ETA ${clock(p.etaMs)}` : ''}`;
}

/**
 * A live status line for a terminal: redrawn in place (carriage return, erase line) on each
 * progress step, and erased before any other log line is written so the two never interleave.
 */
export function createLiveLine(stream: NodeJS.WritableStream): { draw(p: Pace): void; clear(): void } {
  let active = false;
  return {
    draw(p) {
      const done = p.total !== undefined && p.done >= p.total;
      stream.write(`\r\x1b[2K${done ? '' : `▸ ${paceLine(p)}`}`);
      active = !done;
    },
    clear() {
      if (active) stream.write('\r\x1b[2K');
      active = false;
    },
  };
}
