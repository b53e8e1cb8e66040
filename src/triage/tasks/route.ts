/**
 * Routing a report (the triage queue's job): links confirmed by decryption,
 * then the rules, then one atomic update that moves it RECEIVED → TRIAGED
 * only while it is still pending (so a job run twice, or by two workers,
 * routes it once); then its SLA job.
 */
import type { Desk } from '../../auth/types.js';
import type { HistoryInput } from '../../reports/model/history.js';
import { isPartnerSourced, timeFor } from '../../reports/rules/partner-time.js';
import { allows, targetOf, TRANSITIONS } from '../../reports/rules/state-machine.js';
import type { ReportDoc } from '../../reports/model/types.js';
import { cardOf } from '../../reports/model/card.js';
import { linkingNotes, routingLinks, type ConfirmedLink } from '../linking.js';
import { decide } from '../rules.js';
import { SYSTEM, systemEvent, type TriageDeps } from './deps.js';
import { retryOnLostRace } from './retry.js';

/** An outbox entry this old without its report will never see it. */
const ORPHAN_OUTBOX_MS = 10 * 60_000;
/** Lost races before the job fails (and bull tries it again). */
const ROUTE_ATTEMPTS = 11;

/** Builds `route(reportId)` on the triage dependencies. */
export function createRoute(deps: TriageDeps) {
  const { reports, writer, events, log } = deps;

  /**
   * Records each confirmed link as a sealed edge of its own (reports/store/links.ts),
   * filed under both reports: never a write into the other one, so routing
   * does not wait on the other reports' writers. At most LINK_MAX_CANDIDATES
   * links, to open and closed reports alike; the edge's _id is a keyed hash of the pair, so a retried job
   * records nothing twice. Returns the edge ids, which history names instead
   * of the other report.
   */
  async function recordLinks(doc: ReportDoc, links: ConfirmedLink[], desk: Desk, at: Date) {
    const edges = links.map((l) => deps.linker.edgeOf({ ...doc, desk }, l.doc, l.reasons, at));
    await Promise.all(edges.map((edge) => reports.recordLink(edge)));
    return edges;
  }

  /** The SLA job (triage/queue.ts scheduleSla): its key names the report only; a partner report's dueBy is to the minute. */
  async function scheduleSla(doc: Pick<ReportDoc, '_id' | 'source'>, dueBy: Date) {
    await deps.queues.scheduleSla(doc._id, dueBy, { partner: isPartnerSourced(doc) });
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
    const { links, terms, termsKeyId, ...leftOut } = await deps.linker.confirmedLinks(doc);
    const level = await deps.threatLevel.level();
    // Every confirmed link is recorded (closed reports too); only links to open reports through a value not shared by
    // more than the threshold steer routing (triage/linking.ts routingLinks); what linking did not compare is a fact on the report.
    const decided = decide(deps.rules.current(), doc, level, routingLinks({ links, ...leftOut }).map((l) => ({ desk: l.doc.desk, priority: l.doc.priority, reference: l.doc.reference })));
    const decision = { ...decided, reasons: [...decided.reasons, ...linkingNotes(leftOut)] };
    // A partner report's decision time and deadline: to the minute (reports/rules/partner-time.ts).
    const now = timeFor(doc);
    const dueBy = timeFor(doc, new Date(now.getTime() + deps.slaSeconds[decision.priority] * 1000));
    const edges = await recordLinks(doc, links, decision.desk, now);
    const goneOrRouted = (d: ReportDoc | null) => (!d || !d.triagePending ? ('skipped' as const) : undefined);
    let routed: ReportDoc | null = null;
    const outcome = await retryOnLostRace<'routed' | 'skipped'>({
      attempts: ROUTE_ATTEMPTS,
      first: doc,
      read: () => reports.findById(reportId),
      check: goneOrRouted,
      async apply(current) {
        // History names each link by its edge's keyed id, never the other report (its id or reference would outlive its erasure).
        const history: HistoryInput[] = [
          ...edges.map((e) => ({ at: now, actor: SYSTEM, action: 'linked', from: null, to: { link: e._id, reasons: e.reasons }, reason: null })),
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
            history,
            checkedAtRead: true, // `current` is findById's (the first read, or the retry's)
          },
          [systemEvent('report.triage', reportId, 'success', { desk: decision.desk, priority: decision.priority, reasons: decision.reasons, ruleSetVersion: decision.ruleSetVersion, threatLevel: level })],
          now,
        );
        routed = updated;
        return updated ? 'routed' : null;
      },
      async exhausted() {
        const stop = goneOrRouted(await reports.findById(reportId));
        if (stop) return stop;
        throw new Error('report kept changing during triage');
      },
    });
    if (outcome === 'skipped') return outcome;
    await scheduleSla(doc, dueBy).catch((err) => log.warn({ reportId, err: (err as Error).message }, 'SLA job not scheduled; the overdue sweep will catch it'));
    events.publish(decision.desk, reportId, 'triaged');
    // Holders of the reports linked to hear of it (keyed by edge: a retried job tells them once; never fails routing).
    await deps.notifications?.linksConfirmed(links.map((l, i) => ({ doc: l.doc, edgeId: edges[i]!._id })), now);
    // The cards of the report and of those linked to it (reports/model/card.ts), for the link chart: their terms from
    // their values as linking decrypted them. Never fails routing (a chart without a card reads the report whole).
    if (routed && links.length) {
      const cards = [routed as ReportDoc, ...links.map((l) => l.doc)].map((d) => cardOf(d, terms.get(d._id) ?? [], termsKeyId));
      await reports.fileCards(cards).catch((err: Error) => log.warn({ reportId, errName: err.name }, 'report cards not filed'));
    }
    // Outgoing webhooks after the commit, not awaited: a slow receiver never holds up triage (src/webhooks/).
    if (decision.priority === 'P1') void deps.webhooks?.notify('p1_intake', { _id: reportId, desk: decision.desk, priority: decision.priority });
    return 'routed';
  };
}
