/**
 * An imminent-threat report never waits behind a backlog: with ordinary calls
 * already queued and no worker running, the imminent-threat call recorded last
 * is the first job a worker takes and the first report routed. No timings:
 * the order of the worker's jobs and of the triage decisions is the evidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { TRIAGE_PRIORITY } from '../../src/triage/queue.js';
import { startWorker, type Worker } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';

const BACKLOG = 30;

let app: TestApp;
let worker: Worker | undefined;
let handler: { token: string };

beforeAll(async () => {
  // No worker yet: the calls below pile up in the triage queue.
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(async () => {
  await worker?.close();
  await app?.close();
});

async function record(i: number, imminentThreat: boolean): Promise<string> {
  // No linkable values: the order of routing is what is under test, not linking.
  const res = await app.gql(RECORD_CALL, { input: hotlineCall(i, { imminentThreat, subjects: [], vehicles: [], locations: [] }) }, handler.token);
  expect(res.errors).toBeUndefined();
  return res.data.recordHotlineCall.id;
}

describe('triage priorities', () => {
  it('routes an imminent-threat call recorded behind a backlog before every ordinary call', async () => {
    const ordinary: string[] = [];
    for (let i = 0; i < BACKLOG; i++) ordinary.push(await record(i, false));
    const imminent = await record(BACKLOG, true);

    const queue = app.deps.triageQueues;
    expect((await queue.triage.getJobCounts()).waiting).toBe(BACKLOG + 1);
    expect((await queue.triage.getJob(imminent))!.opts.priority).toBe(TRIAGE_PRIORITY.imminentThreat);
    expect((await queue.triage.getJob(ordinary[0]!))!.opts.priority).toBe(TRIAGE_PRIORITY.normal);
    // A re-enqueue under the same job id (as the outbox sweep or reconciliation does, at normal priority)
    // is a no-op: the waiting job keeps its place.
    expect(await queue.enqueueTriage({ _id: imminent })).toBe(true);
    expect((await queue.triage.getJob(imminent))!.opts.priority).toBe(TRIAGE_PRIORITY.imminentThreat);
    expect((await queue.triage.getJobCounts()).waiting).toBe(BACKLOG + 1);

    const taken: string[] = [];
    queue.triage.on('active', (job) => taken.push(job.data.reportId));
    worker = await startWorker(app.deps, { concurrency: 1 });

    const all = [...ordinary, imminent];
    const docs = new Map<string, ReportDoc>();
    await waitFor(
      async () => {
        for (const id of all) {
          if (docs.has(id)) continue;
          const doc = await app.deps.reports.findById(id);
          if (doc?.status === 'TRIAGED') docs.set(id, doc);
        }
        return docs.size === all.length;
      },
      60_000,
      'every report triaged',
    );

    // First takes only: a job retried after a failure is taken again.
    const order = [...new Set(taken)];
    expect(order[0]).toBe(imminent);
    // The ordinary calls were taken in the order they were recorded.
    expect(order.slice(1)).toEqual(ordinary);
    const decided = (id: string) => docs.get(id)!.triage!.decidedAt.getTime();
    for (const id of ordinary) expect(decided(imminent)).toBeLessThan(decided(id));
    expect(docs.get(imminent)).toMatchObject({ desk: 'SO13', priority: 'P1' });
  });
});
