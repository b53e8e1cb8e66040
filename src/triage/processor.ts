/**
 * Routing a report: links confirmed by decryption, then the rules, then one
 * atomic update that moves it RECEIVED → TRIAGED only while it is still
 * pending (so a job run twice, or by two workers, routes it once). Also the
 * SLA escalation, the failure marking and the outbox sweep.
 */
import type { AuditEventInput } from '../audit/types.js';
import type { Priority as ConfigPriority } from '../config.js';
import type { Logger } from '../logger.js';
import type { HistoryInput } from '../reports/history.js';
import type { ReportRepository } from '../reports/repository.js';
import { allows, targetOf, TRANSITIONS } from '../reports/state-machine.js';
import type { ReportWriter } from '../reports/writer.js';
import type { ReportDoc, ReportLink } from '../reports/types.js';
import type { DeskEvents } from './events.js';
import type { Desk } from '../auth/types.js';
import { edgeOf } from '../reports/links.js';
import { linkingNotes, type ConfirmedLink, type createLinker } from './linking.js';
import type { TriageQueues } from './queue.js';
import { decide, raisePriority, type RuleSet } from './rules.js';
import type { ThreatLevelStore } from './threat-level.js';

export interface TriageDeps {
  reports: ReportRepository;
  linker: ReturnType<typeof createLinker>;
  rules: RuleSet;
  threatLevel: ThreatLevelStore;
  /** Changes with their audit events in the same write (reports/writer.ts). */
  writer: ReportWriter;
  events: DeskEvents;
  queues: TriageQueues;
  slaSeconds: Record<ConfigPriority, number>;
  log: Logger;
}

const SYSTEM = { type: 'system' as const, id: 'triage-worker' };

export type TriageProcessor = ReturnType<typeof createTriageProcessor>;

/** An outbox entry this old without its report will never see it. */
const ORPHAN_OUTBOX_MS = 10 * 60_000;

export function createTriageProcessor(deps: TriageDeps) {
  const { reports, writer, events, log } = deps;
  const systemEvent = (action: string, reportId: string, outcome: 'success' | 'failure', details: Record<string, unknown>): AuditEventInput => ({
    action,
    actor: SYSTEM,
    target: { type: 'report', id: reportId },
    outcome,
    details,
  });

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

  return {
    /** Routes one report; 'skipped' when it is gone or already routed. */
    async route(reportId: string): Promise<'routed' | 'skipped'> {
      let doc = await reports.findById(reportId);
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
      for (let attempt = 0; ; attempt++) {
        const newLinks: ReportLink[] = links
          .filter((l) => !doc!.links.some((x) => x.reportId === l.doc._id))
          .map((l) => ({ reportId: l.doc._id, reference: l.doc.reference, reasons: l.reasons, desk: l.doc.desk, at: now }));
        const history: HistoryInput[] = [
          ...newLinks.map((l) => ({ at: now, actor: SYSTEM, action: 'linked', from: null, to: { reportId: l.reportId, reference: l.reference, reasons: l.reasons }, reason: null })),
          {
            at: now,
            actor: SYSTEM,
            action: 'triaged',
            from: { status: doc.status },
            to: { status: targetOf('triage', doc.status), desk: decision.desk, priority: decision.priority, ruleSetVersion: decision.ruleSetVersion },
            reason: decision.reasons.join(', '),
          },
        ];
        const updated = await writer.apply(
          doc,
          {
            where: { triagePending: true, status: { $in: [...TRANSITIONS.triage.from] } },
            set: {
              status: targetOf('triage', doc.status),
              desk: decision.desk,
              priority: decision.priority,
              triagePending: false,
              triage: { ruleSetVersion: decision.ruleSetVersion, reasons: decision.reasons, decidedAt: now, dueBy },
            },
            push: newLinks.length ? { links: { $each: newLinks } } : undefined,
            history,
          },
          [
            systemEvent('report.triage', reportId, 'success', {
              desk: decision.desk,
              priority: decision.priority,
              reasons: decision.reasons,
              ruleSetVersion: decision.ruleSetVersion,
              threatLevel: level,
            }),
          ],
          now,
        );
        if (updated) break;
        doc = await reports.findById(reportId);
        if (!doc || !doc.triagePending) return 'skipped';
        if (attempt >= 10) throw new Error('report kept changing during triage');
      }
      await scheduleSla({ _id: reportId }, dueBy).catch((err) => log.warn({ reportId, err: (err as Error).message }, 'SLA job not scheduled; the overdue sweep will catch it'));
      events.publish(decision.desk, reportId, 'triaged');
      return 'routed';
    },

    /** After the last retry: visible to supervisors as TRIAGE_FAILED, never dropped. */
    async markFailed(reportId: string, reason: string): Promise<boolean> {
      for (let attempt = 0; attempt < 10; attempt++) {
        const doc = await reports.findById(reportId);
        // A supervisor's retry of a TRIAGE_FAILED report that fails again lands here too: the
        // outbox flag must come off, or the sweep would re-enqueue it for ever.
        if (!doc || !allows('triageFailed', doc.status) || !doc.triagePending) return false;
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status, triagePending: true },
            set: { status: targetOf('triageFailed', doc.status), triagePending: false },
            history: [{ at: new Date(), actor: SYSTEM, action: 'triage_failed', from: { status: doc.status, triagePending: true }, to: { status: targetOf('triageFailed', doc.status), triagePending: false }, reason }],
          },
          [systemEvent('report.triage', reportId, 'failure', { reason })],
        );
        if (updated) return true;
      }
      // Still pending and never marked (a version claim held by a writer that died): the worker tries the job again later.
      throw new Error(`report ${reportId}: triage failure could not be recorded`);
    },

    /** Escalates a report still unclaimed at its deadline: a flag, a history entry, a raised priority. */
    async escalate(reportId: string, dueByIso: string): Promise<boolean> {
      for (let attempt = 0; attempt < 10; attempt++) {
        const doc = await reports.findById(reportId);
        if (!doc || !allows('escalate', doc.status) || doc.assignee || doc.escalated || !doc.triage || doc.triage.dueBy.toISOString() !== dueByIso) return false;
        const priority = raisePriority(doc.priority ?? 'P4', 1);
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status, assignee: null, escalated: false },
            set: { escalated: true, priority },
            history: [{ at: new Date(), actor: SYSTEM, action: 'escalated', from: { priority: doc.priority, escalated: false }, to: { priority, escalated: true }, reason: `unclaimed past its deadline ${dueByIso}` }],
          },
          [systemEvent('report.escalate', reportId, 'success', { from: doc.priority, to: priority })],
        );
        if (updated) {
          events.publish(doc.desk!, reportId, 'escalated');
          return true;
        }
      }
      return false;
    },

    /**
     * Outbox sweep: hands over reports still pending (Redis was down, a job
     * failed for good while the database was down, a process died). It only
     * enqueues: reading each report here would be a scan per entry on FerretDB,
     * and `route` sorts out entries whose report was routed or never stored.
     */
    async sweepOutbox(staleMs: number): Promise<number> {
      const pending = await reports.findPendingTriage(new Date(Date.now() - staleMs), 500);
      let enqueued = 0;
      for (const p of pending) if (await deps.queues.enqueueTriage(p._id)) enqueued++;
      if (pending.length) log.info({ pending: pending.length, enqueued }, 'outbox sweep');
      return enqueued;
    },

    /**
     * Reconciliation: reports still pending triage that neither the queue nor
     * the outbox holds (a process killed between storing a report and handing
     * it over, a failed job whose failure could not be recorded). A scan of
     * `reports` on FerretDB, so it runs rarely (OUTBOX_RECONCILE_MS);
     * enqueueing a report already queued or routed is harmless.
     */
    async reconcile(staleMs: number): Promise<number> {
      const ids = await reports.findUnrouted(new Date(Date.now() - staleMs), 1_000);
      let enqueued = 0;
      for (const id of ids) if (await deps.queues.enqueueTriage(id)) enqueued++;
      if (ids.length) log.info({ pending: ids.length, enqueued }, 'triage reconciliation');
      return enqueued;
    },

    /** Safety net for lost SLA jobs: escalates whatever is overdue and unclaimed. */
    async sweepOverdue(): Promise<number> {
      const overdue = await reports.findOverdue(new Date(), 200);
      let n = 0;
      for (const id of overdue) {
        const doc = await reports.findById(id);
        if (doc?.triage && (await this.escalate(id, doc.triage.dueBy.toISOString()))) n++;
      }
      return n;
    },
  };
}
