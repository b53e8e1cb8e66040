/**
 * The background worker: runs the task registry (src/tasks/index.ts). Each
 * queued task is consumed with its payload schema and failure policy, each
 * periodic task is scheduled at its period, once per period across all
 * workers (src/queue/periodic.ts). Nothing it needs lives in process memory,
 * so several workers can run side by side; a worker killed mid-job leaves a
 * stalled job that bull hands to another worker, and routing is idempotent.
 */
import type { Deps } from './deps.js';
import { observeTriageQueues } from './metrics/queue.js';
import { schedulePeriodic } from './queue/periodic.js';
import { runQueuedTask } from './queue/task.js';
import { createTaskRegistry } from './tasks/index.js';

/** The triage work as the tasks run it, for tests that drive a task by hand. */
export { triageProcessorOf } from './tasks/context.js';

export interface Worker {
  close(): Promise<void>;
}

/**
 * Starts every task of the registry: 4 jobs at a time per queue unless the task names its own (route:
 * TRIAGE_CONCURRENCY); an explicit `concurrency` is every queue's (a test that needs one job at a time).
 */
export async function startWorker(deps: Deps, opts: { concurrency?: number } = {}): Promise<Worker> {
  const { log } = deps;
  const concurrency = opts.concurrency ?? 4;
  const tasks = createTaskRegistry(deps);
  for (const task of tasks.queued) runQueuedTask(task, opts.concurrency ?? task.concurrency ?? concurrency);
  // Triage outcomes, retries and latency, SLA escalations: from this worker's own job events.
  observeTriageQueues(deps.triageQueues, deps.metrics);
  // A killed process is the likeliest reason a worker starts: the reconcile's start-up run is to scan (its work is
  // older than this start, so the mark is due at once).
  const { outboxStaleMs, auditRecoveryGraceMs } = deps.config.triage;
  deps.liveness.want(Date.now() - Math.max(outboxStaleMs, auditRecoveryGraceMs));
  const maintenance = deps.triageQueues.maintenance;
  const periodic = schedulePeriodic(maintenance, tasks.periodic, { log });
  await periodic.ready;
  log.info({ concurrency }, 'worker started');
  return {
    async close() {
      periodic.stop();
      // pause(true) stops taking new jobs on this worker and waits for active ones.
      await Promise.allSettled([...tasks.queued.map((task) => task.queue.pause(true)), maintenance.pause(true)]);
      log.info('worker stopped');
    },
  };
}
