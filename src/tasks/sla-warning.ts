/**
 * Periodic task `sla-warning` (every minute): holders of reports taken but
 * not started are warned before the deadline (src/notifications/service.ts `warnSla`).
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function slaWarningTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'sla-warning',
    every: deps.config.notifications.slaWarningCheckEveryMs,
    perform: () => deps.services.notifications.warnSla(),
  };
}
