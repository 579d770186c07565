/**
 * A named point where the fault suite (`npm run fault`, fault/) can stop a real `taxbrief` process.
 *
 * Only when `TAXBRIEF_FAULT_PAUSE` names this point does anything happen: the process writes one line
 * `taxbrief-fault-pause <point> <detail> <pid>` to stderr and waits until it gets SIGUSR2 (then goes on)
 * or is killed (SIGKILL: the crash under test). `TAXBRIEF_FAULT_PAUSE=<point>` pauses at the first time the
 * point is reached, `<point>#<n>` at the n-th, `<point>=<detail>` at the first with that detail (e.g.
 * `print=relief-2026-10`). The variable is read for nothing else; unset, a point costs one string compare.
 *
 * Points: ingest:inserted (rows inserted, transaction open), ingest:committed (committed, not yet archived),
 * marts:refreshed (transaction open), issue:rendered (PDFs in out/, not yet issued), issue:archived (issued,
 * version not yet recorded), print (a page loaded, before Chromium prints it), deliver:printed (the
 * recipient's copy in the outbox, nothing recorded), deliver:sent (mailed, not yet recorded).
 */
const hits = new Map<string, number>();
const waiting: (() => void)[] = [];

export async function faultPoint(point: string, detail = ''): Promise<void> {
  const wanted = process.env['TAXBRIEF_FAULT_PAUSE'];
  if (!wanted || !wanted.startsWith(point)) return;
  const n = (hits.get(point) ?? 0) + 1;
  hits.set(point, n);
  const match = wanted === point || wanted === `${point}#${n}` || wanted === `${point}=${detail}`;
  if (!match) return;
  process.stderr.write(`taxbrief-fault-pause ${point} ${detail || '-'} ${process.pid}\n`);
  // One SIGUSR2 resumes one pause, oldest first; once installed, the handler stays (a stray SIGUSR2 must not kill).
  if (waiting.length === 0 && process.listenerCount('SIGUSR2') === 0) process.on('SIGUSR2', () => waiting.shift()?.());
  const alive = setInterval(() => undefined, 1000); // a signal listener alone does not keep Node running
  await new Promise<void>((resolve) => waiting.push(resolve));
  clearInterval(alive);
}
