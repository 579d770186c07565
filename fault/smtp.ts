import { createServer, Socket, type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Received } from './inspect.js';

/** A real SMTP server on 127.0.0.1 that counts the messages it receives whole, behind a proxy that can drop connections mid-message. */
export interface MailServer {
  /** The port to send to (the proxy's). */
  port: number;
  /** Per recipient/brief (from the recipient's address and the PDF's name): whole messages and their Message-IDs. */
  received: Received;
  /** Connections the proxy cut in the middle of a message. */
  dropped: number;
  close(): Promise<void>;
}

const ids: Record<string, string> = { 'zhangsan@example.gov.cn': 'R001', 'lisi@example.gov.cn': 'R002' };

/**
 * Starts smtp-server on 127.0.0.1 and a TCP proxy in front of it. The proxy cuts the first `drop`
 * connections once `afterBytes` bytes of the message (after DATA) have gone through: the server has
 * half a message, the client a dead socket. A message counts as received whole only when the server
 * read it to its final dot and its PDF attachment is complete.
 */
export async function startMailServer(options: { drop?: number; afterBytes?: number } = {}): Promise<MailServer> {
  const state: MailServer = { port: 0, received: {}, dropped: 0, close: async () => undefined };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const pdf = /Content-Type: application\/pdf[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
        const bytes = pdf ? Buffer.from(pdf[1]!.replace(/\s+/g, ''), 'base64') : Buffer.alloc(0);
        const whole = bytes.subarray(0, 5).toString('latin1') === '%PDF-' && bytes.subarray(-64).toString('latin1').includes('%%EOF');
        const subject = decodeHeader(/^Subject:(.*(?:\r\n[ \t].*)*)/im.exec(raw)?.[1] ?? '');
        const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '(none)';
        for (const to of session.envelope.rcptTo) {
          if (!whole) continue;
          const key = `${ids[to.address] ?? to.address}/${subject.includes('减税降费') ? 'relief-digest' : 'revenue-digest'}`;
          const r = (state.received[key] ??= { whole: 0, messageIds: new Set() });
          r.whole++;
          r.messageIds.add(messageId);
        }
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const target = (server.server.address() as AddressInfo).port;

  let toDrop = options.drop ?? 0;
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(target, '127.0.0.1');
    let inData = false;
    let sent = 0;
    const cut = toDrop > 0;
    if (cut) toDrop--;
    client.on('data', (chunk: Buffer) => {
      if (cut && !inData && /^DATA\r\n/m.test(chunk.toString('latin1'))) inData = true;
      else if (cut && inData) {
        sent += chunk.length;
        if (sent >= (options.afterBytes ?? 4096)) {
          upstream.write(chunk.subarray(0, Math.max(0, chunk.length - (sent - (options.afterBytes ?? 4096)))));
          state.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  state.port = (proxy.address() as AddressInfo).port;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => proxy.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

// RFC 2047 encoded words (nodemailer writes a Chinese subject as =?UTF-8?B?…?= pieces).
function decodeHeader(value: string): string {
  const parts: Buffer[] = [];
  const re = /=\?UTF-8\?([BQ])\?([^?]*)\?=/gi;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(value))) {
    any = true;
    if (m[1]!.toUpperCase() === 'B') parts.push(Buffer.from(m[2]!, 'base64'));
    else parts.push(Buffer.from(m[2]!.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'));
  }
  return any ? Buffer.concat(parts).toString('utf8') : value.trim();
}
