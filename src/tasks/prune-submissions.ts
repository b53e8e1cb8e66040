/**
 * Periodic task `prune-submissions` (hourly): "my submissions" looks back a
 * day and the overview's intake tally two, so older entries of their tables
 * go (src/reports/store/submissions.ts, src/reports/store/intake-tally.ts).
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function pruneSubmissionsTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'prune-submissions',
    every: deps.config.triage.pruneSubmissionsEveryMs,
    perform: () => deps.reports.pruneSubmissions(),
  };
}
