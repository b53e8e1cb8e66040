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
import type { ReportWriter } from '../reports/writer.js';
import type { ReportDoc, ReportLink } from '../reports/types.js';
import type { DeskEvents } from './events.js';
import type { createLinker } from './linking.js';
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
const ROUTABLE = ['RECEIVED', 'TRIAGE_FAILED'] as const;

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

  /** Appends `link` to `other` unless it is there already; retried on concurrent changes. */
  async function addLink(other: ReportDoc, link: ReportLink) {
    let doc: ReportDoc | null = other;
    for (let attempt = 0; doc && attempt < 10; attempt++) {
      if (doc.links.some((l) => l.reportId === link.reportId)) return;
      const history: HistoryInput[] = [{ at: link.at, actor: SYSTEM, action: 'linked', from: null, to: { reportId: link.reportId, reference: link.reference, reasons: link.reasons }, reason: null }];
      if (await reports.applyChange(doc, { push: { links: link }, history })) return;
      doc = await reports.findById(other._id);
    }
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
      if (!doc.triagePending || !(ROUTABLE as readonly string[]).includes(doc.status)) {
        // Routed already (a duplicate job, or a crash after routing): make sure it has left the outbox.
        // (Its audit event was written with the routing: chained then, or by the audit recovery.)
        await reports.syncSideTables(doc);
        return 'skipped';
      }
      const links = await deps.linker.confirmedLinks(doc);
      const { level } = await deps.threatLevel.get();
      const decision = decide(deps.rules, doc, level, links.map((l) => ({ desk: l.doc.desk, priority: l.doc.priority, reference: l.doc.reference })));
      const now = new Date();
      const dueBy = new Date(now.getTime() + deps.slaSeconds[decision.priority] * 1000);
      for (const l of links) {
        await addLink(l.doc, { reportId: doc._id, reference: doc.reference, reasons: l.reasons, desk: decision.desk, at: now });
      }
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
            to: { status: 'TRIAGED', desk: decision.desk, priority: decision.priority, ruleSetVersion: decision.ruleSetVersion },
            reason: decision.reasons.join(', '),
          },
        ];
        const updated = await writer.apply(
          doc,
          {
            where: { triagePending: true, status: { $in: [...ROUTABLE] } },
            set: {
              status: 'TRIAGED',
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
    async markFailed(reportId: string, reason: string) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const doc = await reports.findById(reportId);
        // A supervisor's retry of a TRIAGE_FAILED report that fails again lands here too: the
        // outbox flag must come off, or the sweep would re-enqueue it for ever.
        if (!doc || (doc.status !== 'RECEIVED' && doc.status !== 'TRIAGE_FAILED') || !doc.triagePending) return;
        const updated = await writer.apply(
          doc,
          {
            where: { status: doc.status, triagePending: true },
            set: { status: 'TRIAGE_FAILED', triagePending: false },
            history: [{ at: new Date(), actor: SYSTEM, action: 'triage_failed', from: { status: doc.status, triagePending: true }, to: { status: 'TRIAGE_FAILED', triagePending: false }, reason }],
          },
          [systemEvent('report.triage', reportId, 'failure', { reason })],
        );
        if (updated) return;
      }
      // Still pending and never marked (a version claim held by a writer that died): the worker tries the job again later.
      throw new Error(`report ${reportId}: triage failure could not be recorded`);
    },

    /** Escalates a report still unclaimed at its deadline: a flag, a history entry, a raised priority. */
    async escalate(reportId: string, dueByIso: string): Promise<boolean> {
      for (let attempt = 0; attempt < 10; attempt++) {
        const doc = await reports.findById(reportId);
        if (!doc || doc.status !== 'TRIAGED' || doc.assignee || doc.escalated || !doc.triage || doc.triage.dueBy.toISOString() !== dueByIso) return false;
        const priority = raisePriority(doc.priority ?? 'P4', 1);
        const updated = await writer.apply(
          doc,
          {
            where: { status: 'TRIAGED', assignee: null, escalated: false },
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
