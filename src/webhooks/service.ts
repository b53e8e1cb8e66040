/**
 * Webhooks as a service: admins manage endpoints (the secret shown once,
 * sealed at rest because the service signs with it), list dead letters and
 * replay them; the triage worker calls `notify` after a change committed.
 * `notify` never throws and never waits on a receiver: it only enqueues, or,
 * when Redis does not answer, keeps the delivery in the database's outbox
 * for the worker's sweep (`sweepOutbox`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLogService } from '../audit/service.js';
import { actorOf, type Desk, type Principal } from '../auth/types.js';
import type { Integrity } from '../crypto/integrity.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { assertThat, badInput, notFound, unavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { toMinute } from '../time.js';
import type { Priority } from '../reports/model/types.js';
import { endpointSealData } from './endpoint-seal.js';
import type { WebhookQueue } from './queue.js';
import type { WebhookRepository } from './repository.js';
import type { TargetPolicy } from './targets.js';
import { WEBHOOK_EVENTS, type PublicDeadLetter, type PublicWebhookEndpoint, type WebhookDeadLetterDoc, type WebhookEndpointDoc, type WebhookEvent } from './types.js';

const SECRET_PREFIX = 'whsec_';
const MAX_URL = 2048;
const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;

export interface WebhookServiceDeps {
  webhooks: WebhookRepository;
  box: SecretBox;
  integrity: Integrity;
  audit: Pick<AuditLogService, 'record'>;
  queue: WebhookQueue;
  /** Which addresses deliveries may go to (src/webhooks/targets.ts): checked here at registration, again at delivery. */
  targets: Pick<TargetPolicy, 'registrable'>;
  /** In production only https:// endpoints are accepted. */
  production: boolean;
  log: Logger;
}

/** The report facts an event announces (no content: the reference is read when the delivery runs). */
export interface WebhookSubject {
  _id: string;
  desk: Desk | null;
  priority: Priority | null;
}

const adminActor = (actor: Principal | 'cli') => (actor === 'cli' ? { type: 'system' as const, id: 'admin-cli' } : actorOf(actor));

/** Refuses a URL deliveries must not go to: https only, plain http to this machine outside production; no credentials in it. */
export function checkEndpointUrl(raw: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput('url: not a URL', ['url']);
  }
  const local = url.protocol === 'http:' && LOOPBACK.test(url.hostname) && !production;
  assertThat(url.protocol === 'https:' || local, badInput(production ? 'url: must be https://' : 'url: must be https:// (http:// only to 127.0.0.1 outside production)', ['url']));
  assertThat(!url.username && !url.password, badInput('url: must not carry credentials (the signature authenticates deliveries)', ['url']));
  assertThat(url.href.length <= MAX_URL, badInput(`url: at most ${MAX_URL} characters`, ['url']));
  return url.href;
}

function checkEvents(events: readonly string[]): WebhookEvent[] {
  const unique = [...new Set(events.map((e) => e.trim().toLowerCase()))];
  assertThat(unique.length > 0, badInput(`events: at least one of ${WEBHOOK_EVENTS.join(', ')}`, ['events']));
  const bad = unique.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  assertThat(!bad.length, badInput(`events: unknown event (events: ${WEBHOOK_EVENTS.join(', ')})`, ['events']));
  return unique as WebhookEvent[];
}

const publicEndpoint = (e: WebhookEndpointDoc): PublicWebhookEndpoint => ({ id: e._id, url: e.url, events: e.events, createdAt: e.createdAt });
const publicDeadLetter = (d: WebhookDeadLetterDoc): PublicDeadLetter => ({
  id: d._id,
  endpointId: d.endpointId,
  event: d.event,
  desk: d.desk,
  priority: d.priority,
  at: new Date(d.at),
  attempts: d.attempts,
  lastError: d.lastError,
  failedAt: d.failedAt,
});

export function createWebhookService(deps: WebhookServiceDeps) {
  const { webhooks, box, integrity, audit, queue, log } = deps;

  return {
    /** Registers an endpoint; its signing secret is returned this once and stored sealed. */
    async createEndpoint(input: { url: string; events: readonly string[] }, actor: Principal | 'cli') {
      const url = checkEndpointUrl(input.url, deps.production);
      const refused = await deps.targets.registrable(new URL(url));
      assertThat(!refused, badInput('url: internal addresses (private, loopback, link-local and the like) are refused unless WEBHOOK_ALLOWED_NETWORKS names them', ['url']));
      const events = checkEvents(input.events);
      const _id = randomUUID();
      const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
      const doc: WebhookEndpointDoc = { _id, url, events, secret: box.seal(_id, Buffer.from(secret, 'utf8')), createdAt: new Date(), seal: integrity.mac('webhookEndpoint', endpointSealData({ _id, url, events })) };
      await webhooks.insertEndpoint(doc);
      await audit.record({ action: 'admin.webhook_create', actor: adminActor(actor), target: { type: 'webhook', id: _id }, outcome: 'success', details: { host: new URL(url).host, events } });
      return { endpoint: publicEndpoint(doc), secret };
    },

    listEndpoints: async () => (await webhooks.listEndpoints()).map(publicEndpoint),

    /** Removes an endpoint; deliveries already queued for it are dropped when they run. */
    async deleteEndpoint(id: string, actor: Principal | 'cli') {
      assertThat(await webhooks.deleteEndpoint(id), notFound('Webhook endpoint'));
      await audit.record({ action: 'admin.webhook_delete', actor: adminActor(actor), target: { type: 'webhook', id }, outcome: 'success', details: {} });
      return true;
    },

    deadLetters: async () => (await webhooks.listDeadLetters()).map(publicDeadLetter),

    /**
     * Sends a dead letter again: same delivery id (receivers de-duplicate on it), a fresh signature
     * timestamp, the full attempts again. The letter goes once the delivery is queued.
     */
    async replay(id: string, actor: Principal | 'cli') {
      const letter = await webhooks.findDeadLetter(id);
      assertThat(letter, notFound('Dead letter'));
      assertThat(await webhooks.findEndpoint(letter.endpointId), notFound('Webhook endpoint'));
      const { _id, attempts: _a, lastError: _l, failedAt: _f, ...job } = letter;
      assertThat(await queue.enqueue({ deliveryId: _id, ...job }), unavailable('The delivery queue did not answer; try again'));
      await webhooks.deleteDeadLetter(_id);
      await audit.record({ action: 'admin.webhook_replay', actor: adminActor(actor), target: { type: 'webhook', id: letter.endpointId }, outcome: 'success', details: { deliveryId: _id, event: letter.event } });
      return publicDeadLetter(letter);
    },

    /**
     * Key rotation (`keys:rotate`): every endpoint secret still sealed under a
     * previous master key moves to the current one, so that key can be
     * removed and deliveries still be signed. One that opens under no
     * configured key is reported, not touched.
     */
    async resealSecrets(): Promise<{ resealed: number; failed: string[] }> {
      const out = { resealed: 0, failed: [] as string[] };
      for (const e of await webhooks.listEndpoints()) {
        let next: ReturnType<SecretBox['resealed']>;
        try {
          next = box.resealed(e._id, e.secret);
        } catch {
          out.failed.push(`webhook:${e._id}`);
          continue;
        }
        if (next && (await webhooks.resealSecret(e._id, e.secret, next))) out.resealed++;
      }
      return out;
    },

    /**
     * Queues the deliveries Redis did not take when they were made (the
     * worker, periodically); returns how many it queued. Each leaves the
     * outbox only once queued, under its own delivery id (at least once:
     * receivers de-duplicate on it; docs/webhooks.md).
     */
    async sweepOutbox(limit = 100): Promise<number> {
      let queued = 0;
      for (const job of await webhooks.outboxed(limit)) {
        if (!(await queue.enqueue(job))) break; // Redis still away: the rest wait too
        await webhooks.leaveOutbox(job.deliveryId);
        queued++;
      }
      return queued;
    },

    /**
     * Queues one delivery per endpoint subscribed to `event`. Called after the report's change committed,
     * not awaited by intake or triage; never throws. A delivery Redis does not take waits in the outbox
     * for `sweepOutbox` (docs/webhooks.md).
     */
    async notify(event: WebhookEvent, report: WebhookSubject): Promise<void> {
      if (!report.desk || !report.priority) return;
      try {
        const endpoints = await webhooks.subscribedTo(event);
        const at = toMinute(new Date()).toISOString();
        await Promise.all(
          endpoints.map(async (e) => {
            const job = { deliveryId: randomUUID(), endpointId: e._id, event, reportId: report._id, desk: report.desk!, priority: report.priority!, at };
            if (await queue.enqueue(job)) return;
            // Redis did not take it: the database keeps it until the worker's sweep can queue it.
            await webhooks.putInOutbox(job);
            log.warn({ endpointId: e._id, event, reportId: report._id }, 'webhook delivery not queued (Redis did not answer); kept in the outbox');
          }),
        );
      } catch (err) {
        log.warn({ event, reportId: report._id, err: (err as Error).name }, 'webhook deliveries not queued');
      }
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
