/**
 * Periodic task `prune-submissions` (hourly): the follow-ups list looks back a
 * day and the overview's intake tally two, so older entries of their tables
 * go (src/reports/store/submissions.ts, src/reports/store/intake-tally.ts), and
 * the lists people wait on drop the slots and snapshots a newer snapshot
 * covers (src/reports/store/person-lists.ts).
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
