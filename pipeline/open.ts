import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Logger } from './log.js';

/** Opens a file or URL with xdg-open when there is one (detached: the command does not wait); otherwise says where it is. */
export function openInViewer(target: string, logger: Logger, env: NodeJS.ProcessEnv): boolean {
  const opener = (env['PATH'] ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.join(d, 'xdg-open'))
    .find((p) => {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (!opener) {
    logger.warn(`no xdg-open on this machine: open ${target} yourself`);
    return false;
  }
  const child = spawn(opener, [target], { detached: true, stdio: 'ignore' });
  child.on('error', () => logger.warn(`xdg-open could not open ${target}; open it yourself`));
  child.unref();
  return true;
}
