import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import type { PrinterOptions } from '../render/printer.js';
import type { PrinterFactory } from '../run.js';

/**
 * The browser a command prints with: Debian's Chromium, or $CHROMIUM_PATH; $TAXBRIEF_PRINT_TABS pages at once (default 2);
 * $TAXBRIEF_TAGGED_PDF 1 or 0 for tagged or untagged PDFs (default: render/printer.ts TAGGED_PDF_DEFAULT).
 */
export function printerFor(env: CommandEnv): PrinterFactory {
  const tabs = printTabs(env);
  const tagged = taggedPdf(env);
  return async (hint) => {
    const { launchPrinter, resolveChromium } = await import('../render/printer.js');
    return launchPrinter({ executablePath: resolveChromium(env.env), logger: env.logger, pagePool: tabs, jobs: hint?.jobs, tagged });
  };
}

/**
 * The same browser, started now, before the command's own start-up (its launch then overlaps the warehouse's opening):
 * the factory connects to it (loading puppeteer) when the run asks for it; `close` ends it whether or not it was used.
 */
export function printerStartedNow(env: CommandEnv): { factory: PrinterFactory; close(): Promise<void> } {
  const options: Omit<PrinterOptions, 'executablePath'> = { logger: env.logger, pagePool: printTabs(env), tagged: taggedPdf(env) };
  const starting = import('../render/printer.js').then(({ startPrinter, resolveChromium }) => startPrinter({ ...options, executablePath: resolveChromium(env.env) }));
  starting.catch(() => undefined); // observed by the factory, or by close
  return {
    factory: async (hint) => (await starting).connect(hint),
    close: async () => (await starting.catch(() => undefined))?.close(),
  };
}

function taggedPdf(env: CommandEnv): boolean | undefined {
  const tagged = env.env['TAXBRIEF_TAGGED_PDF'];
  if (tagged !== undefined && tagged !== '0' && tagged !== '1') throw new CliError(`TAXBRIEF_TAGGED_PDF=${tagged} must be 1 (tagged PDFs) or 0 (untagged).`, ExitCode.usage);
  return tagged === undefined ? undefined : tagged === '1';
}

function printTabs(env: CommandEnv): number | undefined {
  const tabs = env.env['TAXBRIEF_PRINT_TABS'];
  if (tabs !== undefined && !/^[1-8]$/.test(tabs)) throw new CliError(`TAXBRIEF_PRINT_TABS=${tabs} must be a whole number from 1 to 8 (pages printed at once).`, ExitCode.usage);
  return tabs ? Number(tabs) : undefined;
}
