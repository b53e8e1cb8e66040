/**
 * The task registry: every background task, queued and periodic, in one list
 * the worker runs (src/worker.ts), so a task's payload schema, failure policy
 * and period are declared once, in its own file here, and nowhere in the
 * worker. Adding a task is adding its file and a line below.
 * Guarded by: tests/integration/task-registry.test.ts
 */
import type { Deps } from '../deps.js';
import type { PeriodicTask, QueuedTask } from '../queue/task.js';
import { attachmentSweepTask } from './attachment-sweep.js';
import { auditCheckpointTask } from './audit-checkpoint.js';
import { createTaskContext, type TaskContext } from './context.js';
import { escalateTask } from './escalate.js';
import { outboxSweepTask } from './outbox-sweep.js';
import { overdueSweepTask } from './overdue-sweep.js';
import { pruneSubmissionsTask } from './prune-submissions.js';
import { reconcileTask } from './reconcile.js';
import { retentionReviewTask } from './retention-review.js';
import { routeTask } from './route.js';
import { slaWarningTask } from './sla-warning.js';
import { statisticsReconcileTask } from './statistics-reconcile.js';
import { statisticsRollUpTask } from './statistics-rollup.js';
import { webhookDeliveryTask } from './webhook-delivery.js';

/**
 * A queued task of whichever payload: each is typed by its own file, and the
 * worker hands each to runQueuedTask whole, so no payload meets another task's schema.
 */
export type AnyQueuedTask = QueuedTask<any>;

/** Tasks whose jobs wait on a bull queue, each its own queue. */
const QUEUED: ((ctx: TaskContext) => AnyQueuedTask)[] = [routeTask, escalateTask, webhookDeliveryTask];

/** Tasks run once per period across all workers (repeatable jobs on the maintenance queue). */
const PERIODIC: ((ctx: TaskContext) => PeriodicTask)[] = [outboxSweepTask, overdueSweepTask, reconcileTask, auditCheckpointTask, slaWarningTask, pruneSubmissionsTask, retentionReviewTask, attachmentSweepTask, statisticsRollUpTask, statisticsReconcileTask];

export interface TaskRegistry {
  queued: AnyQueuedTask[];
  periodic: PeriodicTask[];
}

/** Builds every task on the app's wiring (the triage work once, shared by the tasks that run it). */
export function createTaskRegistry(deps: Deps): TaskRegistry {
  const ctx = createTaskContext(deps);
  return { queued: QUEUED.map((task) => task(ctx)), periodic: PERIODIC.map((task) => task(ctx)) };
}
