/**
 * createMetrics: one prom-client Registry per process (no global default
 * registry, no singleton), with the process's default metrics, the counters
 * and histograms the app records into, and gauges read from the store at
 * scrape time. Every process that serves /metrics reads the same store
 * gauges: aggregate them with max(), not sum(), across instances.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Metrics, MetricsStore, QueueStat } from './types.js';

export type { Metrics, MetricsStore } from './types.js';

/** Seconds: intake is a handful of store writes; triage latency includes queue wait. */
const INTAKE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TRIAGE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  store: MetricsStore;
  log: Logger;
  /** Process metrics (CPU, memory, event loop); on by default. */
  defaultMetrics?: boolean;
}

/** Shares one pending call among concurrent callers: the registry collects every gauge at once. */
function shared<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => (pending ??= fn().finally(() => (pending = null)));
}

/** Builds the metrics of one process. Why a factory: tests boot several apps in one process, each with its own registry. */
export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const storeErrors = new Counter({ name: 'hotline_metrics_store_errors_total', help: 'Scrape-time store reads that failed (their gauges are left empty for that scrape).', registers: [registry] });
  const failed = (what: string) => (err: unknown) => {
    storeErrors.inc();
    opts.log.warn({ err: (err as Error).name, what }, 'metrics: store read failed');
    return null;
  };
  const queueStats = shared(() => opts.store.queueStats().catch(failed('desk queues')) as Promise<QueueStat[] | null>);

  new Gauge({
    name: 'hotline_desk_queue_depth',
    help: 'Triaged, unclaimed reports waiting in a desk queue, by desk and priority.',
    labelNames: ['desk', 'priority'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of (await queueStats()) ?? []) this.set({ desk: s.desk, priority: s.priority }, s.count);
    },
  });
  new Gauge({
    name: 'hotline_desk_queue_oldest_unclaimed_seconds',
    help: 'Age of the oldest unclaimed report in a desk queue, by desk and priority (0 when the queue is empty).',
    labelNames: ['desk', 'priority'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const s of (await queueStats()) ?? []) {
        this.set({ desk: s.desk, priority: s.priority }, s.oldestReceivedAt ? Math.max(0, (now - s.oldestReceivedAt.getTime()) / 1000) : 0);
      }
    },
  });
  new Gauge({
    name: 'hotline_triage_outbox_size',
    help: 'Reports pending triage that the queue did not take (triage_outbox entries).',
    registers: [registry],
    async collect() {
      this.reset();
      const n = await opts.store.outboxSize().catch(failed('outbox'));
      if (n !== null) this.set(n);
    },
  });
  // Audit lag across processes, an estimate: sum(unchained) - sum(recovered) is how many events wait for the recovery
  // (a process killed before its append never counted its events as unchained, so after a kill it can fall below zero).
  const auditUnchained = new Counter({ name: 'hotline_audit_unchained_total', help: 'Audit events committed with their report change whose chain append failed (they wait in the report for the recovery).', registers: [registry] });
  const auditRecovered = new Counter({ name: 'hotline_audit_recovered_total', help: 'Audit events chained late by the worker recovery.', registers: [registry] });

  const httpRequests = new Counter({ name: 'hotline_http_requests_total', help: 'HTTP requests by operation (GraphQL root field or route) and status.', labelNames: ['operation', 'status'], registers: [registry] });
  const httpDuration = new Histogram({ name: 'hotline_http_request_duration_seconds', help: 'Time to the response headers, by operation and status.', labelNames: ['operation', 'status'], buckets: HTTP_BUCKETS, registers: [registry] });
  const intake = new Histogram({ name: 'hotline_intake_duration_seconds', help: 'Intake command duration (store, audit, hand-off to triage), by operation and outcome.', labelNames: ['operation', 'outcome'], buckets: INTAKE_BUCKETS, registers: [registry] });
  const triageOutcomes = new Counter({ name: 'hotline_triage_outcomes_total', help: 'Finished triage jobs: routed, skipped (nothing to do), failed (after the last attempt).', labelNames: ['outcome'], registers: [registry] });
  const triageRetries = new Counter({ name: 'hotline_triage_retries_total', help: 'Triage attempts that failed and will be tried again.', registers: [registry] });
  const triageLatency = new Histogram({ name: 'hotline_triage_latency_seconds', help: 'From a triage job being enqueued to its report being routed.', buckets: TRIAGE_BUCKETS, registers: [registry] });
  const escalations = new Counter({ name: 'hotline_sla_escalations_total', help: 'Reports escalated because nobody claimed them by their deadline (SLA jobs).', registers: [registry] });
  for (const outcome of ['routed', 'skipped', 'failed']) triageOutcomes.inc({ outcome }, 0);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    httpRequest(operation, status, seconds) {
      const labels = { operation, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    intake: (operation, outcome, seconds) => intake.observe({ operation, outcome }, seconds),
    triageOutcome: (outcome) => triageOutcomes.inc({ outcome }),
    triageRetry: () => triageRetries.inc(),
    triageLatency: (seconds) => triageLatency.observe(seconds),
    slaEscalation: () => escalations.inc(),
    auditUnchained: (n) => auditUnchained.inc(n),
    auditRecovered: (n) => auditRecovered.inc(n),
  };
}
