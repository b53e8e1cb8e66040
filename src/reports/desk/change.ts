/**
 * The change executor of desk work: read the report, check the operation's
 * row of the state machine and its own rules, then one guarded
 * single-document update (through the report writer) that sets the new
 * state, appends the history entry and carries the audit event
 * `report.<operation>`. The commands (commands.ts, supervision.ts) only say
 * what each change checks and writes, as a ChangeSpec.
 */
import type { Filter } from 'mongodb';
import type { Desk, StaffPrincipal } from '../../auth/types.js';
import { conflict } from '../../errors.js';
import { loadReport, type DeskDeps } from './deps.js';
import { userActor } from './presenters.js';
import { reasonMac } from '../content/reasons.js';
import { assertAllowed, targetOf, type Transition } from '../rules/state-machine.js';
import type { ReportDoc } from '../model/types.js';

const CHANGE_ATTEMPTS = 3;

/** History action (past tense) of each operation; the audit action is `report.<operation>`. */
export const HISTORY_ACTIONS = {
  claim: 'claimed',
  release: 'released',
  transition: 'status_changed',
  add_note: 'note_added',
  grade: 'graded',
  refer: 'referred',
  reassign: 'reassigned',
  reopen: 'reopened',
  retry_triage: 'triage_retried',
  erase: 'erased',
  change_priority: 'priority_changed',
  change_categories: 'categories_changed',
  link: 'linked_manually',
  unlink: 'unlinked',
  disseminate: 'disseminated',
} as const;
export type ChangeOperation = keyof typeof HISTORY_ACTIONS;

/** How an error message names each operation ("Cannot claim a report in status …"). */
const OPERATION_VERBS: Record<ChangeOperation, string> = {
  claim: 'claim',
  release: 'release',
  transition: 'move',
  add_note: 'add a note to',
  grade: 'grade',
  refer: 'refer to another desk',
  reassign: 'reassign',
  reopen: 'reopen',
  retry_triage: 'send back to triage',
  erase: 'erase',
  change_priority: 'change the priority of',
  change_categories: 'change the categories of',
  link: 'link',
  unlink: 'unlink',
  disseminate: 'disseminate',
};

/** One change: its row in the state machine, who may make it, and what it writes. */
export interface ChangeSpec {
  op: ChangeOperation;
  /** The row of TRANSITIONS (or how to find it from the report as read): checked, and the source of the status the change sets. */
  transition: Transition | ((doc: ReportDoc) => Transition);
  /** Authorisation and other checks on the report as read (the status is the state machine's); throws. */
  check(doc: ReportDoc): void;
  /** Re-checked atomically together with the version. */
  where(doc: ReportDoc): Filter<ReportDoc>;
  set?(doc: ReportDoc, now: Date): Partial<ReportDoc>;
  push?(doc: ReportDoc): Record<string, unknown>;
  from(doc: ReportDoc): Record<string, unknown> | null;
  to(doc: ReportDoc): Record<string, unknown> | null;
  reason: string | null;
  /** False under optimistic concurrency: a lost race is CONFLICT, not a silent retry. */
  retry: boolean;
  /** Set where the change must land even on a report failing its envelope check, which then keeps failing it (repository applyChange). */
  onTampered?: 'keepFlagged';
  /** Desk events to publish once the change is stored. */
  events?(before: ReportDoc, after: ReportDoc): [Desk | null, string][];
}

const rowOf = (spec: ChangeSpec, doc: ReportDoc): Transition => (typeof spec.transition === 'function' ? spec.transition(doc) : spec.transition);

/**
 * The audit event of a change, from the report as read and the values the
 * change sets. A typed reason is named by its history entry (`reasonRef`,
 * where it is stored sealed: reports/content/reasons.ts) and a keyed hash, never as text.
 */
function changeEvent(p: StaffPrincipal, op: ChangeOperation, before: ReportDoc, set: Partial<ReportDoc>, reason: { ref: number; mac: string } | null, extra: Record<string, unknown> = {}) {
  const after = { ...before, ...set };
  return {
    action: `report.${op}` as const,
    actor: userActor(p),
    target: { type: 'report' as const, id: before._id },
    outcome: 'success' as const,
    details: {
      reference: before.reference,
      fromStatus: before.status,
      toStatus: after.status,
      desk: after.desk,
      ...(before.desk !== after.desk ? { fromDesk: before.desk } : {}),
      ...(before.assignee !== after.assignee ? { fromAssignee: before.assignee, toAssignee: after.assignee } : {}),
      ...(reason ? { reasonRef: reason.ref, reasonMac: reason.mac } : {}),
      ...extra,
    },
  };
}

export type ChangeExecutor = ReturnType<typeof createChangeExecutor>;

/** Builds the executor on the desk service's dependencies. */
export function createChangeExecutor(deps: Pick<DeskDeps, 'reports' | 'writer' | 'events' | 'crypto' | 'vault'>) {
  const { reports, writer, events, crypto, vault } = deps;

  /** Publishes a stored change's desk events (ids and kinds only). */
  function publish(spec: ChangeSpec, before: ReportDoc, after: ReportDoc) {
    for (const [desk, kind] of spec.events?.(before, after) ?? []) if (desk) events.publish(desk, after._id, kind);
  }

  /** One guarded update of `doc` as read, with its audit event in the same write; null when the precondition or version no longer holds. */
  function applyOnce(p: StaffPrincipal, doc: ReportDoc, spec: ChangeSpec, extra?: Record<string, unknown>) {
    const now = new Date();
    const status = targetOf(rowOf(spec, doc), doc.status);
    const set = { ...(status !== doc.status ? { status } : {}), ...spec.set?.(doc, now) };
    // The typed reason is stored sealed under the report's data key (reports/content/reasons.ts); its entry is the next one.
    const reason = spec.reason ? { ref: (doc.history.at(-1)?.seq ?? 0) + 1, mac: reasonMac(crypto, doc._id, spec.reason) } : null;
    return writer.apply(
      doc,
      {
        where: spec.where(doc),
        set,
        push: spec.push?.(doc),
        onTampered: spec.onTampered,
        // `doc` is findById's (claimNextReport's candidate, `change`'s load): its next version's claim stands for the
        // lookup a second check would repeat (repository applyChange; any other object is checked in full).
        checkedAtRead: true,
        history: [{ at: now, actor: userActor(p), action: HISTORY_ACTIONS[spec.op], from: spec.from(doc), to: spec.to(doc), reason: spec.reason ? vault.sealReason(doc, spec.reason) : null }],
      },
      [changeEvent(p, spec.op, doc, set, reason, extra)],
      now,
    );
  }

  return {
    applyOnce,
    publish,
    /** Reads, checks and applies a change; re-reads and re-checks after a lost race when allowed. */
    async change(p: StaffPrincipal, id: string, spec: ChangeSpec, extra?: Record<string, unknown>): Promise<ReportDoc> {
      for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
        const doc = await loadReport(reports, id);
        spec.check(doc);
        assertAllowed(rowOf(spec, doc), doc.status, OPERATION_VERBS[spec.op]);
        const updated = await applyOnce(p, doc, spec, extra);
        if (updated) {
          publish(spec, doc, updated);
          return updated;
        }
        if (!spec.retry) throw conflict('The report was changed by someone else meanwhile; reload it and try again');
      }
      throw conflict('The report kept changing while this change was being made; reload it and try again');
    },
  };
}
