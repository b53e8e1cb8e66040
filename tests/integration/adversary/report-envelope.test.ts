/**
 * The database writer against the report envelope MAC (src/reports/model/envelope-mac.ts):
 * with the real app (intake through GraphQL, triage by the real worker, reads
 * as an investigator or supervisor), edits made with the raw driver: a
 * dropped encrypted field, a rolled-back ciphertext, a flipped flag, a
 * changed workflow field, a missing MAC or one recomputed without the key.
 * Each answers DATA_INTEGRITY with no content; untouched reports read fine,
 * the process stays up, and the worker neither retries nor blesses a
 * tampered report.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/crypto/canonical.js';
import type { Desk, Role } from '../../../src/auth/types.js';
import { envelopeOf } from '../../../src/reports/model/envelope-mac.js';
import type { ReportDoc } from '../../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { codeOf, findReport, Q, recordCall, waitForStatus } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';
import { waitFor } from '../../support/spawn.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

let app: TestApp;
let handler: Staff;
let sup: Staff;
const inv = {} as Record<Desk, Staff>;

beforeAll(async () => {
  app = await bootApp({ worker: true });
  const staff = (role: Role, desk: Desk | null = null) => createStaff(app, role, desk);
  [handler, sup, inv.SO12, inv.SO13] = await Promise.all([staff('CALL_HANDLER'), staff('SUPERVISOR'), staff('INVESTIGATOR', 'SO12'), staff('INVESTIGATOR', 'SO13')]);
});
afterAll(() => app?.close());

const raw = () => app.deps.database.db.collection<ReportDoc>('reports');
const gql = (q: string, v: Record<string, unknown>, who: Staff) => app.gql(q, v, who.token);
const CALLER = { name: 'Enid Envelope', phone: '020 7946 0777', email: 'enid@example.org', address: '3 Sealed Row', mayRecontact: true };
const NARRATIVE = 'Envelope test narrative: a man photographs the substation gates every Sunday.';

/** A hotline call routed by the real worker to SO13 (STORAGE). */
async function routed(i: number, overrides: Record<string, unknown> = {}): Promise<ReportDoc> {
  const id = await recordCall(app, handler.token, i, { categories: ['STORAGE'], narrative: NARRATIVE, ...overrides });
  return waitForStatus(app, id, 'TRIAGED');
}

/** The report as the SO13 investigator reads it: DATA_INTEGRITY with no data and no content, or the content. */
async function expectTampered(id: string, who: Staff = inv.SO13) {
  const res = await gql(Q.report, { id }, who);
  expect(codeOf(res)).toBe('DATA_INTEGRITY');
  expect(res.data?.report ?? null).toBeNull();
  expect(JSON.stringify(res)).not.toContain('substation');
  return res;
}
async function expectReadable(id: string, who: Staff = inv.SO13) {
  const res = await gql(Q.report, { id }, who);
  expect(res.errors).toBeUndefined();
  expect(res.data.report.narrative).toBe(NARRATIVE);
  return res;
}

describe('the envelope MAC as stored', () => {
  it('is written at intake and renewed by triage and desk work, so intact reports read', async () => {
    const doc = await routed(1, { caller: CALLER });
    expect(doc.envelopeMac).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.envelopeParts).toEqual(expect.arrayContaining([expect.stringMatching(/^content\.narrative:[0-9a-f]{8}$/), expect.stringMatching(/^dataKey\.wrapped:/), expect.stringMatching(/^anonymous:/)]));
    await expectReadable(doc._id);
    expect(codeOf(await gql(Q.claim, { id: doc._id }, inv.SO13))).toBeUndefined();
    expect(codeOf(await gql(Q.note, { id: doc._id, text: 'checked the gates' }, inv.SO13))).toBeUndefined();
    await expectReadable(doc._id);
    expect(codeOf(await gql(Q.reveal, { id: doc._id, reason: 'need to recontact the caller about the photos' }, inv.SO13))).toBeUndefined();
  });
});

describe('a database writer without the audit key', () => {
  it('drops an encrypted field: DATA_INTEGRITY, logged by part, and the report stays refused', async () => {
    const doc = await routed(2);
    expect(doc.content!.vehicles.length).toBeGreaterThan(0);
    await raw().updateOne({ _id: doc._id }, { $unset: { 'content.vehicles.0.registration': '' } });
    const res = await expectTampered(doc._id);
    expect(res.errors![0]!.message).toContain('content.vehicles.0.registration (missing)');
    // A change never blesses it: the claim is refused and the read still fails.
    expect(codeOf(await gql(Q.claim, { id: doc._id }, inv.SO13))).toBe('DATA_INTEGRITY');
    await expectTampered(doc._id);
  });

  it('rolls the research notes back to an older ciphertext: DATA_INTEGRITY', async () => {
    const doc = await routed(3);
    expect(codeOf(await gql(Q.claim, { id: doc._id }, inv.SO13))).toBeUndefined();
    expect(codeOf(await gql(Q.note, { id: doc._id, text: 'first note' }, inv.SO13))).toBeUndefined();
    const older = (await findReport(app, doc._id)).content!.researchNotes;
    expect(codeOf(await gql(Q.note, { id: doc._id, text: 'second note: the damning one' }, inv.SO13))).toBeUndefined();
    await expectReadable(doc._id);
    await raw().updateOne({ _id: doc._id }, { $set: { 'content.researchNotes': older } });
    const res = await expectTampered(doc._id);
    expect(res.errors![0]!.message).toMatch(/content\.researchNotes\.[0-9a-f-]+\.text \(missing\)/);
  });

  it('copies an older ciphertext of the same field back: DATA_INTEGRITY', async () => {
    const doc = await routed(4);
    const older = doc.content!.narrative;
    // The same field re-encrypted (as a re-keying or correction would), then the old bytes put back.
    const fresh = app.deps.crypto.cipher.withDataKey(doc._id, doc.dataKey!, (key) => app.deps.crypto.codec.encryptContent(key, doc._id, { narrative: 'x', subjects: [], vehicles: [], locations: [], researchNotes: [] }));
    await raw().updateOne({ _id: doc._id }, { $set: { 'content.narrative': fresh.narrative } });
    await expectTampered(doc._id);
    await raw().updateOne({ _id: doc._id }, { $set: { 'content.narrative': older } });
    await expectReadable(doc._id); // back to what the MAC covers: readable again
  });

  it('flips anonymous either way: reveal and read answer DATA_INTEGRITY, not a decision on the forged flag', async () => {
    const named = await routed(5, { caller: CALLER });
    expect(named.anonymous).toBe(false);
    await raw().updateOne({ _id: named._id }, { $set: { anonymous: true } });
    const reveal = await gql(Q.reveal, { id: named._id, reason: 'checking whether the caller can be reached again' }, sup);
    expect(codeOf(reveal)).toBe('DATA_INTEGRITY');
    expect(reveal.errors![0]!.message).toContain('anonymous');
    await expectTampered(named._id);

    const anonymousCall = await routed(6, { caller: null });
    expect(anonymousCall.anonymous).toBe(true);
    await raw().updateOne({ _id: anonymousCall._id }, { $set: { anonymous: false } });
    expect(codeOf(await gql(Q.reveal, { id: anonymousCall._id, reason: 'checking whether the caller can be reached again' }, sup))).toBe('DATA_INTEGRITY');
  });

  it('flips imminentThreat or desk, or changes priority, status or version: DATA_INTEGRITY each time', async () => {
    const edits: [string, Partial<ReportDoc>][] = [
      ['imminentThreat', { imminentThreat: true }],
      ['desk', { desk: 'SO12' }],
      ['priority', { priority: 'P1' }],
      ['status', { status: 'NO_FURTHER_ACTION' }],
      ['version', { version: 99 }],
    ];
    for (const [i, [part, set]] of edits.entries()) {
      const doc = await routed(10 + i);
      await raw().updateOne({ _id: doc._id }, { $set: set });
      // The desk flip would hand the report to SO12: its investigator gets no content either.
      const res = await expectTampered(doc._id, part === 'desk' ? inv.SO12 : sup);
      expect(res.errors![0]!.message).toContain(part);
    }
  });

  it('removes the MAC, or recomputes it with an unkeyed hash: DATA_INTEGRITY', async () => {
    const missing = await routed(20);
    await raw().updateOne({ _id: missing._id }, { $unset: { envelopeMac: '' } });
    expect((await expectTampered(missing._id)).errors![0]!.message).toContain('envelopeMac (missing)');

    const forged = await routed(21);
    const edited = { ...forged, imminentThreat: true };
    const { id, parts } = envelopeOf(edited);
    const unkeyed = createHash('sha256').update(canonicalJson({ v: 1, id, parts })).digest('hex');
    const blake = createHash('blake2b512').update(canonicalJson({ v: 1, id, parts })).digest('hex').slice(0, 64);
    for (const mac of [unkeyed, blake]) {
      await raw().updateOne({ _id: forged._id }, { $set: { imminentThreat: true, envelopeMac: mac } });
      await expectTampered(forged._id);
    }
  });

  it('erasure still shreds a tampered report, whose tombstone keeps failing its check', async () => {
    const doc = await routed(22);
    await raw().updateOne({ _id: doc._id }, { $set: { desk: 'SO12' } });
    const erased = await gql(Q.erase, { id: doc._id, reason: 'retention period ended for this report' }, sup);
    expect(codeOf(erased)).toBeUndefined();
    const stored = await findReport(app, doc._id);
    expect(stored.status).toBe('ERASED');
    expect(stored.content).toBeNull();
    expect(codeOf(await gql(Q.report, { id: doc._id }, sup))).toBe('DATA_INTEGRITY');
  });
});

describe('the triage worker', () => {
  it('fails a tampered report once, marks it TRIAGE_FAILED without blessing it, and carries on', async () => {
    const triage = app.deps.triageQueues.triage;
    await triage.pause(true);
    let id: string;
    try {
      id = await recordCall(app, handler.token, 30, { categories: ['STORAGE'], narrative: NARRATIVE });
      await raw().updateOne({ _id: id }, { $set: { imminentThreat: true } });
    } finally {
      await triage.resume(true);
    }
    const failed = await waitForStatus(app, id, 'TRIAGE_FAILED', 30_000);
    expect(failed.triagePending).toBe(false);
    expect(failed.history.at(-1)).toMatchObject({ action: 'triage_failed' });
    expect(failed.history.at(-1)!.reason).toMatch(/after 1 attempts \(ReportIntegrityError\)/);
    expect(await triage.getJobCounts()).toMatchObject({ active: 0, waiting: 0, delayed: 0 });
    await expectTampered(id, sup);
    // The supervisor's retry is refused rather than routing the forged flags.
    expect(codeOf(await gql(Q.reopen, { id, reason: 'send it back to triage please' }, sup))).toBe('DATA_INTEGRITY');

    // The process is up and other reports route and read as before.
    expect((await fetch(app.url.replace('/graphql', '/healthz'))).status).toBe(200);
    await expectReadable((await routed(31))._id);
  });

  it('leaves a tampered link candidate out instead of failing the new report', async () => {
    const plate = { vehicles: [{ registration: 'EN73 VLP' }] };
    const older = await routed(40, plate);
    await raw().updateOne({ _id: older._id }, { $set: { priority: 'P4' } });
    const newer = await routed(41, plate);
    const links = await app.deps.reports.linksOf(newer);
    expect(links.map((l) => l.reportId)).not.toContain(older._id);
    await expectReadable(newer._id);
    await expectTampered(older._id);
  });

  it('links intact reports as before', async () => {
    const plate = { vehicles: [{ registration: 'EN73 OKK' }] };
    const a = await routed(42, plate);
    const b = await routed(43, plate);
    await waitFor(async () => (await app.deps.reports.linksOf(b)).length > 0, 10_000, 'link');
    expect((await app.deps.reports.linksOf(b)).map((l) => l.reportId)).toContain(a._id);
  });
});
