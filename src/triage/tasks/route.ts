/**
 * Routing a report (the triage queue's job): links confirmed by decryption,
 * then the rules, then one atomic update that moves it RECEIVED → TRIAGED
 * only while it is still pending (so a job run twice, or by two workers,
 * routes it once); then its SLA job.
 */
import { z } from 'zod';
import type { Desk } from '../../auth/types.js';
import type { HistoryInput } from '../../reports/history.js';
import { edgeOf } from '../../reports/links.js';
import { allows, targetOf, TRANSITIONS } from '../../reports/state-machine.js';
import type { ReportDoc, ReportLink } from '../../reports/types.js';
import { linkingNotes, type ConfirmedLink } from '../linking.js';
import { decide } from '../rules.js';
import { SYSTEM, systemEvent, type TriageDeps } from './deps.js';
import { reportIdField } from './job.js';
import { retryOnLostRace } from './retry.js';

/** The triage job's payload (src/triage/queue.ts TriageJob). */
export const routePayload = z.object({ reportId: reportIdField });

/** An outbox entry this old without its report will never see it. */
const ORPHAN_OUTBOX_MS = 10 * 60_000;
/** Lost races before the job fails (and bull tries it again). */
const ROUTE_ATTEMPTS = 11;

/** Builds `route(reportId)` on the triage dependencies. */
export function createRoute(deps: TriageDeps) {
  const { reports, writer, events, log } = deps;

  /**
   * Records each confirmed link as an edge of its own (reports/links.ts),
   * filed under the other report: never a write into it, so routing does not
   * wait on the other reports' writers. At most LINK_MAX_CANDIDATES links;
   * the edge's _id is the pair, so a retried job records nothing twice.
   */
  async function recordLinks(doc: ReportDoc, links: ConfirmedLink[], desk: Desk, at: Date) {
    await Promise.all(links.map((l) => reports.recordLink(edgeOf({ ...doc, desk }, l.doc, l.reasons, at), l.doc._id)));
  }

  async function scheduleSla(doc: Pick<ReportDoc, '_id'>, dueBy: Date) {
    const delay = Math.max(0, dueBy.getTime() - Date.now());
    await deps.queues.sla.add({ reportId: doc._id, dueBy: dueBy.toISOString() }, { delay, jobId: `sla:${doc._id}:${dueBy.getTime()}` });
  }

  /** Routes one report; 'skipped' when it is gone or already routed. */
  return async function route(reportId: string): Promise<'routed' | 'skipped'> {
    const doc = await reports.findById(reportId);
    if (!doc) {
      // An entry without a report (none should exist: entries follow their report). A young one
      // is left alone in case its report is still being written; an old one is dropped.
      const entry = await reports.findPendingEntry(reportId);
      if (entry && Date.now() - entry.recordedAt.getTime() > ORPHAN_OUTBOX_MS) await reports.dropOrphanOutboxEntry(reportId);
      return 'skipped';
    }
    if (!doc.triagePending || !allows('triage', doc.status)) {
      // Routed already (a duplicate job, or a crash after routing): make sure it has left the outbox.
      // (Its audit event was written with the routing: chained then, or by the audit recovery.)
      await reports.syncSideTables(doc);
      return 'skipped';
    }
    const { links, ...leftOut } = await deps.linker.confirmedLinks(doc);
    const { level } = await deps.threatLevel.get();
    // Only confirmed links steer routing; what linking left out (terms shared by many, unread candidates) is a fact on the report.
    const decided = decide(deps.rules, doc, level, links.map((l) => ({ desk: l.doc.desk, priority: l.doc.priority, reference: l.doc.reference })));
    const decision = { ...decided, reasons: [...decided.reasons, ...linkingNotes(leftOut)] };
    const now = new Date();
    const dueBy = new Date(now.getTime() + deps.slaSeconds[decision.priority] * 1000);
    await recordLinks(doc, links, decision.desk, now);
    const goneOrRouted = (d: ReportDoc | null) => (!d || !d.triagePending ? ('skipped' as const) : undefined);
    const outcome = await retryOnLostRace<'routed' | 'skipped'>({
      attempts: ROUTE_ATTEMPTS,
      first: doc,
      read: () => reports.findById(reportId),
      check: goneOrRouted,
      async apply(current) {
        const newLinks: ReportLink[] = links
          .filter((l) => !current.links.some((x) => x.reportId === l.doc._id))
          .map((l) => ({ reportId: l.doc._id, reference: l.doc.reference, reasons: l.reasons, desk: l.doc.desk, at: now }));
        const history: HistoryInput[] = [
          ...newLinks.map((l) => ({ at: now, actor: SYSTEM, action: 'linked', from: null, to: { reportId: l.reportId, reference: l.reference, reasons: l.reasons }, reason: null })),
          {
            at: now,
            actor: SYSTEM,
            action: 'triaged',
            from: { status: current.status },
            to: { status: targetOf('triage', current.status), desk: decision.desk, priority: decision.priority, ruleSetVersion: decision.ruleSetVersion },
            reason: decision.reasons.join(', '),
          },
        ];
        const updated = await writer.apply(
          current,
          {
            where: { triagePending: true, status: { $in: [...TRANSITIONS.triage.from] } },
            set: {
              status: targetOf('triage', current.status),
              desk: decision.desk,
              priority: decision.priority,
              triagePending: false,
              triage: { ruleSetVersion: decision.ruleSetVersion, reasons: decision.reasons, decidedAt: now, dueBy },
            },
            push: newLinks.length ? { links: { $each: newLinks } } : undefined,
            history,
          },
          [systemEvent('report.triage', reportId, 'success', { desk: decision.desk, priority: decision.priority, reasons: decision.reasons, ruleSetVersion: decision.ruleSetVersion, threatLevel: level })],
          now,
        );
        return updated ? 'routed' : null;
      },
      async exhausted() {
        const stop = goneOrRouted(await reports.findById(reportId));
        if (stop) return stop;
        throw new Error('report kept changing during triage');
      },
    });
    if (outcome === 'skipped') return outcome;
    await scheduleSla({ _id: reportId }, dueBy).catch((err) => log.warn({ reportId, err: (err as Error).message }, 'SLA job not scheduled; the overdue sweep will catch it'));
    events.publish(decision.desk, reportId, 'triaged');
    return 'routed';
  };
}
