/**
 * The investigator's shift against the real API, FerretDB and Redis: a
 * queued report previewed before claiming (state, categories and counts,
 * no content, no audited read); closing records a structured outcome (required,
 * validated, kept on the report, in its history and its audit event, cleared
 * on reopening); a closed report offers no grading or notes; the history
 * reads in words, with usernames and never ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, Desk } from '../../src/auth/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

const PREVIEW = `query($id: ID!) {
  reportPreview(id: $id) { subjectCount vehicleCount report { id reference status priority desk categories borough narrative subjects { name } vehicles { registration } history { seq } } }
}`;
const CLOSE = `mutation($id: ID!, $to: ReportStatus!, $reason: String!, $v: Int!, $outcome: CloseOutcome) {
  transitionReport(id: $id, to: $to, reason: $reason, expectedVersion: $v, outcome: $outcome) { id status version outcome }
}`;
const READ = `query($id: ID!) {
  report(id: $id) { id status version outcome assignee assigneeName availableActions nextSteps { to reasonRequired outcomeRequired } history { seq action actorLabel description reason } }
}`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let app: TestApp;
let handler: Staff;
let sup: Staff;
let so12: Staff;
let so12b: Staff;
let so13: Staff;
beforeAll(async () => {
  app = await bootApp();
  const staff = (roles: Role | Role[], desk: Desk | null = null) => createStaff(app, roles, desk);
  [handler, sup, so12, so12b, so13] = await Promise.all([staff('CALL_HANDLER'), staff('SUPERVISOR'), staff('INVESTIGATOR', 'SO12'), staff('INVESTIGATOR', 'SO12'), staff('INVESTIGATOR', 'SO13')]);
});
afterAll(() => app?.close());

async function queuedOnSO12(i: number, overrides: Record<string, unknown> = {}) {
  const id = await recordCall(app, handler.token, i, overrides);
  await triageDirectly(app, id, 'SO12', 'P2');
  return id;
}

async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const res = await app.gql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data;
}

describe('previewing a queued report', () => {
  it("shows state, categories and the subjects' and vehicles' counts, decrypts nothing and records no read", async () => {
    const id = await queuedOnSO12(1, {
      categories: ['FINANCE', 'TRAVEL'],
      subjects: [{ name: 'Noel Ashby' }, { name: 'Imogen Pryce' }, { name: 'Tobias Wren' }],
      vehicles: [{ registration: 'LK21 BNF' }, { registration: 'YR68 KPD' }],
    });
    const reads = (await auditEntries(app, 'report.read', id)).length;
    const { reportPreview } = await ok(PREVIEW, { id }, so12.token);
    expect(reportPreview).toMatchObject({
      subjectCount: 3,
      vehicleCount: 2,
      report: { id, status: 'TRIAGED', priority: 'P2', desk: 'SO12', categories: ['FINANCE', 'TRAVEL'], narrative: null, subjects: null, vehicles: null, history: [] },
    });
    expect(JSON.stringify(reportPreview)).not.toMatch(/Noel Ashby|LK21 BNF/);
    expect(await auditEntries(app, 'report.read', id)).toHaveLength(reads);
    // Still in the queue, unclaimed: previewing changes nothing.
    expect(await findReport(app, id)).toMatchObject({ status: 'TRIAGED', assignee: null });

    // Supervisors read every desk; another desk's investigator and a call handler may not look.
    expect((await ok(PREVIEW, { id }, sup.token)).reportPreview.vehicleCount).toBe(2);
    expect(codeOf(await app.gql(PREVIEW, { id }, so13.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(PREVIEW, { id }, handler.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(PREVIEW, { id: 'no-such-report' }, so12.token))).toBe('NOT_FOUND');
  });

  it('counts none where the call named none', async () => {
    const id = await queuedOnSO12(2, { subjects: [], vehicles: [] });
    expect((await ok(PREVIEW, { id }, so12.token)).reportPreview).toMatchObject({ subjectCount: 0, vehicleCount: 0 });
  });
});

describe('closing with an outcome', () => {
  /** A report claimed by so12 and taken to ACTIONED; returns its id and version. */
  async function actioned(i: number) {
    const id = await queuedOnSO12(i);
    await ok(Q.claim, { id }, so12.token);
    let v = (await findReport(app, id)).version;
    v = (await ok(Q.transition, { id, to: 'UNDER_RESEARCH', reason: '', v }, so12.token)).transitionReport.version;
    v = (await ok(Q.transition, { id, to: 'ACTIONED', reason: 'Arrest warrant executed by SO15', v }, so12.token)).transitionReport.version;
    return { id, v };
  }

  it('requires an outcome to close, refuses one on any other step, and rejects an unknown one', async () => {
    const { id, v } = await actioned(10);
    const read = (await ok(READ, { id }, so12.token)).report;
    expect(read.nextSteps).toEqual([{ to: 'CLOSED', reasonRequired: true, outcomeRequired: true }]);

    const missing = await app.gql(CLOSE, { id, to: 'CLOSED', reason: 'Enquiries complete', v }, so12.token);
    expect(codeOf(missing)).toBe('BAD_USER_INPUT');
    expect(missing.errors![0]!.message).toMatch(/outcome/);
    const unknown = await app.gql(CLOSE, { id, to: 'CLOSED', reason: 'Enquiries complete', v, outcome: 'SOLVED' }, so12.token);
    expect(unknown.errors?.length).toBeGreaterThan(0);
    expect((await findReport(app, id)).status).toBe('ACTIONED');

    const other = await actioned(11);
    const early = await app.gql(CLOSE, { id: other.id, to: 'CLOSED', reason: 'x', v: other.v, outcome: 'ARREST' }, so12.token);
    expect(codeOf(early)).toBe('BAD_USER_INPUT'); // reason too short: nothing stored
    const doc = await findReport(app, other.id);
    const research = await app.gql(CLOSE, { id: other.id, to: 'UNDER_RESEARCH', reason: 'Back to research', v: doc.version, outcome: 'ARREST' }, so12.token);
    expect(codeOf(research)).toBe('BAD_USER_INPUT');
    expect((await findReport(app, other.id)).outcome).toBeUndefined();
  });

  it('records the outcome on the report, in its history and audit event; a closed report takes no grading or notes; reopening clears it', async () => {
    const { id, v } = await actioned(12);
    const closed = (await ok(CLOSE, { id, to: 'CLOSED', reason: 'Charged and remanded', v, outcome: 'ARREST' }, so12.token)).transitionReport;
    expect(closed).toMatchObject({ status: 'CLOSED', outcome: 'ARREST' });
    const doc = await findReport(app, id);
    expect(doc).toMatchObject({ status: 'CLOSED', outcome: 'ARREST' });
    expect(doc.history.at(-1)).toMatchObject({ action: 'status_changed', from: { status: 'ACTIONED' }, to: { status: 'CLOSED', outcome: 'ARREST' } });
    const [event] = (await auditEntries(app, 'report.transition', id)).filter((e) => e.details?.toStatus === 'CLOSED');
    expect(event?.details).toMatchObject({ outcome: 'ARREST' });

    const read = (await ok(READ, { id }, so12.token)).report;
    expect(read.outcome).toBe('ARREST');
    expect(read.nextSteps).toEqual([]);
    expect(read.availableActions).not.toContain('GRADE');
    expect(read.availableActions).not.toContain('ADD_NOTE');
    expect(read.history.at(-1).description).toBe('Status changed; status from Actioned to Closed; outcome: Arrest');
    expect(codeOf(await app.gql(Q.grade, { id, s: 'S1', i: 'A', h: 'P' }, so12.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(Q.note, { id, text: 'One more thing' }, so12.token))).toBe('BAD_USER_INPUT');

    await ok(Q.reopen, { id, reason: 'New information from the borough' }, sup.token);
    expect((await findReport(app, id)).outcome).toBeNull();
    const reopened = (await ok(READ, { id }, sup.token)).report;
    expect(reopened.outcome).toBeNull();
    expect(reopened.history.at(-1).description).toContain('outcome was Arrest');
  });
});

describe('history in words', () => {
  it('names people by username and says what changed without ids or field names', async () => {
    const id = await queuedOnSO12(20);
    await ok(Q.claim, { id }, so12.token);
    await ok(Q.grade, { id, s: 'S2', i: 'B', h: 'P' }, so12.token);
    await ok(Q.reassign, { id, to: so12b.username, reason: 'Leave from tomorrow' }, sup.token);
    const read = (await ok(READ, { id }, so12b.token)).report;
    expect(read.assigneeName).toBe(so12b.username);
    const words = read.history.map((h: { actorLabel: string; description: string }) => `${h.actorLabel}: ${h.description}`);
    expect(words).toEqual([
      `${handler.username}: Received`,
      'The system: Triaged; status from Received to Triaged; desk: SO12; priority: P2',
      `${so12.username}: Claimed; status from Triaged to Assigned; holder from nobody to ${so12.username}`,
      `${so12.username}: Graded; grading from none to S2 / B / P`,
      `${sup.username}: Reassigned; holder from ${so12.username} to ${so12b.username}`,
    ]);
    for (const line of words) expect(line).not.toMatch(UUID);
    expect(words.join('\n')).not.toMatch(/assignee|status_changed|noteId|_id/);
  });
});
