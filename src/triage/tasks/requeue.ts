/**
 * The triage job whose failure could not even be recorded (the database did
 * not take `markFailed`) goes back in the queue after a pause instead of
 * waiting for the next reconciliation. Its hand-off is decided like every
 * other one, from the report (triage/queue.ts `enqueueTriage`), so an
 * imminent threat keeps its place ahead of the backlog.
 */
import type Queue from 'bull';
import { TRIAGE_PRIORITY, type TriageJob, type TriageSubject } from '../queue.js';
import type { TriageDeps } from './deps.js';

/** The pause before such a job is tried again. */
export const RETRY_AFTER_UNRECORDED_FAILURE_MS = 5_000;

/**
 * The report as stored, or, when the database does not answer even a read,
 * what the failed job's own hand-off derived from it: its priority, and
 * whether its times were taken to the minute (a partner's, triage/queue.ts).
 */
async function subjectOf(deps: Pick<TriageDeps, 'reports'>, job: Queue.Job<TriageJob>): Promise<TriageSubject> {
  const reportId = job.data.reportId;
  const report = await deps.reports.findById(reportId).catch(() => null);
  if (report) return report;
  return { _id: reportId, imminentThreat: job.opts.priority === TRIAGE_PRIORITY.imminentThreat, partner: job.timestamp % 60_000 === 0 };
}

/** Builds `requeueUnrecorded(job)`: true when the queue took the job again. */
export function createRequeueUnrecorded(deps: Pick<TriageDeps, 'reports' | 'queues' | 'log'>) {
  return async function requeueUnrecorded(job: Queue.Job<TriageJob>): Promise<boolean> {
    const taken = await deps.queues.enqueueTriage(await subjectOf(deps, job), { delayMs: RETRY_AFTER_UNRECORDED_FAILURE_MS });
    if (!taken) deps.log.warn({ jobId: job.id }, 'triage failure not recorded; reconciliation will retry');
    return taken;
  };
}
