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

/**
 * Builds `reconcile(staleMs)`: enqueues unrouted reports older than `staleMs`; how many were taken. `found.full` is
 * set when the batch was full: more may be left, so the gated reconcile runs again (src/tasks/reconcile.ts).
 */
export function createReconcile(deps: Pick<TriageDeps, 'reports' | 'queues' | 'log'>) {
  return async function reconcile(staleMs: number, opts: { batch?: number; found?: { full: boolean } } = {}): Promise<number> {
    const batch = opts.batch ?? RECONCILE_BATCH;
    const pending = await deps.reports.findUnrouted(new Date(Date.now() - staleMs), batch);
    if (opts.found && pending.length >= batch) opts.found.full = true;
    return enqueuePending(deps, pending, 'triage reconciliation');
  };
}
