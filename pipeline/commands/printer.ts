import type { CommandEnv } from '../cli.js';
import type { PrinterFactory } from '../run.js';

/** The browser a command prints with: Debian's Chromium, or $CHROMIUM_PATH. */
export function printerFor(env: CommandEnv): PrinterFactory {
  return async () => {
    const { launchPrinter, resolveChromium } = await import('../render/printer.js');
    return launchPrinter({ executablePath: resolveChromium(env.env), logger: env.logger });
  };
}
