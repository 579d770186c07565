#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import type { Context } from './context.js';
import { CliError, ExitCode, exitCodesHelp } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { fileModes, useFileModes } from './write-atomic.js';

/** The options every command shares. */
export interface GlobalOptions { workspace?: string; json?: boolean; debug?: boolean; quiet?: boolean; wait?: string }

/** How a command opens the workspace: how long to wait while another process holds it (default 30 min; run: 0). */
export interface OpenOptions { waitMs?: number }

/** What a command receives: its context opener (effects) and the shared options. */
export interface CommandEnv {
  globals: GlobalOptions;
  logger: Logger;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  clock: () => Date;
  /** Takes the workspace lock (waiting as `--wait` says), then opens the context; `close()` releases both. */
  open(options?: OpenOptions): Promise<Context>;
}

/** The CLI's effects: its streams, its environment and its clock. */
export interface CliIO { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv; clock: () => Date }

/** Builds the `taxbrief` command line. Commands are imported only when they run, so `--help` stays instant. */
export function program(io: CliIO): Command {
  const cli = new Command('taxbrief')
    .description('Tax revenue and relief data → checked analytics → Chinese briefs as PDF.')
    .option('-w, --workspace <dir>', 'workspace folder for the warehouse, inbox, quarantine, out and logs (default: $TAXBRIEF_WORKSPACE, else ./workspace)')
    .option('--json', 'log JSON lines (the default when stderr is not a terminal)')
    .option('-q, --quiet', 'log only warnings and errors')
    .option('--debug', 'show stack traces')
    .option('--wait <seconds>', 'wait this long for another taxbrief process to release the workspace (default: 1800; run: 0, refuse at once)')
    .addHelpText('after', `\n${exitCodesHelp}`)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  const envFor = (command: Command): CommandEnv => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const logger = createLogger({ format: globals.json ? 'json' : (io.stderr as NodeJS.WriteStream).isTTY ? 'human' : 'json', stream: io.stderr, clock: io.clock, quiet: globals.quiet });
    return {
      globals,
      logger,
      stdout: io.stdout,
      env: io.env,
      clock: io.clock,
      // The warehouse (DuckDB's native module) loads only for commands that need it; the lock keeps
      // a second process from opening it while one writes.
      open: async (options = {}) =>
        (await import('./locked-context.js')).openLockedContext(
          { workspace: globals.workspace, env: io.env, logger, clock: io.clock },
          { command: command.name(), waitMs: options.waitMs ?? (await import('./lock.js')).waitMs(globals.wait, 30 * 60_000) },
        ),
    };
  };
  // Each action: import the command module lazily and hand it the environment.
  const lazy = (load: () => Promise<{ default: (env: CommandEnv, ...args: any[]) => Promise<number> }>) =>
    async (...args: any[]) => {
      const command = args.at(-1) as Command;
      const exitCode = await (await load()).default(envFor(command), ...args.slice(0, -1));
      if (exitCode !== 0) throw new CliError('', exitCode);
    };

  cli.command('run')
    .description('the nightly job: ingest the inbox, refresh aggregates, run checks, render the briefs due that changed, deliver them; exit 0 only when all went out')
    .option('-p, --period <YYYY-MM>', 'the month to report on (default: the latest month with data)')
    .option('-s, --select <ids...>', 'only these briefs (ids, see taxbrief list; space- or comma-separated); the others are left alone')
    .option('--force', 'render every brief, due or not, changed or not')
    .option('--resend', 'deliver again versions already delivered to a recipient')
    .option('--recipients <file>', 'the recipients file (default: $TAXBRIEF_RECIPIENTS, else <workspace>/recipients.json)')
    .addHelpText('after', '\nRefuses at once (exit 3) while another taxbrief process holds the workspace; --wait SECONDS waits.\nExit: 0 everything due went out · 3 something held, failed, refused, undelivered or a feed late (listed) · 4 environment.')
    .action(lazy(() => import('./commands/run.js')));

  cli.command('history')
    .description('list the nightly runs recorded in the warehouse, or one run\'s stages, outputs and deliveries')
    .argument('[run-id]', 'a run id (or its prefix) to show in detail')
    .option('-n, --limit <n>', 'how many runs', '20')
    .action(lazy(() => import('./commands/history.js')));

  cli.command('status')
    .description('the last run, each feed\'s freshness (late feeds flagged), the outbox and the lock; exit 3 when something needs attention')
    .action(lazy(() => import('./commands/status.js')));

  cli.command('preview')
    .description('serve one brief as HTML on 127.0.0.1 and reload it in the browser when a template, definition, note or query changes')
    .argument('<id>', 'the brief id (see taxbrief list)')
    .option('-p, --period <YYYY-MM>', 'the month (default: the latest month with data)')
    .option('-r, --region <code>', 'for city briefs: the city (default: the first)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', '0')
    .option('--open', 'open the page in the browser (xdg-open)')
    .action(lazy(() => import('./commands/preview.js')));

  cli.command('reproduce')
    .description('rebuild an issued brief from its manifest with the data and definitions it was built from, and compare')
    .argument('<manifest>', 'an issued manifest: <workspace>/issued/<period>/<brief>/<version>/manifest.json')
    .option('-o, --out <dir>', 'where to write the rebuilt brief (default: <workspace>/reproduced/<version>)')
    .action(lazy(() => import('./commands/reproduce.js')));

  cli.command('brief')
    .description('rebuild one brief and print the path of each PDF written')
    .argument('<id>', 'the brief id (see taxbrief list)')
    .option('-p, --period <YYYY-MM>', 'the month to report on (default: the latest month with data)')
    .option('-r, --region <code>', 'for city briefs: one city (GB/T 2260 code, e.g. 440100)')
    .addOption(new Option('--lang <lang>', 'edition: zh (Chinese) or en (English; files end in .en.pdf)').choices(['zh', 'en']).default('zh'))
    .option('--open', 'open each PDF written (xdg-open; without it, the paths are printed)')
    .option('--force', 'print even when a check covering the brief\'s data fails; every page is then marked 未通过校验')
    .addHelpText('after', '\nThe checks that cover the brief\'s data run first: a failure holds the brief (exit 3) unless --force.\nWhile the nightly run holds the workspace, waits for it (saying so) up to --wait SECONDS (default 1800).')
    .action(lazy(() => import('./commands/brief.js')));

  cli.command('list')
    .description('list the briefs with their ids, scope and queries')
    .action(lazy(() => import('./commands/list.js')));

  cli.command('demo')
    .description('generate the bundled demo data into the inbox, then run the nightly job on it')
    .option('--taxpayers <n>', 'number of taxpayers (6000000 for province scale)', '20000')
    .option('--end <YYYY-MM>', 'last month of data (default: the month before today)')
    .option('--months <n>', 'months of history', '36')
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', '20261')
    .option('--no-run', 'only generate the files into the inbox')
    .action(lazy(() => import('./commands/demo.js')));

  cli.command('ingest')
    .description('load a file or every file of a folder through the feed definitions (one transaction per file)')
    .argument('<path>', 'a file or folder')
    .option('--feed <name>', 'read every file with this feed (default: the feed whose file pattern matches the name)')
    .option('--dry-run', 'validate and report every problem, load nothing')
    .addHelpText('after', '\nA refused file is reported as file:row:column: reason, with a summary line; exit 3 when any file is refused.')
    .action(lazy(() => import('./commands/ingest.js')));

  cli.command('feeds')
    .description('list the feed definitions of data/feeds/ (name, dataset, file pattern, format, encoding, unit, layout)')
    .action(lazy(() => import('./commands/feeds.js')));

  cli.command('queries')
    .description('list the queries with their parameters and a one-line description')
    .action(lazy(() => import('./commands/queries.js')));

  cli.command('query')
    .description('run one query and print its rows')
    .argument('<id>', 'the query id (see taxbrief queries)')
    .option('--param <key=value...>', 'a query parameter, e.g. --param period=2026-10 (an empty value or null binds SQL null)')
    .addOption(new Option('--format <format>', 'output format (arrow = Arrow IPC file; arrow, parquet and xlsx need --out)').choices(['table', 'csv', 'json', 'arrow', 'parquet', 'xlsx']).default('table'))
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action(lazy(() => import('./commands/query.js')));

  cli.command('check')
    .description('refresh the marts for changed months and run the checks; print offending rows and the briefs each failure holds (exit 3 on a failure)')
    .option('-p, --period <YYYY-MM>', 'the month checked (default: the latest month with data)')
    .action(lazy(() => import('./commands/check.js')));

  return cli;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, clock: () => new Date() }): Promise<number> {
  const cli = program(io);
  try {
    useFileModes(fileModes(io.env));
    await cli.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliError) {
      if (error.message) io.stderr.write(`taxbrief: ${error.message}\n`);
      if (cli.opts<GlobalOptions>().debug && error.stack && error.message) io.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`taxbrief: unexpected error: ${message} (rerun with --debug for the stack trace)\n`);
    if (cli.opts<GlobalOptions>().debug && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return ExitCode.failure;
  }
}
