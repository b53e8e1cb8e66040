/**
 * Periodic task `reconcile` (checked every OUTBOX_RECONCILE_MS): pending
 * reports neither the queue nor the outbox holds, then audit events of
 * committed changes that no writer chained (src/audit/chainer.ts). Both scan
 * the reports collection on the local store (minutes at 100,000 reports), and
 * such work exists only when a process died between two writes or saw a write
 * fail, so the scans run only when the liveness state says so
 * (src/queue/liveness.ts): a process died without a clean shutdown, a failure
 * was marked more than the grace ago, Redis lost its data or changed server,
 * a worker started (it marks that), a run found a full batch of unrouted
 * reports (again FULL_BATCH_AGAIN_MS later), or RECONCILE_SAFETY_MS passed.
 * Otherwise a check is a few Redis commands and no store command.
 */
import type { PeriodicTask } from '../queue/task.js';
import { recoverPendingAudit } from '../reports/store/audit-recovery.js';
import type { TaskContext } from './context.js';

/**
 * After a run that found a full batch of unrouted reports, the next scan comes this much later: a backlog of more
 * than a batch is being routed meanwhile, and a scan (minutes at 100,000 reports) every check would slow that.
 */
const FULL_BATCH_AGAIN_MS = 15 * 60_000;

/** `batch`, `fullBatchAgainMs` (tests): reports a scan takes at once (1,000 unrouted; reports with audit events are all looked at, 500 a batch), and the wait above. */
export function reconcileTask({ deps, triage, log }: TaskContext, opts: { batch?: number; fullBatchAgainMs?: number } = {}): PeriodicTask {
  const { outboxReconcileMs, outboxStaleMs, auditRecoveryGraceMs, reconcileSafetyMs } = deps.config.triage;
  return {
    name: 'reconcile',
    every: outboxReconcileMs,
    atStart: true,
    async perform() {
      // A mark younger than both thresholds names work the scans would still leave alone (its writer may be on it).
      const graceMs = Math.max(outboxStaleMs, auditRecoveryGraceMs);
      const due = await deps.liveness.due({ graceMs, safetyMs: reconcileSafetyMs });
      if (!due) return { scanned: false };
      const found = { full: false };
      await triage.reconcile(outboxStaleMs, { batch: opts.batch, found });
      await recoverPendingAudit({ reports: deps.reports, chainer: deps.chainer, log, wantReconcile: (at) => deps.liveness.want(at) }, { graceMs: auditRecoveryGraceMs, batch: opts.batch });
      await deps.liveness.settle(due);
      // A full batch of unrouted reports may have left more than one run takes (they leave it once routed): a mark
      // that comes due FULL_BATCH_AGAIN_MS from now. (Not so for audit events: the recovery looks at every report
      // holding some, and asks for another run itself when it stops at its time budget: reports/store/audit-recovery.ts.)
      if (found.full) deps.liveness.want(due.at - graceMs + (opts.fullBatchAgainMs ?? FULL_BATCH_AGAIN_MS));
      return { scanned: true, reasons: due.reasons };
    },
  };
}
