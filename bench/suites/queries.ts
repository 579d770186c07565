import { readFileSync } from 'node:fs';
import path from 'node:path';
import { figure, timeFn, warehouseOptions, type Suite } from '../harness.js';
import { datasetsRead } from '../../pipeline/brief.js';
import { briefReads } from '../../pipeline/checks.js';
import { refreshMartsFor } from '../../pipeline/marts.js';
import { findReport, readReports } from '../../pipeline/reports.js';
import { readQueries, runQuery, type Query } from '../../pipeline/queries.js';
import type { Params } from '../../pipeline/warehouse/warehouse.js';
import { openWarehouse } from '../../pipeline/warehouse/warehouse.js';

/** One query a brief runs, with its parameters. */
interface Step { query: string; params: Params }

/** The brief's queries for `period`: the whole revenue and relief catalogue a monthly and a relief brief read. */
function briefSteps(period: string, datasets: string): Step[] {
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
    { query: 'brief_inputs', params: { ...p, datasets } },
    { query: 'input_files', params: p },
  ];
}

/** The marts as temporary views over the facts: the same aggregation, computed at query time (the baseline). */
function liveViews(marts: string): string[] {
  // The select of a mart script's statement that starts with `head` (the first, where a script has several).
  const statement = (file: string, head: string) => {
    const text = readFileSync(path.join(marts, file), 'utf8');
    const start = text.indexOf(`${head}\n`) + `${head}\n`.length;
    return text.slice(start, text.indexOf(';\n', start));
  };
  const insertInto = (file: string, table: string) => statement(file, `insert into ${table}`);
  // The revenue and relief marts' cells (counted by rows: the bench's files never overlap), without the one-file flag.
  const cells = (file: string, table: string) => `select * exclude (one_file) from (${statement(file, `create or replace temp table ${table} as`)})`;
  const everyPeriod = (s: string) => s.replace('r.period in (select period from _mart_periods)', 'true');
  return [
    `create or replace temp view live_revenue as ${everyPeriod(cells('010_mart_revenue.sql', '_revenue_cells'))}`,
    `create or replace temp view live_revenue_city as ${insertInto('011_mart_revenue_city.sql', 'mart_revenue_city').replace(/\bmart_revenue\b/, 'live_revenue').replace(/where period in \(select period from _mart_periods\)\n/, '')}`,
    `create or replace temp view live_relief as ${everyPeriod(cells('020_mart_relief.sql', '_relief_cells'))}`,
    // The beneficiary mart is grouped from relief_first_seen, which the refresh keeps: here every year is "rebuilt", so
    // the script's own rebuild statement gives relief_first_seen from the facts, and its grouping the mart.
    `create or replace temp table _beneficiary_years as select year(period) as year, min(period) as first_changed, false as extend from relief group by all`,
    // the rebuilt years' months, and which of them are one file of one month, as the script derives them
    ...['_rebuilt_months', '_rebuilt_single'].map((t) => `create or replace temp table ${t} as ${statement('030_mart_relief_beneficiaries.sql', `create or replace temp table ${t} as`)}`),
    `create or replace temp view live_relief_first_seen as ${insertInto('030_mart_relief_beneficiaries.sql', 'relief_first_seen')}`,
    `create or replace temp view live_relief_beneficiaries as ${insertInto('030_mart_relief_beneficiaries.sql', 'mart_relief_beneficiaries').replace(/\brelief_first_seen\b/g, 'live_relief_first_seen')}`,
  ];
}
const onFacts = (q: Query): Query => ({ ...q, sql: q.sql.replace(/\bmart_(revenue_city|revenue|relief_beneficiaries|relief)\b/g, 'live_$1') });

/**
 * Every query one brief needs for the latest month, in this process on the prepared warehouse: on
 * the marts, against the same SQL on the taxpayer-level facts (the marts replaced by views that
 * aggregate on the fly); and the mart refresh for one month (the nightly's work when a month
 * arrives) against the marts built in full. Peak RSS is the bench process's.
 */
const suite: Suite = {
  name: 'queries',
  description: "one brief's queries on the marts vs the same SQL on the facts; a one-month mart refresh vs a full build",
  async run(ctx) {
    const ws = await ctx.workspace();
    const queriesDir = path.join(ctx.root, 'queries');
    const martsDir = path.join(queriesDir, 'marts');
    const warehouse = await openWarehouse(path.join(ws, 'warehouse.duckdb'), warehouseOptions());
    try {
      const queries = readQueries(queriesDir);
      const period = String((await runQuery(warehouse, queries.get('latest_period')!, {}))[0]?.['period']);
      // brief_inputs lists the files of the datasets the monthly brief reads, as the brief stage asks it.
      const monthly = findReport(readReports(path.join(ctx.root, 'reports')), 'monthly-revenue');
      const steps = briefSteps(period, datasetsRead(briefReads(monthly, queries)).join(','));
      const run = (some: Step[], on: (q: Query) => Query) => async () => {
        for (const s of some) await runQuery(warehouse, on(queries.get(s.query)!), s.params);
      };
      const brief = (on: (q: Query) => Query) => run(steps, on);
      const marts = await timeFn(brief((q) => q), ctx.runs, 1);
      for (const v of liveViews(martsDir)) await warehouse.run(v);
      // On the facts the queries take minutes at tenth scale (362 s) and about an hour at province scale: the baseline is
      // measured once at tenth, and at province for the headline queries only (a figure of its own, below).
      const large = ctx.scale === 'tenth' || ctx.scale === 'province';
      const headlines = steps.filter((s) => s.query === 'revenue_headline' || s.query === 'relief_headline');
      const facts = ctx.scale === 'province' ? null : await timeFn(brief(onFacts), large ? 1 : ctx.runs);
      const headlinesOnMarts = ctx.scale === 'province' ? await timeFn(run(headlines, (q) => q), ctx.runs, 1) : null;
      const headlinesOnFacts = ctx.scale === 'province' ? await timeFn(run(headlines, onFacts), 1) : null;
      const now = new Date(`${period}-28T00:00:00Z`);
      const refreshOnce = (label: string) => async () => {
        const r = await refreshMartsFor({ warehouse, dir: martsDir, now }, [period]);
        if (r.periods.length !== 1) throw new Error(`the ${label} mart refresh rebuilt ${r.periods.length} months (${r.mode}).`);
      };
      // The month arriving, as at night: its beneficiaries taken out of relief_first_seen first, so that the refresh
      // extends the year from the month's facts (the month's other cells are rebuilt either way).
      const arrival = await timeFn(async () => {
        for (const table of ['relief_first_seen', 'mart_relief_beneficiaries']) await warehouse.run(`delete from ${table} where first_period = month_start($period)`, { period });
        await warehouse.run('delete from relief_first_seen_periods where period = month_start($period)', { period });
        await refreshOnce('new-month')();
      }, ctx.runs);
      // The same month's extract again (a correction): its cells written again and its year's beneficiaries rebuilt.
      // At province scale a restated month rebuilds a year of beneficiaries from 94 M facts (minutes): measured up to tenth.
      const restated = ctx.scale === 'province' ? null : await timeFn(refreshOnce('restated-month'), large ? 1 : ctx.runs);
      // With no refresh recorded, refreshMartsFor rebuilds every month (as on a first run or a changed definition); at
      // province scale that takes many minutes: the marts stage of the full rebuild (nightly-full, `taxbrief history`) gives it.
      const rebuild = ctx.scale === 'province' ? null : await timeFn(async () => {
        await warehouse.run('delete from mart_refreshes');
        const r = await refreshMartsFor({ warehouse, dir: martsDir, now }, []);
        if (r.mode !== 'full') throw new Error(`the mart rebuild ran in mode ${r.mode}, not full: the baseline would be wrong.`);
      }, large ? 1 : ctx.runs);
      return [
        figure('queries', `one brief's ${steps.length} queries, ${period}`, ctx.scale, marts, {
          ...(facts ? { baseline: { name: 'the same SQL on the facts', sample: facts } } : {}),
          target: { ms: 2000 },
          note: ctx.scale === 'province'
            ? 'peak RSS: the bench process; on the facts the whole set takes about an hour here: see the headline figure for marts against facts'
            : 'the 2 s target is set for province scale; peak RSS: the bench process',
        }),
        ...(headlinesOnMarts && headlinesOnFacts
          ? [figure('queries', `the two headline queries (revenue_headline, relief_headline), ${period}`, ctx.scale, headlinesOnMarts, {
              baseline: { name: 'the same SQL on the facts', sample: headlinesOnFacts },
              note: 'peak RSS: the bench process',
            })]
          : []),
        figure('queries', `mart refresh, a new month (${period})`, ctx.scale, arrival, {
          ...(rebuild ? { baseline: { name: 'marts built in full', sample: rebuild } } : {}),
          note: 'peak RSS: the bench process',
        }),
        ...(restated
          ? [figure('queries', `mart refresh, a restated month (${period})`, ctx.scale, restated, {
              ...(rebuild ? { baseline: { name: 'marts built in full', sample: rebuild } } : {}),
              note: 'its year\'s beneficiaries rebuilt from the facts; peak RSS: the bench process',
            })]
          : []),
      ];
    } finally {
      warehouse.close();
    }
  },
};
export default suite;
