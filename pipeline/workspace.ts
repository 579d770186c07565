import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode } from './errors.js';
import { makeDir } from './write-atomic.js';

/** The project's own folders (definitions, shipped with the code). */
export interface ProjectPaths {
  root: string;
  seeds: string;
  queries: string;
  reports: string;
  templates: string;
}

/** Where the CLI keeps all its state: the warehouse, inbox, quarantine, outputs, logs. */
export interface Workspace {
  root: string;
  warehouse: string;
  inbox: string;
  archive: string;
  quarantine: string;
  out: string;
  logs: string;
  /** Scratch files of a command (transcoded extracts, watermark overlays): only ever used under the workspace lock. */
  tmp: string;
  /** The briefs' compiled templates (pipeline/templates.ts): derived, safe to delete; made on first use. */
  templateCache: string;
}

/** The project root: two levels above this file, whether run from pipeline/ or dist/pipeline/. */
export function projectPaths(root = findProjectRoot()): ProjectPaths {
  return {
    root,
    seeds: path.join(root, 'seeds'),
    queries: path.join(root, 'queries'),
    reports: path.join(root, 'reports'),
    templates: path.join(root, 'templates'),
  };
}

function findProjectRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // pipeline/ → root; dist/pipeline/ → root
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
}

/**
 * The workspace directory: --workspace, else $TAXBRIEF_WORKSPACE, else ./workspace under the
 * project root. Created on first use.
 */
export function resolveWorkspace(flag: string | undefined, env: NodeJS.ProcessEnv, root = projectPaths().root): Workspace {
  const dir = path.resolve(flag ?? env['TAXBRIEF_WORKSPACE'] ?? path.join(root, 'workspace'));
  const ws: Workspace = {
    root: dir,
    warehouse: path.join(dir, 'warehouse.duckdb'),
    inbox: path.join(dir, 'inbox'),
    archive: path.join(dir, 'archive'),
    quarantine: path.join(dir, 'quarantine'),
    out: path.join(dir, 'out'),
    logs: path.join(dir, 'logs'),
    tmp: path.join(dir, 'tmp'),
    templateCache: path.join(dir, 'cache', 'templates'),
  };
  try {
    for (const d of [ws.root, ws.inbox, ws.archive, ws.quarantine, ws.out, ws.logs, ws.tmp]) makeDir(d);
  } catch (error) {
    throw new CliError(`Cannot create the workspace at ${dir}; pass --workspace DIR or set TAXBRIEF_WORKSPACE to a writable folder.`, ExitCode.environment, { cause: error });
  }
  return ws;
}

/**
 * Removes what a killed command left in the workspace's tmp/ (a transcoded extract can be as large
 * as the extract). Call only under the workspace lock: every user of tmp/ holds it, so whatever is
 * there belongs to a process that is gone.
 */
export function sweepScratch(ws: Workspace): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(ws.tmp, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(path.join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  for (const entry of readdirSync(ws.tmp)) rmSync(path.join(ws.tmp, entry), { recursive: true, force: true });
  return { files, bytes };
}
