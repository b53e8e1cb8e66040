/**
 * Periodic task `outbox-sweep` (every OUTBOX_SWEEP_MS): re-enqueues reports
 * the triage queue did not take (older than OUTBOX_STALE_MS) and queues
 * webhook deliveries Redis did not take when they were made
 * (src/webhooks/service.ts): two small tables, read often because a report
 * waits on the first. Overdue reports have a task of their own
 * (src/tasks/overdue-sweep.ts). A failed run is logged; the next period
 * tries again.
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function outboxSweepTask({ deps, triage }: TaskContext): PeriodicTask {
  const { outboxSweepMs, outboxStaleMs } = deps.config.triage;
  return {
    name: 'outbox-sweep',
    every: outboxSweepMs,
    async perform() {
      await triage.sweepOutbox(outboxStaleMs);
      await deps.webhooks.service.sweepOutbox();
    },
  };
}
