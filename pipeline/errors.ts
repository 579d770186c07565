/** Exit codes that mean something to cron, systemd and the analyst's shell. */
export const ExitCode = {
  ok: 0,
  /** Something the user can fix stopped the command: a broken definition (feed, report, seed, recipients, template), no data yet. */
  failure: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The job ran, but input files were refused, or briefs were held back (failed checks), failed to render or were not delivered. */
  held: 3,
  /** The environment is missing something: Chromium, fonts, a writable workspace. */
  environment: 4,
} as const;

/** The exit codes as `--help` and the README state them (test/readme.test.ts holds them equal). */
export const exitCodesHelp =
  'Exit codes: 0 everything went out · 1 a failure you can fix stopped the command (a broken feed, report, seed or ' +
  'recipients definition or template; no data yet) · 2 the command line was wrong · 3 input files refused (each ' +
  'error as file:row:column: reason), briefs held by a failed check, failed to render or not delivered · 4 the ' +
  'environment lacks something (Chromium, fonts, a writable workspace).';

/** An error meant for the user: one sentence naming the culprit and the fix, and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
