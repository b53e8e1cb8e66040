/**
 * Signed restores against a database writer (issue 28, item 1). Restoring a
 * backup older than what was signed outside the database cuts the chain's
 * tail exactly as an attacker would; the only thing that tells them apart is
 * the restore event `restore` signs into the anchor directory
 * (backup/restore-event.ts). Here the chain is rolled back in the database
 * as a restore leaves it, and each way of passing a rollback off as a
 * restore is tried: no restore event, a forged or foreign one, one naming
 * another entry, a chain cut further than the signed restore, and a cut made
 * after a checkpoint that followed the restore. Only the signed restore of
 * exactly the chain's end is accepted (RESTORED, appends chain on from it).
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchorStore } from '../../../src/audit/anchor.js';
import { createAuditLog } from '../../../src/audit/service.js';
import type { AuditEntry } from '../../../src/audit/types.js';
import { signRestore } from '../../../src/backup/restore-event.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { bootApp, type TestApp } from '../../support/app.js';

type Stored = AuditEntry & { _id: number };

let app: TestApp;
let audit: Collection<Stored>;
let tips: Collection<{ _id: number; hash: string }>;

beforeAll(async () => {
  app = await bootApp();
  audit = app.deps.database.db.collection<Stored>('audit');
  tips = app.deps.database.db.collection('audit_tips');
}, 60_000);
afterAll(() => app?.close());

const anchors = () => createAnchorStore({ dir: app.config.audit.anchorDir, sodium: app.deps.crypto.sodium, integrity: app.deps.crypto.integrity });
/** A process started on the store as it is now (no cached chain end): what a restart does first. */
const freshLog = () => createAuditLog({ db: app.deps.database.db, integrity: app.deps.crypto.integrity, anchors: anchors(), holdPartnerEntries: false });
const system = { action: 'keys.rotate' as const, actor: { type: 'system' as const }, outcome: 'success' as const, details: {} };
const chainOf = async () => (await audit.find({}).toArray()).sort((a, b) => a._id - b._id);

/** The store as a restore of a backup ending at `seq` leaves it: the entries after it gone, the tip register at it. */
async function rollBackTo(seq: number) {
  const at = await audit.findOne({ _id: seq });
  await audit.deleteMany({ _id: { $gt: seq } });
  await tips.deleteMany({});
  await tips.insertOne({ _id: seq, hash: at!.hash });
}

/** Entries appended (and their tips signed) by a fresh process; returns the chain end. */
async function append(n: number) {
  const log = freshLog();
  let last: AuditEntry | null = null;
  for (let i = 0; i < n; i++) last = await log.record(system);
  return last!;
}

describe('a rolled-back audit chain against the signed restore', () => {
  let backupEnd: { seq: number; hash: string };

  it('without a restore event, or with a forged or foreign one, a rollback is TRUNCATED and a restarted process appends nothing', async () => {
    backupEnd = await append(3);
    await app.deps.services.audit.checkpoint();
    await append(4);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'OK' });
    const saved = await chainOf();
    await rollBackTo(backupEnd.seq);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: false, anchor: 'TRUNCATED', firstDifference: backupEnd.seq + 1 });

    // Forged restore lines: unsigned, signed by another deployment's audit key, and one of ours edited.
    const dir = app.config.audit.anchorDir;
    const event = { seq: backupEnd.seq, hash: backupEnd.hash, backupAt: new Date(Date.now() - 60_000).toISOString(), missing: 4, restoredAt: new Date().toISOString() };
    const otherDir = mkdtempSync(join(tmpdir(), 'anchors-other-deployment-'));
    const other = createAnchorStore({ dir: otherDir, sodium: app.deps.crypto.sodium, integrity: createIntegrity(app.deps.crypto.sodium, new Uint8Array(32).fill(7)) });
    await other.appendRestore(event);
    const ours = await createAnchorStore({ dir: mkdtempSync(join(tmpdir(), 'anchors-scratch-')), sodium: app.deps.crypto.sodium, integrity: app.deps.crypto.integrity }).appendRestore(event);
    const cut = Object.fromEntries((await import('node:fs')).readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).length]));
    appendFileSync(join(dir, 'restores.jsonl'), `${readFileSync(join(otherDir, 'restores.jsonl'), 'utf8')}${JSON.stringify({ ...event, keyId: ours.keyId, cut })}\n${JSON.stringify({ ...ours, cut })}\n`);

    const forged = await app.deps.services.audit.verify();
    expect(forged).toMatchObject({ valid: false, anchor: 'TRUNCATED', firstDifference: backupEnd.seq + 1 });
    expect(forged.restored).toBeUndefined();
    const log = freshLog();
    expect(await log.checkTail()).toMatchObject({ state: 'TRUNCATED', dbSeq: backupEnd.seq });
    await expect(log.record(system)).rejects.toMatchObject({ code: 'DATA_INTEGRITY', name: 'AuditTailCutError' });
    expect((await chainOf()).length).toBe(backupEnd.seq);

    // Put back for the next test (as a restore of the newest backup would).
    await audit.insertMany(saved.filter((e) => e._id > backupEnd.seq));
    await tips.insertOne({ _id: saved.at(-1)!._id, hash: saved.at(-1)!.hash });
  }, 60_000);

  it('a signed restore event naming another entry than the chain\'s end is not accepted', async () => {
    const end = (await chainOf()).at(-1)!;
    // The signed restore claims the backup ended at an entry the chain holds with another hash.
    const signing = await signRestore({ anchors: anchors(), manifest: { auditTip: { seq: backupEnd.seq, hash: 'f'.repeat(64) }, startedAt: new Date().toISOString() } });
    // It is refused before signing: the checkpoint at that entry says otherwise.
    expect(signing.kind).toBe('contradicted');
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'OK', length: end._id });
  });

  it('the signed restore of exactly the chain\'s end is RESTORED: a restarted process appends after it, and says so without an alarm', async () => {
    await rollBackTo(backupEnd.seq);
    const signing = await signRestore({ anchors: anchors(), manifest: { auditTip: backupEnd, startedAt: '2026-01-01T10:00:00.000Z' } });
    expect(signing).toMatchObject({ kind: 'signed', event: { seq: backupEnd.seq, hash: backupEnd.hash, missing: 4, backupAt: '2026-01-01T10:00:00.000Z' } });
    const v = await app.deps.services.audit.verify();
    expect(v).toMatchObject({ valid: true, anchor: 'RESTORED', length: backupEnd.seq, restored: { seq: backupEnd.seq, missing: 4, backupAt: '2026-01-01T10:00:00.000Z' } });
    const log = freshLog();
    expect(await log.checkTail()).toMatchObject({ state: 'OK', dbSeq: backupEnd.seq, outsideSeq: backupEnd.seq, restored: { seq: backupEnd.seq, missing: 4 } });
    const next = await log.record(system);
    expect(next.seq).toBe(backupEnd.seq + 1);
    expect(next.prevHash).toBe(backupEnd.hash);
    await append(2);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'RESTORED', length: backupEnd.seq + 3 });
  }, 60_000);

  it('a chain cut further than the signed restore\'s entry is TRUNCATED', async () => {
    const saved = await chainOf();
    await audit.deleteMany({ _id: { $gte: backupEnd.seq } });
    await tips.deleteMany({});
    const below = saved.find((e) => e._id === backupEnd.seq - 1)!;
    await tips.insertOne({ _id: below._id, hash: below.hash });
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: false, anchor: 'TRUNCATED' });
    await expect(freshLog().record(system)).rejects.toMatchObject({ name: 'AuditTailCutError' });
    // Cut back only to the restore's entry: the new entries' signed tips say the chain went on from it.
    await audit.insertOne(saved.find((e) => e._id === backupEnd.seq)!);
    await tips.deleteMany({});
    await tips.insertOne({ _id: backupEnd.seq, hash: backupEnd.hash });
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: false, anchor: 'TRUNCATED', firstDifference: backupEnd.seq + 1 });
    expect(await freshLog().checkTail()).toMatchObject({ state: 'TRUNCATED' });
    await audit.insertMany(saved.filter((e) => e._id > backupEnd.seq));
    await tips.insertOne({ _id: saved.at(-1)!._id, hash: saved.at(-1)!.hash });
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'RESTORED' });
  }, 60_000);

  it('a checkpoint after the restore supersedes it: rolling back to the restore\'s entry again is TRUNCATED', async () => {
    const cp = (await app.deps.services.audit.checkpoint())!;
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'OK', anchorSeq: cp.seq, restored: { seq: backupEnd.seq } });
    const saved = await chainOf();
    await rollBackTo(backupEnd.seq);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: false, anchor: 'TRUNCATED', firstDifference: backupEnd.seq + 1 });
    await expect(freshLog().record(system)).rejects.toMatchObject({ name: 'AuditTailCutError' });
    // The old restore event replayed (appended again after the checkpoint) does not excuse the cut either.
    const restores = join(app.config.audit.anchorDir, 'restores.jsonl');
    appendFileSync(restores, `${readFileSync(restores, 'utf8').trim().split('\n').at(-1)!}\n`);
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: false, anchor: 'TRUNCATED' });
    await audit.insertMany(saved.filter((e) => e._id > backupEnd.seq));
    await tips.insertOne({ _id: saved.at(-1)!._id, hash: saved.at(-1)!.hash });
    expect(await app.deps.services.audit.verify()).toMatchObject({ valid: true, anchor: 'OK' });
  }, 60_000);
});
