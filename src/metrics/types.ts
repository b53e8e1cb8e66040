/**
 * What the rest of the app sees of metrics: a few recording calls with
 * closed label sets. Labels never carry user data: desks, priorities,
 * outcomes, schema field names and HTTP statuses only.
 */
import type { Registry } from 'prom-client';
import type { Desk } from '../auth/types.js';
import type { Priority } from '../reports/model/types.js';

export type TriageOutcome = 'routed' | 'skipped' | 'failed';
export type IntakeOperation = 'recordHotlineCall' | 'submitPartnerReferral';
export type IntakeOutcome = 'ok' | 'error';

/** One desk queue table's size and the receipt time of its oldest entry (null when empty). */
export interface QueueStat {
  desk: Desk;
  priority: Priority;
  count: number;
  oldestReceivedAt: Date | null;
}

/** The store reads collected at scrape time (small side tables: cheap). */
export interface MetricsStore {
  queueStats(): Promise<QueueStat[]>;
  outboxSize(): Promise<number>;
}

export interface Metrics {
  /** This process's own registry (never prom-client's global one). */
  registry: Registry;
  /** The Prometheus text exposition of every metric of this process. */
  render(): Promise<string>;
  contentType: string;
  httpRequest(operation: string, status: number, seconds: number): void;
  intake(operation: IntakeOperation, outcome: IntakeOutcome, seconds: number): void;
  triageOutcome(outcome: TriageOutcome): void;
  /** A triage attempt failed and bull will try again. */
  triageRetry(): void;
  /** From the job's enqueue time to the report being routed. */
  triageLatency(seconds: number): void;
  slaEscalation(): void;
  /** Audit events whose chain append failed after their change was committed. */
  auditUnchained(n: number): void;
  /** Audit events the recovery chained. */
  auditRecovered(n: number): void;
}
