import { CliError, ExitCode } from '../errors.js';

/** One mail: a brief's PDF to one recipient. */
export interface Mail {
  to: { name: string; email: string };
  subject: string;
  text: string;
  attachment: { filename: string; path: string };
  /** The same for every attempt at the same copy (see deliver.ts messageIdOf): a receiver folds repeats. */
  messageId: string;
}

/** An SMTP server to send through; `describe` is safe to log (no user, no password). */
export interface SmtpTransport {
  readonly describe: string;
  send(mail: Mail): Promise<void>;
  close(): void;
  /** Removes any credential from a message before it is logged or stored. */
  redact(message: string): string;
}

/** Configuration read from the environment only (never from a file in the workspace, never logged). */
interface SmtpConfig { url?: string; host?: string; port: number; secure: boolean; user?: string; pass?: string; from: string }

/**
 * SMTP from the environment: TAXBRIEF_SMTP_URL (smtp[s]://user:pass@host:port), or TAXBRIEF_SMTP_HOST
 * with TAXBRIEF_SMTP_PORT (587), TAXBRIEF_SMTP_SECURE (true for implicit TLS), TAXBRIEF_SMTP_USER,
 * TAXBRIEF_SMTP_PASS; TAXBRIEF_SMTP_FROM is the sender. Undefined when none is set: the outbox folder is the channel.
 */
export function smtpConfig(env: NodeJS.ProcessEnv): SmtpConfig | undefined {
  const url = env['TAXBRIEF_SMTP_URL']?.trim();
  const host = env['TAXBRIEF_SMTP_HOST']?.trim();
  if (!url && !host) return undefined;
  const port = Number(env['TAXBRIEF_SMTP_PORT'] ?? (env['TAXBRIEF_SMTP_SECURE'] === 'true' ? 465 : 587));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new CliError(`TAXBRIEF_SMTP_PORT must be a port number, e.g. 587.`, ExitCode.usage);
  return {
    url,
    host,
    port,
    secure: env['TAXBRIEF_SMTP_SECURE'] === 'true',
    user: env['TAXBRIEF_SMTP_USER'],
    pass: env['TAXBRIEF_SMTP_PASS'],
    from: env['TAXBRIEF_SMTP_FROM'] ?? 'taxbrief <taxbrief@localhost>',
  };
}

/** Opens a nodemailer transport for the configuration (loaded only when SMTP is configured). */
export async function openSmtp(config: SmtpConfig): Promise<SmtpTransport> {
  const nodemailer = (await import('nodemailer')).default;
  let where: string;
  const secrets: string[] = [];
  if (config.url) {
    let parsed: URL;
    try {
      parsed = new URL(config.url);
    } catch {
      throw new CliError('TAXBRIEF_SMTP_URL is not a URL; write it as smtp://user:password@host:port (the value is not shown here).', ExitCode.usage);
    }
    where = `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)}`;
    for (const s of [parsed.password, decodeURIComponent(parsed.password), parsed.username, decodeURIComponent(parsed.username), config.url]) if (s) secrets.push(s);
  } else {
    where = `smtp${config.secure ? 's' : ''}://${config.host}:${config.port}`;
    for (const s of [config.pass, config.user]) if (s) secrets.push(s);
  }
  const transport = config.url
    ? nodemailer.createTransport(config.url)
    : nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        ...(config.user ? { auth: { user: config.user, pass: config.pass ?? '' } } : {}),
      });
  const redact = (message: string) => secrets.sort((a, b) => b.length - a.length).reduce((m, s) => m.split(s).join('***'), message);
  return {
    describe: where,
    redact,
    async send(mail) {
      await transport.sendMail({
        from: config.from,
        to: { name: mail.to.name, address: mail.to.email },
        subject: mail.subject,
        messageId: mail.messageId,
        text: mail.text,
        attachments: [{ filename: mail.attachment.filename, path: mail.attachment.path, contentType: 'application/pdf' }],
      });
    },
    close: () => transport.close(),
  };
}
