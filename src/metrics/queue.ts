/**
 * Triage and SLA metrics from bull's local events (this worker's own jobs),
 * so the processor itself records nothing.
 */
import type { TriageQueues } from '../triage/queue.js';
import type { Metrics } from './types.js';

/** Listens to the worker's queues: triage outcomes, retries and latency; SLA escalations. */
export function observeTriageQueues(q: Pick<TriageQueues, 'triage' | 'sla'>, metrics: Metrics) {
  q.triage.on('completed', (job, result: unknown) => {
    if (result === 'routed') {
      metrics.triageOutcome('routed');
      // job.timestamp is when the job was added (enqueue time).
      metrics.triageLatency(Math.max(0, (Date.now() - job.timestamp) / 1000));
    } else if (result === 'skipped') {
      metrics.triageOutcome('skipped');
    }
  });
  q.triage.on('failed', (job) => {
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) metrics.triageOutcome('failed');
    else metrics.triageRetry();
  });
  q.sla.on('completed', (_job, escalated: unknown) => {
    if (escalated === true) metrics.slaEscalation();
  });
}
