import { parseArgs } from 'node:util';
import { regressions } from './regressions.js';
import { fuzzIngest, replayCases } from './run.js';
import { summary } from './summary.js';

const usage = `Usage: npm run fuzz -- [--cases N] [--seed S] [--cli N] [--timeout MS]

Generates CSV and .xlsx extracts for the demo feeds (revenue, taxpayer registry; UTF-8, UTF-8 with BOM,
GBK, GB18030 and mixtures; LF, CRLF, CR and mixed line endings; quotes, commas and newlines in fields,
huge fields, formula-like and markup cells, wrong types, NUL bytes, truncation, missing or extra fields,
duplicate keys) and ingests each into one warehouse, reset between cases. Each outcome must be either a
correct load (the loaded rows equal the rows generated, checked by the fuzzer's own reading of the file)
or a clear refusal (file:row:column and a reason, at the broken row, warehouse unchanged by count and
content hash); never an exception, a hang (--timeout per case) or a partial load. The counterexamples
found before (fuzz/regressions.ts) are replayed first.

  --cases N     cases run in-process (default 1000)
  --seed S      fast-check seed (default: random; printed, so a failure can be replayed)
  --cli N       of them, also run through a spawned \`taxbrief ingest\` (exit 0/3, no stack trace; default 20)
  --timeout MS  a case taking longer is a hang (default 30000)

Exit: 0 every case held · 1 a counterexample (printed with its seed and shrunk case) · 2 usage.`;

function main(argv: string[]): Promise<number> | number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: {
      cases: { type: 'string' }, seed: { type: 'string' }, cli: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const int = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} ${v} is not a whole number`);
    return Number(v);
  };
  try {
    const options = {
      cases: int('cases', values.cases, 1000),
      seed: int('seed', values.seed, Math.floor(Math.random() * 2 ** 31)),
      cli: int('cli', values.cli, 20),
      timeoutMs: int('timeout', values.timeout, 30_000),
      print: (line: string) => process.stderr.write(`${line}\n`),
    };
    return run(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    return 2;
  }
}

class UsageError extends Error {}

async function run(options: Parameters<typeof fuzzIngest>[0]): Promise<number> {
  // The counterexamples found before come first: a fix that has come undone is named at once.
  const replayed = await replayCases(regressions);
  const broken = replayed.filter((r) => r.violation);
  process.stderr.write(`past counterexamples: ${replayed.length - broken.length} of ${replayed.length} held\n`);
  for (const r of broken) process.stderr.write(`  BROKEN AGAIN: ${r.name}: ${r.violation}\n`);
  if (broken.length > 0) return 1;
  process.stderr.write(`fuzzing ingest: ${options.cases} cases, seed ${options.seed}, ${options.cli} through the CLI\n`);
  const started = performance.now();
  const report = await fuzzIngest(options);
  process.stdout.write(summary(report, options.seed, (performance.now() - started) / 1000));
  return report.failure ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
