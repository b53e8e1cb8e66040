/**
 * How a report change is written with its audit events: the events go into
 * the change's own single-document update (with any earlier events not yet
 * known to be chained), then are appended to the audit chain. One path for
 * desk work and the triage worker alike; see src/audit/chainer.ts.
 */
import type { AuditChainer } from '../../audit/chainer.js';
import type { AuditEventInput } from '../../audit/types.js';
import { timeFor } from '../rules/partner-time.js';
import type { ReportRepository } from './repository.js';
import type { ReportDoc } from '../model/types.js';
import { statisticsEvents } from '../model/statistics.js';

export type ReportChange = Parameters<ReportRepository['applyChange']>[1];
export type ReportWriter = ReturnType<typeof createReportWriter>;

/**
 * `afterCommit`: derived work on a committed change (notifications: src/notifications/service.ts),
 * given the report as read and as written; it must not throw, and any failure is dropped here too:
 * the change stands whatever happens after it.
 */
export function createReportWriter(deps: { reports: ReportRepository; chainer: AuditChainer; afterCommit?: (before: ReportDoc, after: ReportDoc) => Promise<void> }) {
  const { reports, chainer } = deps;
  return {
    /**
     * Applies `change` to `doc` as read (see applyChange) together with its
     * audit events; null when the precondition or version no longer holds.
     * The change is committed once this returns a document, whether or not
     * the chain could be written at that moment (the events then wait in the
     * report for the worker's recovery).
     */
    async apply(doc: ReportDoc, change: ReportChange, audit: readonly AuditEventInput[], when = new Date()): Promise<ReportDoc | null> {
      const at = timeFor(doc, when); // a partner report's audit events: to the minute (reports/rules/partner-time.ts)
      // Each event names the version the change makes: the keyed, checkpointed chain then says how far the report got,
      // which a document put back from a snapshot cannot rewind (reports/store/freshness.ts, verifyReportHistory).
      const versioned = audit.map((e) => ({ ...e, details: { ...e.details, version: doc.version + 1 } }));
      const events = chainer.events(doc._id, doc.version + 1, versioned, at);
      const set = events.length ? { ...change.set, auditPending: [...(await chainer.carry(doc.auditPending)), ...events] } : change.set;
      const updated = await reports.applyChange(doc, { ...change, set });
      if (updated) {
        // The change's statistics entry (reports/store/statistics.ts), beside its audit append: the one write
        // statistics add to a change. Lost only if this process dies here or the store refuses it; the nightly
        // reconciliation derives it again from the report's history under the same key.
        const counted = statisticsEvents(updated, updated.history.slice(doc.history.length), doc.status);
        await Promise.all([chainer.chain(events), counted.length ? reports.statistics.record(counted).catch(() => 0) : 0]);
      }
      if (updated && deps.afterCommit) await deps.afterCommit(doc, updated).catch(() => undefined);
      return updated;
    },
  };
}
