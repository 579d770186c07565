import { createHash } from 'node:crypto';
import { faultPoint } from './fault-point.js';
import { readQueries } from './queries.js';
import type { Params, Warehouse } from './warehouse/warehouse.js';

/** What a mart refresh did: everything, some months, or nothing (no new files). */
export interface MartRefresh {
  mode: 'full' | 'periods' | 'none';
  /** The months rebuilt, as YYYY-MM, in order. */
  periods: string[];
}

/** What the refresh needs: the warehouse, the marts folder (queries/marts) and the time to record. */
export interface MartEffects { warehouse: Warehouse; dir: string; now: Date }

/**
 * Refreshes the marts for the months that changed since the last refresh: the months of every fact
 * row whose file came after the recorded watermark (the files ledger), plus `changed` (the months
 * ingest reports). A changed mart definition or changed seeds, or no refresh yet, rebuild everything.
 * Runs in one transaction: a brief never reads half-refreshed marts.
 */
export async function refreshMartsFor(effects: MartEffects, changed: string[] = []): Promise<MartRefresh> {
  const { warehouse, dir, now } = effects;
  const scripts = [...readQueries(dir).values()];
  const definitions = createHash('sha256');
  for (const s of scripts) definitions.update(s.id).update('\0').update(s.sql).update('\0');
  const definitionsSha256 = definitions.digest('hex');

  return warehouse.transaction(async () => {
    const [state] = await warehouse.all<{ seeds: string; watermark: number }>(
      `select coalesce(string_agg(seed || ':' || sha256, ',' order by seed), '') as seeds,
              (select coalesce(max(file_id), 0) from files)::integer as watermark
       from seed_versions`,
    );
    const seedsSha256 = createHash('sha256').update(state!.seeds).digest('hex');
    const [last] = await warehouse.all<{ file_watermark: number; definitions_sha256: string; seeds_sha256: string }>(
      'select file_watermark, definitions_sha256, seeds_sha256 from mart_refreshes order by refresh_id desc limit 1',
    );
    const full = !last || last.definitions_sha256 !== definitionsSha256 || last.seeds_sha256 !== seedsSha256;

    let periods: string[];
    if (full) {
      for (const table of ['mart_revenue', 'mart_revenue_city', 'mart_relief', 'mart_relief_beneficiaries', 'relief_first_seen', 'relief_first_seen_periods']) await warehouse.run(`delete from ${table}`);
      periods = await monthsOf(warehouse, `select distinct period from revenue union select distinct period from relief`);
      // Year by year through the same statements as a night's months: the marts are month-local and the beneficiaries
      // year-local, so each year is rebuilt whole, as in one pass, but each aggregate's hash table holds one year's
      // groups instead of all of them: less memory and spill (peak RSS of a tenth-scale rebuild 1.6 GB against 2.1 GB;
      // at province the one-pass first-seen aggregate spilled 5 GB under memory_limit 6GB); time at tenth the same.
      for (const year of new Set(periods.map((p) => p.slice(0, 4)))) {
        const months = periods.filter((p) => p.startsWith(year)).join(',');
        await setMartPeriods(warehouse, `select month_start(unnest(string_split($months, ',')))`, { months });
        for (const s of scripts) await warehouse.run(s.sql);
      }
    } else {
      // The months of the facts that arrived after the watermark, and of the files the ledger lists after it.
      await setMartPeriods(
        warehouse,
        `select distinct period from revenue where file_id > $w
         union select distinct period from relief where file_id > $w
         union select period from files where file_id > $w and dataset in ('revenue', 'relief') and period is not null
         union select month_start(unnest(string_split($changed, ','))) where $changed <> ''`,
        { w: last.file_watermark, changed: changed.filter((p) => /^\d{4}-\d{2}$/.test(p)).join(',') },
      );
      periods = await monthsOf(warehouse, 'select period from _mart_periods');
      if (periods.length > 0) for (const s of scripts) await warehouse.run(s.sql);
    }
    await warehouse.run('drop table if exists _mart_periods');
    await faultPoint('marts:refreshed');
    const mode = full ? 'full' : periods.length > 0 ? 'periods' : 'none';
    if (mode === 'none' && last?.file_watermark === state!.watermark) return { mode, periods };
    await warehouse.run(
      `insert into mart_refreshes (refreshed_at, mode, periods, file_watermark, definitions_sha256, seeds_sha256) values ($at::timestamp, $mode, $periods, $w, $definitions, $seeds)`,
      { at: now.toISOString(), mode, periods: periods.join(','), w: state!.watermark, definitions: definitionsSha256, seeds: seedsSha256 },
    );
    return { mode, periods };
  });
}

/** Fills `_mart_periods`, the months the mart scripts rebuild, with the periods `select` gives. */
async function setMartPeriods(warehouse: Warehouse, select: string, params: Params): Promise<void> {
  await warehouse.run('create or replace temp table _mart_periods (period date primary key)');
  await warehouse.run(`insert into _mart_periods ${select}`, params);
}

/** The months `select` gives (a `period` column), as YYYY-MM in order. */
async function monthsOf(warehouse: Warehouse, select: string): Promise<string[]> {
  return (await warehouse.all<{ p: string }>(`select strftime(period, '%Y-%m') as p from (${select}) order by period`)).map((r) => r.p);
}
