/**
 * Periodic task `retention-review` (daily): closed reports past the retention
 * period (RETENTION_DAYS), listed for review (src/reports/store/retention.ts).
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function retentionReviewTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'retention-review',
    every: deps.config.triage.retentionReviewEveryMs,
    perform: async () => (await deps.services.retention.review(deps.config.triage.retentionDays)).reports.length,
  };
}
