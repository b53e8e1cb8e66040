/**
 * The triage worker's tasks, one file each under tasks/: route (the triage
 * queue), escalate (the sla queue), markFailed (a triage job's last
 * failure), requeueUnrecorded (when even that could not be recorded), and the periodic sweepOutbox, reconcile and sweepOverdue. The
 * job payload schemas live beside their tasks; src/worker.ts parses each
 * job's payload with them before calling the task (tasks/job.ts).
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
export { escalatePayload } from './tasks/escalate.js';
export { markFailedPayload } from './tasks/mark-failed.js';
export { routePayload } from './tasks/route.js';
export { InvalidJobPayloadError, parseJobPayload } from './tasks/job.js';

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
