/**
 * Urgent alerts on the real services: who receives what. An imminent threat
 * routed to SO13 reaches SO13's investigator and a supervisor, live and in
 * the list, and never SO12's investigator; an escalation to P1 raises an
 * alert; an imminent threat a supervisor lowers to P2 stays one; a claim,
 * by anyone, clears it for everyone; call handlers get neither the list nor
 * the stream; an alert carries reference, desk and priority, nothing of the
 * content. Triage is driven by hand (no worker) so the order of events is
 * the test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.js';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, findReport, openSubscription, Q, recordCall } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

const ALERT = 'reportId reference desk priority escalated receivedAt';
const LIST = `{ urgentAlerts { ${ALERT} } }`;
const SUBSCRIBE = `subscription { urgentAlertChanged { reportId desk kind at alert { ${ALERT} } } }`;
const LOWER = `mutation($id: ID!, $p: Priority!, $reason: String!) { changeReportPriority(id: $id, priority: $p, reason: $reason) { id priority } }`;

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let inv13: { token: string };
let inv12: { token: string };

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  inv13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
  inv12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
});
afterAll(() => app?.close());

const processor = () => triageProcessorOf(app.deps);

async function routed(i: number, overrides: Record<string, unknown>) {
  const id = await recordCall(app, handler.token, i, overrides);
  expect(await processor().route(id)).toBe('routed');
  return findReport(app, id);
}

async function alertsOf(token: string) {
  const res = await app.gql(LIST, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data.urgentAlerts as { reportId: string; priority: string; desk: string }[];
}

describe('urgent alerts', () => {
  it('carry the reference, desk, priority and timing only: no field of the content', () => {
    const type = buildSchema().getType('UrgentAlert') as unknown as { getFields(): Record<string, unknown> };
    expect(Object.keys(type.getFields()).sort()).toEqual(['desk', 'escalated', 'priority', 'receivedAt', 'reference', 'reportId']);
  });

  it('reach the desk and supervisors live, not the other desk; escalation raises one; a claim by anyone clears it', async () => {
    const s13 = await openSubscription(app, inv13.token, SUBSCRIBE);
    const s12 = await openSubscription(app, inv12.token, SUBSCRIBE);
    const sup = await openSubscription(app, supervisor.token, SUBSCRIBE);
    try {
      expect([s13.status, s12.status, sup.status]).toEqual([200, 200, 200]);
      await new Promise((r) => setTimeout(r, 300)); // the server registers each subscription just after its stream opens

      // An imminent threat: the routing rules send it to SO13 at P1.
      const imminent = await routed(1, { imminentThreat: true });
      expect([imminent.desk, imminent.priority]).toEqual(['SO13', 'P1']);
      const raised = {
        reportId: imminent._id,
        desk: 'SO13',
        kind: 'triaged',
        at: expect.any(String),
        alert: { reportId: imminent._id, reference: imminent.reference, desk: 'SO13', priority: 'P1', escalated: false, receivedAt: imminent.receivedAt.toISOString() },
      };
      expect((await s13.next(1))[0].data.urgentAlertChanged).toEqual(raised);
      expect((await sup.next(1))[0].data.urgentAlertChanged).toEqual(raised);

      // SO12's investigator: the first thing they hear of is their own desk's ordinary report, with no alert.
      const ordinary = await routed(2, { categories: ['FINANCE'] });
      expect(ordinary.desk).toBe('SO12');
      expect((await s12.next(1))[0].data.urgentAlertChanged).toMatchObject({ reportId: ordinary._id, desk: 'SO12', kind: 'triaged', alert: null });

      // After a reload: the list says the same.
      expect((await alertsOf(inv13.token)).map((a) => a.reportId)).toEqual([imminent._id]);
      expect(await alertsOf(inv12.token)).toEqual([]);
      expect((await alertsOf(supervisor.token)).map((a) => a.reportId)).toContain(imminent._id);

      // Escalation: a P2 still unclaimed at its deadline becomes P1 and raises an alert.
      const recon = await routed(3, { categories: ['HOSTILE_RECONNAISSANCE'] });
      expect([recon.desk, recon.priority]).toEqual(['SO13', 'P2']);
      expect((await s13.next(2))[1].data.urgentAlertChanged).toMatchObject({ reportId: recon._id, kind: 'triaged', alert: null });
      expect(await processor().escalate(recon._id, recon.triage!.dueBy.toISOString())).toBe(true);
      expect((await s13.next(3))[2].data.urgentAlertChanged).toMatchObject({
        reportId: recon._id,
        kind: 'escalated',
        alert: { reference: recon.reference, desk: 'SO13', priority: 'P1', escalated: true },
      });

      // An imminent threat a supervisor lowers to P2 is still urgent (found outside the P1 table after a reload too).
      const lowered = await app.gql(LOWER, { id: imminent._id, p: 'P2', reason: 'The caller rang back: the man has left the area' }, supervisor.token);
      expect(lowered.errors).toBeUndefined();
      expect((await s13.next(4))[3].data.urgentAlertChanged).toMatchObject({ reportId: imminent._id, alert: { priority: 'P2' } });
      expect((await alertsOf(inv13.token)).map((a) => [a.reportId, a.priority])).toEqual([
        [recon._id, 'P1'],
        [imminent._id, 'P2'],
      ]);

      // Claims clear them: the investigator claims one, a supervisor the other; both streams hear it.
      expect((await app.gql(Q.claim, { id: imminent._id }, inv13.token)).errors).toBeUndefined();
      expect((await app.gql(Q.claim, { id: recon._id }, supervisor.token)).errors).toBeUndefined();
      const cleared = (await s13.next(6)).slice(4).map((p) => p.data.urgentAlertChanged);
      expect(cleared).toEqual([
        expect.objectContaining({ reportId: imminent._id, kind: 'claimed', alert: null }),
        expect.objectContaining({ reportId: recon._id, kind: 'claimed', alert: null }),
      ]);
      const supEvents = (await sup.next(7)).map((p) => p.data.urgentAlertChanged);
      expect(supEvents.filter((e) => e.kind === 'claimed').map((e) => [e.reportId, e.alert])).toEqual([
        [imminent._id, null],
        [recon._id, null],
      ]);
      expect(await alertsOf(inv13.token)).toEqual([]);

      // Nothing of SO13 ever reached SO12's investigator.
      await expect(s12.next(2, 1_000)).rejects.toThrow(/no SSE event/);
    } finally {
      s13.close();
      s12.close();
      sup.close();
    }
  });

  it('are not for call handlers: neither the list nor the stream', async () => {
    expect(codeOf(await app.gql(LIST, {}, handler.token))).toBe('FORBIDDEN');
    const stream = await openSubscription(app, handler.token, SUBSCRIBE);
    try {
      const [first] = await stream.next(1);
      expect(first.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      stream.close();
    }
  });
});
