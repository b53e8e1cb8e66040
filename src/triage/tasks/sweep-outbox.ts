/**
 * Outbox sweep (the periodic outbox-sweep, src/tasks/outbox-sweep.ts): hands over reports still pending
 * (Redis was down, a job failed for good while the database was down, a
 * process died). It only enqueues: reading each report here would be a scan
 * per entry on the local store, and `route` sorts out entries whose report was
 * routed or never stored. Periodic work has no job payload to validate.
 */
import type { TriageSubject } from '../queue.js';
import type { TriageDeps } from './deps.js';

const SWEEP_BATCH = 500;

/** Hands reports found pending to the triage queue, each at its priority; logs and returns how many it took. */
export async function enqueuePending(
  deps: Pick<TriageDeps, 'queues' | 'log'>,
  pending: readonly TriageSubject[],
  what: string,
): Promise<number> {
  let enqueued = 0;
  for (const p of pending) if (await deps.queues.enqueueTriage(p)) enqueued++;
  if (pending.length) deps.log.info({ pending: pending.length, enqueued }, what);
  return enqueued;
}

/** Builds `sweepOutbox(staleMs)`: enqueues outbox entries older than `staleMs`; how many were taken. */
export function createSweepOutbox(deps: Pick<TriageDeps, 'reports' | 'queues' | 'log'>) {
  return async function sweepOutbox(staleMs: number): Promise<number> {
    return enqueuePending(deps, await deps.reports.findPendingTriage(new Date(Date.now() - staleMs), SWEEP_BATCH), 'outbox sweep');
  };
}
