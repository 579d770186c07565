import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../pipeline/workspace.js';
import { runTaxbrief } from './proc.js';

/** Who receives what in every fault trial (3 copies a month). */
export const RECIPIENTS = {
  recipients: [
    { id: 'R001', name: '张三', email: 'zhangsan@example.gov.cn', briefs: ['revenue-digest', 'relief-digest'] },
    { id: 'R002', name: '李四', email: 'lisi@example.gov.cn', briefs: ['revenue-digest'] },
  ],
};
/** The copies one month's run must deliver: recipient/brief. */
export const EXPECTED_COPIES = ['R001/relief-digest', 'R001/revenue-digest', 'R002/revenue-digest'];
/** The briefs of the fault project (one page each, so a trial takes seconds). */
export const BRIEFS = ['relief-digest', 'revenue-digest'];
/** The month the trials load and report on. */
export const PERIOD = '2026-10';

/** Prepared once per suite: a project with two one-page briefs, demo extracts, and two workspaces to copy per trial. */
export interface Fixture {
  root: string;
  project: string;
  /** Every demo extract (14 months). */
  files: string;
  /** The last month's extracts, which a `run` trial drops into the inbox. */
  lastMonth: string[];
  /** A migrated, seeded warehouse and nothing loaded: where `ingest` trials start. */
  fresh: string;
  /** Every month but the last loaded (by `taxbrief ingest`), recipients.json: where `run` trials start. */
  before: string;
}

/** The environment of a taxbrief process working on `workspace` with the fault project. */
export function envFor(fx: Fixture, workspace: string, extra: Record<string, string> = {}): Record<string, string> {
  return { TAXBRIEF_WORKSPACE: workspace, TAXBRIEF_PROJECT: fx.project, TAXBRIEF_THREADS: '1', ...extra };
}

/**
 * Builds the fixture under `root`: a copy of the project's definitions whose catalogue is two one-page
 * briefs (revenue and relief headlines), the demo extracts (`taxpayers` × 14 months to 2026-10), and the
 * two starting workspaces.
 */
export async function prepareFixture(root: string, options: { taxpayers: number; log: (line: string) => void; reuse?: boolean }): Promise<Fixture> {
  const done = path.join(root, 'fixture.json');
  if (options.reuse && existsSync(done)) {
    options.log(`fixture: reusing ${root}`);
    return JSON.parse(readFileSync(done, 'utf8')) as Fixture;
  }
  const real = projectPaths();
  const project = path.join(root, 'project');
  mkdirSync(project, { recursive: true });
  for (const d of ['templates', 'queries', 'seeds', 'data']) cpSync(path.join(real.root, d), path.join(project, d), { recursive: true });
  cpSync(path.join(real.root, 'package.json'), path.join(project, 'package.json'));
  const digest = (id: string, name: string, query: string, sentence: string) => {
    mkdirSync(path.join(project, 'reports', id), { recursive: true });
    writeFileSync(
      path.join(project, 'reports', id, 'report.json'),
      JSON.stringify({
        id, name, description: `${name} (fault-suite brief).`, template: id, title: `{{monthLabel period}}${name}`,
        classification: '内部资料 注意保存', issuer: '收入规划核算处', scope: 'province', schedule: 'daily', layout: 'official',
        queries: { headline: { query, single: true } },
      }),
    );
    writeFileSync(path.join(project, 'templates', `${id}.hbs`), `{{#> layouts/official}}<h2>一、总体情况</h2><p class="finding">${sentence}</p>{{/layouts/official}}\n`);
  };
  digest('revenue-digest', '税收收入要情', 'revenue_headline', '{{period.ytd}}，全省税收收入{{yi data.headline.ytd_amount}}亿元，{{yoy data.headline.ytd_yoy_pct}}。');
  digest('relief-digest', '减税降费要情', 'relief_headline', '{{period.ytd}}，全省新增减税降费及退税缓费{{yi data.headline.ytd_amount}}亿元。');

  options.log(`fixture: demo extracts (${options.taxpayers} taxpayers × 14 months to ${PERIOD}) in ${root}`);
  const gen = path.join(root, 'gen');
  const demo = await runTaxbrief(['demo', '--taxpayers', String(options.taxpayers), '--months', '14', '--end', PERIOD, '--no-run'], envFor({ project } as Fixture, gen));
  if (demo.code !== 0) throw new Error(`the fixture's demo data could not be generated (exit ${demo.code}): ${demo.stderr.slice(-2000)}`);
  const files = path.join(gen, 'inbox');
  const names = readdirSync(files).sort();
  const lastMonth = names.filter((n) => n.includes(PERIOD)).map((n) => path.join(files, n));

  // fresh: the demo command migrated and seeded the warehouse and loaded nothing
  const fresh = path.join(root, 'fresh');
  mkdirSync(fresh, { recursive: true });
  cpSync(path.join(gen, 'warehouse.duckdb'), path.join(fresh, 'warehouse.duckdb'));

  const before = path.join(root, 'before');
  cpSync(fresh, before, { recursive: true });
  const earlier = path.join(root, 'earlier');
  mkdirSync(earlier, { recursive: true });
  for (const n of names.filter((n) => !n.includes(PERIOD))) cpSync(path.join(files, n), path.join(earlier, n));
  options.log(`fixture: loading ${names.length - lastMonth.length} extracts of the earlier months`);
  const load = await runTaxbrief(['ingest', earlier], envFor({ project } as Fixture, before));
  if (load.code !== 0) throw new Error(`the fixture's earlier months could not be loaded (exit ${load.code}): ${load.stderr.slice(-2000)}`);
  rmSync(earlier, { recursive: true });
  writeFileSync(path.join(before, 'recipients.json'), JSON.stringify(RECIPIENTS));
  const fx: Fixture = { root, project, files, lastMonth, fresh, before };
  writeFileSync(done, JSON.stringify(fx));
  return fx;
}

/** A trial's workspace: a copy of `fresh` with every extract in `drop/` (ingest), or of `before` with the last month in the inbox (run). */
export function trialWorkspace(fx: Fixture, kind: 'ingest' | 'run', dir: string): { workspace: string; offered: string[]; target?: string } {
  rmSync(dir, { recursive: true, force: true });
  if (kind === 'ingest') {
    cpSync(fx.fresh, dir, { recursive: true });
    const drop = path.join(dir, 'drop');
    cpSync(fx.files, drop, { recursive: true });
    return { workspace: dir, offered: readdirSync(drop).sort(), target: drop };
  }
  cpSync(fx.before, dir, { recursive: true });
  const inbox = path.join(dir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const f of fx.lastMonth) cpSync(f, path.join(inbox, path.basename(f)));
  return { workspace: dir, offered: fx.lastMonth.map((f) => path.basename(f)).sort() };
}
