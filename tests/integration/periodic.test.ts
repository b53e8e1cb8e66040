/**
 * Periodic work runs once per period across all workers (repeatable bull
 * jobs), not once per worker: with two workers and a 200 ms outbox sweep,
 * about one sweep runs every 200 ms in all (each worker on its own timer
 * would make it two). The schedules exist once each, and a period changed
 * in the configuration replaces the old schedule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { startWorker, type Worker } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';

let app: TestApp;
let other: Deps;
let second: Worker;

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { OUTBOX_SWEEP_MS: '200' } });
  other = await createDeps(app.config, createLogger('silent'));
  second = await startWorker(other);
});
afterAll(async () => {
  await second?.close();
  await other?.close();
  await app?.close();
});

/** Counts the outbox sweep's reads (one per run) on a deps object. */
function countSweeps(deps: Deps) {
  const original = deps.reports.findPendingTriage;
  let n = 0;
  deps.reports.findPendingTriage = (...args) => {
    n++;
    return original(...args);
  };
  return { count: () => n, restore: () => (deps.reports.findPendingTriage = original) };
}

describe('periodic jobs', () => {
  it('are scheduled once each, whatever the number of workers', async () => {
    const repeatable = await app.deps.triageQueues.maintenance.getRepeatableJobs();
    expect(repeatable.map((j) => `${j.name}@${j.every}`).sort()).toEqual([
      `attachment-sweep@${app.config.attachments.sweepEveryMs}`,
      `audit-checkpoint@${app.config.audit.checkpointEveryMs}`,
      `outbox-sweep@200`,
      `overdue-sweep@${app.config.triage.overdueSweepMs}`,
      `prune-submissions@3600000`,
      `reconcile@${app.config.triage.outboxReconcileMs}`,
      `retention-review@${24 * 3600_000}`,
      `sla-warning@60000`,
      `statistics-reconcile@${app.config.triage.statisticsReconcileEveryMs}`,
      `statistics-rollup@${app.config.triage.statisticsRollUpEveryMs}`,
    ]);
  });

  it('run once per period across two workers, not once per worker', async () => {
    const a = countSweeps(app.deps);
    const b = countSweeps(other);
    await new Promise((r) => setTimeout(r, 3_000));
    a.restore();
    b.restore();
    const total = a.count() + b.count();
    // 3 s at 200 ms is 15 periods: one run each (a few lost to a loaded machine), never two per period.
    expect(total).toBeGreaterThanOrEqual(3);
    expect(total).toBeLessThanOrEqual(17);
  });

  it('replace a schedule whose period changed', async () => {
    // Its own queue prefix, so that the two running workers' own schedule checks cannot put it right first.
    const config = { ...app.config, redis: { ...app.config.redis, queuePrefix: `${app.config.redis.queuePrefix}-period` } };
    const deps = await createDeps(config, createLogger('silent'));
    const q = deps.triageQueues.maintenance;
    await q.add('outbox-sweep', {}, { repeat: { every: 999 }, jobId: 'outbox-sweep' });
    expect((await q.getRepeatableJobs()).filter((j) => j.name === 'outbox-sweep').map((j) => Number(j.every))).toEqual([999]);
    // A worker starting with the configured period (200 ms) puts things right.
    const worker = await startWorker(deps);
    try {
      const everies = (await q.getRepeatableJobs()).filter((j) => j.name === 'outbox-sweep').map((j) => Number(j.every));
      expect(everies).toEqual([200]);
    } finally {
      await worker.close();
      await deps.close();
    }
  });
});
