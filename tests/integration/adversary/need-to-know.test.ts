/**
 * Need-to-know, played by insiders with real accounts: an SO13 investigator
 * reading a report referred from SO12 learns nothing of the SO12 report it is
 * linked to (its reference appears nowhere in the view), and a call handler
 * learns nothing of the desk work on the calls it records, even when it
 * resubmits one after it was triaged and linked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageProcessorOf } from '../../../src/worker.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { findReport, Q } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../../support/payloads.js';

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let so13: { token: string };

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
});
afterAll(() => app?.close());

/** Every field a Report view offers an investigator, so nothing escapes the assertion. */
const FULL_REPORT = `id reference status desk priority assignee version escalated triageReasons ruleSetVersion dueBy
  links { reportId reference desk reasons readable }
  history { seq at actorType actorId actorName action from to reason prevHash hash }`;
/** Every field the schema allows on a submission. */
const SUBMISSION_FIELDS = ['categories', 'id', 'imminentThreat', 'receivedAt', 'reference', 'status', 'urgentAction'];
const RECORD_ALL = `mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { ${SUBMISSION_FIELDS.join(' ')} } }`;

/** A call sharing only the vehicle `plate` with other calls. */
const callWith = (i: number, categories: string[], plate: string) =>
  hotlineCall(i, { categories, subjects: [], vehicles: [{ registration: plate }], locations: [] });

describe('need-to-know', () => {
  let so12Ref: string;
  let referredId: string;
  let input: ReturnType<typeof callWith>;

  beforeAll(async () => {
    const route = triageProcessorOf(app.deps).route;
    // An SO12 report (finance), then a reconnaissance call naming the same plate: linked, so routed to SO12.
    const first = await app.gql(RECORD_CALL, { input: callWith(1, ['FINANCE'], 'KN21 XYZ') }, handler.token);
    const so12Id = first.data.recordHotlineCall.id;
    expect(await route(so12Id)).toBe('routed');
    so12Ref = (await findReport(app, so12Id)).reference;
    expect((await findReport(app, so12Id)).desk).toBe('SO12');
    input = callWith(2, ['HOSTILE_RECONNAISSANCE'], 'kn21xyz');
    const second = await app.gql(RECORD_CALL, { input }, handler.token);
    referredId = second.data.recordHotlineCall.id;
    expect(await route(referredId)).toBe('routed');
    const routed = await findReport(app, referredId);
    expect(routed.desk).toBe('SO12');
    // The stored reasons name the desk, never the SO12 report (they outlive its erasure).
    expect(routed.triage!.reasons).toContain('linked-desk:SO12');
    expect(JSON.stringify(routed)).not.toContain(so12Ref);
    // SO12 refers it to SO13 (a supervisor here).
    const referred = await app.gql(Q.refer, { id: referredId, desk: 'SO13', reason: 'Reconnaissance: counter-terrorism desk' }, supervisor.token);
    expect(referred.errors).toBeUndefined();
    expect(referred.data.referReport.desk).toBe('SO13');
  });

  it('shows an SO13 investigator no reference of the SO12 report anywhere in the report view', async () => {
    const res = await app.gql(`query($id: ID!) { report(id: $id) { ${FULL_REPORT} } }`, { id: referredId }, so13.token);
    expect(res.errors).toBeUndefined();
    const view = res.data.report;
    expect(JSON.stringify(view)).not.toContain(so12Ref);
    // The link is still there, as that it exists and where: the badge an investigator triages by.
    expect(view.links).toEqual([expect.objectContaining({ reference: null, desk: 'SO12', readable: false })]);
    expect(view.triageReasons).toContain('linked-desk:SO12');
    expect(view.history.some((e: { action: string }) => e.action === 'linked')).toBe(true);
  });

  it('keeps it out of the desk queue and of the result of a change too', async () => {
    const queue = await app.gql(
      `query { deskQueue(desk: SO13) { edges { node { id reference triageReasons links { reference readable } } } } }`,
      {},
      so13.token,
    );
    expect(queue.errors).toBeUndefined();
    expect(queue.data.deskQueue.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(referredId);
    expect(JSON.stringify(queue.data)).not.toContain(so12Ref);
    const claimed = await app.gql(`mutation($id: ID!) { claimReport(id: $id) { ${FULL_REPORT} } }`, { id: referredId }, so13.token);
    expect(claimed.errors).toBeUndefined();
    expect(JSON.stringify(claimed.data)).not.toContain(so12Ref);
  });

  it('still shows the reference to a reader of both desks (a supervisor)', async () => {
    const res = await app.gql(`query($id: ID!) { report(id: $id) { ${FULL_REPORT} } }`, { id: referredId }, supervisor.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.report.triageReasons).toContain('linked-desk:SO12');
    expect(res.data.report.links[0].reference).toBe(so12Ref);
  });

  it("gives a call handler only the submission view, in mySubmissions and on a resubmission after triage and linking", async () => {
    const mine = await app.gql(`{ mySubmissions { ${SUBMISSION_FIELDS.join(' ')} } }`, {}, handler.token);
    expect(mine.errors).toBeUndefined();
    const again = await app.gql(RECORD_ALL, { input }, handler.token);
    expect(again.errors).toBeUndefined();
    const views = [...mine.data.mySubmissions, again.data.recordHotlineCall];
    expect(views.length).toBeGreaterThanOrEqual(3);
    for (const v of views) {
      expect(Object.keys(v).sort()).toEqual(SUBMISSION_FIELDS);
      expect(['RECEIVED', 'UNDER_REVIEW', 'CLOSED']).toContain(v.status);
      expect(new Date(v.receivedAt).getTime() % 60_000).toBe(0);
    }
    expect(again.data.recordHotlineCall.id).toBe(referredId);
    expect(again.data.recordHotlineCall.status).toBe('UNDER_REVIEW'); // claimed by SO13: coarse, nothing of where
    const text = JSON.stringify(views);
    // (The SO12 report is the handler's own call too, so its reference is theirs to see.)
    for (const leak of ['SO12', 'SO13', 'linked', 'rule:']) expect(text).not.toContain(leak);
    // The fields of the desk work do not exist on a submission: asking for them is an error, not a null.
    for (const field of ['desk', 'links { reference }', 'grading { source }', 'assignee', 'priority', 'triageReasons', 'history { action }']) {
      const res = await app.gql(`mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { ${field} } }`, { input }, handler.token);
      expect(res.errors?.[0]?.message, field).toMatch(/Cannot query field/);
    }
  });
});
