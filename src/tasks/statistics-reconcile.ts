/**
 * Periodic task `statistics-reconcile` (nightly): re-derives the last
 * STATISTICS_RECONCILE_DAYS days of statistics events from the reports
 * themselves (their plaintext history and routing fields, never content),
 * inserts the entries a crash lost and recomputes those days
 * (src/reports/store/statistics.ts), then drops entries of days now final.
 * A run that corrected drift appends one `statistics.reconcile` audit event
 * (the window and counts only: days and count cells that differed, their
 * total absolute difference, entries put back; never a report id or content),
 * so the corrections are on the record an auditor reads; a run that found
 * none appends nothing (it is logged). The event is noted in the statistics
 * store before the days are rewritten and cleared once appended, so an append
 * refused (the audit log down) is appended by the next run, first. A scan of
 * `reports` on the local store, hence nightly.
 */
import type { PeriodicTask } from '../queue/task.js';
import type { ReconcileDetails } from '../reports/store/statistics.js';
import type { TaskContext } from './context.js';

/** The window recomputed from the reports: a week, so a worker down over a long weekend is still corrected. */
export const STATISTICS_RECONCILE_DAYS = 7;

export function statisticsReconcileTask({ deps, log }: TaskContext): PeriodicTask {
  return {
    name: 'statistics-reconcile',
    every: deps.config.triage.statisticsReconcileEveryMs,
    async perform() {
      const statistics = deps.reports.statistics;
      const append = (details: ReconcileDetails) =>
        deps.services.audit.record({ action: 'statistics.reconcile', actor: { type: 'system', id: 'statistics-reconcile' }, target: { type: 'system', id: 'statistics' }, outcome: 'success', details: { ...details } });
      // A correction an earlier run made but could not put on the audit record (the append refused, or the run died): first.
      const leftover = await statistics.pendingReconcile();
      if (leftover) {
        await append(leftover.details);
        await statistics.clearPendingReconcile(leftover.run);
      }
      const now = new Date();
      const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (STATISTICS_RECONCILE_DAYS - 1)));
      const result = await statistics.reconcile(deps.reports.statisticsSources(since), { windowDays: STATISTICS_RECONCILE_DAYS, now });
      // Counts only: how many entries were missing (by measure), how many day documents and count cells changed.
      if (result.entriesAdded || result.daysChanged) {
        log.warn({ component: 'statistics', ...result }, 'statistics reconciliation corrected drift');
        // Noted in the store before the days were written (reconcile): a refused append is made by the next run.
        await append({ from: result.window.from, to: result.window.to, daysChanged: result.daysChanged, cellsDiffered: result.cellsDiffered, drift: result.drift, entriesAdded: result.entriesAdded });
        if (result.pendingRun) await statistics.clearPendingReconcile(result.pendingRun);
      } else log.info({ component: 'statistics', window: result.window }, 'statistics reconciliation found no drift');
      await deps.reports.statistics.prune(now);
      return result;
    },
  };
}
