/**
 * THE status workflow. Every change of a report's status (and the desk and
 * priority changes that go with one) is a row of TRANSITIONS: intake, the
 * triage worker, SLA escalation and every desk and supervisor operation
 * check their row here and take their target status from it; nothing else
 * decides what may follow what.
 * Guarded by: tests/integration/state-machine.test.ts (every (status, transition) pair through the real services).
 *
 *   (new) → RECEIVED → TRIAGED → ASSIGNED → UNDER_RESEARCH → ACTIONED | REFERRED | NO_FURTHER_ACTION → CLOSED
 *   plus release and referral back to a queue (→ TRIAGED), triage failure (→ TRIAGE_FAILED) and its retry,
 *   reopening (→ TRIAGED), reassignment (→ ASSIGNED), and erasure (any → ERASED).
 */
import { badInput } from '../../errors.js';
import { isCloseOutcome, type CloseOutcome } from '../model/outcomes.js';
import { REPORT_STATUSES, type ReportStatus } from '../model/types.js';

interface Row {
  /** Statuses the transition may start from. */
  readonly from: readonly ReportStatus[];
  /** The status it leaves the report in; null: the status does not change. */
  readonly to: ReportStatus | null;
  /** True when a staff member must give a reason (kept in the history and the audit log). */
  readonly reason?: boolean;
  /** True for the steps a holder asks for with `transitionReport` (the others have their own operation). */
  readonly workflow?: boolean;
  /** True when the step records what came of the report (reports/model/outcomes.ts): required with it, refused with any other step. */
  readonly outcome?: boolean;
}

/** Where the holder works on a report: research notes and grading. */
const WORKING: readonly ReportStatus[] = ['ASSIGNED', 'UNDER_RESEARCH', 'ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION'];
const FINISHED: readonly ReportStatus[] = ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION'];
const PENDING_TRIAGE: readonly ReportStatus[] = ['RECEIVED', 'TRIAGE_FAILED'];

export const TRANSITIONS = {
  // intake and the triage worker
  intake: { from: [], to: 'RECEIVED' },
  triage: { from: PENDING_TRIAGE, to: 'TRIAGED' },
  /** After the last retry; again from TRIAGE_FAILED when a supervisor's retry fails too. */
  triageFailed: { from: PENDING_TRIAGE, to: 'TRIAGE_FAILED' },
  /** Unclaimed past its deadline: the priority rises, the status stays. */
  escalate: { from: ['TRIAGED'], to: null },
  // desk work
  claim: { from: ['TRIAGED'], to: 'ASSIGNED' },
  release: { from: ['ASSIGNED', 'UNDER_RESEARCH'], to: 'TRIAGED', reason: true },
  refer: { from: ['TRIAGED', 'ASSIGNED', 'UNDER_RESEARCH'], to: 'TRIAGED', reason: true },
  research: { from: ['ASSIGNED'], to: 'UNDER_RESEARCH', workflow: true },
  action: { from: ['UNDER_RESEARCH'], to: 'ACTIONED', reason: true, workflow: true },
  referElsewhere: { from: ['UNDER_RESEARCH'], to: 'REFERRED', reason: true, workflow: true },
  noFurtherAction: { from: ['UNDER_RESEARCH'], to: 'NO_FURTHER_ACTION', reason: true, workflow: true },
  close: { from: FINISHED, to: 'CLOSED', reason: true, workflow: true, outcome: true },
  addNote: { from: WORKING, to: null },
  grade: { from: WORKING, to: null },
  // supervision
  reassign: { from: ['TRIAGED', 'ASSIGNED', 'UNDER_RESEARCH'], to: 'ASSIGNED', reason: true },
  reopen: { from: [...FINISHED, 'CLOSED'], to: 'TRIAGED', reason: true },
  /** Hands the report back to the triage worker, which then makes the `triage` transition. */
  retryTriage: { from: PENDING_TRIAGE, to: null, reason: true },
  erase: { from: REPORT_STATUSES.filter((s) => s !== 'ERASED'), to: 'ERASED', reason: true },
  // supervisor corrections (reports/desk/corrections.ts): a routed, open report's priority; an open report's categories
  changePriority: { from: ['TRIAGED', ...WORKING], to: null, reason: true },
  changeCategories: { from: ['RECEIVED', 'TRIAGE_FAILED', 'TRIAGED', ...WORKING], to: null, reason: true },
  /** A manual link or unlink is one such entry on each end (reports/store/links.ts); an erased tombstone links nothing. */
  linkManual: { from: REPORT_STATUSES.filter((s) => s !== 'ERASED'), to: null, reason: true },
  unlink: { from: REPORT_STATUSES.filter((s) => s !== 'ERASED'), to: null, reason: true },
  // onward referral (reports/desk/dissemination.ts): of a report someone works on or has finished
  disseminate: { from: [...WORKING, 'CLOSED'], to: null, reason: true },
} as const satisfies Record<string, Row>;

export type Transition = keyof typeof TRANSITIONS;
const ROWS = TRANSITIONS as Record<Transition, Row>;

/** True when `transition` may start from `status`. */
export function allows(transition: Transition, status: ReportStatus): boolean {
  return ROWS[transition].from.includes(status);
}

/** The status `transition` leaves a report in that was in `status`. */
export function targetOf(transition: Transition, status: ReportStatus): ReportStatus {
  return ROWS[transition].to ?? status;
}

/** A status as people read it in a message: UNDER_RESEARCH → "under research" (never the enum name). */
export const statusWords = (status: ReportStatus): string => status.replace(/_/g, ' ').toLowerCase();
const listWords = (statuses: readonly ReportStatus[]) => statuses.map(statusWords).join(', ');

/** Throws BAD_USER_INPUT naming, in words, the statuses `transition` may start from. */
export function assertAllowed(transition: Transition, status: ReportStatus, what: string = transition): void {
  if (!allows(transition, status)) {
    const from = ROWS[transition].from;
    throw badInput(`Cannot ${what} a report that is ${statusWords(status)}; only ${from.length ? listWords(from) : 'no'} reports can`);
  }
}

/** The workflow steps (`transitionReport`) from a status, with whether each needs a reason. */
export function workflowFrom(status: ReportStatus): { transition: Transition; to: ReportStatus; reasonRequired: boolean; outcomeRequired: boolean }[] {
  return (Object.keys(ROWS) as Transition[])
    .filter((t) => ROWS[t].workflow && allows(t, status))
    .map((t) => ({ transition: t, to: ROWS[t].to!, reasonRequired: !!ROWS[t].reason, outcomeRequired: !!ROWS[t].outcome }));
}

/**
 * The workflow step that moves a report from `from` to `to`; BAD_USER_INPUT naming the legal targets otherwise,
 * or when the step's reason or outcome is missing, or an outcome is given to a step that records none.
 */
export function workflowStep(from: ReportStatus, to: ReportStatus, reason: string, outcome: CloseOutcome | null = null): Transition {
  const steps = workflowFrom(from);
  const step = steps.find((s) => s.to === to);
  if (!step) {
    throw badInput(
      `Cannot move a report from ${statusWords(from)} to ${statusWords(to)}; from ${statusWords(from)} it can move to: ${steps.length ? listWords(steps.map((s) => s.to)) : 'nothing (use the dedicated operation)'}`,
      ['to'],
    );
  }
  if (step.reasonRequired && reason.trim().length < 3) throw badInput(`Moving to ${statusWords(to)} needs an outcome reason`, ['reason']);
  if (step.outcomeRequired && !isCloseOutcome(outcome)) throw badInput('Choose what came of the report (the outcome) to close it', ['outcome']);
  if (!step.outcomeRequired && outcome !== null) throw badInput('An outcome is recorded only when closing a report', ['outcome']);
  return step.transition;
}

/** What a client may offer on a report in this status: the dedicated operations whose row starts here. */
export const REPORT_ACTIONS = [
  'CLAIM', 'RELEASE', 'REFER', 'REASSIGN', 'REOPEN', 'RETRY_TRIAGE', 'ERASE',
  // the changes a report in this status still takes: the console hides the forms of the others
  'GRADE', 'ADD_NOTE', 'CHANGE_PRIORITY', 'CHANGE_CATEGORIES', 'DISSEMINATE',
] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];
const ACTION_ROW: Record<ReportAction, Transition> = {
  CLAIM: 'claim',
  RELEASE: 'release',
  REFER: 'refer',
  REASSIGN: 'reassign',
  REOPEN: 'reopen',
  RETRY_TRIAGE: 'retryTriage',
  ERASE: 'erase',
  GRADE: 'grade',
  ADD_NOTE: 'addNote',
  CHANGE_PRIORITY: 'changePriority',
  CHANGE_CATEGORIES: 'changeCategories',
  DISSEMINATE: 'disseminate',
};

/** The actions the table allows from a status. Who may run them is the policy's business (src/auth/policy.ts). */
export function actionsFrom(status: ReportStatus): ReportAction[] {
  return REPORT_ACTIONS.filter((a) => allows(ACTION_ROW[a], status));
}

/** Statuses in which a report is still open (counts for linking and deconfliction). */
export const OPEN_STATUSES: readonly ReportStatus[] = REPORT_STATUSES.filter((s) => s !== 'CLOSED' && s !== 'ERASED');

/** The status of a report waiting in a desk queue (with a desk, a priority and no holder). */
export const QUEUED_STATUS: ReportStatus = TRANSITIONS.triage.to;

/** What a partner may learn about its referral, and nothing more. */
export const PARTNER_STATE: Record<ReportStatus, 'RECEIVED' | 'UNDER_REVIEW' | 'CLOSED'> = {
  RECEIVED: 'RECEIVED',
  TRIAGE_FAILED: 'RECEIVED',
  TRIAGED: 'RECEIVED',
  ASSIGNED: 'UNDER_REVIEW',
  UNDER_RESEARCH: 'UNDER_REVIEW',
  ACTIONED: 'UNDER_REVIEW',
  REFERRED: 'UNDER_REVIEW',
  NO_FURTHER_ACTION: 'UNDER_REVIEW',
  CLOSED: 'CLOSED',
  ERASED: 'CLOSED',
};
