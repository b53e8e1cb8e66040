/**
 * The triage and SLA queues: their job payload schemas, in one place, checked
 * here on enqueue and parsed with by the worker's tasks (src/tasks/route.ts,
 * src/tasks/escalate.ts), and their retry policies (the queues' defaults).
 * Payloads carry report ids only. The job id is the report id, so enqueueing the same
 * report twice while its job exists is a no-op (the job keeps the priority it
 * was added with); processing is idempotent anyway (the report's own status
 * and outbox flag decide).
 */
import type Queue from 'bull';
import { z } from 'zod';
import type { QueueFactory } from '../queue/factory.js';
import { randomInt } from 'node:crypto';
import { checkJobPayload, reportIdField } from '../queue/job-payload.js';
import { addWithin, within } from '../queue/add-within.js';
import { toMinute } from '../time.js';

export const TRIAGE_QUEUE = 'triage';
export const SLA_QUEUE = 'sla';
export const MAINTENANCE_QUEUE = 'maintenance';

/** The triage job's payload: the report to route. */
export const triageJobPayload = z.object({ reportId: reportIdField });
export type TriageJob = z.infer<typeof triageJobPayload>;

/**
 * The SLA job's payload: the report, and the deadline of the triage decision
 * this job belongs to (as Date#toISOString writes it): a stale job does nothing.
 */
export const slaJobPayload = z.object({ reportId: reportIdField, dueBy: z.iso.datetime() });
export type SlaJob = z.infer<typeof slaJobPayload>;

/**
 * Bull priorities of triage jobs (1 is the highest): an imminent threat is
 * taken before any backlog, others in arrival order. Every job carries one:
 * bull queues jobs without a priority behind prioritised ones, BullMQ ahead
 * of them, so leaving it out would make the order depend on the library.
 * Bull keeps the priority across retries and delays (the job hash holds it).
 */
export const TRIAGE_PRIORITY = { imminentThreat: 1, normal: 2 } as const;

/**
 * What a triage hand-off is decided from: the report itself, or its outbox
 * entry (which keeps the two flags a hand-off needs). Callers pass what they
 * hold and never choose a priority or a hold themselves: when each caller
 * did, two of four re-queued an imminent threat behind the whole backlog.
 */
export interface TriageSubject {
  _id: string;
  /** An imminent threat's job goes ahead of every waiting one. */
  imminentThreat?: boolean;
  /** The report's source: a partner's referral is held, and its job's stored times are to the minute. */
  source?: string;
  /** An outbox entry's copy of "a partner's referral" (it keeps no source). */
  partner?: boolean;
}

export interface EnqueueTriageOptions {
  timeoutMs?: number;
  /** At least this long before the job may run (a retry's pause); a partner's hold may make it longer. */
  delayMs?: number;
}

/** The job options a subject's hand-off gets, derived here alone. */
export function triageJobOptions(subject: TriageSubject): { priority: number; partner: boolean } {
  return {
    priority: subject.imminentThreat ? TRIAGE_PRIORITY.imminentThreat : TRIAGE_PRIORITY.normal,
    partner: !!subject.partner || subject.source === 'PARTNER_REFERRAL',
  };
}

export interface TriageQueues {
  triage: Queue.Queue<TriageJob>;
  sla: Queue.Queue<SlaJob>;
  maintenance: Queue.Queue<Record<string, never>>;
  /** Enqueues a report for triage at the priority and hold its flags call for; false (never throws) when Redis does not answer in time. */
  enqueueTriage(subject: TriageSubject, opts?: EnqueueTriageOptions): Promise<boolean>;
  /** Schedules the report's SLA check at `dueBy`, replacing any earlier one. */
  scheduleSla(reportId: string, dueBy: Date, opts?: { partner?: boolean }): Promise<void>;
  /**
   * Reports whose triage job has not finished, oldest jobs first, at most `limit` (the supervisor queue checks which
   * are stuck); with `queuedBefore`, only those whose job was added before it (a fresh backlog costs the supervisor
   * queue no report reads: none of it can be stuck yet).
   */
  unfinished(limit: number, queuedBefore?: Date): Promise<string[]>;
  /** Erasure: the report's SLA job and any finished or waiting triage job leave Redis (their ids and data name it). */
  forgetReport(reportId: string): Promise<void>;
}

/**
 * The SLA job's id: the report alone. The due time is in the job's data and
 * delay, never in a Redis key (a key is listed by anyone with `KEYS`).
 */
export const slaJobId = (reportId: string) => `sla:${reportId}`;

/**
 * A job's creation time as bull stores it: for a partner report, to the
 * minute (reports/rules/partner-time.ts), so its delay, derived from a
 * minute-truncated due time, is a whole number of minutes too.
 */
const createdAt = (partner: boolean) => (partner ? toMinute(new Date()) : new Date()).getTime();

/**
 * A partner's triage job is held `holdMs` (PARTNER_TRIAGE_HOLD_SECONDS,
 * default 60) past the whole minute it was created at, plus up to 10 s at
 * random: bull records when a job is processed (`processedOn`, in
 * milliseconds, in Redis and its append-only file), and with the default
 * that time says no more than the minute the referral arrived in. It costs
 * a partner referral up to 70 s before routing, far inside any SLA. 0 turns
 * the hold off (tests that wait for routing).
 */
const partnerDelayMs = (holdMs: number) => (holdMs > 0 ? holdMs + randomInt(10_000) : 0);

/** bull reads `timestamp` from the job options (lib/job.js) though its typings leave it out. */
const timed = (opts: Queue.JobOptions & { timestamp: number }) => opts as Queue.JobOptions;

/**
 * How soon a job held by a worker that died (kill -9, a lost machine) is handed to another: its lock expires
 * `lockDuration` after the last renewal and the next stalled-job check, every `stalledInterval`, puts it back
 * in the queue; about 15 s at most, against 60 s with bull's defaults (30 s + 30 s), which kept a killed
 * worker's imminent threat from routing for a minute. A live worker renews every 5 s (half the lock), so only
 * an event loop blocked for over 5 s past a renewal loses a lock it still needs; the job then runs twice, which
 * routing and escalation allow (each decides from the report's own state). Two such losses are allowed before
 * bull fails the job; a failed job's report is found by the outbox reconciliation (docs/reliability.md).
 */
export const WORKER_LOSS_SETTINGS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 2 } as const;

export function createTriageQueues(factory: QueueFactory, opts: { attempts: number; backoffMs: number; partnerHoldMs?: number }): TriageQueues {
  const triage = factory.create<TriageJob>(TRIAGE_QUEUE, { attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoffMs } }, WORKER_LOSS_SETTINGS);
  const sla = factory.create<SlaJob>(SLA_QUEUE, { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } }, WORKER_LOSS_SETTINGS);
  const maintenance = factory.create<Record<string, never>>(MAINTENANCE_QUEUE, { attempts: 1 });
  return {
    triage,
    sla,
    maintenance,
    async scheduleSla(reportId, dueBy, { partner = false } = {}) {
      const payload = checkJobPayload(slaJobPayload, SLA_QUEUE, { reportId, dueBy: dueBy.toISOString() });
      const jobId = slaJobId(reportId);
      // One SLA job a report: a new deadline (re-triage) replaces the old one; an active job cannot be removed and
      // keeps its own, stale deadline (it then does nothing), and the overdue sweep catches the new one.
      await (await sla.getJob(jobId))?.remove().catch(() => undefined);
      const timestamp = createdAt(partner);
      await sla.add(payload, timed({ jobId, timestamp, delay: Math.max(0, dueBy.getTime() - timestamp) }));
    },
    async forgetReport(reportId) {
      // An active job cannot be removed: it finds the report erased and ends (removed on completion, like every job).
      await (await sla.getJob(slaJobId(reportId)))?.remove().catch(() => undefined);
      await (await triage.getJob(reportId))?.remove().catch(() => undefined);
    },
    async unfinished(limit, queuedBefore) {
      // Bounded like an enqueue: with Redis away the client would queue the command and wait, holding up a supervisor.
      const jobs = await within(() => triage.getJobs(['waiting', 'delayed', 'active', 'paused'], 0, limit - 1, true), 1_000);
      // A job's `timestamp` is when it was added (a partner's: to the minute, so earlier: kept, never wrongly left out).
      const old = (j: Queue.Job<TriageJob>) => !queuedBefore || (typeof j.timestamp === 'number' && j.timestamp <= queuedBefore.getTime());
      return jobs.filter((j) => typeof j?.data?.reportId === 'string' && old(j)).map((j) => j.data.reportId);
    },
    async enqueueTriage(subject, { timeoutMs = 1_000, delayMs = 0 } = {}) {
      const reportId = subject._id;
      const { priority, partner } = triageJobOptions(subject);
      const delay = Math.max(delayMs, partner ? partnerDelayMs(opts.partnerHoldMs ?? 60_000) : 0);
      return addWithin(
        () =>
          // A finished job under the same id (failed for good, or completed) would make add() a no-op: replace it.
          triage
            .getJob(reportId)
            .then(async (old) => (old && ((await old.isFailed()) || (await old.isCompleted())) ? old.remove() : undefined))
            .then(() => triage.add(checkJobPayload(triageJobPayload, TRIAGE_QUEUE, { reportId }), timed({ jobId: reportId, priority, timestamp: createdAt(partner), ...(delay ? { delay } : {}) }))),
        timeoutMs,
      );
    },
  };
}
