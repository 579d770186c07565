import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { readQueries, runQuery } from '../queries.js';
import type { Params, Row } from '../warehouse/warehouse.js';

/** `taxbrief query <id>`: run one query with bound parameters and print the rows. */
export default async function query(env: CommandEnv, id: string, options: { param?: string[]; format: 'table' | 'csv' | 'json' }): Promise<number> {
  const ctx = await env.open();
  try {
    const q = readQueries(ctx.project.queries).get(id);
    if (!q) throw new CliError(`No query "${id}" in queries/; see taxbrief queries.`, ExitCode.usage);
    const params: Params = {};
    for (const p of options.param ?? []) {
      const eq = p.indexOf('=');
      if (eq < 1) throw new CliError(`--param ${p} must read key=value.`, ExitCode.usage);
      // key= (empty) binds NULL: e.g. --param region= for the province rather than one city
      params[p.slice(0, eq)] = eq === p.length - 1 ? null : p.slice(eq + 1);
    }
    const rows = await runQuery(ctx.warehouse, q, params);
    env.stdout.write(format(rows, options.format));
    return 0;
  } finally {
    ctx.close();
  }
}

function format(rows: Row[], as: 'table' | 'csv' | 'json'): string {
  if (as === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  if (as === 'csv') {
    // A cell that starts like a formula is quoted with a leading apostrophe so Excel shows it as text.
    const quote = (v: unknown) => {
      let s = cell(v);
      if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
      return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n') + '\n';
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}
