/**
 * The safety net of the audit path (src/audit/chainer.ts): finds reports
 * whose change was committed but whose audit events no writer chained (a
 * process killed between the two writes, the audit store down at that
 * moment) and chains them, once. `graceMs` (AUDIT_RECOVERY_GRACE_MS): events
 * younger than this may still be on their way from their writer. Run by the worker's reconciliation: the
 * query is a scan of `reports` on FerretDB (indexed on MongoDB), so only when a failed append or a dead
 * process marked it wanted (src/queue/liveness.ts).
 *
 * Every report with events in the window is looked at, `batch` at a time as the scan streams them: a report keeps
 * its last change's events, chained or not, until its next change, so most hold only chained ones, and a batch of
 * those costs one Redis read of their marks. A batch with unmarked events costs a check of the chain by event key
 * (a scan of the audit collection on FerretDB): when Redis has lost the marks, nearly every batch does, so a run stops
 * after RECOVERY_BUDGET_MS and asks for another; what it settled is marked by then, so the next run passes it by.
 */
import type { AuditChainer } from '../../audit/chainer.js';
import type { PendingAuditEvent } from '../../audit/types.js';
import type { Logger } from '../../logger.js';
import type { ReportRepository } from './repository.js';

/** How far back the recovery looks: events of changes older than this stay pending in their report (no worker ran for a week). */
const AUDIT_RECOVERY_WINDOW_MS = 7 * 24 * 3600_000;
const BATCH = 500;
/** A run goes on to its next batch only this long after it started; then it asks for another run (see above). */
const RECOVERY_BUDGET_MS = 10 * 60_000;

export async function recoverPendingAudit(
  deps: { reports: ReportRepository; chainer: AuditChainer; log: Logger; wantReconcile?: (at?: number) => void },
  opts: { graceMs: number; windowMs?: number; now?: number; batch?: number; budgetMs?: number },
): Promise<number> {
  const now = opts.now ?? Date.now();
  const { graceMs } = opts;
  const batch = opts.batch ?? BATCH;
  const started = performance.now();
  let chained = 0;
  let reports = 0;
  let events: PendingAuditEvent[] = [];
  let inBatch = 0;
  // All of a batch's events in one call: the check of the chain by event key (`$in`) is a scan of the audit
  // collection on FerretDB (seconds at 100,000 reports), so one for the batch, not one a report.
  const settle = async () => {
    if (events.length) chained += await deps.chainer.recover(events, graceMs, now);
    events = [];
    inBatch = 0;
  };
  for await (const doc of deps.reports.auditPendingReports(new Date(now - graceMs), new Date(now - (opts.windowMs ?? AUDIT_RECOVERY_WINDOW_MS)), batch)) {
    events.push(...(doc.auditPending ?? []));
    reports++;
    if (++inBatch < batch) continue;
    await settle();
    if (performance.now() - started > (opts.budgetMs ?? RECOVERY_BUDGET_MS)) {
      deps.wantReconcile?.(now);
      deps.log.warn({ reports, chained }, 'audit recovery stopped at its time budget; another run is wanted');
      return chained;
    }
  }
  await settle();
  if (chained) deps.log.info({ reports, chained }, 'audit recovery');
  return chained;
}
