/**
 * THE row-level rules for reports: which staff may read or act on which
 * report. The policy table (src/auth/policy.ts) decides who may call an
 * operation at all; these rules decide which rows it may touch.
 *
 *   SUPERVISOR    every desk
 *   INVESTIGATOR  only reports of their own desk; a claimed report only if they hold it
 *   AUDITOR       history verification only (no content)
 *   everyone else (CALL_HANDLER, ADMIN, partners): never a report's content
 *
 * An unknown id is NOT_FOUND (decided by the loader); a known report of
 * another desk is FORBIDDEN.
 * Guarded by: tests/integration/desk.test.ts (holder, supervisor, other desk and unknown id, through the API).
 */
import type { Desk, Principal, StaffPrincipal } from '../../auth/types.js';
import { forbidden } from '../../errors.js';
import type { ReportDoc } from '../model/types.js';

type Located = Pick<ReportDoc, 'desk'>;
type Held = Pick<ReportDoc, 'desk' | 'assignee'>;

const isStaff = (p: Principal | null): p is StaffPrincipal => p?.kind === 'staff';

export const isSupervisor = (p: Principal | null): boolean => isStaff(p) && p.roles.includes('SUPERVISOR');

const isInvestigatorOf = (p: Principal | null, desk: Desk | null): boolean =>
  isStaff(p) && p.roles.includes('INVESTIGATOR') && p.desk !== null && p.desk === desk;

/** May see the desk's queue and its change events. */
export function canViewDesk(p: Principal | null, desk: Desk): boolean {
  return isSupervisor(p) || isInvestigatorOf(p, desk);
}

/** May decrypt the report's content (never the caller's identity: see revealCaller). */
export function canReadReport(p: Principal | null, doc: Located): boolean {
  return isSupervisor(p) || isInvestigatorOf(p, doc.desk);
}

/** May work on the report at all (claim it, refer it while unclaimed). */
function canActOnReport(p: Principal | null, doc: Located): boolean {
  return canReadReport(p, doc);
}

/** May change a claimed report: its holder (still on its desk) or a supervisor. */
export function holdsReport(p: Principal | null, doc: Held): boolean {
  return isSupervisor(p) || (isInvestigatorOf(p, doc.desk) && isStaff(p) && doc.assignee === p.userId);
}

/** May check the report's history chain: it reads no content, so auditors too. */
function canVerifyHistory(p: Principal | null, doc: Located): boolean {
  return (isStaff(p) && p.roles.includes('AUDITOR')) || canReadReport(p, doc);
}

/** Narrows to a staff member; partners never reach desk work. */
export function assertStaff(p: Principal | null): asserts p is StaffPrincipal {
  if (!isStaff(p)) throw forbidden('Desk work is for staff only');
}

export function assertCanViewDesk(p: Principal | null, desk: Desk): asserts p is StaffPrincipal {
  assertStaff(p);
  if (!canViewDesk(p, desk)) throw forbidden(`You may not see the ${desk} desk`);
}

export function assertCanRead(p: Principal | null, doc: Located): asserts p is StaffPrincipal {
  assertStaff(p);
  if (!canReadReport(p, doc)) throw forbidden('This report belongs to another desk');
}

export function assertCanAct(p: Principal | null, doc: Located): asserts p is StaffPrincipal {
  assertStaff(p);
  if (!canActOnReport(p, doc)) throw forbidden('This report belongs to another desk');
}

export function assertHolds(p: Principal | null, doc: Held): asserts p is StaffPrincipal {
  assertCanAct(p, doc);
  if (!holdsReport(p, doc)) {
    throw forbidden(doc.assignee ? 'Only the investigator holding this report or a supervisor may change it' : 'Claim this report first');
  }
}

export function assertSupervisor(p: Principal | null): asserts p is StaffPrincipal {
  assertStaff(p);
  if (!isSupervisor(p)) throw forbidden('Supervisors only');
}

export function assertCanVerify(p: Principal | null, doc: Located): asserts p is StaffPrincipal {
  assertStaff(p);
  if (!canVerifyHistory(p, doc)) throw forbidden('This report belongs to another desk');
}
