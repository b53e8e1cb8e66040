/**
 * The triage queue: job definitions (name + payload), in one place. Payloads
 * carry report ids only. The job id is the report id, so enqueueing the same
 * report twice while its job exists is a no-op (the job keeps the priority it
 * was added with); processing is idempotent anyway (the report's own status
 * and outbox flag decide).
 */
import type Queue from 'bull';
import type { QueueFactory } from '../queue/factory.js';

export const TRIAGE_QUEUE = 'triage';
export const SLA_QUEUE = 'sla';
export const MAINTENANCE_QUEUE = 'maintenance';

export interface TriageJob {
  reportId: string;
}
export interface SlaJob {
  reportId: string;
  /** The triage decision this deadline belongs to: a stale job does nothing. */
  dueBy: string;
}

/**
 * Bull priorities of triage jobs (1 is the highest): an imminent threat is
 * taken before any backlog, others in arrival order. Every job carries one:
 * bull queues jobs without a priority behind prioritised ones, BullMQ ahead
 * of them, so leaving it out would make the order depend on the library.
 * Bull keeps the priority across retries and delays (the job hash holds it).
 */
export const TRIAGE_PRIORITY = { imminentThreat: 1, normal: 2 } as const;

export interface EnqueueTriageOptions {
  timeoutMs?: number;
  delayMs?: number;
  /** The report's imminent-threat flag: its job goes ahead of every waiting one. */
  imminentThreat?: boolean;
}

export interface TriageQueues {
  triage: Queue.Queue<TriageJob>;
  sla: Queue.Queue<SlaJob>;
  maintenance: Queue.Queue<Record<string, never>>;
  /** Enqueues a report for triage; false (never throws) when Redis does not answer in time. */
  enqueueTriage(reportId: string, opts?: EnqueueTriageOptions): Promise<boolean>;
}

export function createTriageQueues(factory: QueueFactory, opts: { attempts: number; backoffMs: number }): TriageQueues {
  const triage = factory.create<TriageJob>(TRIAGE_QUEUE, { attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoffMs } });
  const sla = factory.create<SlaJob>(SLA_QUEUE, { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } });
  const maintenance = factory.create<Record<string, never>>(MAINTENANCE_QUEUE, { attempts: 1 });
  return {
    triage,
    sla,
    maintenance,
    async enqueueTriage(reportId, { timeoutMs = 1_000, delayMs = 0, imminentThreat = false } = {}) {
      const priority = imminentThreat ? TRIAGE_PRIORITY.imminentThreat : TRIAGE_PRIORITY.normal;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          // A finished job under the same id (failed for good, or completed) would make add() a no-op: replace it.
          triage.getJob(reportId).then(async (old) => (old && ((await old.isFailed()) || (await old.isCompleted())) ? old.remove() : undefined)).then(() => triage.add({ reportId }, { jobId: reportId, priority, ...(delayMs ? { delay: delayMs } : {}) })),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('enqueue timed out')), timeoutMs);
          }),
        ]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
