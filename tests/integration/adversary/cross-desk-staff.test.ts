/**
 * No other report's internal id on a cross-desk link, and no other desk's
 * staff in a report's history (trust review 2, item 14), played by an SO13
 * investigator. Before, a link to an SO12 report showed its internal id
 * (`links.reportId`, on the report and on the queue row), and a report
 * referred from SO12 showed who on SO12 held and graded it: their user ids
 * in `actorId`, `from`/`to` and `gradedBy`, and their usernames in
 * `actorName` and `actorLabel`, and in a signed bundle they exported. Now the link shows only that it exists and
 * where, and the SO12 investigator is "an investigator on SO12"; a
 * supervisor, who reads every desk, still sees both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { Q, recordCall, triageDirectly } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let so12: { token: string; username: string; user: { id: string } };
let so13: { token: string; username: string; user: { id: string } };
let so12Report: string;
let referred: string;
let linkedToSo12: string;

const REPORT = `query($id: ID!) { report(id: $id) {
  id reference assignee assigneeName
  grading { gradedBy }
  links { reportId reference desk readable }
  history { actorId actorName actorLabel action from to description }
} }`;
const QUEUE = `query($desk: Desk!) { deskQueue(desk: $desk) { edges { node { id links { reportId reference desk readable } } } } }`;
const CLAIM = `mutation($id: ID!) { claimReport(id: $id) { id history { actorId actorName actorLabel from to description } } }`;

beforeAll(async () => {
  app = await bootApp();
  [handler, supervisor, so12, so13] = (await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'SUPERVISOR'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
  ])) as any;
  const call = (i: number) => recordCall(app, handler.token, i, { subjects: [], vehicles: [], locations: [] });

  // A report the SO12 investigator claims, grades and refers to SO13.
  referred = await call(1);
  await triageDirectly(app, referred, 'SO12', 'P3');
  expect((await app.gql(Q.claim, { id: referred }, so12.token)).errors).toBeUndefined();
  expect((await app.gql(Q.grade, { id: referred, s: 'S2', i: 'B', h: 'P' }, so12.token)).errors).toBeUndefined();
  const disseminate = `mutation($id: ID!) { disseminateReport(id: $id, to: MI5, recipient: "Desk officer", reason: "Named subject known to partners") { id } }`;
  expect((await app.gql(disseminate, { id: referred }, so12.token)).errors).toBeUndefined();
  expect((await app.gql(Q.refer, { id: referred, desk: 'SO13', reason: 'Counter-terrorism desk should see this' }, so12.token)).errors).toBeUndefined();

  // An SO12 report and an SO13 report a supervisor links by hand.
  so12Report = await call(2);
  linkedToSo12 = await call(3);
  await triageDirectly(app, so12Report, 'SO12', 'P4');
  await triageDirectly(app, linkedToSo12, 'SO13', 'P4');
  const link = `mutation($a: ID!, $b: ID!, $r: String!) { linkReports(a: $a, b: $b, reason: $r) { id } }`;
  expect((await app.gql(link, { a: so12Report, b: linkedToSo12, r: 'Same family, same address' }, supervisor.token)).errors).toBeUndefined();
});
afterAll(() => app?.close());

const read = async (id: string, token: string) => {
  const res = await app.gql(REPORT, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.report;
};

describe('cross-desk links and history, seen from SO13', () => {
  it("shows a link to an SO12 report without that report's internal id, on the report and in the queue", async () => {
    const view = await read(linkedToSo12, so13.token);
    expect(view.links).toEqual([{ reportId: null, reference: null, desk: 'SO12', readable: false }]);
    expect(JSON.stringify(view)).not.toContain(so12Report);
    const queue = await app.gql(QUEUE, { desk: 'SO13' }, so13.token);
    expect(queue.errors).toBeUndefined();
    const row = queue.data.deskQueue.edges.map((e: any) => e.node).find((n: any) => n.id === linkedToSo12);
    expect(row.links).toEqual([{ reportId: null, reference: null, desk: 'SO12', readable: false }]);
    expect(JSON.stringify(queue.data)).not.toContain(so12Report);
    // A supervisor reads every desk: the id is there.
    expect((await read(linkedToSo12, supervisor.token)).links[0]).toMatchObject({ reportId: so12Report, readable: true });
  });

  it('shows who on SO12 held and graded a referred report only as "an investigator on SO12"', async () => {
    const view = await read(referred, so13.token);
    expect(so12.user.id).toEqual(expect.any(String));
    const text = JSON.stringify(view);
    expect(text).not.toContain(so12.user.id);
    expect(text).not.toContain(so12.username);
    expect(view.grading).toEqual({ gradedBy: null });
    const byThem = view.history.filter((e: any) => ['claimed', 'graded', 'disseminated', 'referred'].includes(e.action));
    expect(byThem).toHaveLength(4);
    for (const e of byThem) expect(e).toMatchObject({ actorId: null, actorName: null, actorLabel: 'an investigator on SO12' });
    const referral = byThem.find((e: any) => e.action === 'referred');
    expect(JSON.parse(referral.from)).toMatchObject({ desk: 'SO12', assignee: 'an investigator on SO12' });
    expect(referral.description).toContain('holder from an investigator on SO12 to nobody');
    // The call handler who recorded it has no desk: still named.
    expect(view.history.find((e: any) => e.action === 'received').actorLabel).toMatch(/^call-handler-/);
  });

  it('keeps them out of the result of a change too (claiming the referred report)', async () => {
    const res = await app.gql(CLAIM, { id: referred }, so13.token);
    expect(res.errors).toBeUndefined();
    const text = JSON.stringify(res.data.claimReport);
    expect(text).not.toContain(so12.user.id);
    expect(text).not.toContain(so12.username);
    // Their own claim names them.
    const own = res.data.claimReport.history.at(-1);
    expect(own).toMatchObject({ actorId: so13.user.id, actorLabel: so13.username });
  });

  it('keeps them out of a signed bundle the SO13 holder exports, and of its disseminations', async () => {
    const res = await app.gql(`mutation($id: ID!) { exportReportBundle(id: $id) { json } }`, { id: referred }, so13.token);
    expect(res.errors).toBeUndefined();
    const json = res.data.exportReportBundle.json as string;
    expect(json).not.toContain(so12.user.id);
    expect(json).not.toContain(so12.username);
    const bundle = JSON.parse(json);
    const referral = bundle.history.find((e: any) => e.action === 'referred');
    expect(referral.actor).toEqual({ type: 'user', id: '', name: 'an investigator on SO12' });
    expect(referral.from.assignee).toBe('an investigator on SO12');
    // The bundle still verifies (it is signed as exported).
    const verified = await app.gql(`query($json: String!) { verifyReportBundle(bundle: $json) { valid } }`, { json }, so13.token);
    expect(verified.data.verifyReportBundle.valid).toBe(true);
    expect(bundle.disseminations).toEqual([expect.objectContaining({ byId: '', byName: 'an investigator on SO12' })]);
    const view = await app.gql(`query($id: ID!) { report(id: $id) { disseminations { byId byName } } }`, { id: referred }, so13.token);
    expect(view.errors).toBeUndefined();
    expect(view.data.report.disseminations).toEqual([{ byId: null, byName: 'an investigator on SO12' }]);
  });

  it('still names everyone to a supervisor and to the SO12 investigator on their own desk', async () => {
    const asSupervisor = await read(referred, supervisor.token);
    expect(asSupervisor.grading).toEqual({ gradedBy: so12.user.id });
    expect(asSupervisor.history.find((e: any) => e.action === 'referred')).toMatchObject({ actorId: so12.user.id, actorLabel: so12.username });
    const own = await read(so12Report, so12.token);
    expect(own.links).toEqual([{ reportId: null, reference: null, desk: 'SO13', readable: false }]);
  });
});
