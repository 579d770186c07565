import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, readMigrations } from '../../pipeline/warehouse/migrate.js';
import { openWarehouse, type Warehouse } from '../../pipeline/warehouse/warehouse.js';
import { projectPaths } from '../../pipeline/workspace.js';

/** A temporary folder removed by `cleanup`. */
export function tempDir(prefix = 'taxbrief-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh warehouse file with the current schema, in its own temp folder. */
export async function freshWarehouse(now = new Date('2026-11-26T08:00:00Z')): Promise<{ warehouse: Warehouse; dir: string; cleanup(): void }> {
  const { dir, cleanup } = tempDir();
  const warehouse = await openWarehouse(path.join(dir, 'warehouse.duckdb'));
  await migrate(warehouse, readMigrations(path.join(projectPaths().queries, 'migrations')), now);
  return { warehouse, dir, cleanup: () => { warehouse.close(); cleanup(); } };
}
