import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { ExitCode } from '../errors.js';
import { reproduce } from '../reproduce.js';
import { printerFor } from './printer.js';

/** `taxbrief reproduce <manifest>`: rebuild an issued brief; exit 0 when its numbers are the archived ones, 3 when not. */
export default async function reproduceCommand(env: CommandEnv, manifest: string, flags: { out?: string }): Promise<number> {
  const ctx = await env.open();
  try {
    const r = await reproduce(ctx, path.resolve(manifest), { outDir: flags.out, newPrinter: printerFor(env) });
    env.stdout.write(`${r.output.pdf}\n`);
    env.logger.info(
      `reproduced from ${r.copied + r.reloaded} input file(s) (${r.copied} from the warehouse, ${r.reloaded} reloaded from archive/) with the definitions in ${r.definitions}: ` +
        (r.identical ? 'identical to the archived HTML' : r.sameNumbers ? 'the same numbers as the archived brief (the layout differs)' : 'the numbers DIFFER from the archived brief'),
      { pdf: r.output.pdf, identical: r.identical, sameNumbers: r.sameNumbers },
    );
    for (const d of r.differences) env.logger.error(`  ${d}`);
    return r.sameNumbers ? ExitCode.ok : ExitCode.held;
  } finally {
    ctx.close();
  }
}
