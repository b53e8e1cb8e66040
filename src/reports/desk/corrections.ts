/**
 * Supervisor corrections: a report's priority and categories, and links made
 * or removed by hand. Each is a ChangeSpec run by the change executor
 * (change.ts) on its row of the state machine, with a reason sealed under the
 * report's data key (reports/content/reasons.ts) and the audit event `report.<operation>`.
 *
 * A manual link or unlink touches two reports and an edge, and the local store has
 * no transactions, so it is three single-document writes in this order:
 * the history entry on the first report, then on the second, then the edge
 * (reports/store/links.ts). The records come first, as the audit comes before a read
 * (disclosure.ts): a link never appears or disappears without the entries
 * saying who did it and why. A crash in between leaves an entry whose edge
 * change is missing; running the same command again finishes it: each end
 * whose latest manual entry for the pair already says so is skipped, and the
 * edge writes are idempotent.
 */
import type { Principal, StaffPrincipal } from '../../auth/types.js';
import { AppError, badInput } from '../../errors.js';
import * as access from '../rules/access.js';
import type { ChangeExecutor } from './change.js';
import { loadReport, type DeskServiceDeps } from './deps.js';
import { edgeOf, pairKey } from '../store/links.js';
import { isPartnerSourced, timeFor } from '../rules/partner-time.js';
import { changed } from './presenters.js';
import { reasonText } from '../rules/staff-text.js';
import { allows, QUEUED_STATUS } from '../rules/state-machine.js';
import { PRIORITIES, THREAT_CATEGORIES, type Priority, type ReportDoc, type ThreatCategory } from '../model/types.js';

type CorrectionDeps = Pick<DeskServiceDeps, 'reports' | 'crypto' | 'log' | 'sla'>;

/** History actions of manual link changes: the latest one naming a pair says whether that end is linked by hand. */
const LINKED = 'linked_manually';
const UNLINKED = 'unlinked';

/** Whether `doc`'s latest link entry for the edge `edgeId` is `action` (that end's step is done). */
function endDone(doc: ReportDoc, edgeId: string, action: string): boolean {
  const last = [...doc.history].reverse().find((e) => (e.action === LINKED || e.action === UNLINKED) && e.to?.link === edgeId);
  return last?.action === action;
}

/**
 * Whether `doc`'s latest link entry for `edgeId` is a supervisor's unlink: an investigator's "mark as wrong"
 * (link-review.ts: an `unlinked` entry with `review`) is not one, so a supervisor unlinking a pair flagged wrong
 * still records their own entry, reason and audit event (`report.unlink` without `review`) on each report.
 */
function unlinkedBySupervisor(doc: ReportDoc, edgeId: string): boolean {
  const last = [...doc.history].reverse().find((e) => (e.action === LINKED || e.action === UNLINKED) && e.to?.link === edgeId);
  return last?.action === UNLINKED && !last.to?.review;
}

/**
 * `doc`'s latest link entry for `edgeId` when it is a supervisor's link by hand: an investigator's proposal or
 * confirmation (link-review.ts: a `linked_manually` entry with `review`) is not one, so a supervisor linking a pair
 * an investigator linked still records their own entry, reason and audit event (`report.link` without `review`) on
 * each report, and the edge then names the supervisor (mirrors `unlinkedBySupervisor`).
 */
function linkedBySupervisor(doc: ReportDoc, edgeId: string) {
  const last = [...doc.history].reverse().find((e) => (e.action === LINKED || e.action === UNLINKED) && e.to?.link === edgeId);
  return last?.action === LINKED && !last.to?.review ? last : null;
}

/** The stated reason of the priority change an imminent follow-up makes (no staff typed it). */
export const IMMINENT_FOLLOW_UP_REASON = 'A follow-up call reported an imminent threat';

/** A queued report waits against an SLA deadline; a supervisor's new priority restarts it at that priority's SLA. */
const isQueued = (d: ReportDoc) => d.status === QUEUED_STATUS && !d.assignee && !!d.triage;

/** The supervisors' corrections, on the desk service's dependencies and its change executor. */
export function createCorrections(deps: CorrectionDeps, executor: ChangeExecutor) {
  const { reports, crypto, log } = deps;
  const { change } = executor;

  /** One end's entry of a manual link or unlink (the other end's id never appears: the edge's keyed id does). */
  async function recordEnd(p: StaffPrincipal, id: string, other: string, op: 'link' | 'unlink', why: string, edgeId: string) {
    const action = op === 'link' ? LINKED : UNLINKED;
    const current = await loadReport(reports, id);
    if (op === 'link' ? linkedBySupervisor(current, edgeId) : unlinkedBySupervisor(current, edgeId)) return current;
    return change(
      p,
      id,
      {
        op,
        transition: op === 'link' ? 'linkManual' : 'unlink',
        check: () => access.assertSupervisor(p),
        where: (d) => ({ status: d.status }),
        // A link triage embedded in the report itself (before links were sealed edges) leaves with the unlink.
        set: (d) => (op === 'unlink' && d.links?.some((l) => l.reportId === other) ? { links: d.links.filter((l) => l.reportId !== other) } : {}),
        from: () => null,
        to: () => ({ link: edgeId, manual: op === 'link' }),
        reason: why,
        retry: true,
      },
      { link: edgeId },
    );
  }

  /** Both reports of a manual link change, checked: distinct, existing, supervisor. */
  async function pairOf(p: Principal | null, a: string, b: string) {
    access.assertSupervisor(p);
    if (a === b) throw badInput('A report cannot be linked to itself', ['b']);
    const [docA, docB] = [await loadReport(reports, a), await loadReport(reports, b)];
    for (const [doc, field] of [[docA, 'a'], [docB, 'b']] as const) {
      if (!allows('linkManual', doc.status)) throw badInput('An erased report cannot be linked or unlinked', [field]);
    }
    return { docA, docB, edgeId: pairKey(crypto, a, b) };
  }

  /**
   * The priority change itself (a supervisor's, or an imminent follow-up's):
   * one change on the `changePriority` row; a queued report moves to the new
   * priority's place and its SLA restarts at that priority, with a fresh SLA
   * job. `flags` sets the imminent-threat flag with it.
   */
  async function setPriority(principal: StaffPrincipal, id: string, priority: Priority, why: string, check: (d: ReportDoc) => void, flags: Partial<Pick<ReportDoc, 'imminentThreat'>> = {}) {
    const doc = await change(
      principal,
      id,
      {
        op: 'change_priority',
        transition: 'changePriority',
        check,
        where: (d) => ({ status: d.status, assignee: d.assignee, priority: d.priority }),
        set(d, now) {
          if (!isQueued(d) || !deps.sla) return { priority, ...flags };
          const dueBy = timeFor(d, new Date(now.getTime() + deps.sla.seconds[priority] * 1000));
          return { priority, ...flags, escalated: false, triage: { ...d.triage!, dueBy } };
        },
        from: (d) => ({ priority: d.priority, ...(flags.imminentThreat ? { imminentThreat: d.imminentThreat } : {}), ...(isQueued(d) ? { dueBy: d.triage!.dueBy, escalated: d.escalated } : {}) }),
        to: () => ({ priority, ...flags }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'reprioritised']],
      },
      { priority, ...flags },
    );
    if (isQueued(doc) && deps.sla) {
      await deps.sla
        .schedule(doc._id, doc.triage!.dueBy, { partner: isPartnerSourced(doc) })
        .catch((err) => log.warn({ reportId: doc._id, err: (err as Error).message }, 'SLA job not re-armed; the overdue sweep will catch it'));
    }
    return doc;
  }

  return {
    /**
     * Changes a routed report's priority. A report waiting in its desk queue
     * moves to the new priority's place in the queue (the repository keeps the
     * queue entry: applyChange) and its SLA deadline restarts from now at the
     * new priority's SLA, with a fresh SLA job (a stale one does nothing: its
     * deadline is no longer the report's); an escalation is cleared, since
     * a supervisor has now looked at it.
     */
    async changeReportPriority(principal: Principal | null, id: string, priority: Priority, reason: string) {
      access.assertSupervisor(principal);
      if (!PRIORITIES.includes(priority)) throw badInput('Unknown priority', ['priority']);
      const why = reasonText(reason);
      const doc = await setPriority(principal, id, priority, why, (d) => {
        access.assertSupervisor(principal);
        if (allows('changePriority', d.status) && d.priority === priority) throw badInput(`The report is already ${priority}`, ['priority']);
      });
      return changed(doc);
    },

    /**
     * A caller's follow-up call says the threat is imminent (follow-ups.ts,
     * after the follow-up is stored): the same priority change as a
     * supervisor's, to P1 with the imminent-threat flag set, audited as
     * `report.change_priority` by the call handler with a fixed reason, the
     * SLA restarted at P1 for a queued report. Only where the state machine
     * allows a priority change (a routed, open report); otherwise, or when
     * the report is already an imminent P1, nothing changes and null is
     * returned (the follow-up's own history entry says it was imminent).
     */
    async raiseForImminentFollowUp(principal: StaffPrincipal, id: string): Promise<ReportDoc | null> {
      const raised = (d: ReportDoc) => !allows('changePriority', d.status) || (d.priority === 'P1' && d.imminentThreat);
      if (raised(await loadReport(reports, id))) return null;
      return setPriority(principal, id, 'P1', IMMINENT_FOLLOW_UP_REASON, (d) => {
        if (raised(d)) throw badInput('The report is already an imminent P1, or cannot change priority');
      }, { imminentThreat: true }).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'BAD_USER_INPUT') return null; // raised meanwhile, or closed: nothing to do
        throw err;
      });
    },

    /** Replaces an open report's threat categories (one to all of them, each once). */
    async changeReportCategories(principal: Principal | null, id: string, categories: ThreatCategory[], reason: string) {
      access.assertSupervisor(principal);
      if (!Array.isArray(categories) || !categories.length) throw badInput('Give at least one category', ['categories']);
      if (categories.some((c) => !THREAT_CATEGORIES.includes(c))) throw badInput('Unknown category', ['categories']);
      const next = THREAT_CATEGORIES.filter((c) => categories.includes(c)); // one order, no repeats
      const why = reasonText(reason);
      const same = (d: ReportDoc) => d.categories.length === next.length && next.every((c) => d.categories.includes(c));
      const doc = await change(
        principal,
        id,
        {
          op: 'change_categories',
          transition: 'changeCategories',
          check(d) {
            access.assertSupervisor(principal);
            if (allows('changeCategories', d.status) && same(d)) throw badInput('The report already has these categories', ['categories']);
          },
          where: (d) => ({ status: d.status }),
          set: () => ({ categories: next }),
          from: (d) => ({ categories: d.categories }),
          to: () => ({ categories: next }),
          reason: why,
          retry: true,
        },
        { categories: next },
      );
      return changed(doc);
    },

    /**
     * Links two reports by hand: an entry on each, then the edge, flagged
     * manual (an automatic edge of the pair becomes manual). Idempotent: a
     * retry finishes what a crash left undone; linking a pair a supervisor
     * already linked by hand changes nothing. A pair an investigator proposed
     * or confirmed (link-review.ts) is linked again as the supervisor's: their
     * entries, reason and audit events are recorded, and the edge's `by`
     * (shown as "linked by") becomes theirs. Returns the first report's state.
     */
    async linkReports(principal: Principal | null, a: string, b: string, reason: string) {
      const why = reasonText(reason);
      const { docA, docB, edgeId } = await pairOf(principal, a, b);
      const p = principal as StaffPrincipal;
      const edge = await reports.findLinkEdge(a, b);
      const alreadyManual = !!edge?.manual && !edge.dismissedAt;
      const [endA, endB] = [linkedBySupervisor(docA, edgeId), linkedBySupervisor(docB, edgeId)];
      // Done when both ends' latest entries are a supervisor's and the edge names that supervisor (or nobody: a
      // name sealed under a key since removed); an edge still naming the investigator is a crash between the
      // entries and the edge, finished here.
      if (alreadyManual && endA && endB && (!edge.by || edge.by === endA.actor.id)) return changed(docA);
      const after = await recordEnd(p, a, b, 'link', why, edgeId);
      await recordEnd(p, b, a, 'link', why, edgeId);
      const at = new Date();
      await reports.recordManualLink({ ...edgeOf(crypto, docA, docB, [], at), by: p.userId });
      return changed(after);
    },

    /**
     * Removes a link, manual or found by triage: an entry on each, then the
     * edge becomes a tombstone (reports/store/links.ts dismiss), which a later triage meeting
     * the pair does not overwrite; only a new manual link revives it. A pair an investigator
     * flagged wrong may be unlinked too: the supervisor's entries are recorded, and the
     * investigator's tombstone becomes a supervisor's (investigators can no longer link it again).
     */
    async unlinkReports(principal: Principal | null, a: string, b: string, reason: string) {
      const why = reasonText(reason);
      const { docA, docB, edgeId } = await pairOf(principal, a, b);
      const p = principal as StaffPrincipal;
      const edge = await reports.findLinkEdge(a, b);
      const embedded = [docA, docB].some((d, i) => d.links?.some((l) => l.reportId === (i === 0 ? b : a)));
      const live = (!!edge && !edge.dismissedAt) || embedded;
      const flaggedWrong = !!edge?.dismissedAt && !!edge.by;
      const started = endDone(docA, edgeId, UNLINKED) || endDone(docB, edgeId, UNLINKED);
      if (!live && !flaggedWrong && !started) throw badInput('These reports are not linked', ['b']);
      const after = await recordEnd(p, a, b, 'unlink', why, edgeId);
      await recordEnd(p, b, a, 'unlink', why, edgeId);
      await reports.dismissLink(a, b, new Date());
      return changed(after);
    },
  };
}
