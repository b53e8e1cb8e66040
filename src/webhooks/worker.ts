/**
 * The webhook side of the worker: consumes the delivery queue; a delivery's
 * last failure becomes a dead letter. Deliveries never share a queue with
 * triage, so a hanging receiver holds up other deliveries at worst.
 */
import type { Logger } from '../logger.js';
import { consume } from '../queue/factory.js';
import { parseJobPayload } from '../triage/tasks/job.js';
import { webhookJobPayload, WebhookDeliveryError } from './deliver.js';
import type { Webhooks } from './index.js';

/** Starts consuming deliveries; `close` stops taking new ones and waits for those running. */
export function startWebhookWorker(webhooks: Webhooks, log: Logger, concurrency = 4) {
  const { queue } = webhooks.queue;
  consume(
    queue.process(concurrency, async (job) => {
      const data = parseJobPayload(webhookJobPayload, job);
      try {
        return await webhooks.task.deliver(data);
      } catch (err) {
        // A tampered endpoint stays tampered: no retries, straight to the dead letters.
        if (err instanceof WebhookDeliveryError && err.final) job.discard();
        throw err;
      }
    }),
  );
  queue.on('failed', (job, err) => {
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || (err instanceof WebhookDeliveryError && err.final);
    log.warn({ jobId: job.id, attempt: job.attemptsMade, final, reason: err instanceof WebhookDeliveryError ? err.reason : err.name, detail: err instanceof WebhookDeliveryError ? err.detail : undefined }, 'webhook delivery failed');
    if (!final) return;
    const parsed = webhookJobPayload.safeParse(job.data);
    if (!parsed.success) return; // a malformed job names no delivery to keep
    webhooks.task.onFinalFailure(parsed.data, err, job.attemptsMade).catch((e: Error) => log.error({ jobId: job.id, err: e.name }, 'webhook dead letter not recorded'));
  });
  return {
    close: () => queue.pause(true).catch(() => undefined),
  };
}
