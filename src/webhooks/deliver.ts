/**
 * The delivery task (the webhooks queue's job): builds the payload (reference,
 * desk, priority, event, minute, delivery id: never content), signs it with
 * the endpoint's secret and POSTs it with a timeout, to an address checked
 * and pinned at that moment (src/webhooks/targets.ts). A non-2xx answer or
 * any failure to connect fails the attempt (bull retries with backoff); the
 * last failure becomes a dead letter (`onFinalFailure`).
 *
 * Every failure before an answer (a refused target, a name that does not
 * resolve, a refused or reset connection, a timeout, a TLS failure, plain
 * HTTP on a TLS port) reads the same, `could not connect`, in the error, the
 * dead letter and its audit entry: an admin who registers an endpoint learns
 * nothing about which ports answer where. The operator's log has the detail.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AuditLogService } from '../audit/service.js';
import type { Integrity } from '../crypto/integrity.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../logger.js';
import { toMinute } from '../time.js';
import type { ReportRepository } from '../reports/store/repository.js';
import { endpointSealData } from './endpoint-seal.js';
import type { WebhookRepository } from './repository.js';
import { RefusedTarget, type PinnedAddress, type TargetPolicy } from './targets.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { PartnerRepository } from '../partners/repository.js';
import { partnerWebhookKey, verifiedPartnerWebhook } from './partner.js';
import type { PartnerWebhookJob, PartnerWebhookPayload, StaffWebhookJob, WebhookJob, WebhookPayload } from './types.js';

/** What a dead letter says for every failure to reach the receiver (never which one: see the module comment). */
export const COULD_NOT_CONNECT = 'could not connect';

/**
 * An attempt that failed; `reason` is what a dead letter records (never the receiver's body). `detail` is for
 * the operator's log only (which connection failure), never stored or shown to an admin.
 */
export class WebhookDeliveryError extends Error {
  constructor(readonly reason: string, readonly final = false, readonly detail?: string) {
    super(`webhook delivery failed: ${reason}`);
    this.name = 'WebhookDeliveryError';
  }
}

/** Why a connection failed, for the log: a short code (ECONNREFUSED, a TLS code, TimeoutError, a refused range). */
function failureDetail(err: unknown): string {
  if (err instanceof RefusedTarget) return err.detail;
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  return String(e.code ?? e.cause?.code ?? e.name ?? 'error').slice(0, 60);
}

/**
 * POSTs `body` to `url`, connecting to `pinned` only: the socket's name lookup answers with the checked address,
 * so the request keeps its URL (Host header, TLS server name and certificate check) without a second DNS answer.
 * Resolves with the status once the answer's head is in; its body is not read.
 */
function postPinned(url: URL, pinned: PinnedAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
    options.all ? callback(null, [{ address: pinned.address, family: pinned.family }]) : callback(null, pinned.address, pinned.family)) as unknown as LookupFunction;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface DeliverDeps {
  webhooks: WebhookRepository;
  box: SecretBox;
  integrity: Integrity;
  reports: Pick<ReportRepository, 'findSummary'>;
  audit: Pick<AuditLogService, 'record'>;
  /** Where deliveries may go: resolved and checked at every attempt. */
  targets: Pick<TargetPolicy, 'pin'>;
  /** Partner organisations' webhooks (src/webhooks/partner.ts), kept on their records. */
  partners: Pick<PartnerRepository, 'findById'>;
  timeoutMs: number;
  log: Logger;
}

/** Builds `deliver(job)` and `onFinalFailure(job, err, attempts)` on their dependencies. */
export function createDeliver(deps: DeliverDeps) {
  const { webhooks, box, integrity, reports, log } = deps;

  /** Signs `body` with `sealed` (opened under `key`) and POSTs it to `url`, checked and pinned now. */
  async function post(key: string, sealed: Parameters<SecretBox['open']>[1], rawUrl: string, event: string, deliveryId: string, body: string): Promise<'delivered'> {
    const url = new URL(rawUrl);
    const secret = box.open(key, sealed);
    let status: number;
    try {
      // Checked now, whatever was checked at registration: the name may point elsewhere today.
      const pinned = await deps.targets.pin(url);
      const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(secret, body), [EVENT_HEADER]: event, [DELIVERY_HEADER]: deliveryId };
      // A redirect is an answer like any other non-2xx: never followed, deliveries go to the registered URL only.
      status = await postPinned(url, pinned, headers, body, deps.timeoutMs);
    } catch (err) {
      throw new WebhookDeliveryError(COULD_NOT_CONNECT, false, failureDetail(err));
    } finally {
      secret.fill(0);
    }
    if (status < 200 || status >= 300) throw new WebhookDeliveryError(`HTTP ${status}`);
    return 'delivered';
  }

  /** A partner organisation's delivery: the event and its minute, nothing else (src/webhooks/partner.ts says why). */
  async function deliverToPartner(job: PartnerWebhookJob): Promise<'delivered' | 'skipped'> {
    const partner = await deps.partners.findById(job.partnerId);
    if (!partner || partner.revokedAt || !partner.webhook) return 'skipped';
    let webhook;
    try {
      webhook = verifiedPartnerWebhook(integrity, partner._id, partner.webhook)!;
    } catch {
      log.error({ partnerId: partner._id }, 'data integrity failure: partner webhook');
      throw new WebhookDeliveryError('endpoint integrity', true);
    }
    const payload: PartnerWebhookPayload = { event: job.event, at: job.at };
    return post(partnerWebhookKey(partner._id), webhook.secret, webhook.url, job.event, job.deliveryId, JSON.stringify(payload));
  }

  /** Sends one delivery; 'skipped' when its endpoint was removed or its report is gone. */
  async function deliver(job: WebhookJob): Promise<'delivered' | 'skipped'> {
    if ('partnerId' in job) return deliverToPartner(job);
    const endpoint = await webhooks.findEndpoint(job.endpointId);
    if (!endpoint) return 'skipped';
    if (!integrity.verify('webhookEndpoint', endpointSealData(endpoint), endpoint.seal)) {
      log.error({ endpointId: endpoint._id }, 'data integrity failure: webhook endpoint');
      throw new WebhookDeliveryError('endpoint integrity', true);
    }
    const report = await reports.findSummary(job.reportId);
    if (!report || report.status === 'ERASED') return 'skipped';
    const payload: WebhookPayload = { event: job.event, reference: report.reference, desk: job.desk, priority: job.priority, at: job.at, deliveryId: job.deliveryId };
    return post(endpoint._id, endpoint.secret, endpoint.url, job.event, job.deliveryId, JSON.stringify(payload));
  }

  /** The last attempt failed: one dead-letter document an admin can list and replay, and its audit entry. */
  async function onFinalFailure(job: WebhookJob, err: Error, attempts: number): Promise<void> {
    const lastError = err instanceof WebhookDeliveryError ? err.reason : err.name;
    if ('partnerId' in job) {
      // A partner's delivery leaves no dead letter for a staff admin to replay (it is the partner's system, and the
      // question waits in the portal anyway): its audit entry names the organisation and why.
      await deps.audit.record({
        action: 'webhook.dead_letter',
        actor: { type: 'system', id: 'webhook-worker' },
        target: { type: 'partner', id: job.partnerId },
        outcome: 'failure',
        details: { deliveryId: job.deliveryId, event: job.event, attempts, lastError },
      });
      return;
    }
    const { deliveryId, ...rest } = job as StaffWebhookJob;
    await webhooks.putDeadLetter({ _id: deliveryId, ...rest, attempts, lastError, failedAt: toMinute(new Date()) });
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
