/**
 * The delivery task (the webhooks queue's job): builds the payload (reference,
 * desk, priority, event, minute, delivery id: never content), signs it with
 * the endpoint's secret and POSTs it with a timeout. A non-2xx answer, a
 * timeout or a refused connection fails the attempt (bull retries with
 * backoff); the last failure becomes a dead letter (`onFinalFailure`).
 */
import { z } from 'zod';
import type { AuditLogService } from '../audit/service.js';
import { DESKS } from '../auth/types.js';
import type { Integrity } from '../crypto/integrity.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../logger.js';
import { partnerTime } from '../reports/partner-time.js';
import type { ReportRepository } from '../reports/repository.js';
import { PRIORITIES } from '../reports/types.js';
import { reportIdField } from '../triage/tasks/job.js';
import { endpointSealData } from './endpoint-seal.js';
import type { WebhookRepository } from './repository.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { WEBHOOK_EVENTS, type WebhookJob, type WebhookPayload } from './types.js';

/** The job's payload schema: a malformed job fails at once (src/triage/tasks/job.ts). */
export const webhookJobPayload = z.strictObject({
  deliveryId: z.uuid(),
  endpointId: z.uuid(),
  event: z.enum(WEBHOOK_EVENTS),
  reportId: reportIdField,
  desk: z.enum(DESKS),
  priority: z.enum(PRIORITIES),
  at: z.iso.datetime(),
});

/** An attempt that failed; `reason` is what a dead letter records (never the receiver's body). */
export class WebhookDeliveryError extends Error {
  constructor(readonly reason: string, readonly final = false) {
    super(`webhook delivery failed: ${reason}`);
    this.name = 'WebhookDeliveryError';
  }
}

export interface DeliverDeps {
  webhooks: WebhookRepository;
  box: SecretBox;
  integrity: Integrity;
  reports: Pick<ReportRepository, 'findSummary'>;
  audit: Pick<AuditLogService, 'record'>;
  timeoutMs: number;
  log: Logger;
}

/** Builds `deliver(job)` and `onFinalFailure(job, err, attempts)` on their dependencies. */
export function createDeliver(deps: DeliverDeps) {
  const { webhooks, box, integrity, reports, log } = deps;

  /** Sends one delivery; 'skipped' when its endpoint was removed or its report is gone. */
  async function deliver(job: WebhookJob): Promise<'delivered' | 'skipped'> {
    const endpoint = await webhooks.findEndpoint(job.endpointId);
    if (!endpoint) return 'skipped';
    if (!integrity.verify('webhookEndpoint', endpointSealData(endpoint), endpoint.seal)) {
      log.error({ endpointId: endpoint._id }, 'data integrity failure: webhook endpoint');
      throw new WebhookDeliveryError('endpoint integrity', true);
    }
    const report = await reports.findSummary(job.reportId);
    if (!report || report.status === 'ERASED') return 'skipped';
    const payload: WebhookPayload = { event: job.event, reference: report.reference, desk: job.desk, priority: job.priority, at: job.at, deliveryId: job.deliveryId };
    const body = JSON.stringify(payload);
    const secret = box.open(endpoint._id, endpoint.secret);
    let res: Response;
    try {
      res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signatureHeader(secret, body),
          [EVENT_HEADER]: job.event,
          [DELIVERY_HEADER]: job.deliveryId,
        },
        body,
        // A redirect is a failure, never followed: deliveries go to the registered URL only.
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      throw new WebhookDeliveryError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `connection ${((err as { cause?: { code?: string } }).cause?.code ?? name).slice(0, 40)}`);
    } finally {
      secret.fill(0);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new WebhookDeliveryError(`HTTP ${res.status}`);
    return 'delivered';
  }

  /** The last attempt failed: one dead-letter document an admin can list and replay, and its audit entry. */
  async function onFinalFailure(job: WebhookJob, err: Error, attempts: number): Promise<void> {
    const lastError = err instanceof WebhookDeliveryError ? err.reason : err.name;
    const { deliveryId, ...rest } = job;
    await webhooks.putDeadLetter({ _id: deliveryId, ...rest, attempts, lastError, failedAt: partnerTime(new Date()) });
    await deps.audit.record({
      action: 'webhook.dead_letter',
      actor: { type: 'system', id: 'webhook-worker' },
      target: { type: 'webhook', id: job.endpointId },
      outcome: 'failure',
      details: { deliveryId, event: job.event, attempts, lastError },
    });
  }

  return { deliver, onFinalFailure };
}
