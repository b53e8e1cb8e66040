/**
 * Periodic task `overdue-sweep` (every OVERDUE_SWEEP_MS, a minute by default):
 * escalates reports unclaimed past their deadline whose own SLA job was lost
 * (src/triage/tasks/sweep-overdue.ts). Each report's delayed job
 * (src/triage/queue.ts `scheduleSla`) escalates it on time; this is the
 * safety net behind it, for a job Redis lost or never took. Its own period,
 * not the triage outbox's: on the local store it reads every desk queue
 * table whole (reports/store/desk-queue.ts `overdue`), up to 1.6 s of the
 * store's time at 100,000 reports, and run every 10 s it sat under the
 * slowest claims and charts of the bench (README "Performance"). A failed
 * run is logged; the next period tries again.
 */
import type { PeriodicTask } from '../queue/task.js';
import type { TaskContext } from './context.js';

export function overdueSweepTask({ deps, triage }: TaskContext): PeriodicTask {
  return {
    name: 'overdue-sweep',
    every: deps.config.triage.overdueSweepMs,
    perform: () => triage.sweepOverdue(),
  };
}
