import type { FuzzReport } from './run.js';

/** The account of a run: cases by feed, by encoding/line ending and by mutation, with outcomes; the failure if any. */
export function summary(report: FuzzReport, seed: number, seconds: number): string {
  const groups = new Map<string, Map<string, { tried: number; loaded: number; refused: number }>>();
  for (const [kind, n] of report.kinds) {
    const [feed, shape, mutation] = kind.split(' ') as [string, string, string];
    for (const [group, key] of [['feed', feed], ['encoding/line ending', shape], ['mutation', mutation]] as const) {
      const g = groups.get(group) ?? new Map();
      const e = g.get(key) ?? { tried: 0, loaded: 0, refused: 0 };
      e.tried += n.tried; e.loaded += n.loaded; e.refused += n.refused;
      g.set(key, e);
      groups.set(group, g);
    }
  }
  const lines = [`${report.cases} case(s) held in ${seconds.toFixed(1)} s (seed ${seed})`];
  for (const [group, g] of groups) {
    lines.push(`  by ${group}:`);
    for (const [key, e] of [...g].sort((a, b) => b[1].tried - a[1].tried)) lines.push(`    ${key.padEnd(28)} ${String(e.tried).padStart(5)} tried  ${String(e.loaded).padStart(5)} loaded exactly  ${String(e.refused).padStart(5)} refused clearly`);
  }
  lines.push(`  through the CLI: ${report.cli.tried} tried, ${report.cli.loaded} loaded, ${report.cli.refused} refused (exit 0/3, no stack trace)`);
  if (report.failure) {
    lines.push('', `COUNTEREXAMPLE (seed ${report.failure.seed}${report.failure.path ? `, path ${report.failure.path}` : ''}): ${report.failure.reason}`, report.failure.case,
      ...(report.failure.first && report.failure.first.reason !== report.failure.reason ? ['', `first seen (before shrinking): ${report.failure.first.reason}`, report.failure.first.case] : []),
      `replay: npm run fuzz -- --seed ${report.failure.seed} --cases ${report.cases + 1}`);
  } else lines.push('held: every case was a correct load or a clear refusal with the warehouse unchanged; no exception, hang or partial load.');
  return `${lines.join('\n')}\n`;
}
