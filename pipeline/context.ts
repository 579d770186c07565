import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from './log.js';
import { loadSeeds } from './seeds.js';
import { migrate, readMigrations } from './warehouse/migrate.js';
import { openWarehouse, type Warehouse, type WarehouseOptions } from './warehouse/warehouse.js';
import { restrict } from './write-atomic.js';
import { projectPaths, resolveWorkspace, type ProjectPaths, type Workspace } from './workspace.js';

/** Everything a command works with: where things are, the warehouse, the clock and the logger. */
export interface Context {
  project: ProjectPaths;
  workspace: Workspace;
  warehouse: Warehouse;
  logger: Logger;
  clock: () => Date;
  env: NodeJS.ProcessEnv;
  codeVersion: string;
  close(): void;
}

/** How to open a context: the --workspace flag, the environment, the clock and the logger. */
export interface ContextOptions {
  workspace?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: () => Date;
  warehouse?: WarehouseOptions;
}

/** Opens the workspace and its warehouse, bringing the schema and the seeds up to date. */
export async function openContext(options: ContextOptions): Promise<Context> {
  // TAXBRIEF_PROJECT: another copy of the definitions (reports/, templates/, queries/, seeds/, data/feeds/).
  const project = projectPaths(options.env['TAXBRIEF_PROJECT'] ? path.resolve(options.env['TAXBRIEF_PROJECT']) : undefined);
  const workspace = resolveWorkspace(options.workspace, options.env, project.root);
  const warehouse = await openWarehouse(workspace.warehouse, {
    threads: numberFrom(options.env['TAXBRIEF_THREADS']),
    memoryLimit: options.env['TAXBRIEF_MEMORY_LIMIT'],
    ...options.warehouse,
  });
  try {
    // The warehouse holds taxpayer-level rows: no more open than TAXBRIEF_FILE_MODE (new ones get it from the umask).
    restrict(workspace.warehouse);
    const applied = await migrate(warehouse, readMigrations(path.join(project.queries, 'migrations')), options.clock(), (pending) =>
      options.logger.info(`upgrading the warehouse schema (${pending.map((m) => `${m.version} ${m.name}`).join(', ')}); one that copies the facts takes minutes on a large warehouse`, { file: workspace.warehouse }));
    if (applied.length > 0) options.logger.info(`warehouse schema migrated to version ${applied.at(-1)}`, { file: workspace.warehouse });
    await loadSeeds(warehouse, project.seeds, { logger: options.logger, now: options.clock() });
  } catch (error) {
    warehouse.close();
    throw error;
  }
  const pkg = JSON.parse(readFileSync(path.join(project.root, 'package.json'), 'utf8')) as { version: string };
  return {
    project,
    workspace,
    warehouse,
    logger: options.logger,
    clock: options.clock,
    env: options.env,
    codeVersion: pkg.version,
    close: () => warehouse.close(),
  };
}

function numberFrom(value: string | undefined): number | undefined {
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A hash over every file under `dir` (names and bytes): a version for templates and definitions. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else hash.update(path.relative(dir, p)).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}
