/**
 * The database writer against a report's freshness (trust review 2, item 2;
 * src/reports/store/freshness.ts): with the real app, a report's raw document is
 * snapshotted, the report moves on (claim, research note, grading, closure),
 * and the snapshot is written back with the plain driver; likewise an erased
 * report's earlier document. Each envelope MAC still verifies (they are
 * documents the service wrote), yet reads and changes answer DATA_INTEGRITY
 * with no content, verifyReportHistory says invalid, the failure is audited,
 * and key rotation re-wraps nothing of the put-back erased report.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk, Role } from '../../../src/auth/types.js';
import { createCrypto } from '../../../src/crypto/index.js';
import { rotateIntegrityAndIndexKeys } from '../../../src/reports/content/rotate-audit-index-keys.js';
import { rotateDataKeys } from '../../../src/reports/content/rotate-master-key.js';
import type { ReportDoc } from '../../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { auditEntries, codeOf, Q, recordCall, waitForStatus } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';
import { waitFor } from '../../support/spawn.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

let app: TestApp;
let handler: Staff;
let sup: Staff;
let so13: Staff;

beforeAll(async () => {
  app = await bootApp({ worker: true });
  const staff = (role: Role, desk: Desk | null = null) => createStaff(app, role, desk);
  [handler, sup, so13] = await Promise.all([staff('CALL_HANDLER'), staff('SUPERVISOR'), staff('INVESTIGATOR', 'SO13')]);
});
afterAll(() => app?.close());

const raw = () => app.deps.database.db.collection<ReportDoc>('reports');
const gql = (q: string, v: Record<string, unknown>, who: Staff) => app.gql(q, v, who.token);
const NARRATIVE = 'Rollback test narrative: a van waits by the reservoir gates every night.';
const ok = async (q: string, v: Record<string, unknown>, who: Staff) => {
  const res = await gql(q, v, who);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data;
};

/** A hotline call routed by the real worker to SO13, and its raw document as stored then. */
async function routed(i: number): Promise<ReportDoc> {
  const id = await recordCall(app, handler.token, i, { categories: ['STORAGE'], narrative: NARRATIVE });
  await waitForStatus(app, id, 'TRIAGED');
  return (await raw().findOne({ _id: id }))!;
}

/** Writes a snapshot back over the report, as a database writer with a backup would. */
const putBack = (snapshot: ReportDoc) => raw().replaceOne({ _id: snapshot._id }, snapshot);

async function expectRefused(id: string, who: Staff) {
  const res = await gql(Q.report, { id }, who);
  expect(codeOf(res)).toBe('DATA_INTEGRITY');
  expect(res.data?.report ?? null).toBeNull();
  expect(JSON.stringify(res)).not.toContain('reservoir');
}

describe('a report rolled back to an older snapshot of itself', () => {
  let id = '';
  let snapshot: ReportDoc;

  beforeAll(async () => {
    snapshot = await routed(1);
    id = snapshot._id;
    await ok(Q.claim, { id }, so13);
    await ok(Q.note, { id, text: 'Research: the van is registered to a shell company' }, so13);
    await ok(Q.grade, { id, s: 'S2', i: 'B', h: 'P' }, so13);
    let v = (await raw().findOne({ _id: id }))!.version;
    v = (await ok(Q.transition, { id, to: 'UNDER_RESEARCH', reason: '', v }, so13)).transitionReport.version;
    v = (await ok(Q.transition, { id, to: 'NO_FURTHER_ACTION', reason: 'Nothing further found', v }, so13)).transitionReport.version;
    await ok(Q.transition, { id, to: 'CLOSED', reason: 'Closed after research', v, outcome: 'NO_TRACE' }, so13);
    // The closure's audit event is chained (the snapshot must be older than what the chain records).
    await waitFor(async () => (await auditEntries(app, 'report.transition', id)).length >= 3, 10_000);
    await putBack(snapshot);
  }, 60_000);

  it('is DATA_INTEGRITY on read, for the investigator and the supervisor, with no content', async () => {
    const stored = (await raw().findOne({ _id: id }))!;
    expect(stored.status).toBe('TRIAGED'); // the rollback is in place, and its envelope MAC is genuine
    expect(stored.content?.researchNotes ?? []).toHaveLength(0);
    expect(stored.grading ?? null).toBeNull();
    await expectRefused(id, so13);
    await expectRefused(id, sup);
  });

  it('refuses every change on it (a claim would otherwise take over the old version claim and bless the rollback)', async () => {
    expect(codeOf(await gql(Q.claim, { id }, so13))).toBe('DATA_INTEGRITY');
    expect((await raw().findOne({ _id: id }))!.version).toBe(snapshot.version);
  });

  it('makes verifyReportHistory say invalid, and is audited as an integrity failure', async () => {
    const res = await ok(Q.verify, { id }, sup);
    expect(res.verifyReportHistory.valid).toBe(false);
    expect(res.verifyReportHistory.brokenAt).toBe(snapshot.history.length + 1);
    const alarms = await auditEntries(app, 'report.integrity_failure', id);
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms[0]!.details).toMatchObject({ finding: 'rolled back' });
  });

  it('is still invalid to verifyReportHistory when the writer also deletes the version claims: the audit chain remembers', async () => {
    await app.deps.database.db.collection('report_versions').deleteMany({ _id: { $regex: `^${id}:` } } as never);
    const res = await ok(Q.verify, { id }, sup);
    expect(res.verifyReportHistory.valid).toBe(false);
  });
});

describe('an erased report whose earlier document is put back', () => {
  let id = '';
  let before: ReportDoc;

  beforeAll(async () => {
    before = await routed(2);
    id = before._id;
    await ok(Q.erase, { id, reason: 'Erasure for the rollback test' }, sup);
    expect((await raw().findOne({ _id: id }))!.status).toBe('ERASED');
    await putBack(before);
  }, 60_000);

  it('is DATA_INTEGRITY on read, never serving the restored content', async () => {
    expect((await raw().findOne({ _id: id }))!.dataKey).not.toBeNull();
    await expectRefused(id, so13);
    await expectRefused(id, sup);
    const alarms = await auditEntries(app, 'report.integrity_failure', id);
    expect(alarms.map((a) => a.details.finding)).toContain('erased');
  });

  it('is DATA_INTEGRITY to a reader of many reports at once (the link chart’s), which reads the tombstones whole', async () => {
    const current = await routed(3);
    const many = (ids: string[]) => app.deps.reports.findManyById(ids, 32);
    // Four reports or more: the tombstones are read in one find (freshness.ts assertAllCurrent), not looked up each.
    expect((await many([current._id, current._id, current._id, current._id])).map((d) => d?._id)).toEqual(Array(4).fill(current._id));
    const err = await many([current._id, current._id, current._id, id]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'ReportRollbackError', staleness: 'erased' });
  }, 60_000);

  it('refuses a change and makes verifyReportHistory say invalid', async () => {
    expect(codeOf(await gql(Q.claim, { id }, so13))).toBe('DATA_INTEGRITY');
    expect((await ok(Q.verify, { id }, sup)).verifyReportHistory.valid).toBe(false);
  });

  const b64 = (k: string) => new Uint8Array(Buffer.from(k, 'base64'));
  const newMaster = new Uint8Array(randomBytes(32));

  it('is skipped by a master-key rotation, which re-wraps the reports that are current and not this one', async () => {
    const intact = await routed(3);
    const rotating = await createCrypto({
      masterKey: newMaster,
      previousMasterKeys: [b64(app.env.HOTLINE_MASTER_KEY!)],
      indexKey: b64(app.env.HOTLINE_INDEX_KEY!),
      auditKey: b64(app.env.HOTLINE_AUDIT_KEY!),
    });
    const result = await rotateDataKeys({ reports: app.deps.reports, writer: app.deps.writer, crypto: rotating });
    expect(result.failed).toContain(id);
    expect(result.failed).not.toContain(intact._id);
    expect((await raw().findOne({ _id: id }))!.dataKey!.masterKeyId).toBe(before.dataKey!.masterKeyId); // not re-wrapped
    expect((await raw().findOne({ _id: intact._id }))!.dataKey!.masterKeyId).toBe(rotating.keyring.currentId);
  });

  it('is skipped by an index-key rotation: not decrypted, not filed for search again, not re-sealed', async () => {
    const rotating = await createCrypto({
      masterKey: newMaster,
      previousMasterKeys: [b64(app.env.HOTLINE_MASTER_KEY!)],
      indexKey: new Uint8Array(randomBytes(32)),
      previousIndexKeys: [b64(app.env.HOTLINE_INDEX_KEY!)],
      auditKey: b64(app.env.HOTLINE_AUDIT_KEY!),
    });
    const result = await rotateIntegrityAndIndexKeys({ reports: app.deps.reports, writer: app.deps.writer, users: { list: async () => [], updateSealed: async () => null }, secondFactors: { resealFactorMacs: async () => ({ resealed: 0, remaining: 0, failed: [] }) }, crypto: rotating, audit: app.deps.services.audit });
    expect(result.failed).toContain(`report:${id}`);
    expect(result.reports).toBeGreaterThan(0); // the current reports were re-indexed
    expect((await raw().findOne({ _id: id }))!.indexKeyId).toBe(before.indexKeyId);
    expect(await app.deps.database.db.collection('search_terms').findOne({ _id: `@${id}` as never })).toBeNull();
    const reads = await auditEntries(app, 'report.read', id);
    expect(reads.filter((e) => e.details.purpose === 'key-rotation')).toEqual([]);
  });
});
