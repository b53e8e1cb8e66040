/**
 * Late audit entries. FerretDB has no transactions, so a change to a report
 * and its audit entry are two writes: a process killed (or an audit write
 * that fails) between them leaves the change unaudited. Every such change is
 * retried by someone (the client resubmits with its idempotency key, bull
 * runs the job again), and the retry finds the change already made. This is
 * where the retry makes sure the entry exists, marked `recordedLate`.
 *
 * Looking for the entry is a scan of the audit log on FerretDB (indexed on
 * MongoDB), affordable on this rare path only, and only while the change is
 * recent. A change younger than the grace period may still have its entry on
 * the way from the process that made it: the retry waits that long first.
 */
import type { AuditEventInput, AuditLog } from './types.js';

/** Changes older than this are not looked for: a retry comes within minutes (see docs/reliability.md B3). */
export const LATE_AUDIT_WINDOW_MS = 60 * 60_000;
/** How long the process that made a change is given to write its own entry. */
export const AUDIT_GRACE_MS = 5_000;

/** Writes `event` (marked late) unless an entry of its action for its target exists; `changedAt` is when the change was made. */
export async function auditIfMissing(audit: AuditLog, event: AuditEventInput & { target: { id: string } }, changedAt: Date): Promise<boolean> {
  const age = Date.now() - changedAt.getTime();
  if (age > LATE_AUDIT_WINDOW_MS) return false;
  if (age < AUDIT_GRACE_MS) await new Promise((r) => setTimeout(r, AUDIT_GRACE_MS - age));
  const { entries } = await audit.query({ targetId: event.target.id, action: event.action }, { first: 1 });
  if (entries.length) return false;
  await audit.record({ ...event, details: { ...event.details, recordedLate: true } });
  return true;
}
