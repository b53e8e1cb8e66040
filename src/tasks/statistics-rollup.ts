/**
 * Periodic task `statistics-rollup` (every minute): the days touched by
 * statistics entries written since the watermark are recomputed whole from
 * their entries (src/reports/store/statistics.ts), so the figures lag a
 * change by about a minute and a run repeated or cut short changes nothing.
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function statisticsRollUpTask({ deps }: TaskContext): PeriodicTask {
  return {
    name: 'statistics-rollup',
    every: deps.config.triage.statisticsRollUpEveryMs,
    perform: () => deps.reports.statistics.rollUp(),
  };
}
