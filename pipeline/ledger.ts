import { randomBytes } from 'node:crypto';
import type { BriefOutcome } from './run.js';
import type { Logger } from './log.js';
import type { VersionParts } from './versions.js';
import type { Row, Warehouse } from './warehouse/warehouse.js';

/** One run's account in the warehouse (tables runs, run_stages, run_outputs; migration 040). */
export interface RunLedger {
  readonly runId: string;
  /** Runs a stage, timing it and recording ok/failed with `detail()` (read after the work). */
  stage<T>(name: string, work: () => Promise<T>, detail?: (result: T) => Record<string, unknown>): Promise<T>;
  /** Records a stage that was not run, and why. */
  skipStage(name: string, reason: string): Promise<void>;
  recordOutputs(outcomes: (BriefOutcome & { version?: string })[]): Promise<void>;
  finish(status: 'ok' | 'held' | 'failed', summary: object): Promise<void>;
}

/** Starts a run: one row in `runs` with status running until `finish` (interrupted if it never gets there). */
export async function startRun(warehouse: Warehouse, effects: { command: string; clock: () => Date; logger: Logger }): Promise<RunLedger> {
  const started = effects.clock();
  // Time first, so ids sort by time; pid and a random suffix keep two runs in one second apart.
  const runId = `${started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}-${randomBytes(2).toString('hex')}`;
  // The caller holds the workspace lock, so a run still marked running was killed or crashed: say so in the history.
  await warehouse.run(`update runs set status = 'interrupted' where status = 'running'`);
  await warehouse.run(`insert into runs values ($id, $command, $at::timestamp, null, 'running', null)`, {
    id: runId,
    command: effects.command,
    at: started.toISOString(),
  });
  const record = (stage: string, at: Date, ms: number, status: string, detail: object) =>
    warehouse.run(`insert into run_stages values ($run, $stage, $at::timestamp, $ms, $status, $detail::json)`, {
      run: runId,
      stage,
      at: at.toISOString(),
      ms: Math.round(ms),
      status,
      detail: JSON.stringify(detail),
    });
  return {
    runId,
    async stage(name, work, detail) {
      const at = effects.clock();
      const t0 = performance.now();
      effects.logger.info(`stage ${name}…`, { run: runId, stage: name });
      try {
        const result = await work();
        const ms = performance.now() - t0;
        await record(name, at, ms, 'ok', detail ? detail(result) : {});
        effects.logger.info(`stage ${name} done in ${seconds(ms)}`, { run: runId, stage: name, ms: Math.round(ms) });
        return result;
      } catch (error) {
        await record(name, at, performance.now() - t0, 'failed', { error: (error as Error).message ?? String(error) }).catch(() => undefined);
        throw error;
      }
    },
    async skipStage(name, reason) {
      await record(name, effects.clock(), 0, 'skipped', { reason });
      effects.logger.info(`stage ${name} skipped: ${reason}`, { run: runId, stage: name });
    },
    async recordOutputs(outcomes) {
      for (const o of outcomes) {
        await warehouse.run(
          `insert into run_outputs (run_id, brief, region, period, lang, status, reason, version, pdf, pages)
           values ($run, $brief, $region, $period, $lang, $status, $reason, $version, $pdf, $pages)`, {
          run: runId,
          brief: o.brief,
          region: o.region ?? '',
          period: o.period,
          lang: o.lang ?? 'zh',
          status: o.status,
          reason: o.reason ?? null,
          version: o.version ?? null,
          pdf: o.output?.pdf ?? null,
          pages: o.output?.pages ?? null,
        });
      }
    },
    async finish(status, summary) {
      await warehouse.run(`update runs set finished_at = $at::timestamp, status = $status, summary = $summary::json where run_id = $id`, {
        id: runId,
        at: effects.clock().toISOString(),
        status,
        summary: JSON.stringify(summary),
      });
    },
  };
}

/** The version of a brief edition last built by the nightly run. */
export interface StoredVersion { version: string; parts: VersionParts; issuedDir: string; builtAt: string }

/** The newest version of an edition (brief, region, period, language), if the nightly run built one. */
export async function storedVersion(warehouse: Warehouse, edition: { brief: string; region?: string; period: string; lang?: string }): Promise<StoredVersion | undefined> {
  const [row] = await warehouse.all<{ version: string; parts: string; issued_dir: string; built_at: string }>(
    `select version, parts::varchar as parts, issued_dir, strftime(built_at, '%Y-%m-%dT%H:%M:%SZ') as built_at from brief_versions
     where brief = $brief and region = $region and period = $period and lang = $lang order by built_at desc limit 1`,
    { brief: edition.brief, region: edition.region ?? '', period: edition.period, lang: edition.lang ?? 'zh' },
  );
  return row ? { version: row.version, parts: JSON.parse(row.parts) as VersionParts, issuedDir: row.issued_dir, builtAt: row.built_at } : undefined;
}

/** When any edition of a brief was last built (weekly schedules count from it). */
export async function lastBuiltAt(warehouse: Warehouse, brief: string): Promise<Date | undefined> {
  const [row] = await warehouse.all<{ at: string | null }>(`select strftime(max(built_at), '%Y-%m-%dT%H:%M:%SZ') as at from brief_versions where brief = $brief`, { brief });
  return row?.at ? new Date(row.at) : undefined;
}

/** Records the version an edition was just built at, replacing the previous one. */
export async function saveVersion(
  warehouse: Warehouse,
  v: { brief: string; region?: string; period: string; lang?: string; version: string; parts: VersionParts; issuedDir: string; builtAt: Date; runId: string },
): Promise<void> {
  await warehouse.transaction(async () => {
    const key = { brief: v.brief, region: v.region ?? '', period: v.period, lang: v.lang ?? 'zh' };
    await warehouse.run(`delete from brief_versions where brief = $brief and region = $region and period = $period and lang = $lang`, key);
    await warehouse.run(
      `insert into brief_versions (brief, region, period, lang, version, parts, issued_dir, built_at, run_id)
       values ($brief, $region, $period, $lang, $version, $parts::json, $dir, $at::timestamp, $run)`, {
      ...key,
      version: v.version,
      parts: JSON.stringify(v.parts),
      dir: v.issuedDir,
      at: v.builtAt.toISOString(),
      run: v.runId,
    });
  });
}

/** The detail the last successful run of a stage recorded (e.g. the key the marts were built at), with its run. */
export async function lastStageDetail(warehouse: Warehouse, stage: string): Promise<{ runId: string; detail: Record<string, unknown> } | undefined> {
  const [row] = await warehouse.all<{ run_id: string; detail: string | null }>(
    `select run_id, detail::varchar as detail from run_stages where stage = $stage and status = 'ok' order by started_at desc, run_id desc limit 1`,
    { stage },
  );
  return row ? { runId: row.run_id, detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {} } : undefined;
}

/** The newest runs, newest first, with counts from their summaries. */
export async function listRuns(warehouse: Warehouse, limit: number): Promise<Row[]> {
  return warehouse.all(
    `select run_id, command, strftime(started_at, '%Y-%m-%d %H:%M:%S') as started,
            round(epoch(finished_at) - epoch(started_at), 1) as seconds, status, summary::varchar as summary
     from runs order by started_at desc, run_id desc limit $limit`,
    { limit },
  );
}

/** One run: its row, its stages and its outputs. */
export async function runDetail(warehouse: Warehouse, runId: string): Promise<{ run?: Row; stages: Row[]; outputs: Row[]; deliveries: Row[] }> {
  const [run] = await warehouse.all(
    `select run_id, command, strftime(started_at, '%Y-%m-%d %H:%M:%S') as started, strftime(finished_at, '%Y-%m-%d %H:%M:%S') as finished, status, summary::varchar as summary
     from runs where run_id = $id or run_id like $prefix order by started_at desc limit 1`,
    { id: runId, prefix: `${runId}%` },
  );
  if (!run) return { stages: [], outputs: [], deliveries: [] };
  const id = { id: String(run['run_id']) };
  return {
    run,
    stages: await warehouse.all(`select stage, ms, status, detail::varchar as detail from run_stages where run_id = $id order by started_at, stage`, id),
    outputs: await warehouse.all(`select brief, region, period, lang, status, reason, left(version, 12) as version, pdf from run_outputs where run_id = $id order by brief, region, lang`, id),
    deliveries: await warehouse.all(
      `select recipient_id, brief, region, period, lang, channel, status, attempts, error, file from deliveries where run_id = $id order by recipient_id, brief, region, lang`,
      id,
    ),
  };
}

/** "1.2 s" or "3 min 4 s". */
export function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
