/**
 * Task `route` (the triage queue): routes one report (triage/tasks/route.ts).
 * Failure policy: retried with the queue's backoff (TRIAGE_ATTEMPTS,
 * TRIAGE_BACKOFF_MS); a tampered report is not retried; after the last
 * attempt the report is marked TRIAGE_FAILED, and if even that cannot be
 * recorded (the database is down) the job goes back in the queue after a
 * pause rather than leave a pending report to the next reconciliation.
 */
import type { QueuedTask } from '../queue/task.js';
import { triageJobPayload, type TriageJob } from '../triage/queue.js';
import type { TaskContext } from './context.js';
import { isTampered, logTamper } from './report-integrity.js';

export function routeTask({ deps, triage, log }: TaskContext): QueuedTask<TriageJob> {
  return {
    name: 'route',
    queue: deps.triageQueues.triage,
    // Several reports at once (each job waits mostly on store round trips); bull still takes the highest priority first.
    concurrency: deps.config.triage.concurrency,
    payload: triageJobPayload,
    perform: ({ reportId }) => triage.route(reportId),
    isFinal: isTampered,
    onFailed({ job, err, final, payload }) {
      logTamper(log, err);
      log.warn({ jobId: job.id, attempt: job.attemptsMade, final, err: err.name }, 'triage job failed');
      if (!final || !payload) return; // a malformed job names no report to mark (its error says why it failed)
      triage.markFailed(payload.reportId, `triage failed after ${job.attemptsMade} attempts (${err.name})`).catch(async () => {
        // Neither recorded nor queued again: the report waits for the reconcile's scan, which must be told.
        if (!(await triage.requeueUnrecorded(job).catch(() => false))) deps.liveness.want();
      });
    },
  };
}
