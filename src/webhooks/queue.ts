/**
 * The webhook delivery queue (bull, through queue/factory.ts): retries with
 * exponential backoff; a job's id is its delivery id (random, no time in
 * it); finished jobs, completed or failed, leave Redis at once (a delivery
 * that failed for good is kept as a dead letter in the database instead).
 * Jobs are stamped to the minute, like every webhook time.
 */
import { addWithin } from '../queue/add-within.js';
import type Queue from 'bull';
import type { QueueFactory } from '../queue/factory.js';
import { toMinute } from '../time.js';
import { checkJobPayload } from '../queue/job-payload.js';
import { webhookJobPayload, type WebhookJob } from './types.js';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookQueue {
  queue: Queue.Queue<WebhookJob>;
  /** Adds one delivery; false (never throws) when Redis does not take it within `timeoutMs`. */
  enqueue(job: WebhookJob, timeoutMs?: number): Promise<boolean>;
}

/** `attempts` and `backoffMs` from config (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS). */
export function createWebhookQueue(factory: QueueFactory, opts: { attempts: number; backoffMs: number }): WebhookQueue {
  const queue = factory.create<WebhookJob>(WEBHOOK_QUEUE, {
    attempts: opts.attempts,
    backoff: { type: 'exponential', delay: opts.backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  });
  return {
    queue,
    async enqueue(job, timeoutMs = 1_000) {
      // bull reads `timestamp` from the job options (lib/job.js) though its typings leave it out.
      const options = { jobId: job.deliveryId, timestamp: toMinute(new Date()).getTime() } as Queue.JobOptions;
      // Checked with the schema the delivery task parses it with; a payload it rejects is not taken (false).
      return addWithin(async () => queue.add(checkJobPayload(webhookJobPayload, WEBHOOK_QUEUE, job), options), timeoutMs);
    },
  };
}
