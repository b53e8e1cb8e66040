/**
 * The most sensitive operations, end to end with the real triage worker:
 * revealing a caller (reason required, audited first), the supervisors'
 * reveal log, links across desks, crypto-shredding erasure, and the desk
 * queue subscription over SSE.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditWriteError } from '../../src/audit/service.js';
import type { Desk, Role } from '../../src/auth/types.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, openDeskStream, Q, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

let app: TestApp;
let handler: Staff;
let sup: Staff;
let auditor: Staff;
const inv = {} as Record<Desk, Staff> & { so13b: Staff };

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { OUTBOX_SWEEP_MS: '200', OUTBOX_STALE_MS: '100' } });
  const staff = (roles: Role, desk: Desk | null = null) => createStaff(app, roles, desk);
  [handler, sup, auditor, inv.SO12, inv.SO13, inv.so13b] = await Promise.all([
    staff('CALL_HANDLER'),
    staff('SUPERVISOR'),
    staff('AUDITOR'),
    staff('INVESTIGATOR', 'SO12'),
    staff('INVESTIGATOR', 'SO13'),
    staff('INVESTIGATOR', 'SO13'),
  ]);
});
afterAll(() => app?.close());

const gql = (q: string, v: Record<string, unknown>, who: Staff) => app.gql(q, v, who.token);
const CALLER = {
  name: 'Margaret Witness',
  phone: '020 7946 0555',
  email: 'm.witness@example.org',
  address: '14 Hidden Mews, London',
  mayRecontact: true,
  preferredContactTimes: 'weekday evenings',
};

/** A hotline call routed by the real triage worker; STORAGE goes to SO13. */
async function routedCall(i: number, overrides: Record<string, unknown> = {}): Promise<ReportDoc> {
  const id = await recordCall(app, handler.token, i, { categories: ['STORAGE'], ...overrides });
  return waitForStatus(app, id, 'TRIAGED');
}

describe('revealing a caller', () => {
  it('returns the identity to an investigator of the desk with a reason, audited with that reason before it is returned', async () => {
    const doc = await routedCall(1, { caller: CALLER });
    expect(doc.desk).toBe('SO13');
    const normal = await gql(Q.report, { id: doc._id }, inv.SO13);
    expect(normal.errors).toBeUndefined();
    for (const v of [CALLER.name, CALLER.phone, CALLER.email, CALLER.address, CALLER.preferredContactTimes]) expect(JSON.stringify(normal)).not.toContain(v);

    const reason = 'Need to re-contact the caller to confirm the van registration';
    const res = await gql(Q.reveal, { id: doc._id, reason }, inv.SO13);
    expect(res.errors).toBeUndefined();
    expect(res.data.revealCaller).toEqual(CALLER);

    const reveals = await auditEntries(app, 'report.reveal_caller', doc._id);
    expect(reveals).toHaveLength(1);
    expect(reveals[0]).toMatchObject({ actor: { type: 'user', id: inv.SO13.user.id }, target: { type: 'report', id: doc._id }, outcome: 'success' });
    // The reason is kept sealed under the report's data key with a keyed hash (reasons.ts), never as text.
    expect(reveals[0]!.details).toMatchObject({ reasonSealed: expect.stringMatching(/^sealed:v1:/), reasonMac: expect.stringMatching(/^[0-9a-f]{64}$/), reference: doc.reference, fields: ['caller'] });
    expect(JSON.stringify(reveals)).not.toContain(reason);
    expect(JSON.stringify(reveals)).not.toContain(CALLER.name);

    // A supervisor of any desk may reveal too; another desk's investigator may not.
    expect((await gql(Q.reveal, { id: doc._id, reason: 'Supervisor review of the call handling' }, sup)).errors).toBeUndefined();
    expect(codeOf(await gql(Q.reveal, { id: doc._id, reason: 'Curious about who called this in' }, inv.SO12))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.reveal, { id: doc._id, reason: 'Curious about who called this in' }, handler))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.reveal, { id: doc._id, reason: 'Curious about who called this in' }, auditor))).toBe('FORBIDDEN');
    expect(await auditEntries(app, 'report.reveal_caller', doc._id)).toHaveLength(2);
  });

  it('requires a reason of at least 10 characters', async () => {
    const doc = await routedCall(2, { caller: CALLER });
    for (const reason of ['', 'because', '   short   ', 'bad\u0000reason here']) {
      const res = await gql(Q.reveal, { id: doc._id, reason }, inv.SO13);
      expect(codeOf(res), reason).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res)).not.toContain(CALLER.name);
    }
    expect(await auditEntries(app, 'report.reveal_caller', doc._id)).toHaveLength(0);
  });

  it('says clearly that an anonymous report has no caller identity', async () => {
    const doc = await routedCall(3, { caller: null });
    expect(doc.anonymous).toBe(true);
    const res = await gql(Q.reveal, { id: doc._id, reason: 'Need to re-contact the caller' }, inv.SO13);
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(res.errors![0]!.message).toBe('This report has no caller identity');
    expect(await auditEntries(app, 'report.reveal_caller', doc._id)).toHaveLength(0);
  });

  it('fails the reveal, showing nothing, when the audit entry cannot be written', async () => {
    const doc = await routedCall(4, { caller: CALLER });
    const spy = vi.spyOn(app.deps.services.audit, 'record').mockRejectedValueOnce(new AuditWriteError(new Error('audit store unavailable')));
    try {
      const res = await gql(Q.reveal, { id: doc._id, reason: 'Need to re-contact the caller' }, inv.SO13);
      expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE'); // what the audit log throws when its store fails
      expect(res.data?.revealCaller ?? null).toBeNull();
      expect(JSON.stringify(res)).not.toContain(CALLER.name);
      expect(JSON.stringify(res)).not.toContain(CALLER.phone);
    } finally {
      spy.mockRestore();
    }
  });

  it('lists reveals for supervisors, newest first, with a cursor', async () => {
    const page1 = await gql(Q.callerReveals, { first: 2 }, sup);
    expect(page1.errors).toBeUndefined();
    const all = await auditEntries(app, 'report.reveal_caller');
    expect(all.length).toBeGreaterThanOrEqual(2);
    const edges = page1.data.callerReveals.edges;
    expect(edges).toHaveLength(2);
    expect(edges[0].node).toMatchObject({ seq: all[0]!.seq, actorId: all[0]!.actor.id, reportId: all[0]!.target!.id });
    expect(edges[0].node.reason).toMatch(/^.{10,}$/); // opened from its sealed form
    expect(edges[0].node.seq).toBeGreaterThan(edges[1].node.seq);
    const page2 = await gql(Q.callerReveals, { first: 2, after: page1.data.callerReveals.pageInfo.endCursor }, sup);
    expect(page2.errors).toBeUndefined();
    for (const e of page2.data.callerReveals.edges) expect(e.node.seq).toBeLessThan(edges[1].node.seq);
    expect(codeOf(await gql(Q.callerReveals, { after: 'nope' }, sup))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(Q.callerReveals, {}, inv.SO13))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.callerReveals, {}, auditor))).toBe('FORBIDDEN');
  });
});

describe('links across desks', () => {
  it("routes a linked report to the same desk; once referred away, the other desk sees the link but not the linked report's reference", async () => {
    const plate = 'LK21 XYZ';
    const a = await routedCall(5, { vehicles: [{ registration: plate, make: 'Ford' }], subjects: [], locations: [] });
    const b = await waitForStatus(
      app,
      await recordCall(app, handler.token, 6, { categories: ['FINANCE'], vehicles: [{ registration: 'lk21xyz' }], subjects: [], locations: [] }),
      'TRIAGED',
    );
    expect(b.desk).toBe('SO13');
    expect((await app.deps.reports.linksOf(b)).map((l) => l.reportId)).toEqual([a._id]);
    const referred = await gql(Q.refer, { id: b._id, desk: 'SO12', reason: 'Financial angle: SO12 to develop' }, inv.SO13);
    expect(referred.errors).toBeUndefined();
    const seen = await gql(Q.report, { id: b._id }, inv.SO12);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.report.links).toEqual([{ reportId: null, reference: null, desk: 'SO13', reasons: ['vehicle'], readable: false }]);
    const fromSo13 = await gql(Q.report, { id: a._id }, inv.SO13);
    expect(fromSo13.data.report.links).toEqual([{ reportId: null, reference: null, desk: 'SO12', reasons: ['vehicle'], readable: false }]);
    const asSupervisor = await gql(Q.report, { id: b._id }, sup);
    expect(asSupervisor.data.report.links).toEqual([{ reportId: a._id, reference: a.reference, desk: 'SO13', reasons: ['vehicle'], readable: true }]);
  });
});

describe('erasure', () => {
  it('crypto-shreds a report: no envelopes, data key or index terms remain, and the tombstone history still verifies', async () => {
    const narrative = 'The man at number 12 keeps fertiliser sacks stacked in the back bedroom.';
    const doc = await routedCall(7, { caller: CALLER, narrative });
    const claimed = await gql(Q.claim, { id: doc._id }, inv.SO13);
    expect(claimed.errors).toBeUndefined();
    expect((await gql(Q.note, { id: doc._id, text: 'Council records show a different tenant.' }, inv.SO13)).errors).toBeUndefined();
    const before = await findReport(app, doc._id);
    const narrativeEnvelope = Buffer.from((before.content!.narrative as unknown as { buffer: Uint8Array }).buffer).toString('base64');
    const wrappedKey = Buffer.from((before.dataKey!.wrapped as unknown as { buffer: Uint8Array }).buffer).toString('base64');
    expect(before.bidx.length).toBeGreaterThan(0);
    expect(await app.deps.database.db.collection('link_terms').countDocuments({ reportId: { $type: 'binData' } as never })).toBeGreaterThanOrEqual(before.bidx.length);

    expect(codeOf(await gql(Q.erase, { id: doc._id, reason: 'Retention period over' }, inv.SO13))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.erase, { id: doc._id, reason: '' }, sup))).toBe('BAD_USER_INPUT');
    const erased = await gql(Q.erase, { id: doc._id, reason: 'Malicious report: erasure ordered' }, sup);
    expect(erased.errors).toBeUndefined();
    expect(erased.data.eraseReport).toMatchObject({ id: doc._id, status: 'ERASED', narrative: null });
    // The erasure's reason was sealed under the data key it shredded: the history keeps only that it was given.
    expect(erased.data.eraseReport.history.at(-1)).toEqual({ action: 'erased', reason: null });

    const raw = await app.deps.database.db.collection('reports').findOne({ _id: doc._id as never });
    expect(raw).toMatchObject({ status: 'ERASED', content: null, dataKey: null, bidx: [], reference: doc.reference, desk: 'SO13' });
    expect(raw!.erasedAt).toBeInstanceOf(Date);
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain('$binary');
    expect(dump).not.toContain('fertiliser');
    // Nor does the link index file the erased report under any of its terms.
    expect(JSON.stringify(await app.deps.database.db.collection('link_terms').find({}).toArray())).not.toContain(doc._id);
    expect([...(await app.deps.reports.fileLinkTerms('another-report', before.bidx)).met.values()].flat()).toEqual([]);

    // Nothing anywhere in the database still holds the envelope, the wrapped key or the plaintext.
    for (const c of await app.deps.database.db.collections()) {
      const everything = JSON.stringify(await c.find({}).toArray());
      for (const secret of [narrativeEnvelope, wrappedKey, 'fertiliser', CALLER.name]) expect(everything, `${c.collectionName}`).not.toContain(secret);
    }

    const verified = await gql(Q.verify, { id: doc._id }, auditor);
    expect(verified.data.verifyReportHistory).toMatchObject({ valid: true, brokenAt: null });
    expect(verified.data.verifyReportHistory.length).toBe(before.history.length + 1);

    const tomb = await gql(Q.report, { id: doc._id }, sup);
    expect(tomb.errors).toBeUndefined();
    expect(tomb.data.report).toMatchObject({ status: 'ERASED', narrative: null, researchNotes: null });
    expect(codeOf(await gql(Q.reveal, { id: doc._id, reason: 'Need to re-contact the caller' }, sup))).toBe('NOT_FOUND');
    expect(codeOf(await gql(Q.erase, { id: doc._id, reason: 'Erase it again' }, sup))).toBe('CONFLICT');
    expect(codeOf(await gql(Q.transition, { id: doc._id, to: 'UNDER_RESEARCH', reason: '', v: raw!.version }, sup))).toBe('BAD_USER_INPUT');

    const audits = await auditEntries(app, 'report.erase', doc._id);
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ reasonRef: expect.any(Number), reasonMac: app.deps.crypto.integrity.mac('reason', `${doc._id}\nMalicious report: erasure ordered`), fromStatus: 'ASSIGNED', toStatus: 'ERASED' });
    expect(audits[0]!.details.reason).toBeUndefined();
  });
});

describe('desk queue subscription (SSE)', () => {
  it('tells an investigator about reports triaged to and claimed from their desk', async () => {
    const stream = await openDeskStream(app, inv.SO13.token, 'SO13');
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      await new Promise((r) => setTimeout(r, 500)); // let the Redis subscription settle
      const id = await recordCall(app, handler.token, 8, { categories: ['HOSTILE_RECONNAISSANCE'] });
      const [triaged] = await stream.next(1);
      expect(triaged.data.deskQueueChanged).toMatchObject({ desk: 'SO13', reportId: id, kind: 'triaged' });
      expect(new Date(triaged.data.deskQueueChanged.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect((await gql(Q.claim, { id }, inv.so13b)).errors).toBeUndefined();
      const events = await stream.next(2);
      expect(events[1].data.deskQueueChanged).toMatchObject({ reportId: id, kind: 'claimed' });
    } finally {
      stream.close();
    }
  });

  it("refuses another desk's stream to an investigator", async () => {
    const stream = await openDeskStream(app, inv.SO12.token, 'SO13');
    try {
      const [first] = await stream.next(1);
      expect(first.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(first.data ?? null).toBeNull();
      expect(await stream.ended()).toBe(true); // nothing stays subscribed
    } finally {
      stream.close();
    }
  });
});
