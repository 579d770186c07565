import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { writeAtomic } from '../write-atomic.js';
import { binaryFormats, formatRows, toArrow, toXlsx, writeParquet, type ExportFormat } from '../export.js';
import { bindParams, readQueries, runQueryTyped } from '../queries.js';
import type { Params } from '../warehouse/warehouse.js';

/** `taxbrief query <id>`: run one query with bound parameters; print it, or write it to --out as csv, json, arrow, parquet or xlsx. */
export default async function query(env: CommandEnv, id: string, options: { param?: string[]; format: ExportFormat; out?: string }): Promise<number> {
  if (binaryFormats.includes(options.format) && !options.out) {
    throw new CliError(`--format ${options.format} writes a binary file; pass --out FILE.`, ExitCode.usage);
  }
  const ctx = await env.open();
  try {
    const q = readQueries(ctx.project.queries).get(id);
    if (!q) throw new CliError(`No query "${id}" in queries/; see taxbrief queries.`, ExitCode.usage);
    const params: Params = {};
    for (const p of options.param ?? []) {
      const eq = p.indexOf('=');
      if (eq < 1) throw new CliError(`--param ${p} must read key=value.`, ExitCode.usage);
      const key = p.slice(0, eq);
      if (!q.params.includes(key)) throw new CliError(`Query ${id} has no parameter $${key}; its parameters are ${q.params.map((x) => `$${x}`).join(', ') || 'none'}.`, ExitCode.usage);
      const value = p.slice(eq + 1);
      // an empty value or `null` binds SQL null (e.g. --param region= for the whole province)
      params[key] = value === '' || value === 'null' ? null : value;
    }
    // A region is a code of the regions seed: anything else is an unknown region, said so, not an empty result.
    if (typeof params['region'] === 'string') {
      const known = await ctx.warehouse.all('select 1 from regions where code = $region', { region: params['region'] });
      if (known.length === 0) throw new CliError(`--param region=${params['region']} is an unknown region; give a code of seeds/regions.csv (e.g. 440100), or region= for the whole province.`, ExitCode.usage);
    }
    if (options.format === 'parquet') {
      await writeParquet(ctx.warehouse, q, bindParams(q, params), options.out!);
    } else {
      const result = await runQueryTyped(ctx.warehouse, q, params);
      if (options.format === 'arrow') writeAtomic(options.out!, toArrow(result));
      else if (options.format === 'xlsx') writeAtomic(options.out!, await toXlsx(result, id));
      else if (options.out) writeAtomic(options.out, formatRows(result.rows, options.format));
      else env.stdout.write(formatRows(result.rows, options.format));
    }
    if (options.out) env.logger.info(`query ${id}: written to ${options.out}`, { format: options.format });
    return 0;
  } finally {
    ctx.close();
  }
}
