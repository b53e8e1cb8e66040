/**
 * Reconciliation (the periodic reconcile, src/tasks/reconcile.ts): reports still pending triage
 * that neither the queue nor the outbox holds (a process killed between
 * storing a report and handing it over, a failed job whose failure could
 * not be recorded). A scan of `reports` on the local store, so it runs only
 * when one of those may have happened (src/queue/liveness.ts); enqueueing a report already queued or routed is
 * harmless. Periodic work has no job payload to validate.
 */
import type { TriageDeps } from './deps.js';
import { enqueuePending } from './sweep-outbox.js';

const RECONCILE_BATCH = 1_000;

/** Builds `reconcile(staleMs)`: enqueues unrouted reports older than `staleMs`; how many were taken. */
export function createReconcile(deps: Pick<TriageDeps, 'reports' | 'queues' | 'log'>) {
  return async function reconcile(staleMs: number): Promise<number> {
    return enqueuePending(deps, await deps.reports.findUnrouted(new Date(Date.now() - staleMs), RECONCILE_BATCH), 'triage reconciliation');
  };
}
