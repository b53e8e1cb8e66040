/**
 * The background worker: consumes the triage and SLA queues and the
 * periodic jobs (outbox and overdue sweep, reconciliation, retention: see
 * triage/periodic.ts), each run once per period across all workers. Nothing it needs lives in process
 * memory, so several workers can run side by side; a worker killed mid-job
 * leaves a stalled job that bull hands to another worker, and routing is
 * idempotent.
 */
import { consume } from './queue/factory.js';
import type { Deps } from './deps.js';
import { observeTriageQueues } from './metrics/queue.js';
import { recoverPendingAudit } from './reports/store/audit-recovery.js';
import { ReportIntegrityError } from './reports/model/envelope-mac.js';
import { createLinker } from './triage/linking.js';
import { startWebhookWorker } from './webhooks/worker.js';
import { schedulePeriodic } from './triage/periodic.js';
import { createTriageProcessor, escalatePayload, markFailedPayload, parseJobPayload, routePayload } from './triage/processor.js';

/**
 * A report failing its envelope check (reports/model/envelope-mac.ts) stays failing: its job is discarded
 * (no retries), so it fails once and is logged once, and the process and the queue carry on.
 */
function discardOnTamper<T>(job: { discard(): void }, run: () => Promise<T>): Promise<T> {
  return run().catch((err: unknown) => {
    if (err instanceof ReportIntegrityError) job.discard();
    throw err;
  });
}

export interface Worker {
  close(): Promise<void>;
}

/** The triage processor on the app's services: what the worker runs (tests drive the same one by hand). */
export function triageProcessorOf(deps: Deps) {
  return createTriageProcessor({
    reports: deps.reports,
    linker: createLinker({ reports: deps.reports, crypto: deps.crypto, audit: deps.services.audit, limits: deps.config.triage.linking, log: deps.log.child({ component: 'triage' }) }),
    rules: deps.rules,
    threatLevel: deps.services.threatLevel,
    writer: deps.writer,
    events: deps.events,
    queues: deps.triageQueues,
    slaSeconds: deps.config.triage.slaSeconds,
    log: deps.log.child({ component: 'triage' }),
    webhooks: deps.services.webhooks,
    notifications: deps.services.notifications,
  });
}

export async function startWorker(deps: Deps, opts: { concurrency?: number } = {}): Promise<Worker> {
  const { config, log } = deps;
  const q = deps.triageQueues;
  const processor = triageProcessorOf(deps);
  const concurrency = opts.concurrency ?? 4;
  // Each job's payload is parsed with its task's schema first: a malformed one fails at once, without retries.
  consume(q.triage.process(concurrency, async (job) => discardOnTamper(job, () => processor.route(parseJobPayload(routePayload, job).reportId))));
  consume(
    q.sla.process(concurrency, async (job) => {
      const { reportId, dueBy } = parseJobPayload(escalatePayload, job);
      return discardOnTamper(job, () => processor.escalate(reportId, dueBy));
    }),
  );
  // Triage outcomes, retries and latency, SLA escalations: from this worker's own job events.
  observeTriageQueues(q, deps.metrics);
  const logTamper = (err: Error) => {
    if (err instanceof ReportIntegrityError) log.error({ reportId: err.recordId, fieldPath: err.fieldPath }, 'data integrity failure');
  };
  q.sla.on('failed', (_job, err) => logTamper(err));
  q.triage.on('failed', (job, err) => {
    logTamper(err);
    // A tampered report's job was discarded: this is its last attempt, so it is marked TRIAGE_FAILED now.
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof ReportIntegrityError;
    log.warn({ jobId: job.id, attempt: job.attemptsMade, final, err: err.name }, 'triage job failed');
    if (!final) return;
    const payload = markFailedPayload.safeParse(job.data);
    if (!payload.success) return; // a malformed job names no report to mark (its error says why it failed)
    const { reportId } = payload.data;
    // If even the failure cannot be recorded (the database is down), try the job again later
    // rather than leave a pending report to the next reconciliation.
    processor.markFailed(reportId, `triage failed after ${job.attemptsMade} attempts (${err.name})`).catch(() => processor.requeueUnrecorded(job));
  });

  const periodic = schedulePeriodic(
    q.maintenance,
    {
      'outbox-sweep': {
        every: config.triage.outboxSweepMs,
        run: async () => {
          await processor.sweepOutbox(config.triage.outboxStaleMs);
          await processor.sweepOverdue();
          // Webhook deliveries Redis did not take when they were made (src/webhooks/service.ts).
          await deps.webhooks.service.sweepOutbox();
        },
      },
      reconcile: {
        every: config.triage.outboxReconcileMs,
        run: async () => {
          await processor.reconcile(config.triage.outboxStaleMs);
          // Audit events of committed changes that no writer chained (see src/audit/chainer.ts).
          await recoverPendingAudit({ reports: deps.reports, chainer: deps.chainer, log }, { graceMs: config.triage.auditRecoveryGraceMs });
        },
      },
      // A signed checkpoint of the audit chain, outside the database (src/audit/anchor.ts); refused, and logged, when the chain does not verify.
      'audit-checkpoint': {
        every: config.audit.checkpointEveryMs,
        run: async () => (await deps.services.audit.checkpoint())?.seq ?? 0,
      },
      // Holders of reports taken but not started, warned before the deadline (src/notifications/service.ts).
      'sla-warning': {
        every: 60_000,
        run: () => deps.services.notifications.warnSla(),
      },
      // "My submissions" looks back a day, the overview's intake tally two: older entries of their tables go (src/reports/store/submissions.ts, intake-tally.ts).
      'prune-submissions': {
        every: 3600_000,
        run: () => deps.reports.pruneSubmissions(),
      },
      'retention-review': {
        every: 24 * 3600_000,
        run: async () => (await deps.services.retention.review(config.triage.retentionDays)).reports.length,
      },
    },
    { log, atStart: ['reconcile'] },
  );
  await periodic.ready;
  // Webhook deliveries: their own queue, so a hanging receiver never holds up triage (src/webhooks/worker.ts).
  const webhookWorker = startWebhookWorker(deps.webhooks, log.child({ component: 'webhooks' }), concurrency);
  log.info({ concurrency }, 'worker started');
  return {
    async close() {
      periodic.stop();
      // pause(true) stops taking new jobs on this worker and waits for active ones.
      await Promise.allSettled([q.triage.pause(true), q.sla.pause(true), q.maintenance.pause(true), webhookWorker.close()]);
      log.info('worker stopped');
    },
  };
}
