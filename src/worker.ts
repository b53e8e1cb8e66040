/**
 * The background worker: consumes the triage and SLA queues and runs the
 * periodic sweeps (outbox, overdue SLA, reconciliation). Nothing it needs lives in process
 * memory, so several workers can run side by side; a worker killed mid-job
 * leaves a stalled job that bull hands to another worker, and routing is
 * idempotent.
 */
import type { Deps } from './deps.js';
import { observeTriageQueues } from './metrics/queue.js';
import { recoverPendingAudit } from './reports/audit-recovery.js';
import { createLinker } from './triage/linking.js';
import { createTriageProcessor, escalatePayload, markFailedPayload, parseJobPayload, routePayload } from './triage/processor.js';

/** How long a job whose failure could not be recorded waits before it is tried again. */
const RETRY_AFTER_UNRECORDED_FAILURE_MS = 5_000;

export interface Worker {
  close(): Promise<void>;
}

/** The triage processor on the app's services: what the worker runs (tests drive the same one by hand). */
export function triageProcessorOf(deps: Deps) {
  return createTriageProcessor({
    reports: deps.reports,
    linker: createLinker({ reports: deps.reports, crypto: deps.crypto, audit: deps.services.audit, limits: deps.config.triage.linking }),
    rules: deps.rules,
    threatLevel: deps.services.threatLevel,
    writer: deps.writer,
    events: deps.events,
    queues: deps.triageQueues,
    slaSeconds: deps.config.triage.slaSeconds,
    log: deps.log.child({ component: 'triage' }),
  });
}

export async function startWorker(deps: Deps, opts: { concurrency?: number } = {}): Promise<Worker> {
  const { config, log } = deps;
  const q = deps.triageQueues;
  const processor = triageProcessorOf(deps);
  const concurrency = opts.concurrency ?? 4;
  // Each job's payload is parsed with its task's schema first: a malformed one fails at once, without retries.
  void q.triage.process(concurrency, async (job) => processor.route(parseJobPayload(routePayload, job).reportId));
  void q.sla.process(concurrency, async (job) => {
    const { reportId, dueBy } = parseJobPayload(escalatePayload, job);
    return processor.escalate(reportId, dueBy);
  });
  void q.maintenance.process('retention-review', 1, async () => (await deps.services.retention.review(config.triage.retentionDays)).reports.length);
  // One repeatable job for all workers (bull de-duplicates it by its repeat key).
  await q.maintenance
    .add('retention-review', {}, { repeat: { every: 24 * 3600_000 }, jobId: 'retention-review' })
    .catch((err) => log.warn({ err: (err as Error).name }, 'retention review not scheduled; will retry at next start'));
  // Triage outcomes, retries and latency, SLA escalations: from this worker's own job events.
  observeTriageQueues(q, deps.metrics);
  q.triage.on('failed', (job, err) => {
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    log.warn({ jobId: job.id, attempt: job.attemptsMade, final, err: err.name }, 'triage job failed');
    if (!final) return;
    const payload = markFailedPayload.safeParse(job.data);
    if (!payload.success) return; // a malformed job names no report to mark (its error says why it failed)
    const { reportId } = payload.data;
    // If even the failure cannot be recorded (the database is down), try the job again later
    // rather than leave a pending report to the next reconciliation.
    processor.markFailed(reportId, `triage failed after ${job.attemptsMade} attempts (${err.name})`).catch(async () => {
      if (!(await q.enqueueTriage(reportId, { delayMs: RETRY_AFTER_UNRECORDED_FAILURE_MS }))) log.warn({ jobId: job.id }, 'triage failure not recorded; reconciliation will retry');
    });
  });

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await processor.sweepOutbox(config.triage.outboxStaleMs);
      await processor.sweepOverdue();
    } catch (err) {
      log.warn({ err: (err as Error).name }, 'sweep failed; will retry');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(sweep, config.triage.outboxSweepMs);
  void sweep();
  const reconcile = async () => {
    await processor.reconcile(config.triage.outboxStaleMs).catch((err) => log.warn({ err: (err as Error).name }, 'triage reconciliation failed; will retry'));
    // Audit events of committed changes that no writer chained (see src/audit/chainer.ts).
    await recoverPendingAudit({ reports: deps.reports, chainer: deps.chainer, log }, { graceMs: config.triage.auditRecoveryGraceMs }).catch((err) =>
      log.warn({ err: (err as Error).name }, 'audit recovery failed; will retry'),
    );
  };
  const reconcileTimer = setInterval(reconcile, config.triage.outboxReconcileMs);
  // Once at start too: a process killed mid-hand-off is most likely why this worker is (re)starting.
  const firstReconcile = setTimeout(reconcile, Math.min(config.triage.outboxReconcileMs, 30_000));
  log.info({ concurrency }, 'worker started');
  return {
    async close() {
      clearInterval(timer);
      clearInterval(reconcileTimer);
      clearTimeout(firstReconcile);
      while (sweeping) await new Promise((r) => setTimeout(r, 20));
      // pause(true) stops taking new jobs on this worker and waits for active ones.
      await Promise.allSettled([q.triage.pause(true), q.sla.pause(true)]);
      log.info('worker stopped');
    },
  };
}
