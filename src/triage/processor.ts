/**
 * The triage worker's work, one file each under tasks/: route (the triage
 * queue's job), escalate (the sla queue's), markFailed (a triage job's last
 * failure), requeueUnrecorded (when even that could not be recorded), and
 * sweepOutbox, sweepOverdue and reconcile (run by the periodic outbox-sweep,
 * overdue-sweep and reconcile). What runs them, with which payload schema (src/triage/queue.ts),
 * failure policy and period, is the task registry (src/tasks/index.ts).
 */
import { type TriageDeps } from './tasks/deps.js';
import { createEscalate } from './tasks/escalate.js';
import { createMarkFailed } from './tasks/mark-failed.js';
import { createReconcile } from './tasks/reconcile.js';
import { createRequeueUnrecorded } from './tasks/requeue.js';
import { createRoute } from './tasks/route.js';
import { createSweepOutbox } from './tasks/sweep-outbox.js';
import { createSweepOverdue } from './tasks/sweep-overdue.js';

export type { TriageDeps } from './tasks/deps.js';

export type TriageProcessor = ReturnType<typeof createTriageProcessor>;

/** Builds every triage task on the same dependencies (what the worker runs, and tests drive by hand). */
export function createTriageProcessor(deps: TriageDeps) {
  const escalate = createEscalate(deps);
  return {
    route: createRoute(deps),
    markFailed: createMarkFailed(deps),
    requeueUnrecorded: createRequeueUnrecorded(deps),
    escalate,
    sweepOutbox: createSweepOutbox(deps),
    reconcile: createReconcile(deps),
    sweepOverdue: createSweepOverdue(deps, escalate),
  };
}
