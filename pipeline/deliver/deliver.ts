import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { copyAtomic, makeDir, writeAtomic } from '../write-atomic.js';
import path from 'node:path';
import { faultPoint } from '../fault-point.js';
import type { Logger } from '../log.js';
import type { Printer } from '../render/printer.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Lang } from '../narrative/helpers.js';
import { recipientsOf, type Recipient } from './recipients.js';
import type { SmtpTransport } from './smtp.js';
import type { Overlays, StampableBrief } from './stamp.js';
import { watermarkPages } from './watermark.js';

/** A brief edition ready to deliver: its version, its printed PDF (to stamp) and its issued folder. */
export interface Edition {
  brief: string;
  region?: string;
  period: string;
  lang: Lang;
  version: string;
  title: string;
  classification: string;
  /** The unwatermarked PDF as printed: each recipient's copy is this with their watermark stamped on. */
  pdf: string;
  /** issued/<period>/<stem>/<version12>/: every copy sent is archived here with its checksum. */
  issuedDir: string;
}

/** What happened to one copy: sent (now), already sent (an earlier run), or failed (kept in the outbox). */
export interface DeliveryOutcome {
  recipient: string;
  name: string;
  brief: string;
  region?: string;
  period: string;
  lang: Lang;
  version: string;
  channel: 'outbox' | 'smtp';
  status: 'sent' | 'already-sent' | 'failed';
  attempts: number;
  error?: string;
  /** The recipient's PDF: in the outbox (outbox channel, or not yet sent) or archived (sent by SMTP). */
  file?: string;
}

/** What delivery needs: the ledger, a printer for the watermark pages, SMTP if configured, retry policy. */
export interface DeliveryEffects {
  warehouse: Warehouse;
  logger: Logger;
  clock: () => Date;
  printer: () => Promise<Printer>;
  smtp?: SmtpTransport;
  outboxDir: string;
  /** Scratch space for the printed watermark pages (removed once read). */
  tmpDir: string;
  runId: string;
  resend: boolean;
  /** Attempts after the first (default 3), waiting backoffMs, 2×, 4× … between them. */
  retries: number;
  backoffMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Delivers each edition to each of its recipients, once per version: stamps the recipient's
 * watermark onto the printed PDF into outbox/<recipient>/<period>/, then either leaves it there (the outbox is
 * the channel) or mails it, retrying with backoff; a copy that could not be sent stays in the
 * outbox and is reported. Every copy sent is archived in the edition's issued folder with its SHA-256.
 */
export async function deliverEditions(editions: Edition[], recipients: Recipient[], effects: DeliveryEffects): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = [];
  const channel = effects.smtp ? 'smtp' : 'outbox';
  const jobs = editions.flatMap((e) => recipientsOf(recipients, e).map((r) => ({ e, r })));
  const stamper = createStamper(recipients, effects);
  const sent = new Map<Edition, Promise<Set<string>>>();
  for (const [i, { e, r }] of jobs.entries()) {
    effects.logger.progress('deliver', i, jobs.length);
    const base = { recipient: r.id, name: r.name, brief: e.brief, region: e.region, period: e.period, lang: e.lang, version: e.version, channel } as const;
    const key = deliveryKey(e, r);
    if (!sent.has(e)) sent.set(e, sentTo(effects.warehouse, e));
    if (!effects.resend && (await sent.get(e)!).has(r.id)) {
      outcomes.push({ ...base, status: 'already-sent', attempts: 0 });
      continue;
    }
    const label = `${e.brief}${e.region ? ` (${e.region})` : ''}${e.lang === 'en' ? ' [en]' : ''} ${e.period} → ${r.id} ${r.name}`;
    let file: string | undefined;
    try {
      file = await copyFor(e, r, effects, stamper);
      await faultPoint('deliver:printed', `${r.id}/${e.brief}`);
      const sha256 = sha256Of(file);
      if (!effects.smtp) {
        const archived = archive(e, r, file, sha256, false);
        await record(effects, key, { channel, status: 'sent', attempts: 1, file: archived, sha256 });
        effects.logger.info(`delivered ${label} to the outbox`, { file });
        outcomes.push({ ...base, status: 'sent', attempts: 1, file });
        continue;
      }
      if (!r.email) throw new Error(`recipient ${r.id} has no "email" in the recipients file; add it, or deliver through the outbox`);
      const { attempts, error } = await sendWithRetries(effects, {
        to: { name: r.name, email: r.email },
        subject: e.title,
        text: mailText(e, r, sha256),
        attachment: { filename: `${e.title}.pdf`, path: file },
        messageId: messageIdOf(e, r, effects),
      });
      if (!error) await faultPoint('deliver:sent', `${r.id}/${e.brief}`);
      if (error) {
        await record(effects, key, { channel, status: 'failed', attempts, error, file, sha256 });
        effects.logger.error(`not delivered: ${label} by ${effects.smtp.describe} after ${attempts} attempt(s): ${error}; the PDF stays in the outbox`, { file });
        outcomes.push({ ...base, status: 'failed', attempts, error, file });
        continue;
      }
      const archived = archive(e, r, file, sha256, true);
      await record(effects, key, { channel, status: 'sent', attempts, file: archived, sha256 });
      effects.logger.info(`delivered ${label} by ${effects.smtp.describe}`, { attempts });
      outcomes.push({ ...base, status: 'sent', attempts, file: archived });
    } catch (err) {
      const error = effects.smtp ? effects.smtp.redact((err as Error).message) : (err as Error).message;
      await record(effects, key, { channel, status: 'failed', attempts: 0, error, file: file ?? null, sha256: null });
      effects.logger.error(`not delivered: ${label}: ${error}`);
      outcomes.push({ ...base, status: 'failed', attempts: 0, error, file });
    }
  }
  if (jobs.length > 0) effects.logger.progress('deliver', jobs.length, jobs.length);
  return outcomes;
}

/** The key of one recipient's copy of an edition version in the deliveries table (a province brief's region is ''). */
function deliveryKey(e: Edition, r: Recipient) {
  return { recipient: r.id, brief: e.brief, region: e.region ?? '', period: e.period, lang: e.lang, version: e.version };
}

// Who already received this version of the edition (one query per edition, not per copy).
async function sentTo(warehouse: Warehouse, e: Edition): Promise<Set<string>> {
  const rows = await warehouse.all<{ recipient_id: string }>(
    `select distinct recipient_id from deliveries where brief = $brief and region = $region and period = $period and lang = $lang and version = $version and status = 'sent'`,
    { brief: e.brief, region: e.region ?? '', period: e.period, lang: e.lang, version: e.version },
  );
  return new Set(rows.map((row) => row.recipient_id));
}

// The recipient's copy in the outbox: reused when an earlier attempt left this very version there.
async function copyFor(e: Edition, r: Recipient, effects: DeliveryEffects, stamper: Stamper): Promise<string> {
  const file = path.join(effects.outboxDir, r.id, e.period, `${editionStem(e)}.pdf`);
  if (existsSync(file)) {
    const [last] = await effects.warehouse.all<{ sha256: string | null }>(
      `select sha256 from deliveries where recipient_id = $recipient and brief = $brief and region = $region and period = $period and lang = $lang and version = $version
       and file = $file order by attempted_at desc, run_id desc limit 1`,
      { ...deliveryKey(e, r), file },
    );
    if (last?.sha256 && last.sha256 === sha256Of(file)) return file;
  }
  // A resend of a version already sent (the atomic writers below make the folder): the archived copy is the very same
  // document. Without --resend a copy gets here only when sentTo found no such delivery: no query per copy.
  const [sent] = !effects.resend ? [] : await effects.warehouse.all<{ file: string | null; sha256: string | null }>(
    `select file, sha256 from deliveries where recipient_id = $recipient and brief = $brief and region = $region and period = $period and lang = $lang and version = $version
     and status = 'sent' order by attempted_at desc, run_id desc limit 1`,
    deliveryKey(e, r),
  );
  if (sent?.file && sent.sha256 && existsSync(sent.file) && sha256Of(sent.file) === sent.sha256) {
    copyAtomic(sent.file, file);
    return file;
  }
  await stamper.stamp(e, r, file);
  return file;
}

/** Stamps copies: the watermark pages printed once per language and classification, each edition's PDF parsed once. */
interface Stamper { stamp(e: Edition, r: Recipient, outFile: string): Promise<void> }

function createStamper(recipients: Recipient[], effects: DeliveryEffects): Stamper {
  // pdf-lib loads only when a copy is stamped: a run with nothing new does not pay for it.
  const stamping = () => import('./stamp.js');
  const overlays = new Map<string, Promise<Overlays>>();
  let current: { pdf: string; brief: Promise<StampableBrief> } | undefined;
  // One print for every recipient of the file: page i is recipients[i]'s watermark.
  const overlaysFor = (classification: string, lang: Lang) => {
    const key = `${lang} ${classification}`;
    let o = overlays.get(key);
    if (!o) {
      o = (async () => {
        makeDir(effects.tmpDir);
        const file = path.join(effects.tmpDir, `watermarks-${process.pid}-${overlays.size}.pdf`);
        const printer = await effects.printer();
        await printer.print({ html: watermarkPages(recipients.map((r) => ({ name: r.name, id: r.id, classification, lang }))), outFile: file, classification, overlay: true });
        try {
          return await (await stamping()).readOverlays(file);
        } finally {
          rmSync(file, { force: true });
        }
      })();
      overlays.set(key, o);
    }
    return o;
  };
  return {
    async stamp(e, r, outFile) {
      const pages = await overlaysFor(e.classification, e.lang);
      // Jobs come edition by edition: keep only the edition being delivered parsed.
      if (current?.pdf !== e.pdf) current = { pdf: e.pdf, brief: stamping().then((m) => m.openForStamping(e.pdf)) };
      await (await current.brief).stampTo(pages, recipients.indexOf(r), outFile);
    },
  };
}

async function sendWithRetries(effects: DeliveryEffects, mail: Parameters<SmtpTransport['send']>[0]): Promise<{ attempts: number; error?: string }> {
  const smtp = effects.smtp!;
  let error = '';
  for (let attempt = 1; attempt <= effects.retries + 1; attempt++) {
    try {
      await smtp.send(mail);
      return { attempts: attempt };
    } catch (err) {
      error = smtp.redact((err as Error).message ?? String(err));
      if (attempt <= effects.retries) {
        const wait = effects.backoffMs * 2 ** (attempt - 1);
        effects.logger.warn(`sending to ${mail.to.name} failed (${error}); retry ${attempt}/${effects.retries} in ${(wait / 1000).toFixed(1)} s`);
        await effects.sleep(wait);
      }
    }
  }
  return { attempts: effects.retries + 1, error };
}

// Archives the copy sent beside the edition, and its checksum in SHA256SUMS (sha256sum -c reads it):
// one line per file, replaced when a rerun archives the copy again (a crash before the ledger noted it).
function archive(e: Edition, r: Recipient, file: string, sha256: string, move: boolean): string {
  const dir = path.join(e.issuedDir, 'recipients');
  makeDir(dir);
  const target = path.join(dir, `${r.id}.pdf`);
  if (path.resolve(file) !== path.resolve(target)) {
    if (!move) copyAtomic(file, target);
    else {
      try {
        renameSync(file, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        copyAtomic(file, target); // the outbox on another disk
        rmSync(file);
      }
    }
  }
  const sums = path.join(e.issuedDir, 'SHA256SUMS');
  const entry = `recipients/${r.id}.pdf`;
  const lines = existsSync(sums) ? readFileSync(sums, 'utf8').split('\n').filter((l) => l && !l.endsWith(`  ${entry}`)) : [];
  writeAtomic(sums, `${[...lines, `${sha256}  ${entry}`].join('\n')}\n`);
  return target;
}

async function record(
  effects: DeliveryEffects,
  key: { recipient: string; brief: string; region: string; period: string; lang: string; version: string },
  what: { channel: string; status: string; attempts: number; error?: string; file: string | null; sha256: string | null },
): Promise<void> {
  await effects.warehouse.run(
    `insert into deliveries (run_id, recipient_id, brief, region, period, lang, version, channel, status, attempts, error, file, sha256, attempted_at)
     values ($run, $recipient, $brief, $region, $period, $lang, $version, $channel, $status, $attempts, $error, $file, $sha256, $at::timestamp)`,
    { run: effects.runId, ...key, ...what, error: what.error ?? null, at: effects.clock().toISOString() },
  );
}

/**
 * One Message-ID per copy (version, recipient, edition): a run killed after the server took the message and
 * before the ledger noted it sends it again on the rerun under the same ID, which mail systems fold into one
 * (SMTP has no way to ask whether a message arrived). `--resend` is a new message, so it gets its own.
 */
function messageIdOf(e: Edition, r: Recipient, effects: DeliveryEffects): string {
  return `<${e.version.slice(0, 16)}.${r.id}.${editionStem(e)}.${e.period}${effects.resend ? `.resend-${effects.runId}` : ''}@taxbrief>`;
}

// An edition's file stem, as the brief stage names its PDF (brief.ts briefStem): monthly-revenue, city-440100, advisory.en.
function editionStem(e: Edition): string {
  return `${e.brief}${e.region ? `-${e.region}` : ''}${e.lang === 'en' ? '.en' : ''}`;
}

function mailText(e: Edition, r: Recipient, sha256: string): string {
  return `${r.name}：\n\n附件为《${e.title}》，仅供您本人阅，请勿转发。\n\n版本 ${e.version.slice(0, 12)}；附件 SHA-256 ${sha256}。\n`;
}

/** SHA-256 of a file's bytes, hex. */
export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
