/**
 * A triage job held by a worker that died is routed by another within about
 * 15 s (src/triage/queue.ts WORKER_LOSS_SETTINGS), not the minute bull's
 * defaults took (30 s lock + 30 s stalled check). The dead worker is a queue
 * that takes the job (`getNextJob`: moved to active under its lock) and then
 * never renews the lock, as a process killed with -9 leaves it; the live
 * worker is a second process's queues on the same Redis.
 */
import { afterAll, expect, inject, it } from 'vitest';
import { consume, createQueueFactory, type QueueFactory } from '../../src/queue/factory.js';
import { createTriageQueues, WORKER_LOSS_SETTINGS } from '../../src/triage/queue.js';

const factories: QueueFactory[] = [];
afterAll(async () => {
  for (const f of factories) await f.close();
});

it("hands a dead worker's triage job to a live worker within the lock and one stalled-job check", async () => {
  const prefix = `worker-loss-${process.pid}`;
  const make = () => {
    const f = createQueueFactory({ url: inject('redisUrl') }, prefix);
    factories.push(f);
    return createTriageQueues(f, { attempts: 3, backoffMs: 100, partnerHoldMs: 0 });
  };
  const dead = make();
  expect(await dead.enqueueTriage({ _id: 'rpt_workerloss0001' })).toBe(true);
  const taken = await dead.triage.getNextJob();
  expect(taken?.data.reportId).toBe('rpt_workerloss0001');
  const takenAt = Date.now();

  const live = make();
  const routed = new Promise<{ id: string; afterMs: number }>((resolve) => {
    consume(live.triage.process(async (job) => resolve({ id: job.data.reportId, afterMs: Date.now() - takenAt })));
  });
  const { id, afterMs } = await routed;
  expect(id).toBe('rpt_workerloss0001');
  // Not before the dead worker's lock expired (the job was not taken from under a live lock)...
  expect(afterMs).toBeGreaterThanOrEqual(WORKER_LOSS_SETTINGS.lockDuration - 500);
  // ...and within the lock plus one stalled-job check, with a margin for a busy machine.
  expect(afterMs).toBeLessThan(WORKER_LOSS_SETTINGS.lockDuration + WORKER_LOSS_SETTINGS.stalledInterval + 5_000);
}, 40_000);
