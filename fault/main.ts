import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareFixture } from './fixture.js';
import { canMount, chromiumTrial, enospcTrial, killTrial, planKills, referenceDurations, smtpDropTrial, type TrialResult } from './scenarios.js';

const SCENARIOS = ['kill', 'chromium', 'enospc', 'smtp-drop'] as const;
const HELP = `npm run fault -- [--trials N] [--seed S] [--only kill,chromium,enospc,smtp-drop] [--taxpayers N] [--dir DIR [--reuse-fixture]] [--keep]

The fault-injection suite on real parts (npm run fault builds first; node bin/fault.js runs dist/ as it is): the taxbrief CLI in its
own process, DuckDB, Debian's Chromium, smtp-server on 127.0.0.1, a tmpfs when run as root.

  kill       kill -9 of \`taxbrief ingest\` and \`taxbrief run\` at seeded random times and at named points
             (TAXBRIEF_FAULT_PAUSE, pipeline/fault-point.ts); after each: the warehouse opens and its files
             ledger matches the fact rows, no half-written output, no file lost; a rerun exits 0, every file is
             loaded once, the marts equal a rebuild, each copy is delivered once (ledger, outbox, SMTP count)
  chromium   the renderer killed at every print of one brief (tried, retried once, reported failed, exit 3,
             the other brief goes out), and the browser process killed mid-print (a new one finishes, exit 0)
  enospc     out/, outbox/ and issued/ on a full tmpfs: a one-sentence error naming the file, no truncated
             PDF/HTML/manifest left; without root, an injected writer that throws ENOSPC (said in the output)
  smtp-drop  the SMTP connection cut in the middle of a message: retried, every copy received whole once

Options:
  --trials N     kill trials (default 20): a third on ingest, the rest on run, half of those by SMTP
  --seed S       seed of the kill trials (default 20261126): the same seed, the same trials
  --only LIST    run only these scenarios (comma-separated)
  --taxpayers N  size of the demo data (default 1000; 14 months)
  --dir DIR      work here (default: a new folder under ${os.tmpdir()}); removed unless --keep or a trial failed
  --keep         keep every trial's workspace
  --reuse-fixture  with --dir: reuse the demo data and starting workspaces an earlier call left there
  -h, --help     this text

Exit: 0 every trial held · 1 something did not hold (listed) · 2 bad options.`;

/** The fault suite's command line (bin/fault.js). */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        trials: { type: 'string', default: '20' }, seed: { type: 'string', default: '20261126' }, only: { type: 'string' },
        taxpayers: { type: 'string', default: '1000' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false }, 'reuse-fixture': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n(run with --help for usage)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const trials = Number(values.trials);
  const seed = Number(values.seed);
  const taxpayers = Number(values.taxpayers);
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SCENARIOS];
  const bad = only.find((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(seed) || !Number.isInteger(taxpayers) || taxpayers < 100 || bad) {
    process.stderr.write(`${bad ? `--only ${bad} is not a scenario (${SCENARIOS.join(', ')})` : '--trials, --seed and --taxpayers (≥ 100) must be whole numbers'}.\n`);
    return 2;
  }
  const root = values.dir ? path.resolve(values.dir) : mkdtempSync(path.join(os.tmpdir(), 'taxbrief-fault-'));
  mkdirSync(root, { recursive: true });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results: TrialResult[] = [];
  const report = (r: TrialResult) => {
    results.push(r);
    log(`${r.problems.length === 0 ? 'HELD  ' : 'FAILED'} ${r.name} (${r.seconds.toFixed(1)} s)`);
    for (const h of r.held) log(`         ✓ ${h}`);
    for (const p of r.problems) log(`         ✗ ${p}`);
  };

  const t0 = performance.now();
  log(`fault suite: seed ${seed}, ${trials} kill trial(s), scenarios ${only.join(', ')}; work in ${root}`);
  const fx = await prepareFixture(root, { taxpayers, log, reuse: values['reuse-fixture'] });
  const scratch = path.join(root, 'trials');
  mkdirSync(scratch, { recursive: true });

  if (only.includes('kill') && trials > 0) {
    const ref = await referenceDurations(fx, scratch);
    log(`reference runs without faults: ingest ${(ref.ingest / 1000).toFixed(1)} s, run ${(ref.run / 1000).toFixed(1)} s`);
    for (const p of ref.problems) log(`  ✗ ${p}`);
    if (ref.problems.length > 0) return 1;
    for (const trial of planKills(trials, seed, ref)) report(await killTrial(fx, trial, scratch, values.keep));
  }
  if (only.includes('chromium')) {
    report(await chromiumTrial(fx, 'renderer', scratch, { keep: values.keep }));
    report(await chromiumTrial(fx, 'browser', scratch, { keep: values.keep }));
  }
  if (only.includes('enospc')) {
    const mount = canMount(scratch);
    if (!mount) log('enospc: not root (or no right to mount): a full disk is injected by a preloaded file writer that throws ENOSPC');
    for (const folder of ['out', 'outbox', 'issued'] as const) report(await enospcTrial(fx, folder, scratch, { mount, keep: values.keep }));
  }
  if (only.includes('smtp-drop')) report(await smtpDropTrial(fx, scratch, values.keep));

  const failed = results.filter((r) => r.problems.length > 0);
  log('');
  for (const s of SCENARIOS) {
    const rs = results.filter((r) => r.scenario === s);
    if (rs.length > 0) log(`${s.padEnd(10)} ${rs.length - rs.filter((r) => r.problems.length > 0).length}/${rs.length} held`);
  }
  log(`${results.length - failed.length}/${results.length} trials held in ${((performance.now() - t0) / 1000).toFixed(0)} s${failed.length ? `; FAILED: ${failed.map((f) => f.name).join('; ')}` : ''}`);
  if (failed.length === 0 && !values.keep && !values.dir) rmSync(root, { recursive: true, force: true });
  else log(`workspaces kept in ${root}`);
  return failed.length === 0 ? 0 : 1;
}
