// Builds a province-scale benchmark warehouse without CSV round trips: the demo generator's SQL (pipeline/demo/*.sql)
// writes the facts straight into the warehouse's fact tables (one ledger file per dataset and month), then the marts are
// built in full. Usage: node dist/bench/prepare.js [--workspace /work/bench-ws] [--taxpayers 6000000] [--months 24] [--end 2026-10]
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { runScript, type Script } from '../pipeline/demo/generate.js';
import { memoryLogger } from '../pipeline/log.js';
import { refreshMartsFor } from '../pipeline/marts.js';
import { loadSeeds } from '../pipeline/seeds.js';
import { migrate, readMigrations } from '../pipeline/warehouse/migrate.js';
import { openWarehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../pipeline/workspace.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const workspace = arg('workspace', '/work/bench-ws');
const taxpayers = Number(arg('taxpayers', '6000000'));
const months = Number(arg('months', '24'));
const end = arg('end', '2026-10');
const project = projectPaths();
const file = path.join(workspace, 'warehouse.duckdb');
const now = new Date(`${end}-28T00:00:00Z`);
const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

mkdirSync(workspace, { recursive: true });
rmSync(file, { force: true });
rmSync(`${file}.wal`, { force: true });
{
  const w = await openWarehouse(file);
  await migrate(w, readMigrations(path.join(project.queries, 'migrations')), now);
  await loadSeeds(w, project.seeds, { logger: memoryLogger(), now });
  w.close();
}

const [year, month] = end.split('-').map(Number) as [number, number];
const k1 = year * 12 + month - 1;
const k0 = k1 - months + 1;
const sql = (name: string): Script => ({ name: `pipeline/demo/${name}`, text: readFileSync(path.join(project.root, 'pipeline', 'demo', name), 'utf8') });
const seeds = { regions_csv: 'regions.csv', tax_types_csv: 'tax_types.csv', industries_csv: 'industries.csv', policies_csv: 'relief_policies.csv', sizes_csv: 'taxpayer_sizes.csv' };
const params = { seed: 20261, taxpayers, k0, k1, ...Object.fromEntries(Object.entries(seeds).map(([k, f]) => [k, path.join(project.seeds, f)])) };

const instance = await DuckDBInstance.create(':memory:', { temp_directory: path.join(workspace, 'spill'), memory_limit: process.env['TAXBRIEF_MEMORY_LIMIT'] ?? '8GB' });
const c = await instance.connect();
let t = performance.now();
await runScript(c, sql('setup.sql'), params);
await runScript(c, sql('model.sql'), params);
log(`model of ${taxpayers} taxpayers built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
await c.run(`attach '${file.replaceAll("'", "''")}' as wh`);
const body = (s: Script) => s.text.replace(/;\s*$/, '');
await c.run(`insert into wh.taxpayers select *, 0 from (${body(sql('taxpayers.sql'))}\n)`);
let fileId = 0;
for (let k = k0; k <= k1; k++) {
  const period = `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
  for (const [dataset, script] of [['revenue', sql('revenue.sql')], ['relief', sql('relief.sql')]] as const) {
    fileId += 1;
    const columns = dataset === 'revenue'
      ? `strptime(period || '-01', '%Y-%m-%d')::date, taxpayer_id, region_code, industry_code, size_code, tax_code, amount, ${fileId}`
      : `strptime(period || '-01', '%Y-%m-%d')::date, taxpayer_id, region_code, industry_code, size_code, policy_code, tax_code, amount, ${fileId}`;
    const reader = await c.runAndReadAll(`insert into wh.${dataset} select ${columns} from (${body(script)}\n)`, { k });
    const rows = Number(reader.getRowObjectsJson()[0]?.['Count'] ?? 0);
    await c.run(`insert into wh.files values (${fileId}, '${dataset}_${period}', 'bench', 'bench-${dataset}', '${dataset}', date '${period}-01', ${rows}, 'loaded', now())`);
    log(`${dataset} ${period}: ${rows} rows`);
  }
}
log(`facts written in ${((performance.now() - t) / 1000).toFixed(0)} s`);
c.closeSync();
instance.closeSync();

const w = await openWarehouse(file, { memoryLimit: process.env['TAXBRIEF_MEMORY_LIMIT'] });
t = performance.now();
const refresh = await refreshMartsFor({ warehouse: w, dir: path.join(project.queries, 'marts'), now }, []);
log(`marts built in full (${refresh.periods.length} months) in ${((performance.now() - t) / 1000).toFixed(0)} s`);
w.close();
