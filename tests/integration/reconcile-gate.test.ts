/**
 * The reconcile's scans of `reports` (minutes each at 100,000 reports on FerretDB) run only when something may be
 * pending (src/queue/liveness.ts): a process that died without a clean shutdown, a failure marked past the grace, a
 * Redis that lost this process's membership, or the safety period. Otherwise a run sends no store command, counted
 * here with the driver's command monitoring (switched on through the connection string).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { recordCall, triageDirectly } from '../support/desk.js';
import { createLiveness } from '../../src/queue/liveness.js';
import { reconcileTask } from '../../src/tasks/reconcile.js';
import { TEST_ACTION } from '../support/audit-test-action.js';
import { createTaskContext } from '../../src/tasks/context.js';

const GRACE_MS = 1_000;
let app: TestApp;
const scans: string[] = [];

beforeAll(async () => {
  app = await bootMonitored((e) => {
    const target = String(e.command[e.commandName]);
    if (target === 'reports' || target === 'audit') scans.push(`${e.commandName} ${target}`);
  }, { env: { AUDIT_RECOVERY_GRACE_MS: String(GRACE_MS), OUTBOX_STALE_MS: '300' } });
  // The first run of a store is a safety run (no run recorded yet); from here on nothing is pending.
  await perform();
});
afterAll(() => app?.close());

const perform = () => reconcileTask(createTaskContext(app.deps)).perform();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The store commands on reports and audit that one reconcile run sends. */
async function commandsOfRun(): Promise<string[]> {
  scans.length = 0;
  await perform();
  return [...scans];
}
const membersKey = () => `${app.config.redis.queuePrefix}:liveness:members`;

describe('the gated reconcile', () => {
  it('sends no command to reports or audit when nothing is pending', async () => {
    expect(await commandsOfRun()).toEqual([]);
    expect(await commandsOfRun()).toEqual([]);
  });

  it('scans when a live process lost its lease (killed), and forgets it once the scans succeeded', async () => {
    // A process whose last refresh was its first: its lease runs out, as a killed process's does.
    const killed = createLiveness(app.deps.queues.redis, app.config.redis.queuePrefix, { leaseTtlMs: 100, refreshMs: 3_600_000 });
    await killed.start();
    expect(await app.deps.queues.redis.sismember(membersKey(), killed.id)).toBe(1);
    // Still holding its lease: alive, nothing to scan for.
    expect(await commandsOfRun()).toEqual([]);
    await sleep(200);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await app.deps.queues.redis.sismember(membersKey(), killed.id)).toBe(0);
    // What it left within the grace before that run: one more run once the grace has passed, then nothing.
    expect(await commandsOfRun()).toEqual([]);
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await commandsOfRun()).toEqual([]);
  });

  it('waits out the grace of a failure mark, then scans once and drops it', async () => {
    app.deps.liveness.want();
    expect(await commandsOfRun()).toEqual([]);
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await commandsOfRun()).toEqual([]);
  });

  it('keeps a mark that came after the run began for its own run', async () => {
    app.deps.liveness.want(Date.now() - GRACE_MS - 100);
    app.deps.liveness.want(Date.now());
    expect(await commandsOfRun()).toContain('find reports');
    expect(await commandsOfRun()).toEqual([]);
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await commandsOfRun()).toEqual([]);
  });

  it("scans when Redis no longer holds this process's membership (it lost its data)", async () => {
    await app.deps.queues.redis.srem(membersKey(), app.deps.liveness.id);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await app.deps.queues.redis.sismember(membersKey(), app.deps.liveness.id)).toBe(1);
    // And the follow-up past the grace, for work that was too young for that run.
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await commandsOfRun()).toEqual([]);
  });

  it('scans past the grace once Redis answers from another server (a failover may have lost the last writes)', async () => {
    const redis = app.deps.queues.redis;
    let failedOver = false;
    // The same data, another server's run_id: what a promoted replica looks like to a client.
    const seen = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'info') return async (...args: [string]) => (failedOver ? (await target.info(...args)).replace(/run_id:\w+/, 'run_id:promoted0replica') : target.info(...args));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const other = createLiveness(seen, app.config.redis.queuePrefix, { refreshMs: 50 });
    await other.start();
    try {
      await sleep(GRACE_MS + 100);
      expect(await commandsOfRun()).toEqual([]);
      failedOver = true;
      await sleep(200);
      expect(await commandsOfRun()).toEqual([]);
      await sleep(GRACE_MS + 100);
      expect(await commandsOfRun()).toContain('find reports');
      expect(await commandsOfRun()).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('hands over, through a gated run past the grace, a report neither the queue nor the outbox took', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    expect(await commandsOfRun()).toEqual([]);
    const { triageQueues, reports } = app.deps;
    const [enqueue, markPending] = [triageQueues.enqueueTriage, reports.markPending];
    triageQueues.enqueueTriage = async () => false;
    reports.markPending = () => Promise.reject(new Error('store unavailable'));
    let id: string;
    try {
      id = await recordCall(app, handler.token, 2);
    } finally {
      [triageQueues.enqueueTriage, reports.markPending] = [enqueue, markPending];
    }
    expect((await app.deps.reports.findById(id))?.triagePending).toBe(true);
    expect(await triageQueues.triage.getJobCounts().then((c) => c.waiting + c.delayed)).toBe(0);
    expect(await commandsOfRun()).toEqual([]);
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toContain('find reports');
    expect(await triageQueues.triage.getJobCounts().then((c) => c.waiting + c.delayed)).toBe(1);
    expect(await commandsOfRun()).toEqual([]);
  });

  it('scans again after a run whose batch was full, until one is not', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const { triageQueues, reports } = app.deps;
    const [enqueue, markPending] = [triageQueues.enqueueTriage, reports.markPending];
    triageQueues.enqueueTriage = async () => false;
    reports.markPending = () => Promise.reject(new Error('store unavailable'));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) ids.push(await recordCall(app, handler.token, 30 + i));
    } finally {
      [triageQueues.enqueueTriage, reports.markPending] = [enqueue, markPending];
    }
    // Reports earlier tests left awaiting triage are routed first, so the batches below hold only these three.
    const earlier = await app.deps.database.db.collection<{ _id: string }>('reports').find({ triagePending: true, _id: { $nin: ids } }, { projection: { _id: 1 } }).toArray();
    for (const { _id } of earlier) await triageDirectly(app, _id, 'SO12', 'P3');
    const ours = async () => (await triageQueues.triage.getJobs(['waiting', 'delayed'])).map((j) => j.data.reportId as string).filter((id) => ids.includes(id));
    const small = () => reconcileTask(createTaskContext(app.deps), { batch: 2, fullBatchAgainMs: 0 }).perform();
    await sleep(GRACE_MS + 100);
    expect(await small()).toMatchObject({ scanned: true });
    // Two of the three taken (a worker would route them; here they are routed by hand): the third needs another run.
    const queued = await ours();
    expect(queued).toHaveLength(2);
    for (const id of queued) await triageDirectly(app, id, 'SO12', 'P3');
    expect(await small()).toMatchObject({ scanned: true });
    const left = ids.find((id) => !queued.includes(id))!;
    expect(await ours()).toContain(left);
    await triageDirectly(app, left, 'SO12', 'P3');
    // That run found less than a full batch: no run follows for it.
    expect(await small()).toEqual({ scanned: false });
  });

  it('asks for no further run for the chained events a scan meets for the first time', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    await recordCall(app, handler.token, 40); // its intake event chained and marked by its writer
    app.deps.liveness.want(Date.now() - 60_000);
    expect(await commandsOfRun()).toContain('find reports');
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toEqual([]);
  });

  it('asks for no further run for unchained events younger than the grace: their writers are at work', async () => {
    // Under steady work a scan always meets a few events written moments ago and not yet chained; asking for a run for
    // them meant a scan a minute for as long as the work went on (the bench of 2026-12-07 17:30: one each minute of its
    // intake phases). A writer whose append fails asks for a run itself, and one that dies is found by its lease.
    const handler = await createStaff(app, 'CALL_HANDLER');
    const id = await recordCall(app, handler.token, 41);
    // Its intake event, chained and marked, older than the grace (the scan finds the report by it); then, as when the
    // report's next change came before its writer marked the first, an event of a change just made, not yet chained.
    await sleep(GRACE_MS + 100);
    const events = app.deps.chainer.events(id, 50, [{ action: TEST_ACTION, actor: { type: 'system', id: 'test' }, target: { type: 'report', id }, outcome: 'success' }], new Date());
    await app.deps.database.db.collection('reports').updateOne({ _id: id } as never, { $push: { auditPending: { $each: events } } } as never);
    app.deps.liveness.want(Date.now() - 60_000);
    expect(await commandsOfRun()).toContain('find reports');
    await sleep(GRACE_MS + 100);
    expect(await commandsOfRun()).toEqual([]);
    // Its "writer" (this test) takes it out again: nothing of it is left for the tests after.
    await app.deps.database.db.collection('reports').updateOne({ _id: id } as never, { $pull: { auditPending: { key: events[0]!.key } } } as never);
  });

  it('chains the audit event of a change whose append failed, through the gated runs alone', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    expect(await commandsOfRun()).toEqual([]);
    const audit = app.deps.services.audit;
    const record = audit.record;
    audit.record = () => Promise.reject(new Error('audit store unavailable'));
    let id: string;
    try {
      id = await recordCall(app, handler.token, 1);
    } finally {
      audit.record = record;
    }
    const created = () => app.deps.database.db.collection('audit').countDocuments({ action: 'report.create', 'target.id': id });
    expect(await created()).toBe(0);
    // The recovery chains an event only a grace after it first saw it pending (its writer may still be on it):
    // the first run past the grace sees it and asks for another, which chains it.
    for (let i = 0; i < 4 && (await created()) === 0; i++) {
      await sleep(GRACE_MS + 100);
      expect(await commandsOfRun()).toContain('find reports');
    }
    expect(await created()).toBe(1);
    expect(await commandsOfRun()).toEqual([]);
    expect(await created()).toBe(1);
  });
});
