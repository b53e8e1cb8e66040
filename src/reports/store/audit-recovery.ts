/**
 * The safety net of the audit path (src/audit/chainer.ts): finds reports
 * whose change was committed but whose audit events no writer chained (a
 * process killed between the two writes, the audit store down at that
 * moment) and chains them, once. `graceMs` (AUDIT_RECOVERY_GRACE_MS): events
 * younger than this may still be on their way from their writer. Run by the worker's reconciliation: the
 * query is a scan of `reports` on FerretDB (indexed on MongoDB), so only when a failed append or a dead
 * process marked it wanted (src/queue/liveness.ts).
 */
import type { AuditChainer } from '../../audit/chainer.js';
import type { Logger } from '../../logger.js';
import type { ReportRepository } from './repository.js';

/** How far back the recovery looks: events of changes older than this stay pending in their report (no worker ran for a week). */
const AUDIT_RECOVERY_WINDOW_MS = 7 * 24 * 3600_000;
const BATCH = 500;

export async function recoverPendingAudit(
  deps: { reports: ReportRepository; chainer: AuditChainer; log: Logger },
  opts: { graceMs: number; windowMs?: number; now?: number; batch?: number },
): Promise<number> {
  const now = opts.now ?? Date.now();
  const { graceMs } = opts;
  const batch = opts.batch ?? BATCH;
  const docs = await deps.reports.findAuditPending(new Date(now - graceMs), new Date(now - (opts.windowMs ?? AUDIT_RECOVERY_WINDOW_MS)), batch);
  // All the reports' events in one pass: the check of the chain by event key (`$in`) is a scan of the audit
  // collection on FerretDB (seconds at 100,000 reports), so one for the batch, not one a report.
  const chained = docs.length ? await deps.chainer.recover(docs.flatMap((doc) => doc.auditPending ?? []), graceMs, now) : 0;
  if (chained) deps.log.info({ reports: docs.length, chained }, 'audit recovery');
  return chained;
}
