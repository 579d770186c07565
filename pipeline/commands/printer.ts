import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import type { PrinterFactory } from '../run.js';

/** The browser a command prints with: Debian's Chromium, or $CHROMIUM_PATH; $TAXBRIEF_PRINT_TABS pages at once (default 2). */
export function printerFor(env: CommandEnv): PrinterFactory {
  const tabs = env.env['TAXBRIEF_PRINT_TABS'];
  if (tabs !== undefined && !/^[1-8]$/.test(tabs)) throw new CliError(`TAXBRIEF_PRINT_TABS=${tabs} must be a whole number from 1 to 8 (pages printed at once).`, ExitCode.usage);
  return async () => {
    const { launchPrinter, resolveChromium } = await import('../render/printer.js');
    return launchPrinter({ executablePath: resolveChromium(env.env), logger: env.logger, pagePool: tabs ? Number(tabs) : undefined });
  };
}
