/**
 * The side tables (desk_queue, triage_outbox, link_terms) that keep hot
 * paths off full scans of `reports`: they follow every change, and what a
 * crash can leave stale is repaired, never lost.
 */
import { triageProcessorOf } from '../../src/worker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeskQueues, queueCollectionName, summaryOf } from '../../src/reports/store/desk-queue.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { codeOf, findReport, Q, recordCall, triageDirectly } from '../support/desk.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

let app: TestApp;
let handler: { token: string };
let investigator: { token: string };

beforeAll(async () => {
  // No worker: the tests route reports themselves and drive the sweep by hand.
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
});
afterAll(() => app?.close());

const db = () => app.deps.database.db;
const queueEntry = (id: string) => createDeskQueues(db()).find(id);
const outboxEntry = (id: string) => db().collection('triage_outbox').findOne({ _id: id as never });

/** A triage processor on the app's services, driven by hand (no worker runs here). */
function processor() {
  return triageProcessorOf(app.deps);
}

describe('side tables', () => {
  it('hands a new report straight to the queue (no outbox entry), then moves it to the desk queue and out again as it changes', async () => {
    const id = await recordCall(app, handler.token, 1);
    expect(await app.deps.triageQueues.triage.getJob(id)).not.toBeNull();
    expect(await outboxEntry(id)).toBeNull();
    expect(await queueEntry(id)).toBeNull();
    await triageDirectly(app, id, 'SO12', 'P2');
    expect(await outboxEntry(id)).toBeNull();
    expect(await queueEntry(id)).toMatchObject({ desk: 'SO12', priority: 'P2', escalated: false });
    const claimed = await app.gql(Q.claim, { id }, investigator.token);
    expect(claimed.errors).toBeUndefined();
    expect(await queueEntry(id)).toBeNull();
    const released = await app.gql(Q.release, { id, reason: 'back to the queue' }, investigator.token);
    expect(released.errors).toBeUndefined();
    expect(await queueEntry(id)).toMatchObject({ desk: 'SO12', priority: 'P2' });
  });

  it('lets a claim skip and repair queue entries a crash left stale', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await recordCall(app, handler.token, 10 + i);
      await triageDirectly(app, id, 'SO13', 'P1');
      ids.push(id);
    }
    // As if the process died after changing these reports but before removing their queue entries.
    for (const id of ids.slice(0, 3)) await app.deps.database.db.collection<ReportDoc>('reports').updateOne({ _id: id }, { $set: { status: 'CLOSED' } });
    const so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const claim = await app.gql(Q.claimNext, { desk: 'SO13' }, so13.token);
    expect(claim.errors).toBeUndefined();
    expect(claim.data.claimNextReport.id).toBe(ids[3]);
    for (const id of ids) expect(await queueEntry(id)).toBeNull();
    for (const id of ids.slice(0, 3)) expect((await findReport(app, id)).status).toBe('CLOSED');
  });

  it('lists a queue from the queue table alone, in priority then age order, with stable cursors', async () => {
    const a = await recordCall(app, handler.token, 20);
    const b = await recordCall(app, handler.token, 21);
    const c = await recordCall(app, handler.token, 22);
    await triageDirectly(app, a, 'SO12', 'P4');
    await triageDirectly(app, b, 'SO12', 'P1');
    await triageDirectly(app, c, 'SO12', 'P4');
    const all = await app.gql(Q.queue, { desk: 'SO12', first: 100 }, investigator.token);
    expect(all.errors).toBeUndefined();
    const order = all.data.deskQueue.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(order.indexOf(b)).toBeLessThan(order.indexOf(a));
    expect(order.indexOf(a)).toBeLessThan(order.indexOf(c));
    const entry = await queueEntry(b);
    const listed = summaryOf(entry!);
    expect(listed).toMatchObject({ reference: (await findReport(app, b)).reference, status: 'TRIAGED' });
    expect(listed.receivedAt).toBeInstanceOf(Date);
    expect(listed).not.toHaveProperty('content');
    expect(listed).not.toHaveProperty('dataKey');
    expect(listed).not.toHaveProperty('bidx');
  });

  it('refuses a change whose precondition no longer holds, and leaves the version claimable', async () => {
    const id = await recordCall(app, handler.token, 3);
    const doc = await findReport(app, id);
    const refused = await app.deps.reports.applyChange(doc, { where: { status: 'TRIAGED' }, set: { priority: 'P4' }, history: [] });
    expect(refused).toBeNull();
    const routed = await triageDirectly(app, id, 'SO12', 'P3');
    expect(routed.version).toBe(doc.version + 1);
    const stale = await app.deps.reports.applyChange(doc, { set: { priority: 'P4' }, history: [] });
    expect(stale).toBeNull();
    expect((await findReport(app, id)).priority).toBe('P3');
  });

  it('lets the outbox sweep re-enqueue pending reports, clear routed ones and drop orphans', async () => {
    const id = await recordCall(app, handler.token, 4);
    const routedId = await recordCall(app, handler.token, 5);
    await triageDirectly(app, routedId, 'SO12', 'P3');
    // A routed report whose entry survived a crash, and an entry whose report does not exist.
    await db().collection('triage_outbox').insertOne({ _id: routedId as never, recordedAt: new Date(0) });
    await db().collection('triage_outbox').insertOne({ _id: 'orphan-report' as never, recordedAt: new Date(0) });
    // A report whose hand-off found Redis down (an imminent threat: the sweep must keep it ahead of any backlog).
    await app.deps.reports.markPending({ _id: id, recordedAt: new Date(0), imminentThreat: true });
    await app.deps.triageQueues.triage.empty();
    const p = processor();
    // The sweep only enqueues (no report reads); routing sorts out each entry.
    expect(await p.sweepOutbox(1_000)).toBe(3);
    for (const jobId of [id, routedId, 'orphan-report']) expect(await app.deps.triageQueues.triage.getJob(jobId)).not.toBeNull();
    expect((await app.deps.triageQueues.triage.getJob(id))!.opts.priority).toBe(1);
    expect((await app.deps.triageQueues.triage.getJob(routedId))!.opts.priority).toBe(2);
    expect(await outboxEntry(id)).not.toBeNull();
    expect(await p.route(routedId)).toBe('skipped');
    expect(await outboxEntry(routedId)).toBeNull();
    expect(await p.route('orphan-report')).toBe('skipped');
    expect(await outboxEntry('orphan-report')).toBeNull();
    // A young entry may belong to an intake still storing its report: it stays.
    await db().collection('triage_outbox').insertOne({ _id: 'report-being-stored' as never, recordedAt: new Date() });
    expect(await p.route('report-being-stored')).toBe('skipped');
    expect(await outboxEntry('report-being-stored')).not.toBeNull();
    await db().collection('triage_outbox').deleteOne({ _id: 'report-being-stored' as never });
    expect(await p.route(id)).toBe('routed');
    expect(await outboxEntry(id)).toBeNull();
  });

  it('reconciles a pending report that neither the queue nor the outbox holds (a process killed mid-hand-off)', async () => {
    const id = await recordCall(app, handler.token, 9);
    const routedId = await recordCall(app, handler.token, 10);
    await triageDirectly(app, routedId, 'SO13', 'P2');
    await app.deps.triageQueues.triage.empty();
    expect(await app.deps.triageQueues.triage.getJob(id)).toBeNull();
    expect(await outboxEntry(id)).toBeNull();
    const p = processor();
    // Too recent for reconciliation: its hand-off may still be under way.
    expect(await p.reconcile(60_000)).toBe(0);
    expect(await p.reconcile(0)).toBeGreaterThanOrEqual(1);
    expect(await app.deps.triageQueues.triage.getJob(id)).not.toBeNull();
    expect(await app.deps.triageQueues.triage.getJob(routedId)).toBeNull();
    expect(await p.route(id)).toBe('routed');
  });

  it('keeps each queued report in exactly one desk and priority table as its priority and desk change', async () => {
    const id = await recordCall(app, handler.token, 12);
    await triageDirectly(app, id, 'SO12', 'P3');
    const tablesHolding = async () => {
      const names: string[] = [];
      for (const desk of ['SO12', 'SO13'] as const) {
        for (const p of ['P1', 'P2', 'P3', 'P4'] as const) if (await db().collection(queueCollectionName(desk, p)).findOne({ _id: id as never })) names.push(queueCollectionName(desk, p));
      }
      return names;
    };
    expect(await tablesHolding()).toEqual(['desk_queue_SO12_P3']);
    const raised = await app.deps.reports.applyChange(await findReport(app, id), { set: { priority: 'P1' }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'escalated', from: { priority: 'P3' }, to: { priority: 'P1' }, reason: null }] });
    expect(raised?.priority).toBe('P1');
    expect(await tablesHolding()).toEqual(['desk_queue_SO12_P1']);
    const moved = await app.deps.reports.applyChange(raised!, { set: { desk: 'SO13' }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: 'SO12' }, to: { desk: 'SO13' }, reason: null }] });
    expect(moved?.desk).toBe('SO13');
    expect(await tablesHolding()).toEqual(['desk_queue_SO13_P1']);
    const so13 = await app.deps.reports.deskQueue('SO13', 50, null);
    expect(so13.docs.map((d) => d._id)).toContain(id);
    expect((await app.deps.reports.deskQueue('SO12', 50, null)).docs.map((d) => d._id)).not.toContain(id);
  });

  it('files blind-index terms once per report and finds open reports sharing them', async () => {
    const a = await recordCall(app, handler.token, 6, { vehicles: [{ registration: 'LK65 ABC' }] });
    const b = await recordCall(app, handler.token, 7, { vehicles: [{ registration: 'lk65abc' }] });
    const [da, dbb] = (await Promise.all([findReport(app, a), findReport(app, b)])) as [ReportDoc, ReportDoc];
    const metBy = async (id: string, terms: string[]) => [...new Set([...(await app.deps.reports.fileLinkTerms(id, terms)).met.values()].flat())];
    expect(await metBy(a, da.bidx)).toEqual([]);
    expect(await metBy(a, da.bidx)).toEqual([]);
    const met = await metBy(b, dbb.bidx);
    expect(met).toEqual([a]);
    // Filing again finds b's own slots and meets a again, files nothing new.
    expect(await metBy(b, dbb.bidx)).toEqual([a]);
    const shared = da.bidx.filter((t) => dbb.bidx.includes(t));
    expect(shared.length).toBeGreaterThan(0);
    // Filed under every term, each id sealed (crypto/link-ids.ts): the table names no report.
    const filed = await db().collection('link_terms').find({ _id: { $in: [...da.bidx, ...dbb.bidx].map((t) => `${t}#0`) } as never }).toArray();
    expect(filed.length).toBe(new Set([...da.bidx, ...dbb.bidx]).size);
    expect(JSON.stringify(await db().collection('link_terms').find({}).toArray())).not.toContain(a);
    const candidates = await app.deps.reports.findLinkCandidates(met, ['RECEIVED']);
    expect(candidates.map((c) => c._id)).toEqual([a]);
    expect(await app.deps.reports.findLinkCandidates(met, ['TRIAGED'])).toEqual([]);
  });

  it('gives a retried submission the same report by id, and another submitter a different one', async () => {
    const input = hotlineCall(8, { idempotencyKey: 'same-key-for-two-handlers' });
    const first = await app.gql(RECORD_CALL, { input }, handler.token);
    const again = await app.gql(RECORD_CALL, { input }, handler.token);
    const other = await createStaff(app, 'CALL_HANDLER');
    const theirs = await app.gql(RECORD_CALL, { input }, other.token);
    expect(first.data.recordHotlineCall.id).toBe(again.data.recordHotlineCall.id);
    expect(theirs.data.recordHotlineCall.id).not.toBe(first.data.recordHotlineCall.id);
    const changed = await app.gql(RECORD_CALL, { input: { ...input, narrative: `${input.narrative} (changed)` } }, handler.token);
    expect(codeOf(changed)).toBe('CONFLICT');
  });
});
