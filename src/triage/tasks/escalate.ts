/**
 * SLA escalation (the sla queue's job): a report still unclaimed at its
 * deadline gets a flag, a history entry and a raised priority. A job whose
 * deadline is no longer the report's (re-triaged, claimed) does nothing.
 */
import { allows } from '../../reports/rules/state-machine.js';
import { raisePriority } from '../rules.js';
import { SYSTEM, systemEvent, type TriageDeps } from './deps.js';
import { retryOnLostRace } from './retry.js';

const ESCALATE_ATTEMPTS = 10;

/** Builds `escalate(reportId, dueByIso)` on the triage dependencies. */
export function createEscalate(deps: Pick<TriageDeps, 'reports' | 'writer' | 'events' | 'webhooks'>) {
  const { reports, writer, events } = deps;
  /** Escalates a report still unclaimed at its deadline; false when it no longer qualifies or kept changing. */
  return async function escalate(reportId: string, dueByIso: string): Promise<boolean> {
    return retryOnLostRace({
      attempts: ESCALATE_ATTEMPTS,
      read: () => reports.findById(reportId),
      check: (doc) =>
        !doc || !allows('escalate', doc.status) || doc.assignee || doc.escalated || !doc.triage || doc.triage.dueBy.toISOString() !== dueByIso ? false : undefined,
      async apply(doc) {
        const priority = raisePriority(doc.priority ?? 'P4', 1);
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status, assignee: null, escalated: false },
            set: { escalated: true, priority },
            // Escalation is a safety net: it lands on a report failing its envelope check too, which keeps failing it (applyChange).
            onTampered: 'keepFlagged',
            history: [{ at: new Date(), actor: SYSTEM, action: 'escalated', from: { priority: doc.priority, escalated: false }, to: { priority, escalated: true }, reason: `unclaimed past its deadline ${dueByIso}` }],
          },
          [systemEvent('report.escalate', reportId, 'success', { from: doc.priority, to: priority })],
        );
        if (!updated) return null;
        events.publish(doc.desk!, reportId, 'escalated');
        // After the commit, not awaited (src/webhooks/): a receiver never holds up escalation.
        void deps.webhooks?.notify('sla_escalation', { _id: reportId, desk: doc.desk, priority });
        return true;
      },
      exhausted: () => false,
    });
  };
}
