/**
 * Supervisor corrections on the real API, FerretDB and Redis: a priority
 * change moving a report in its desk queue and re-arming its SLA, a
 * categories change, manual links shown as manual to both desks (redacted
 * for the other desk), and unlinking manual and automatic links. Reasons
 * are stored sealed and audited by reference only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../src/auth/types.js';
import { edgeOf } from '../../src/reports/store/links.js';
import { slaJobId } from '../../src/triage/queue.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { createDeskTeam, createStaff } from '../support/factories.js';

let app: TestApp;
type Staff = Awaited<ReturnType<typeof createStaff>>;
let handler: Staff, sup: Staff, so12: Staff, so13: Staff;
let n = 0;

beforeAll(async () => {
  app = await bootApp();
  ({ handler, sup, so12, so13 } = await createDeskTeam(app));
});
afterAll(() => app?.close());

const M = {
  priority: `mutation($id: ID!, $p: Priority!, $r: String!) { changeReportPriority(id: $id, priority: $p, reason: $r) { id priority history { action from to reason } } }`,
  categories: `mutation($id: ID!, $c: [ThreatCategory!]!, $r: String!) { changeReportCategories(id: $id, categories: $c, reason: $r) { id categories } }`,
  link: `mutation($a: ID!, $b: ID!, $r: String!) { linkReports(a: $a, b: $b, reason: $r) { id } }`,
  unlink: `mutation($a: ID!, $b: ID!, $r: String!) { unlinkReports(a: $a, b: $b, reason: $r) { id } }`,
  links: `query($id: ID!) { report(id: $id) { id links { reportId reference desk readable manual reasons } history { action to reason } } }`,
};

async function queued(desk: Desk, priority: 'P1' | 'P2' | 'P3' | 'P4', agoMinutes: number) {
  const id = await recordCall(app, handler.token, ++n, { receivedAt: new Date(Date.now() - agoMinutes * 60_000).toISOString() });
  await triageDirectly(app, id, desk, priority);
  return id;
}
const queueIds = async (desk: Desk) => ((await app.gql(Q.queue, { desk, first: 50 }, sup.token)).data.deskQueue.edges as { node: { id: string } }[]).map((e) => e.node.id);

describe('changeReportPriority', () => {
  it('moves a queued report in its desk queue, re-arms its SLA and audits a sealed reason', async () => {
    const older = await queued('SO12', 'P3', 30);
    const newer = await queued('SO12', 'P2', 5);
    let order = await queueIds('SO12');
    expect(order.indexOf(newer)).toBeLessThan(order.indexOf(older));

    const reason = 'caller rang back: attack planned tonight';
    const before = Date.now();
    const res = await app.gql(M.priority, { id: older, p: 'P1', r: reason }, sup.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.changeReportPriority.priority).toBe('P1');
    expect(res.data.changeReportPriority.history.at(-1)).toMatchObject({ action: 'priority_changed', to: JSON.stringify({ priority: 'P1' }), reason: null });

    order = await queueIds('SO12');
    expect(order.indexOf(older)).toBeLessThan(order.indexOf(newer));
    const db = app.deps.database.db;
    expect(await db.collection('desk_queue_SO12_P1').findOne({ _id: older as never })).not.toBeNull();
    expect(await db.collection('desk_queue_SO12_P3').findOne({ _id: older as never })).toBeNull();

    // The SLA restarts at the P1 deadline, and its job carries it.
    const doc = await findReport(app, older);
    const due = doc.triage!.dueBy.getTime();
    expect(due).toBeGreaterThanOrEqual(before + app.config.triage.slaSeconds.P1 * 1000 - 1000);
    expect(due).toBeLessThanOrEqual(Date.now() + app.config.triage.slaSeconds.P1 * 1000);
    const job = await app.deps.triageQueues.sla.getJob(slaJobId(older));
    expect(job?.data).toEqual({ reportId: older, dueBy: doc.triage!.dueBy.toISOString() });

    // Stored sealed; the audit entry names the history entry and a keyed hash, never the text.
    const entry = doc.history.at(-1)!;
    expect(entry.reason).toMatch(/^sealed:v1:/);
    expect(JSON.stringify(doc)).not.toContain('attack planned');
    const [audit] = await auditEntries(app, 'report.change_priority', older);
    expect(audit!.details).toMatchObject({ priority: 'P1', reasonRef: entry.seq, reasonMac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(audit)).not.toContain('attack planned');
    // The audited read opens it.
    const read = await app.gql(Q.report, { id: older }, sup.token);
    expect(read.data.report.history.at(-1)).toMatchObject({ action: 'priority_changed', reason });
  });

  it('is for supervisors only, and refuses the same priority or a report not yet routed', async () => {
    const id = await queued('SO12', 'P4', 1);
    expect(codeOf(await app.gql(M.priority, { id, p: 'P1', r: 'urgent now' }, so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(M.priority, { id, p: 'P4', r: 'no change' }, sup.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(M.priority, { id, p: 'P2', r: '' }, sup.token))).toBe('BAD_USER_INPUT');
    const unrouted = await recordCall(app, handler.token, ++n);
    expect(codeOf(await app.gql(M.priority, { id: unrouted, p: 'P1', r: 'urgent now' }, sup.token))).toBe('BAD_USER_INPUT');
  });
});

describe('changeReportCategories', () => {
  it('replaces the categories with a sealed reason and an audit entry', async () => {
    const id = await queued('SO13', 'P3', 2);
    const res = await app.gql(M.categories, { id, c: ['TRAVEL', 'FINANCE', 'TRAVEL'], r: 'analyst review of the narrative' }, sup.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.changeReportCategories.categories).toEqual(['FINANCE', 'TRAVEL']);
    const doc = await findReport(app, id);
    expect(doc.categories).toEqual(['FINANCE', 'TRAVEL']);
    expect(doc.history.at(-1)).toMatchObject({ action: 'categories_changed', to: { categories: ['FINANCE', 'TRAVEL'] }, reason: expect.stringMatching(/^sealed:v1:/) });
    expect(await auditEntries(app, 'report.change_categories', id)).toHaveLength(1);
    expect(codeOf(await app.gql(M.categories, { id, c: [], r: 'nothing at all' }, sup.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(M.categories, { id, c: ['OTHER'], r: 'not mine to do' }, so13.token))).toBe('FORBIDDEN');
  });
});

describe('manual links', () => {
  it('links two reports by hand: manual on both sides, redacted for the other desk, recorded on each', async () => {
    const a = await queued('SO12', 'P3', 3);
    const b = await queued('SO13', 'P3', 3);
    const [refA, refB] = [(await findReport(app, a)).reference, (await findReport(app, b)).reference];
    const reason = 'same suspect described by both callers';
    const res = await app.gql(M.link, { a, b, r: reason }, sup.token);
    expect(res.errors).toBeUndefined();

    const fromA = (await app.gql(M.links, { id: a }, so12.token)).data.report;
    expect(fromA.links).toEqual([{ reportId: null, reference: null, desk: 'SO13', readable: false, manual: true, reasons: [] }]);
    const fromB = (await app.gql(M.links, { id: b }, so13.token)).data.report;
    expect(fromB.links).toEqual([{ reportId: null, reference: null, desk: 'SO12', readable: false, manual: true, reasons: [] }]);
    const bySup = (await app.gql(M.links, { id: a }, sup.token)).data.report;
    expect(bySup.links).toEqual([expect.objectContaining({ reference: refB, readable: true, manual: true })]);
    expect(bySup.history.at(-1)).toMatchObject({ action: 'linked_manually', reason });

    // One history entry on each, naming the edge's keyed id, never the other report.
    const edge = await app.deps.reports.findLinkEdge(a, b);
    expect(edge).toMatchObject({ manual: true });
    for (const [id, otherRef, otherId] of [[a, refB, b], [b, refA, a]] as const) {
      const doc = await findReport(app, id);
      expect(doc.history.filter((e) => e.action === 'linked_manually')).toEqual([expect.objectContaining({ to: { link: edge!._id, manual: true } })]);
      expect(JSON.stringify(doc.history)).not.toContain(otherRef);
      expect(JSON.stringify(doc.history)).not.toContain(otherId);
      expect(JSON.stringify(doc)).not.toContain('same suspect');
    }
    expect(await auditEntries(app, 'report.link', a)).toHaveLength(1);
    expect(await auditEntries(app, 'report.link', b)).toHaveLength(1);

    // A retry (say after a timeout) changes nothing.
    expect((await app.gql(M.link, { a, b, r: reason }, sup.token)).errors).toBeUndefined();
    expect((await findReport(app, a)).history.filter((e) => e.action === 'linked_manually')).toHaveLength(1);
    expect((await findReport(app, b)).history.filter((e) => e.action === 'linked_manually')).toHaveLength(1);

    expect(codeOf(await app.gql(M.link, { a, b: a, r: reason }, sup.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(M.link, { a, b, r: reason }, so12.token))).toBe('FORBIDDEN');
  });

  it('a retry finishes a link whose edge a crash left unwritten', async () => {
    const a = await queued('SO12', 'P4', 4);
    const b = await queued('SO12', 'P4', 4);
    const sp = await app.deps.services.auth.authenticate(sup.token);
    // The first two writes of linkReports landed, then the process died: simulate with the history writes alone.
    const original = app.deps.reports.recordManualLink;
    app.deps.reports.recordManualLink = async () => {
      throw new Error('crash');
    };
    await expect(app.deps.services.desk.linkReports(sp, a, b, 'crash halfway')).rejects.toThrow('crash');
    app.deps.reports.recordManualLink = original;
    expect(await app.deps.reports.findLinkEdge(a, b)).toBeNull();
    await app.deps.services.desk.linkReports(sp, a, b, 'crash halfway');
    expect(await app.deps.reports.findLinkEdge(a, b)).toMatchObject({ manual: true });
    expect((await findReport(app, a)).history.filter((e) => e.action === 'linked_manually')).toHaveLength(1);
  });

  it('unlinks a manual link, and an automatic one for good (a later triage does not bring it back)', async () => {
    const a = await queued('SO12', 'P3', 6);
    const b = await queued('SO12', 'P3', 6);
    await app.gql(M.link, { a, b, r: 'linked by mistake' }, sup.token);
    const res = await app.gql(M.unlink, { a, b, r: 'different people after all' }, sup.token);
    expect(res.errors).toBeUndefined();
    expect((await app.gql(M.links, { id: a }, so12.token)).data.report.links).toEqual([]);
    expect((await app.gql(M.links, { id: b }, so12.token)).data.report.links).toEqual([]);
    expect((await findReport(app, a)).history.at(-1)).toMatchObject({ action: 'unlinked', reason: expect.stringMatching(/^sealed:v1:/) });
    expect(await auditEntries(app, 'report.unlink', b)).toHaveLength(1);
    // Again (a retry): nothing more is written; a pair that was never linked is refused.
    expect((await app.gql(M.unlink, { a, b, r: 'again please' }, sup.token)).errors).toBeUndefined();
    expect((await findReport(app, a)).history.filter((e) => e.action === 'unlinked')).toHaveLength(1);
    const never = await queued('SO12', 'P4', 6);
    expect(codeOf(await app.gql(M.unlink, { a, b: never, r: 'never linked' }, sup.token))).toBe('BAD_USER_INPUT');

    // An automatic edge, as triage records it.
    const c = await queued('SO13', 'P3', 7);
    const d = await queued('SO13', 'P3', 7);
    const auto = () => Promise.all([findReport(app, c), findReport(app, d)]).then(([x, y]) => edgeOf(app.deps.crypto, x, y, ['vehicle'], new Date()));
    await app.deps.reports.recordLink(await auto());
    expect((await app.gql(M.links, { id: c }, so13.token)).data.report.links).toEqual([expect.objectContaining({ reportId: d, manual: false, reasons: ['vehicle'] })]);
    expect((await app.gql(M.unlink, { a: c, b: d, r: 'shared hire car only' }, sup.token)).errors).toBeUndefined();
    expect((await app.gql(M.links, { id: c }, so13.token)).data.report.links).toEqual([]);
    await app.deps.reports.recordLink(await auto()); // triage meets the pair again
    expect((await app.gql(M.links, { id: d }, so13.token)).data.report.links).toEqual([]);
    // Only a supervisor's link revives it, as manual.
    await app.gql(M.link, { a: c, b: d, r: 'linked again on new evidence' }, sup.token);
    expect((await app.gql(M.links, { id: d }, so13.token)).data.report.links).toEqual([expect.objectContaining({ reportId: c, manual: true, reasons: ['vehicle'] })]);
  });
});
