/**
 * The supervisor queue without a scan of `reports`: the watch table
 * (src/reports/store/supervisor-watch.ts) follows triage failures and escalations
 * through applyChange; stuck reports come from the triage queue's unfinished
 * jobs and the outbox; a stale entry is never shown; what was watched before
 * the table existed is filed once at start-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { findReport, Q, recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let sup: Awaited<ReturnType<typeof createStaff>>;
let inv: Awaited<ReturnType<typeof createStaff>>;
let hidden: string;

const listed = async () => {
  const res = await app.gql(Q.supervisorQueue, {}, sup.token);
  expect(res.errors).toBeUndefined();
  return res.data.supervisorQueue.map((r: { id: string }) => r.id) as string[];
};
const watch = () => app.deps.database.db.collection<{ _id: string; receivedAt: Date }>('supervisor_watch');
const reportsRaw = () => app.deps.database.db.collection<{ _id: string }>('reports');

async function fail(id: string) {
  await app.deps.reports.applyChange(await findReport(app, id), {
    where: { status: 'RECEIVED' },
    set: { status: 'TRIAGE_FAILED', triagePending: false },
    history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'triage_failed', from: { status: 'RECEIVED' }, to: { status: 'TRIAGE_FAILED' }, reason: 'test' }],
  });
}

beforeAll(async () => {
  app = await bootApp(); // no worker: jobs stay in the triage queue
  [handler, sup, inv] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'SUPERVISOR'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
});
afterAll(() => app?.close());

describe('supervisor watch', () => {
  it('follows a triage failure and an escalation in and out of the queue', async () => {
    const failed = await recordCall(app, handler.token, 901);
    await fail(failed);
    const escalated = await recordCall(app, handler.token, 902);
    await triageDirectly(app, escalated, 'SO12', 'P1', { escalated: true });
    expect(await listed()).toEqual(expect.arrayContaining([failed, escalated]));
    expect(await watch().countDocuments({ _id: { $in: [failed, escalated] } })).toBe(2);

    // Claimed: no longer the supervisor's business, and its entry goes.
    expect((await app.gql(Q.claim, { id: escalated }, inv.token)).errors).toBeUndefined();
    expect(await listed()).not.toContain(escalated);
    expect(await watch().countDocuments({ _id: escalated })).toBe(0);
    // Sent back to triage and routed: likewise.
    expect((await app.gql(Q.reopen, { id: failed, reason: 'rules fixed' }, sup.token)).errors).toBeUndefined();
    await app.deps.reports.applyChange(await findReport(app, failed), {
      where: { status: 'TRIAGE_FAILED' },
      set: { status: 'TRIAGED', desk: 'SO12', priority: 'P3', triagePending: false },
      history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'triaged', from: { status: 'TRIAGE_FAILED' }, to: { status: 'TRIAGED' }, reason: 'test' }],
    });
    expect(await listed()).not.toContain(failed);
    expect(await watch().countDocuments({ _id: failed })).toBe(0);
  });

  it('lists a report stuck before triage from the queue’s unfinished jobs, not one that is merely recent', async () => {
    const stuck = await recordCall(app, handler.token, 903);
    const fresh = await recordCall(app, handler.token, 904);
    // Stuck for two minutes: the report and its job alike (the queue reads only reports whose job has waited over a minute).
    const old = Date.now() - 120_000;
    await reportsRaw().updateOne({ _id: stuck }, { $set: { recordedAt: new Date(old) } });
    expect(await app.deps.triageQueues.triage.getJob(stuck)).not.toBeNull();
    const queue = app.deps.triageQueues.triage as unknown as { client: { hset(key: string, field: string, value: string): Promise<unknown> }; toKey(id: string): string };
    await queue.client.hset(queue.toKey(stuck), 'timestamp', String(old));
    const ids = await listed();
    expect(ids).toContain(stuck);
    expect(ids).not.toContain(fresh);
  });

  it('never shows a stale entry, and reads only its tables (no scan of reports)', async () => {
    const ok = await recordCall(app, handler.token, 905);
    await triageDirectly(app, ok, 'SO12', 'P3');
    await watch().insertOne({ _id: ok, receivedAt: new Date() }); // left by a crash: the report moved on
    expect(await listed()).not.toContain(ok);
    // Failed per `reports`, but in no table: not listed (the table, not a scan, is the source).
    hidden = await recordCall(app, handler.token, 906);
    await app.deps.triageQueues.triage.getJob(hidden).then((j) => j?.remove());
    await fail(hidden);
    await watch().deleteOne({ _id: hidden });
    expect(await listed()).not.toContain(hidden);
  });

  it('files what needed a supervisor before the table existed, once, at start-up', async () => {
    await watch().deleteMany({});
    // The report hidden above is TRIAGE_FAILED in `reports`: the backfill files it.
    await app.deps.reports.ensureIndexes();
    expect(await listed()).toContain(hidden);
    expect(await watch().countDocuments({ _id: '#backfilled' })).toBe(1);
  });
});
