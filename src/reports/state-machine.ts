/**
 * THE status workflow. Every status change in the system is checked here.
 *
 *   RECEIVED → TRIAGED → ASSIGNED → UNDER_RESEARCH → ACTIONED | REFERRED | NO_FURTHER_ACTION → CLOSED
 *   plus: release (ASSIGNED/UNDER_RESEARCH → TRIAGED), referral to the other desk (→ TRIAGED on that
 *   desk), triage failure (RECEIVED → TRIAGE_FAILED → TRIAGED by a supervisor's retry), reopening by a
 *   supervisor (CLOSED → TRIAGED), and erasure (any → ERASED).
 */
import { badInput } from '../errors.js';
import type { ReportStatus } from './types.js';

/** Transitions an investigator or supervisor may request with transitionReport. */
export const USER_TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  RECEIVED: [],
  TRIAGE_FAILED: [],
  TRIAGED: [],
  ASSIGNED: ['UNDER_RESEARCH'],
  UNDER_RESEARCH: ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION'],
  ACTIONED: ['CLOSED'],
  REFERRED: ['CLOSED'],
  NO_FURTHER_ACTION: ['CLOSED'],
  CLOSED: [],
  ERASED: [],
};

/** Transitions made by dedicated operations (triage, claim, release, refer, reopen, erase). */
export const SYSTEM_TRANSITIONS = {
  triage: { from: ['RECEIVED', 'TRIAGE_FAILED'], to: 'TRIAGED' },
  triageFailed: { from: ['RECEIVED'], to: 'TRIAGE_FAILED' },
  claim: { from: ['TRIAGED'], to: 'ASSIGNED' },
  release: { from: ['ASSIGNED', 'UNDER_RESEARCH'], to: 'TRIAGED' },
  refer: { from: ['TRIAGED', 'ASSIGNED', 'UNDER_RESEARCH'], to: 'TRIAGED' },
  reassign: { from: ['TRIAGED', 'ASSIGNED', 'UNDER_RESEARCH'], to: 'ASSIGNED' },
  reopen: { from: ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION', 'CLOSED'], to: 'TRIAGED' },
} as const satisfies Record<string, { from: readonly ReportStatus[]; to: ReportStatus }>;

export type SystemTransition = keyof typeof SYSTEM_TRANSITIONS;

/** Statuses in which a report is still open (counts for linking and deconfliction). */
export const OPEN_STATUSES: readonly ReportStatus[] = ['RECEIVED', 'TRIAGE_FAILED', 'TRIAGED', 'ASSIGNED', 'UNDER_RESEARCH', 'ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION'];

/** Statuses that need an outcome reason to be entered. */
export const NEEDS_REASON: readonly ReportStatus[] = ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION', 'CLOSED'];

/** Throws BAD_USER_INPUT naming the allowed targets when `from → to` is illegal. */
export function assertUserTransition(from: ReportStatus, to: ReportStatus, reason: string) {
  const allowed = USER_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    throw badInput(
      `Cannot move a report from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none (use the dedicated operation)'}`,
      ['to'],
    );
  }
  if (NEEDS_REASON.includes(to) && reason.trim().length < 3) throw badInput(`Moving to ${to} needs an outcome reason`, ['reason']);
}

/** What a client may offer on a report in this status: the dedicated operations whose transition starts here. */
export const REPORT_ACTIONS = ['CLAIM', 'RELEASE', 'REFER', 'REASSIGN', 'REOPEN', 'RETRY_TRIAGE', 'ERASE'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

const ACTION_TRANSITION: Record<Exclude<ReportAction, 'ERASE'>, SystemTransition> = {
  CLAIM: 'claim',
  RELEASE: 'release',
  REFER: 'refer',
  REASSIGN: 'reassign',
  REOPEN: 'reopen',
  RETRY_TRIAGE: 'triage',
};

/** The actions this table allows from a status (erasure: from any status but ERASED). Who may run them is the policy's business. */
export function actionsFrom(status: ReportStatus): ReportAction[] {
  return REPORT_ACTIONS.filter((a) => (a === 'ERASE' ? status !== 'ERASED' : canSystemTransition(ACTION_TRANSITION[a], status)));
}

export function canSystemTransition(kind: SystemTransition, from: ReportStatus): boolean {
  return (SYSTEM_TRANSITIONS[kind].from as readonly ReportStatus[]).includes(from);
}
