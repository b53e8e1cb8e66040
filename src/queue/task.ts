/**
 * The two shapes of background task, and how a worker runs a queued one
 * (the periodic ones: queue/periodic.ts). Modelled on Outline's BaseTask and
 * CronTask: each task is one file declaring its name, its payload schema, its
 * work and what a failure means (src/tasks/), listed in one registry
 * (src/tasks/index.ts) that the worker runs, so no task's policy is wired by
 * hand in the worker.
 */
import type Queue from 'bull';
import type { z } from 'zod';
import { consume } from './factory.js';
import { InvalidJobPayloadError, parseJobPayload } from './job-payload.js';

/** A failed attempt of a queued task, as its `onFailed` hears of it. */
export interface TaskFailure<P> {
  job: Queue.Job<P>;
  err: Error;
  /** No attempt follows: the job's attempts are spent, or the error is one retrying cannot cure (the job was discarded). */
  final: boolean;
  /** The job's payload, or null when its schema rejects it (a malformed job names nothing to act on). */
  payload: P | null;
}

/**
 * A task whose jobs wait on a bull queue. Its retries (attempts, backoff) are
 * its queue's defaults, set where the queue is made (src/triage/queue.ts,
 * src/webhooks/queue.ts), because the process that enqueues applies them.
 */
export interface QueuedTask<P = unknown> {
  /** Unique in the registry; names the task in logs and tests. */
  name: string;
  /** The queue its jobs are on. */
  queue: Queue.Queue<P>;
  /** Jobs one worker runs at once; the worker's default when absent. */
  concurrency?: number;
  /** The job payload's one schema: the queue module checks it on enqueue, the worker parses with it before `perform`. */
  payload: z.ZodType<P>;
  /** The work, on the parsed payload; its result is the job's (metrics read it). */
  perform(payload: P, job: Queue.Job<P>): Promise<unknown>;
  /** An error retrying cannot cure: the job is discarded, so this attempt is its last. */
  isFinal?(err: Error): boolean;
  /** Every failed attempt (`final` for the last). It must not throw: what it starts, it catches. */
  onFailed?(failure: TaskFailure<P>): void;
}

/**
 * A task run once per period across all workers (a repeatable job on the
 * maintenance queue). It takes no payload: what it works on, it reads.
 */
export interface PeriodicTask {
  /** Unique in the registry; the repeatable job's name. */
  name: string;
  /** Its period in milliseconds, from the configuration. */
  every: number;
  /** Also run once shortly after a worker starts (a killed process is the likeliest reason it starts). */
  atStart?: boolean;
  perform(): Promise<unknown>;
}

/**
 * Consumes a queued task's jobs: each payload is parsed with the task's
 * schema first (a malformed one fails at once, without retries), an error the
 * task calls final discards the job, and every failure reaches `onFailed`.
 */
export function runQueuedTask<P>(task: QueuedTask<P>, concurrency: number): void {
  consume(
    task.queue.process(concurrency, async (job) => {
      const payload = parseJobPayload(task.payload, job);
      try {
        return await task.perform(payload, job);
      } catch (err) {
        if (task.isFinal?.(err as Error)) job.discard();
        throw err;
      }
    }),
  );
  task.queue.on('failed', (job, err) => {
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof InvalidJobPayloadError || !!task.isFinal?.(err);
    const parsed = task.payload.safeParse(job.data);
    task.onFailed?.({ job, err, final, payload: parsed.success ? parsed.data : null });
  });
}
