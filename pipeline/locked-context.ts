import path from 'node:path';
import { openContext, type Context, type ContextOptions } from './context.js';
import { acquireLock, lockFile } from './lock.js';
import { resolveWorkspace, sweepScratch } from './workspace.js';

/**
 * Opens the context under the workspace lock: the lock is taken first (waiting or refusing as
 * asked), and `close()` closes the warehouse, then releases the lock.
 */
export async function openLockedContext(options: ContextOptions, lock: { command: string; waitMs: number }): Promise<Context> {
  const project = options.env['TAXBRIEF_PROJECT'];
  const workspace = resolveWorkspace(options.workspace, options.env, project ? path.resolve(project) : undefined);
  const held = await acquireLock(lockFile(workspace.root), { ...lock, logger: options.logger });
  let ctx: Context;
  try {
    const swept = sweepScratch(workspace);
    if (swept.files > 0) {
      options.logger.warn(`removed ${swept.files} file(s) (${(swept.bytes / 2 ** 20).toFixed(1)} MiB) that an unfinished command left in ${workspace.tmp}`);
    }
    ctx = await openContext(options);
  } catch (error) {
    held.release();
    throw error;
  }
  return {
    ...ctx,
    close: () => {
      try {
        ctx.close();
      } finally {
        held.release();
      }
    },
  };
}
