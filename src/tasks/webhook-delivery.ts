/**
 * Task `webhook-delivery` (the webhooks queue, never shared with triage, so a
 * hanging receiver holds up other deliveries at worst): one signed POST
 * (webhooks/deliver.ts). Failure policy: retried with the queue's backoff
 * (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS); a tampered endpoint is not retried;
 * the last failure becomes a dead letter an admin can replay.
 */
import type { QueuedTask } from '../queue/task.js';
import { WebhookDeliveryError } from '../webhooks/deliver.js';
import { webhookJobPayload, type WebhookJob } from '../webhooks/types.js';
import type { TaskContext } from './context.js';

export function webhookDeliveryTask({ deps }: TaskContext): QueuedTask<WebhookJob> {
  const { webhooks } = deps;
  const log = deps.log.child({ component: 'webhooks' });
  return {
    name: 'webhook-delivery',
    queue: webhooks.queue.queue,
    payload: webhookJobPayload,
    perform: (job) => webhooks.task.deliver(job),
    isFinal: (err) => err instanceof WebhookDeliveryError && err.final,
    onFailed({ job, err, final, payload }) {
      const delivery = err instanceof WebhookDeliveryError ? { reason: err.reason, detail: err.detail } : { reason: err.name, detail: undefined };
      log.warn({ jobId: job.id, attempt: job.attemptsMade, final, ...delivery }, 'webhook delivery failed');
      if (!final || !payload) return; // a malformed job names no delivery to keep
      webhooks.task.onFinalFailure(payload, err, job.attemptsMade).catch((e: Error) => log.error({ jobId: job.id, err: e.name }, 'webhook dead letter not recorded'));
    },
  };
}
