/**
 * Periodic task `outbox-sweep` (every OUTBOX_SWEEP_MS): re-enqueues reports
 * the triage queue did not take (older than OUTBOX_STALE_MS), escalates
 * overdue ones whose SLA job was lost, and queues webhook deliveries Redis
 * did not take when they were made (src/webhooks/service.ts). A failed run
 * is logged; the next period tries again.
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
      await triage.sweepOverdue();
      await deps.webhooks.service.sweepOutbox();
    },
  };
}
