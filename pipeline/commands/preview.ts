import path from 'node:path';
import type { CommandEnv } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { openInViewer } from '../open.js';
import { previewHtml, startPreview } from '../preview.js';
import { projectPaths } from '../workspace.js';

/**
 * `taxbrief preview <id>`: serves the brief on 127.0.0.1 until Ctrl-C. Each rebuild takes the
 * workspace lock only while it reads the warehouse, so a preview left open never blocks the nightly run.
 */
export default async function preview(env: CommandEnv, id: string, flags: { period?: string; region?: string; port: string; open?: boolean }): Promise<number> {
  if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new CliError(`--port ${flags.port} is not a port number.`, ExitCode.usage);
  const build = async () => {
    const ctx = await env.open();
    try {
      return await previewHtml(ctx, { id, period: flags.period, region: flags.region });
    } finally {
      ctx.close();
    }
  };
  // A first build outside the server: a wrong id or period is a usage error, not an error page.
  await build();
  const root = env.env['TAXBRIEF_PROJECT'] ? path.resolve(env.env['TAXBRIEF_PROJECT']) : undefined;
  const project = projectPaths(root);
  const server = await startPreview({
    build,
    watch: [project.templates, project.reports, project.queries, path.join(project.root, 'notes')],
    port: Number(flags.port),
    logger: env.logger,
  });
  env.stdout.write(`${server.url}\n`);
  env.logger.info(`previewing ${id} at ${server.url}: edit a template, definition, note or query and the page reloads; Ctrl-C to stop`);
  if (flags.open) openInViewer(server.url, env.logger, env.env);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return ExitCode.ok;
}
