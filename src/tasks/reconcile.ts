/**
 * Periodic task `reconcile` (every OUTBOX_RECONCILE_MS, and once shortly
 * after a worker starts: a killed process is the likeliest reason it
 * starts): pending reports neither the queue nor the outbox holds, then
 * audit events of committed changes that no writer chained (src/audit/chainer.ts).
 * Both scan the reports collection on the local store, hence the long period.
 */
import type { PeriodicTask } from '../queue/task.js';
import { recoverPendingAudit } from '../reports/store/audit-recovery.js';
import type { TaskContext } from './context.js';

export function reconcileTask({ deps, triage, log }: TaskContext): PeriodicTask {
  const { outboxReconcileMs, outboxStaleMs, auditRecoveryGraceMs } = deps.config.triage;
  return {
    name: 'reconcile',
    every: outboxReconcileMs,
    atStart: true,
    async perform() {
      await triage.reconcile(outboxStaleMs);
      await recoverPendingAudit({ reports: deps.reports, chainer: deps.chainer, log }, { graceMs: auditRecoveryGraceMs });
    },
  };
}
