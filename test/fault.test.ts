import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFixture, type Fixture } from '../fault/fixture.js';
import { canMount, chromiumTrial, enospcTrial, killTrial, smtpDropTrial, type TrialResult } from '../fault/scenarios.js';
import { tempDir } from './helpers/workspace.js';

// A sample of the fault suite (npm run fault runs it all): the real taxbrief CLI in its own process on the built
// code, killed, starved of disk, its Chromium crashed, its SMTP connection cut. Each trial checks the warehouse
// with independent SQL, the files on disk and the SMTP server's count; it passes when nothing did not hold.
// The Chromium and ENOSPC samples skip the rerun that npm run fault does after them (time).
const tmp = tempDir('taxbrief-fault-');
let fx: Fixture;
const scratch = path.join(tmp.dir, 'trials');

beforeAll(async () => {
  fx = await prepareFixture(tmp.dir, { taxpayers: 1000, log: () => undefined });
}, 300_000);
afterAll(() => tmp.cleanup());

const held = (r: TrialResult) => expect(r.problems, `${r.name}: ${r.problems.join('; ')}`).toEqual([]);

describe('fault injection (a sample of npm run fault)', () => {
  it('kill -9 of taxbrief ingest between a commit and the next file: consistent, the rerun loads each file once', async () => {
    held(await killTrial(fx, { id: 1, command: 'ingest', smtp: false, at: { kind: 'point', point: 'ingest:inserted#7' } }, scratch));
  });

  it('kill -9 of taxbrief run after a copy is printed into the outbox, before the ledger notes it: delivered once after the rerun', async () => {
    held(await killTrial(fx, { id: 2, command: 'run', smtp: true, at: { kind: 'point', point: 'deliver:printed#2' } }, scratch));
  });

  it('a renderer crashing at every print of one brief: tried twice, reported failed (exit 3), the other brief goes out', async () => {
    held(await chromiumTrial(fx, 'renderer', scratch, { rerun: false }));
  });

  it('no space left in out/: one sentence naming the file, nothing truncated left (npm run fault also reruns with space)', async () => {
    held(await enospcTrial(fx, 'out', scratch, { mount: canMount(scratch), rerun: false }));
  });

  it('the SMTP connection cut in the middle of a message: retried, each copy received whole exactly once', async () => {
    held(await smtpDropTrial(fx, scratch));
  });
});
