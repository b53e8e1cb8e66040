/**
 * Marking a report TRIAGE_FAILED after its triage job's last attempt, so a
 * supervisor sees it; never dropped. The route task's final-failure policy
 * (src/tasks/route.ts), on that job's payload.
 */
import { allows, targetOf } from '../../reports/rules/state-machine.js';
import { SYSTEM, systemEvent, type TriageDeps } from './deps.js';
import { retryOnLostRace } from './retry.js';

const MARK_FAILED_ATTEMPTS = 10;

/** Builds `markFailed(reportId, reason)` on the triage dependencies. */
export function createMarkFailed(deps: Pick<TriageDeps, 'reports' | 'writer'> & Partial<Pick<TriageDeps, 'events'>>) {
  const { reports, writer, events } = deps;
  /** After the last retry: visible to supervisors as TRIAGE_FAILED; false when there is nothing (left) to mark. */
  return async function markFailed(reportId: string, reason: string): Promise<boolean> {
    return retryOnLostRace({
      attempts: MARK_FAILED_ATTEMPTS,
      read: () => reports.findById(reportId),
      // A supervisor's retry of a TRIAGE_FAILED report that fails again lands here too: the
      // outbox flag must come off, or the sweep would re-enqueue it for ever.
      check: (doc) => (!doc || !allows('triageFailed', doc.status) || !doc.triagePending ? false : undefined),
      async apply(doc) {
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status, triagePending: true },
            set: { status: targetOf('triageFailed', doc.status), triagePending: false },
            // A report failing its envelope check is marked too, and keeps failing it (applyChange).
            onTampered: 'keepFlagged',
            history: [{ at: new Date(), actor: SYSTEM, action: 'triage_failed', from: { status: doc.status, triagePending: true }, to: { status: targetOf('triageFailed', doc.status), triagePending: false }, reason }],
          },
          [systemEvent('report.triage', reportId, 'failure', { reason })],
        );
        if (!updated) return null;
        // Supervisors' screens refresh on it (supervisionChanged): a failure belongs to no desk's stream.
        events?.publishSupervision(reportId, 'triage-failed');
        return true;
      },
      // Still pending and never marked (a version claim held by a writer that died): the worker tries the job again later.
      exhausted() {
        throw new Error(`report ${reportId}: triage failure could not be recorded`);
      },
    });
  };
}
