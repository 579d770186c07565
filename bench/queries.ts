// Benchmark (not a test): every query one brief needs for one period, from the marts, against the same SQL run on the
// taxpayer-level tables (the marts replaced by views that aggregate the facts on the fly); and a mart refresh for one month.
// Usage: node dist/bench/queries.js [--workspace DIR] [--period YYYY-MM] [--runs 5] [--baseline-runs 1] [--no-refresh] [--json]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { refreshMartsFor } from '../pipeline/marts.js';
import { readQueries, runQuery, type Query } from '../pipeline/queries.js';
import type { Params } from '../pipeline/warehouse/warehouse.js';
import { openWarehouse, type Warehouse } from '../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../pipeline/workspace.js';

/** One query a brief runs, with its parameters. */
interface Step { query: string; params: Params }

/** The brief's queries for `period`: the whole revenue and relief catalogue a monthly and a relief brief read. */
function briefSteps(period: string): Step[] {
  const p = { period };
  return [
    { query: 'latest_period', params: {} },
    { query: 'revenue_headline', params: p },
    ...['tax', 'city', 'region_group', 'section', 'size'].map((dimension) => ({ query: 'revenue_breakdown', params: { ...p, dimension } })),
    { query: 'revenue_by_tax', params: p },
    { query: 'revenue_top_movers', params: { ...p, dimension: 'city_tax' } },
    { query: 'revenue_comparable', params: p },
    { query: 'revenue_trend', params: { ...p, months: 24 } },
    { query: 'revenue_budget_progress', params: p },
    { query: 'revenue_projection', params: p },
    { query: 'revenue_anomalies', params: p },
    { query: 'relief_headline', params: p },
    ...['kind', 'policy', 'size', 'section', 'city'].map((dimension) => ({ query: 'relief_breakdown', params: { ...p, dimension } })),
    { query: 'brief_inputs', params: p },
    { query: 'input_files', params: p },
  ];
}

// The marts as views over the facts: the same aggregation, computed at query time (the baseline).
const liveViews = (marts: string) => {
  const sql = (file: string) => readFileSync(path.join(marts, file), 'utf8');
  const body = (file: string) => {
    const text = sql(file);
    const insert = text.slice(text.indexOf('insert into'));
    return insert.slice(insert.indexOf('\n') + 1).replace(/;\s*$/, '');
  };
  const everyPeriod = (s: string) => s
    .replace(/where r\.period in \(select period from _mart_periods\)\n/, '')
    .replace(/select distinct year\(period\) as year from _mart_periods/, 'select distinct year(period) as year from relief');
  return [
    `create or replace temp view live_revenue as ${everyPeriod(body('010_mart_revenue.sql'))}`,
    `create or replace temp view live_revenue_city as ${body('011_mart_revenue_city.sql').replace(/\bmart_revenue\b/, 'live_revenue').replace(/where period in \(select period from _mart_periods\)\n/, '')}`,
    `create or replace temp view live_relief as ${everyPeriod(body('020_mart_relief.sql'))}`,
    `create or replace temp view live_relief_beneficiaries as ${everyPeriod(body('030_mart_relief_beneficiaries.sql'))}`,
  ];
};
const onFacts = (q: Query): Query => ({ ...q, sql: q.sql.replace(/\bmart_(revenue_city|revenue|relief_beneficiaries|relief)\b/g, 'live_$1') });

// Wall time per run; CPU time (all of DuckDB's threads are in this process) is kept in `cpu`, as on a shared machine
// the wall time also measures the neighbours.
const cpu: Record<string, number[]> = {};
async function time(runs: number, work: () => Promise<void>, label?: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await work();
    ms.push(performance.now() - t);
    const used = process.cpuUsage(c);
    if (label) (cpu[label] ??= []).push((used.user + used.system) / 1000);
  }
  return ms;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback?: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const workspace = arg('workspace', process.env['TAXBRIEF_WORKSPACE'] ?? '/work/bench-ws')!;
  const runs = Number(arg('runs', '5'));
  const baselineRuns = Number(arg('baseline-runs', '1'));
  const project = projectPaths();
  const warehouse: Warehouse = await openWarehouse(path.join(workspace, 'warehouse.duckdb'), {
    threads: process.env['TAXBRIEF_THREADS'] ? Number(process.env['TAXBRIEF_THREADS']) : undefined,
    memoryLimit: process.env['TAXBRIEF_MEMORY_LIMIT'],
  });
  try {
    const queries = readQueries(project.queries);
    const [facts] = await warehouse.all(`select (select count(*) from revenue)::bigint as revenue_rows, (select count(*) from relief)::bigint as relief_rows,
      (select count(distinct taxpayer_id) from taxpayers)::bigint as taxpayers, (select count(*) from mart_revenue)::bigint as mart_revenue_rows`);
    const period = arg('period') ?? String((await runQuery(warehouse, queries.get('latest_period')!, {}))[0]?.['period']);
    const steps = briefSteps(period);
    const brief = async (on: (q: Query) => Query) => {
      for (const s of steps) await runQuery(warehouse, on(queries.get(s.query)!), s.params);
    };
    console.error(`bench: ${workspace}, period ${period}, facts ${JSON.stringify(facts)}`);
    await brief((q) => q); // warm the buffer cache once
    const marts = await time(runs, () => brief((q) => q), 'marts');
    console.error(`marts: ${marts.map((m) => m.toFixed(0)).join(', ')} ms`);
    const perQuery: Record<string, number> = {};
    for (const s of steps) {
      const key = `${s.query}${s.params['dimension'] ? `:${s.params['dimension']}` : ''}`;
      perQuery[key] = median(await time(3, async () => { await runQuery(warehouse, queries.get(s.query)!, s.params); }));
    }
    let baseline: number[] = [];
    if (baselineRuns > 0) {
      for (const v of liveViews(path.join(project.queries, 'marts'))) await warehouse.run(v);
      baseline = await time(baselineRuns, () => brief(onFacts), 'baseline');
      console.error(`baseline (facts): ${baseline.map((m) => m.toFixed(0)).join(', ')} ms`);
    }
    let refresh: number | undefined;
    if (!argv.includes('--no-refresh')) {
      // the same work as folding in one new month: that month's cells, and its year's distinct beneficiaries
      const t = performance.now();
      await refreshMartsFor({ warehouse, dir: path.join(project.queries, 'marts'), now: new Date() }, [period]);
      refresh = performance.now() - t;
      console.error(`mart refresh for ${period}: ${refresh.toFixed(0)} ms`);
    }
    const result = {
      period, facts, queries: steps.length, load_average: os.loadavg().map((l) => +l.toFixed(2)),
      runs: marts.map(Math.round), median_ms: Math.round(median(marts)), cpu_median_ms: Math.round(median(cpu['marts']!)),
      baseline_runs: baseline.map(Math.round), baseline_median_ms: baseline.length ? Math.round(median(baseline)) : null,
      baseline_cpu_median_ms: cpu['baseline'] ? Math.round(median(cpu['baseline'])) : null,
      speedup: baseline.length ? +(median(baseline) / median(marts)).toFixed(1) : null,
      refresh_one_month_ms: refresh === undefined ? null : Math.round(refresh),
      per_query_median_ms: Object.fromEntries(Object.entries(perQuery).map(([k, v]) => [k, Math.round(v)])),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    warehouse.close();
  }
}

await main(process.argv.slice(2));
