/**
 * A follow-up is not an oracle on another report (trust review 2, item 8),
 * played by a call handler recording follow-ups on references of calls
 * another handler took. Before, `recordFollowUp` answered the report's
 * submission view: its coarse status, categories and the minute it was
 * received. Now it answers only "recorded": the reference typed and the time
 * of the follow-up itself, the same whatever the report's status,
 * categories, received time or whether the tick raised it; and the handler
 * sees the full submission view of their own calls only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { findReport } from '../../support/desk.js';
import { buildReport, createStaff, type BuildReportOptions } from '../../support/factories.js';

let app: TestApp;
let caller: Awaited<ReturnType<typeof createStaff>>;
let prober: { token: string };
let supervisor: { token: string };

/** The other calls: one per status a report may be in when followed up, with different categories and times. */
const targets: { id: string; reference: string; receivedAt: Date; status: string }[] = [];

const FOLLOW_UP = `mutation($ref: String!, $input: FollowUpInput!) { recordFollowUp(reference: $ref, input: $input) { __typename reference recordedAt } }`;
/** What the answer's type offers at all (introspection: test configuration). */
const ANSWER_TYPE = `{ __schema { mutationType { fields { name type { name kind ofType { name } } } } } }`;
const FIELDS_OF = `query($name: String!) { __type(name: $name) { fields { name } } }`;

const input = (imminentThreat: boolean) => ({
  idempotencyKey: `fu-${randomUUID()}`,
  narrative: 'The caller rang back with more about the van.',
  vehicles: [{ registration: 'FU25 ORC' }],
  imminentThreat,
});

beforeAll(async () => {
  app = await bootApp();
  [caller, prober, supervisor] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'CALL_HANDLER'), createStaff(app, 'SUPERVISOR')]);
  const call = async (opts: BuildReportOptions, categories: string[]) => (await buildReport(app, { ...opts, desk: 'SO12', recordedBy: caller, call: { categories } })).id;
  const received = await call({ status: 'RECEIVED' }, ['FINANCE']);
  const triaged = await call({ status: 'TRIAGED', priority: 'P3' }, ['STORAGE', 'TRANSPORT']);
  const assigned = await call({ status: 'ASSIGNED', priority: 'P2' }, ['HOSTILE_RECONNAISSANCE']);
  const closed = await call({ status: 'CLOSED', priority: 'P4' }, ['RECRUITMENT_OR_BEHAVIOUR_CHANGE']);
  // An older received time on one of them (a binary search on time would need it to show).
  await app.deps.database.db.collection('reports').updateOne({ _id: triaged as never }, { $set: { receivedAt: new Date(Date.now() - 86_400_000) } });
  for (const id of [received, triaged, assigned, closed]) {
    const doc = await findReport(app, id);
    targets.push({ id, reference: doc.reference, receivedAt: doc.receivedAt, status: doc.status });
  }
  expect(new Set(targets.map((t) => t.status))).toEqual(new Set(['RECEIVED', 'TRIAGED', 'ASSIGNED', 'CLOSED']));
});
afterAll(() => app?.close());

describe("a call handler following up other handlers' calls", () => {
  it('answers only the reference and when the follow-up was recorded, in every status, with or without the imminent tick', async () => {
    for (const imminent of [false, true]) {
      for (const t of targets) {
        const before = Date.now();
        const res = await app.gql(FOLLOW_UP, { ref: t.reference.toLowerCase(), input: input(imminent) }, prober.token);
        const after = Date.now();
        expect(res.errors, `${t.status} imminent=${imminent}`).toBeUndefined();
        const answer = res.data.recordFollowUp;
        expect(Object.keys(answer).sort()).toEqual(['__typename', 'recordedAt', 'reference']);
        expect(answer).toMatchObject({ __typename: 'FollowUpSubmission', reference: t.reference });
        // The follow-up's own time (to the millisecond, not a minute received), never the report's.
        const recordedAt = new Date(answer.recordedAt).getTime();
        expect(recordedAt).toBeGreaterThanOrEqual(before);
        expect(recordedAt).toBeLessThanOrEqual(after);
      }
    }
  });

  it('offers no field of the report on the answer: its type has the reference and the time only', async () => {
    const schema = await app.gql(ANSWER_TYPE, {}, prober.token);
    expect(schema.errors).toBeUndefined();
    const field = schema.data.__schema.mutationType.fields.find((f: any) => f.name === 'recordFollowUp');
    const typeName = field.type.name ?? field.type.ofType?.name;
    const fields = await app.gql(FIELDS_OF, { name: typeName }, prober.token);
    expect(fields.data.__type.fields.map((f: any) => f.name).sort()).toEqual(['recordedAt', 'reference']);
    for (const leak of ['status', 'categories', 'receivedAt', 'id', 'imminentThreat']) {
      const res = await app.gql(`mutation($ref: String!, $input: FollowUpInput!) { recordFollowUp(reference: $ref, input: $input) { ${leak} } }`, { ref: targets[0]!.reference, input: input(false) }, prober.token);
      expect(res.errors?.[0]?.message, leak).toMatch(/Cannot query field/);
    }
  });

  it('shows the full submission view of their own calls only: the followed-up calls are not theirs', async () => {
    const mine = await app.gql(`{ mySubmissions { reference status categories receivedAt } }`, {}, prober.token);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.mySubmissions).toEqual([]);
    const followUps = await app.gql(`{ myFollowUps { reference recordedAt } }`, {}, prober.token);
    expect(followUps.errors).toBeUndefined();
    expect(new Set(followUps.data.myFollowUps.map((f: any) => f.reference))).toEqual(new Set(targets.map((t) => t.reference)));
    for (const f of followUps.data.myFollowUps) expect(Object.keys(f).sort()).toEqual(['recordedAt', 'reference']);
    // The handler who took the calls sees their submission view, as before.
    const theirs = await app.gql(`{ mySubmissions { reference status } }`, {}, caller.token);
    expect(theirs.data.mySubmissions.map((s: any) => s.reference).sort()).toEqual(targets.map((t) => t.reference).sort());
    // And the follow-ups are on the reports (the supervisor reads them).
    const view = await app.gql(`query($id: ID!) { report(id: $id) { addenda { id } } }`, { id: targets[1]!.id }, supervisor.token);
    expect(view.data.report.addenda).toHaveLength(2);
  });
});
