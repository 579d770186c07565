import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Warehouse } from './warehouse.js';

/** One schema change: queries/migrations/NNN_name.sql. */
export interface Migration { version: number; name: string; sql: string }

/** The migrations shipped with the code, in order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Brings the warehouse schema up to the newest migration. Each migration runs in its own
 * transaction together with its ledger row, so a crash leaves either the old or the new schema.
 * `upgrading` hears which migrations a warehouse that has some already is about to run (one that copies the
 * facts takes minutes at province scale); a new warehouse runs them all without it.
 */
export async function migrate(warehouse: Warehouse, migrations: Migration[], now: Date, upgrading?: (pending: Migration[]) => void): Promise<number[]> {
  await warehouse.run(`create table if not exists schema_migrations (
    version integer primary key, name varchar not null, applied_at timestamp not null)`);
  const applied = new Set(
    (await warehouse.all<{ version: number }>('select version from schema_migrations')).map((r) => r.version),
  );
  const pending = migrations.filter((m) => !applied.has(m.version));
  if (applied.size > 0 && pending.length > 0) upgrading?.(pending);
  for (const m of pending) {
    await warehouse.transaction(async () => {
      await warehouse.run(m.sql);
      await warehouse.run('insert into schema_migrations values ($version, $name, $at::timestamp)', {
        version: m.version,
        name: m.name,
        at: now.toISOString(),
      });
    });
  }
  return pending.map((m) => m.version);
}
