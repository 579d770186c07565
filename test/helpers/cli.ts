import { PassThrough } from 'node:stream';
import { main } from '../../pipeline/cli.js';

/** What one in-process CLI call gave: the exit code, stdout and stderr. */
export interface CliRun { code: number; out: string; err: string }

/** Runs `taxbrief <args>` in this process with its own streams, environment and clock. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, clock: () => Date): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(args, { stdout: out, stderr: err, env, clock });
  return { code, out: o, err: e };
}
