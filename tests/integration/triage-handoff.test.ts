/**
 * Every path that hands a report back to triage keeps an imminent threat
 * ahead of the backlog: a supervisor's retry of a failed triage, and the
 * worker's requeue of a job whose failure could not be recorded. Before the
 * hand-off derived its options from the report, both re-queued an imminent
 * threat at ordinary priority, behind every waiting job. The evidence is the
 * job the queue hands a worker next with 500 ordinary jobs waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/types.js';
import { RETRY_AFTER_UNRECORDED_FAILURE_MS } from '../../src/triage/tasks/requeue.js';
import { TRIAGE_PRIORITY } from '../../src/triage/queue.js';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { principalOf } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

const BACKLOG = 500;

let app: TestApp;
let handler: { token: string };
let supervisor: Principal;

beforeAll(async () => {
  // No worker: jobs wait in the queue until a test starts one.
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await principalOf(app, (await createStaff(app, 'SUPERVISOR')).token);
});
afterAll(() => app?.close());

async function recordImminent(i: number): Promise<string> {
  const res = await app.gql(RECORD_CALL, { input: hotlineCall(i, { imminentThreat: true, subjects: [], vehicles: [], locations: [] }) }, handler.token);
  expect(res.errors).toBeUndefined();
  return res.data.recordHotlineCall.id;
}

/** Empties the triage queue, then queues `BACKLOG` ordinary jobs (ids of no report: the worker drops them). */
async function backlog(tag: string) {
  const q = app.deps.triageQueues.triage;
  await q.empty();
  await q.addBulk(Array.from({ length: BACKLOG }, (_, i) => ({ data: { reportId: `${tag}-${i}` }, opts: { jobId: `${tag}-${i}`, priority: TRIAGE_PRIORITY.normal } })));
  expect((await q.getJobCounts()).waiting).toBe(BACKLOG);
}

/** The id of the job a worker would take next (bull's own take: the waiting job it moves to active). */
async function firstTaken(): Promise<string> {
  const job = await app.deps.triageQueues.triage.getNextJob();
  expect(job).toBeTruthy();
  return job!.data.reportId;
}

describe('triage hand-offs keep an imminent threat first', () => {
  it("a supervisor's retry of a failed imminent-threat triage goes ahead of 500 waiting jobs", async () => {
    const id = await recordImminent(1);
    const q = app.deps.triageQueues.triage;
    await (await q.getJob(id))?.remove();
    expect(await triageProcessorOf(app.deps).markFailed(id, 'test: triage failed')).toBe(true);
    expect((await app.deps.reports.findById(id))!.status).toBe('TRIAGE_FAILED');

    await backlog('retry');
    await app.deps.services.desk.retryTriage(supervisor, id, 'Retrying after the rules were fixed');

    expect((await q.getJob(id))!.opts.priority).toBe(TRIAGE_PRIORITY.imminentThreat);
    expect(await firstTaken()).toBe(id);
  });

  it("the worker's requeue of an unrecorded failure keeps an imminent threat ahead of 500 waiting jobs", async () => {
    const id = await recordImminent(2);
    const q = app.deps.triageQueues.triage;
    const job = (await q.getJob(id))!;
    // As the worker holds it after the last attempt, whose failure could not be recorded (gone from the
    // queue here, as a job that failed for good is replaced by the requeue).
    await job.remove();

    await backlog('requeue');
    expect(await triageProcessorOf(app.deps).requeueUnrecorded(job)).toBe(true);

    const again = (await q.getJob(id))!;
    expect(again.opts.priority).toBe(TRIAGE_PRIORITY.imminentThreat);
    expect(again.opts.delay).toBeGreaterThanOrEqual(RETRY_AFTER_UNRECORDED_FAILURE_MS);
    // Its pause over (promoted now rather than waited for), it is the first job taken.
    await again.promote();
    expect(await firstTaken()).toBe(id);
  });

  it('a requeue whose report cannot be read keeps the priority its hand-off gave the job', async () => {
    const q = app.deps.triageQueues.triage;
    await q.empty();
    // A job for an id the store does not answer for: only the job's own options are left to go on.
    const job = await q.add({ reportId: 'unreadable-report' }, { jobId: 'unreadable-report', priority: TRIAGE_PRIORITY.imminentThreat });
    await job.remove();
    expect(await triageProcessorOf(app.deps).requeueUnrecorded(job)).toBe(true);
    expect((await q.getJob('unreadable-report'))!.opts.priority).toBe(TRIAGE_PRIORITY.imminentThreat);
  });
});
