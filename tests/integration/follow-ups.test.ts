/**
 * Caller follow-ups (reports/desk/follow-ups.ts) on the real app, FerretDB and
 * Redis, with the triage worker: a handler's follow-up call is appended
 * encrypted to the report, indexed and linked, notifies the holder and
 * verifies in the history; retries are idempotent; whatever a handler may
 * not follow up (unknown, erased, a partner's) is one and the same NOT_FOUND.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, findReport, Q, recordCall, waitForStatus } from '../support/desk.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';

const FOLLOW_UP = `mutation($ref: String!, $input: FollowUpInput!) {
  recordFollowUp(reference: $ref, input: $input) { reference recordedAt }
}`;
const VIEW = `query($id: ID!) { report(id: $id) {
  id reference links { reference reasons readable }
  addenda { id at source narrative subjects { name } vehicles { registration } locations { postcode } }
  history { action actorType actorId to }
} }`;
const NOTIFICATIONS = `{ myNotifications(first: 20) { edges { node { kind reference } } } }`;

let app: TestApp;
let handler: { token: string; user: { id: string } };
let supervisor: { token: string };

const isolated = (registration: string) => ({ subjects: [], locations: [], vehicles: [{ registration }] });
const followUp = (overrides: Record<string, unknown> = {}) => ({
  idempotencyKey: `fu-${randomUUID()}`,
  narrative: `The caller rang back: the van came back last night ${randomUUID()}`,
  vehicles: [{ registration: 'FU24 LNK', colour: 'white' }],
  subjects: [{ name: 'Yusuf Follow' }],
  ...overrides,
});

beforeAll(async () => {
  app = await bootApp({ worker: true });
  handler = (await createStaff(app, 'CALL_HANDLER')) as never;
  supervisor = await createStaff(app, 'SUPERVISOR');
});
afterAll(() => app?.close());

/** A hotline report routed by the real worker and claimed by an investigator of its desk. */
async function heldReport(registration: string) {
  const id = await recordCall(app, handler.token, 1, isolated(registration));
  const routed = await waitForStatus(app, id, 'TRIAGED');
  const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
  expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined();
  return { id, reference: routed.reference, holder };
}

describe('recordFollowUp', () => {
  it('appends an encrypted addendum, links its new terms, notifies the holder, and the handler learns only that it is recorded', async () => {
    // An earlier report holding the vehicle the caller will mention.
    const earlierId = await recordCall(app, handler.token, 2, isolated('FU24 LNK'));
    const earlier = await waitForStatus(app, earlierId, 'TRIAGED');
    const { id, reference, holder } = await heldReport('AB12 CDE');
    const input = followUp();

    const res = await app.gql(FOLLOW_UP, { ref: reference.toLowerCase(), input }, handler.token);
    expect(res.errors).toBeUndefined();
    // Only that it is recorded: the API has no field for the report's status or holder here.
    expect(Object.keys(res.data.recordFollowUp).sort()).toEqual(['recordedAt', 'reference']);
    expect(res.data.recordFollowUp.reference).toBe(reference);
    expect(await app.gql(`mutation($ref: String!, $input: FollowUpInput!) { recordFollowUp(reference: $ref, input: $input) { status } }`, { ref: reference, input: followUp() }, handler.token)).toMatchObject({ errors: [expect.objectContaining({ message: expect.stringContaining('Cannot query field "status"') })] });

    // Stored: an envelope, its terms indexed under the current key.
    const stored = await findReport(app, id);
    expect(stored.content!.addenda).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(input.narrative);
    expect(JSON.stringify(stored)).not.toContain('Yusuf');
    expect(stored.bidx).toContain(app.deps.crypto.blindIndex.termFor('vehicle', 'FU24 LNK'));
    expect(stored.bidx).toContain(app.deps.crypto.blindIndex.termFor('name', 'Yusuf Follow'));

    // The holder reads it, with the link its vehicle made and the history entries.
    const view = await app.gql(VIEW, { id }, holder.token);
    expect(view.errors).toBeUndefined();
    const report = view.data.report;
    expect(report.addenda).toEqual([
      expect.objectContaining({ source: 'HOTLINE_CALL', narrative: input.narrative, subjects: [{ name: 'Yusuf Follow' }], vehicles: [{ registration: 'FU24 LNK' }] }),
    ]);
    expect(report.links.map((l: { reasons: string[] }) => l.reasons)).toContainEqual(['vehicle']);
    if (report.links[0].readable) expect(report.links[0].reference).toBe(earlier.reference);
    const actions = report.history.map((h: { action: string }) => h.action);
    expect(actions).toContain('follow_up_recorded');
    expect(actions).toContain('linked');
    expect(report.history.find((h: { action: string }) => h.action === 'follow_up_recorded')).toMatchObject({ actorType: 'user', actorId: handler.user.id });
    const verified = await app.gql(Q.verify, { id }, holder.token);
    expect(verified.data.verifyReportHistory).toMatchObject({ valid: true });

    // Audited with counts, never the text.
    const audit = (await app.deps.services.audit.query({ action: 'report.follow_up', targetId: id }, { first: 10 })).entries;
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ reference, subjects: 1, vehicles: 1, locations: 0 });
    expect(JSON.stringify(audit)).not.toContain(input.narrative);

    // The holder is told.
    const notes = await app.gql(NOTIFICATIONS, {}, holder.token);
    expect(notes.errors).toBeUndefined();
    expect(notes.data.myNotifications.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ kind: 'FOLLOW_UP', reference });
  });

  it('is idempotent: the same key and input answer the same report once; the same key with other input is CONFLICT', async () => {
    const { id, reference } = await heldReport('CD34 EFG');
    const input = followUp({ vehicles: [], subjects: [] });
    const first = await app.gql(FOLLOW_UP, { ref: reference, input }, handler.token);
    const again = await app.gql(FOLLOW_UP, { ref: reference, input }, handler.token);
    expect(again.errors).toBeUndefined();
    expect(again.data.recordFollowUp).toEqual(first.data.recordFollowUp);
    expect((await findReport(app, id)).content!.addenda).toHaveLength(1);
    const other = await app.gql(FOLLOW_UP, { ref: reference, input: { ...input, narrative: 'something else entirely' } }, handler.token);
    expect(codeOf(other)).toBe('CONFLICT');
  });

  it('is NOT_FOUND, with one message, for an unknown reference, a partner referral and an erased report', async () => {
    const unknown = await app.gql(FOLLOW_UP, { ref: 'ATH-2020-999999', input: followUp() }, handler.token);
    expect(codeOf(unknown)).toBe('NOT_FOUND');

    const partner = await createPartner(app);
    expect((await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(3, isolated('EF56 GHI')) }, partner.apiKey)).errors).toBeUndefined();
    const referral = (await app.deps.database.db.collection<{ reference: string }>('reports').find({ 'recordedBy.id': partner.partner.id }).toArray())[0]!;
    const ofPartner = await app.gql(FOLLOW_UP, { ref: referral.reference, input: followUp() }, handler.token);
    expect(codeOf(ofPartner)).toBe('NOT_FOUND');

    const { id, reference } = await heldReport('GH78 IJK');
    expect((await app.gql(Q.erase, { id, reason: 'retention: no further value' }, supervisor.token)).errors).toBeUndefined();
    const erased = await app.gql(FOLLOW_UP, { ref: reference, input: followUp() }, handler.token);
    expect(codeOf(erased)).toBe('NOT_FOUND');

    expect(new Set([unknown, ofPartner, erased].map((r) => r.errors![0]!.message)).size).toBe(1);
  });

  it('refuses bad input and the wrong roles; a supervisor may record one; the status does not change', async () => {
    const { id, reference } = await heldReport('JK90 LMN');
    const empty = await app.gql(FOLLOW_UP, { ref: reference, input: followUp({ narrative: '   ' }) }, handler.token);
    expect(codeOf(empty)).toBe('BAD_USER_INPUT');
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    expect(codeOf(await app.gql(FOLLOW_UP, { ref: reference, input: followUp() }, investigator.token))).toBe('FORBIDDEN');
    expect((await app.gql(FOLLOW_UP, { ref: reference, input: followUp() }, supervisor.token)).errors).toBeUndefined();
    expect((await findReport(app, id)).status).toBe('ASSIGNED');
  });
});
