/** Exit codes that mean something to cron, systemd and the analyst's shell. */
export const ExitCode = {
  ok: 0,
  /** Something failed that the user can fix: bad input, bad argument, missing file. */
  failure: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The job ran, but some briefs were held back (failed checks) or failed to render. */
  held: 3,
  /** The environment is missing something: Chromium, fonts, a writable workspace. */
  environment: 4,
} as const;

/** An error meant for the user: one sentence naming the culprit and the fix, and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
