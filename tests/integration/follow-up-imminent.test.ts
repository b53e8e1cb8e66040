/**
 * A follow-up call that reports an imminent threat: the report is raised to
 * an imminent P1 by the desk's own priority change (corrections.ts on the
 * state machine's `changePriority` row), with its history entry and audit
 * event by the call handler and the SLA restarted at P1; a retry raises
 * nothing twice; where the state machine allows no priority change the
 * follow-up is still stored and says it was imminent; a partner cannot set
 * the flag on an addition.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMINENT_FOLLOW_UP_REASON } from '../../src/reports/desk/corrections.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';

const FOLLOW_UP = `mutation($ref: String!, $input: FollowUpInput!) { recordFollowUp(reference: $ref, input: $input) { reference } }`;

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

const followUp = (imminentThreat?: boolean) => ({
  idempotencyKey: `fu-${randomUUID()}`,
  narrative: 'The caller rang back: they are loading the van now.',
  ...(imminentThreat === undefined ? {} : { imminentThreat }),
});

async function queuedP3() {
  const id = await recordCall(app, handler.token, 1, { subjects: [], vehicles: [], locations: [] });
  return triageDirectly(app, id, 'SO13', 'P3');
}

describe('an imminent follow-up call', () => {
  it('raises a queued report to an imminent P1 with its history and audit, restarting the SLA at P1, once', async () => {
    const before = await queuedP3();
    const input = followUp(true);
    const startedAt = Date.now();
    const res = await app.gql(FOLLOW_UP, { ref: before.reference, input }, handler.token);
    expect(res.errors).toBeUndefined();

    const after = await findReport(app, before._id);
    expect(after).toMatchObject({ priority: 'P1', imminentThreat: true, status: 'TRIAGED', escalated: false });
    const p1Seconds = app.config.triage.slaSeconds.P1;
    expect(after.triage!.dueBy.getTime()).toBeGreaterThanOrEqual(startedAt + p1Seconds * 1000 - 1000);
    expect(after.triage!.dueBy.getTime()).toBeLessThanOrEqual(Date.now() + p1Seconds * 1000 + 1000);

    const entries = after.history.slice(-2);
    expect(entries.map((e) => e.action)).toEqual(['follow_up_recorded', 'priority_changed']);
    expect(entries[0]!.to).toMatchObject({ imminentThreat: true });
    expect(entries[1]).toMatchObject({ actor: { type: 'user', id: handler.user.id }, from: { priority: 'P3', imminentThreat: false }, to: { priority: 'P1', imminentThreat: true } });
    const changes = await auditEntries(app, 'report.change_priority', before._id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actor: { type: 'user', id: handler.user.id }, details: { priority: 'P1', imminentThreat: true } });
    expect(await auditEntries(app, 'report.follow_up', before._id)).toHaveLength(1);
    // The fixed reason is stored sealed, like a typed one: it is not in the stored document.
    expect(JSON.stringify(await app.deps.database.db.collection<{ _id: string }>('reports').findOne({ _id: before._id }))).not.toContain(IMMINENT_FOLLOW_UP_REASON);

    // A retry with the same key: the same follow-up, no second raise.
    const again = await app.gql(FOLLOW_UP, { ref: before.reference, input }, handler.token);
    expect(again.errors).toBeUndefined();
    const later = await findReport(app, before._id);
    expect(later.version).toBe(after.version);
    expect(await auditEntries(app, 'report.change_priority', before._id)).toHaveLength(1);
  });

  it('leaves the priority alone without the tick, and a different tick under the same key is CONFLICT', async () => {
    const before = await queuedP3();
    const input = followUp(false);
    expect((await app.gql(FOLLOW_UP, { ref: before.reference, input }, handler.token)).errors).toBeUndefined();
    expect(await findReport(app, before._id)).toMatchObject({ priority: 'P3', imminentThreat: false });
    const changed = await app.gql(FOLLOW_UP, { ref: before.reference, input: { ...input, imminentThreat: true } }, handler.token);
    expect(codeOf(changed)).toBe('CONFLICT');
    expect(await findReport(app, before._id)).toMatchObject({ priority: 'P3', imminentThreat: false });
  });

  it('stores the follow-up and says it was imminent where the state machine allows no priority change (awaiting triage)', async () => {
    const id = await recordCall(app, handler.token, 2, { subjects: [], vehicles: [], locations: [] });
    const received = await findReport(app, id);
    expect(received.status).toBe('RECEIVED');
    const res = await app.gql(FOLLOW_UP, { ref: received.reference, input: followUp(true) }, handler.token);
    expect(res.errors).toBeUndefined();
    const after = await findReport(app, id);
    expect(after.priority).toBeNull();
    expect(after.history.at(-1)).toMatchObject({ action: 'follow_up_recorded', to: { imminentThreat: true } });
    expect(await auditEntries(app, 'report.change_priority', id)).toHaveLength(0);
  });

  it('refuses the flag on a partner addition', async () => {
    const partner = await createPartner(app);
    const sent = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(3) }, partner.apiKey);
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const res = await app.gql(
      `mutation($r: String!, $i: FollowUpInput!) { addToReferral(receipt: $r, input: $i) { state } }`,
      { r: receipt, i: followUp(true) },
      partner.apiKey,
    );
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });
});

describe('follow-up calls in My submissions (myFollowUps)', () => {
  const MINE = `{ myFollowUps { reference recordedAt } }`;

  it("lists the handler's own follow-ups, reference and time only, newest first, and not another handler's", async () => {
    const other = await createStaff(app, 'CALL_HANDLER');
    const first = await queuedP3();
    const second = await queuedP3();
    const before = Date.now();
    expect((await app.gql(FOLLOW_UP, { ref: first.reference, input: followUp() }, other.token)).errors).toBeUndefined();
    expect((await app.gql(FOLLOW_UP, { ref: second.reference, input: followUp() }, other.token)).errors).toBeUndefined();
    // A follow-up that is not stored (unknown reference) is not listed.
    expect(codeOf(await app.gql(FOLLOW_UP, { ref: 'ATH-2020-999999', input: followUp() }, other.token))).toBe('NOT_FOUND');

    const res = await app.gql(MINE, {}, other.token);
    expect(res.errors).toBeUndefined();
    const listed = res.data.myFollowUps as { reference: string; recordedAt: string }[];
    expect(listed.map((f) => f.reference)).toEqual([second.reference, first.reference]);
    for (const f of listed) expect(new Date(f.recordedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // The handler's own calls are not follow-ups, and the other handler's follow-ups are not theirs.
    expect(((await app.gql(MINE, {}, handler.token)).data.myFollowUps as { reference: string }[]).map((f) => f.reference)).not.toContain(second.reference);
    // Calls they did not record stay out of their submissions: a follow-up lists the reference, not the report.
    expect(((await app.gql(`{ mySubmissions { reference } }`, {}, other.token)).data.mySubmissions as unknown[])).toEqual([]);
  });

  it('forgets a follow-up with its erased report', async () => {
    const other = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const report = await queuedP3();
    expect((await app.gql(FOLLOW_UP, { ref: report.reference, input: followUp() }, other.token)).errors).toBeUndefined();
    expect((await app.gql(MINE, {}, other.token)).data.myFollowUps).toHaveLength(1);
    const erased = await app.gql(Q.erase, { id: report._id, reason: 'Malicious report, confirmed with the caller' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    expect((await app.gql(MINE, {}, other.token)).data.myFollowUps).toEqual([]);
    expect(await app.deps.database.db.collection<{ _id: string }>('recent_submissions').countDocuments({ followUpOf: report._id })).toBe(0);
  });

  it('is for call handlers and supervisors only', async () => {
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO13');
    expect(codeOf(await app.gql(MINE, {}, investigator.token))).toBe('FORBIDDEN');
  });
});
