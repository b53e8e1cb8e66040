/**
 * Desk commands of investigators: claiming (the next report or a named one),
 * releasing, the status workflow, research notes, grading and referral. Each
 * is a ChangeSpec run by the change executor (change.ts): one guarded
 * single-document write with its history entry and audit event. Supervisor
 * corrections are in supervision.ts.
 */
import { randomUUID } from 'node:crypto';
import { DESKS, type Desk, type Principal, type StaffPrincipal } from '../../auth/types.js';
import { badInput, conflict } from '../../errors.js';
import * as access from '../rules/access.js';
import type { ChangeExecutor, ChangeSpec } from './change.js';
import type { DeskDeps } from './deps.js';
import { STAFF_TEXT_LIMITS } from '../rules/staff-text-limits.js';
import { changed, gradingCode } from './presenters.js';
import type { CloseOutcome } from '../model/outcomes.js';
import type { ReportView } from './view.js';
import { reasonText, staffText } from '../rules/staff-text.js';
import { allows, targetOf, workflowStep } from '../rules/state-machine.js';
import type { Grading, ReportDoc, ReportStatus } from '../model/types.js';
import { ReportIntegrityError } from '../model/envelope-mac.js';

const CLAIM_CANDIDATES = 5;
const CLAIM_ROUNDS = 10;

export type GradingInput = Pick<Grading, 'source' | 'intelligence' | 'handling'>;

/** The claim of an unclaimed report by `p` (also what claimNextReport applies to each candidate). */
function claimSpec(p: StaffPrincipal): ChangeSpec {
  return {
    op: 'claim',
    transition: 'claim',
    check(doc) {
      access.assertCanAct(p, doc);
      if (doc.assignee === p.userId) throw conflict('You already hold this report');
      if (doc.assignee) throw conflict('This report has already been claimed');
    },
    where: (doc) => ({ status: doc.status, assignee: null, desk: doc.desk }),
    set: () => ({ assignee: p.userId }),
    from: (doc) => ({ status: doc.status, assignee: null }),
    to: (doc) => ({ status: targetOf('claim', doc.status), assignee: p.userId }),
    reason: null,
    retry: true,
    events: (doc) => [[doc.desk, 'claimed']],
  };
}

const INTEGRITY_FAILED = Symbol('integrity failed');
/** A claim's catch: a report failing its integrity checks becomes INTEGRITY_FAILED; any other error goes on. */
function unlessIntegrity(err: unknown): typeof INTEGRITY_FAILED {
  if (err instanceof ReportIntegrityError) return INTEGRITY_FAILED;
  throw err;
}

/** The investigators' commands, on the desk service's dependencies and its change executor. */
export function createDeskCommands(deps: Pick<DeskDeps, 'reports' | 'vault'>, executor: ChangeExecutor) {
  const { reports, vault } = deps;
  const { change, applyOnce, publish } = executor;
  return {
    /**
     * Gives the caller the top report of the desk, or null when the queue is
     * empty. Each attempt is a conditional update on an unclaimed report, so
     * two claimers never get the same one; a lost race moves on. The read of
     * each candidate report is what checks the queue heads' ids (reports/store/desk-queue.ts
     * `candidates`): one no longer queued on that desk and priority is
     * repaired and passed over, and every id the claim is done with leaves its
     * head in one write, so the next claim does not read it again.
     */
    async claimNextReport(principal: Principal | null, desk: Desk): Promise<ReportView | null> {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      const spec = claimSpec(principal);
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const candidates = await reports.claimCandidates(desk, CLAIM_CANDIDATES);
        if (!candidates.length) return null;
        const done: typeof candidates = [];
        try {
          for (const c of candidates) {
            // A report that fails its integrity checks (rolled back, or its envelope altered: DATA_INTEGRITY, alarmed
            // where found) is passed over, not thrown: else it would stop every claim on the desk while it heads the queue.
            const candidate = await reports.findById(c.id).catch(unlessIntegrity);
            if (candidate === INTEGRITY_FAILED) {
              done.push(c);
              continue;
            }
            if (!candidate || !allows('claim', candidate.status) || candidate.assignee || candidate.desk !== desk || candidate.priority !== c.priority) {
              // A queue entry a crash left behind, or one that changed since the head was read.
              if (candidate) await reports.syncSideTables(candidate);
              done.push(c);
              continue;
            }
            // A lost race leaves the id in its head: the report may still be queued (changed, not claimed).
            const updated = await applyOnce(principal, candidate, spec).catch(unlessIntegrity);
            if (updated === INTEGRITY_FAILED) {
              done.push(c);
              continue;
            }
            if (!updated) continue;
            done.push(c);
            publish(spec, candidate, updated);
            return changed(updated);
          }
        } finally {
          if (done.length) await reports.passedCandidates(done);
        }
      }
      throw conflict('The queue is busy; try again');
    },

    async claimReport(principal: Principal | null, id: string) {
      access.assertStaff(principal);
      return changed(await change(principal, id, claimSpec(principal)));
    },

    /** Puts a claimed report back in its desk's queue. */
    async releaseReport(principal: Principal | null, id: string, reason: string) {
      access.assertStaff(principal);
      const why = reasonText(reason);
      const doc = await change(principal, id, releaseSpec(why, (d) => access.assertHolds(principal, d)));
      return changed(doc);
    },

    /**
     * Moves a held report along the workflow (the `workflow` rows of TRANSITIONS). The client
     * sends the version it last saw: anything else is CONFLICT. Closing records its outcome
     * (reports/model/outcomes.ts) on the report, in the history entry and in the audit event.
     */
    async transitionReport(principal: Principal | null, id: string, to: ReportStatus, reason: string, expectedVersion: number, outcome: CloseOutcome | null = null) {
      access.assertStaff(principal);
      const why = staffText(reason ?? '', 'reason', { min: 0, max: STAFF_TEXT_LIMITS.reason });
      const recorded = outcome ? { outcome } : {};
      const doc = await change(
        principal,
        id,
        {
          op: 'transition',
          transition: (d) => workflowStep(d.status, to, why, outcome),
          check(d) {
            access.assertHolds(principal, d);
            if (d.version !== expectedVersion) {
              throw conflict(`The report has changed since you loaded it (now version ${d.version}, you sent ${expectedVersion}); reload it and try again`);
            }
            workflowStep(d.status, to, why, outcome);
          },
          where: (d) => ({ status: d.status, assignee: d.assignee }),
          set: (_d, now) => ({ ...(to === 'CLOSED' ? { closedAt: now } : {}), ...recorded }),
          from: (d) => ({ status: d.status }),
          to: () => ({ status: to, ...recorded }),
          reason: why || null,
          retry: false,
        },
        recorded,
      );
      return changed(doc);
    },

    /** Appends an encrypted research note (1–10,000 characters; newlines and tabs allowed). */
    async addResearchNote(principal: Principal | null, id: string, text: string) {
      access.assertStaff(principal);
      const note = { id: randomUUID(), text: staffText(text, 'text', { min: 1, max: STAFF_TEXT_LIMITS.note, multiline: true }) };
      const doc = await change(
        principal,
        id,
        {
          op: 'add_note',
          transition: 'addNote',
          check(d) {
            access.assertHolds(principal, d);
            if (allows('addNote', d.status) && (!d.content || !d.dataKey)) throw badInput('This report has no content to add a note to');
          },
          where: (d) => ({ status: d.status }),
          push: (d) => ({
            'content.researchNotes': vault.sealNote(d, note),
          }),
          from: () => null,
          to: () => ({ noteId: note.id }),
          reason: null,
          retry: true,
        },
        { noteId: note.id },
      );
      return changed(doc);
    },

    /** Records the 3x5x2 grading of a held report. */
    async gradeReport(principal: Principal | null, id: string, input: GradingInput) {
      access.assertStaff(principal);
      if (!['1', '2', '3'].includes(input.source)) throw badInput('Unknown source evaluation', ['source']);
      if (!['A', 'B', 'C', 'D', 'E'].includes(input.intelligence)) throw badInput('Unknown intelligence assessment', ['intelligence']);
      if (!['P', 'C'].includes(input.handling)) throw badInput('Unknown handling code', ['handling']);
      const code = gradingCode({ ...input, by: '', at: new Date(0) });
      const doc = await change(
        principal,
        id,
        {
          op: 'grade',
          transition: 'grade',
          check(d) {
            access.assertHolds(principal, d);
          },
          where: (d) => ({ status: d.status }),
          set: (_d, now) => ({ grading: { source: input.source, intelligence: input.intelligence, handling: input.handling, by: principal.userId, at: now } }),
          from: (d) => ({ grading: gradingCode(d.grading) }),
          to: () => ({ grading: code }),
          reason: null,
          retry: true,
        },
        { grading: code },
      );
      return changed(doc);
    },

    /** Hands a report to the other desk's queue, unclaimed. */
    async referReport(principal: Principal | null, id: string, toDesk: Desk, reason: string) {
      access.assertStaff(principal);
      if (!DESKS.includes(toDesk)) throw badInput('Unknown desk', ['toDesk']);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'refer',
        transition: 'refer',
        check(d) {
          if (d.assignee) access.assertHolds(principal, d);
          else access.assertCanAct(principal, d);
          if (d.desk === toDesk && allows('refer', d.status)) throw badInput(`The report is already on the ${toDesk} desk`, ['toDesk']);
        },
        where: (d) => ({ status: d.status, desk: d.desk, assignee: d.assignee }),
        set: () => ({ desk: toDesk, assignee: null }),
        from: (d) => ({ desk: d.desk, status: d.status, assignee: d.assignee }),
        to: (d) => ({ desk: toDesk, status: targetOf('refer', d.status), assignee: null }),
        reason: why,
        retry: true,
        events: (d) => [
          [d.desk, 'referred-out'],
          [toDesk, 'referred-in'],
        ],
      });
      return changed(doc);
    },
  };
}

/**
 * A held report back to its desk's queue: one change for the holder's own
 * release and for a desk move (desk-move.ts), which passes the holder it
 * releases so a report claimed by someone else meanwhile is left alone.
 */
export function releaseSpec(why: string | null, check: (d: ReportDoc) => void, holderId?: string): ChangeSpec {
  return {
    op: 'release',
    transition: 'release',
    check,
    where: (d) => ({ status: d.status, assignee: holderId ?? d.assignee }),
    set: () => ({ assignee: null }),
    from: (d) => ({ status: d.status, assignee: d.assignee }),
    to: (d) => ({ status: targetOf('release', d.status), assignee: null }),
    reason: why,
    retry: true,
    events: (d) => [[d.desk, 'released']],
  };
}
