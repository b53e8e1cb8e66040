/**
 * A partner organisation's own webhook (issue 23, item 5): its partner admin sets or clears one URL; when an
 * investigator asks the organisation a question, that URL gets a signed delivery through the same queue, retries,
 * outbox and signature as staff webhooks (src/webhooks/queue.ts, deliver.ts, signature.ts).
 *
 * The delivery carries NO content: `{ event: 'partner.question', at: <minute> }`, not even the receipt. A receipt
 * identifies a referral to anyone who holds the partner's own records, and a receiver's logs are outside both our
 * control and the partner's portal protections (second factor, sealed activity log); the caseworker looks in the
 * portal, where the question waits (the navigation badge), signed in.
 *
 * The URL is checked like a staff endpoint's (https only, no credentials, no internal address unless
 * WEBHOOK_ALLOWED_NETWORKS names it: src/webhooks/targets.ts) and checked again at every delivery.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLogService } from '../audit/service.js';
import type { PartnerPrincipal, Principal } from '../auth/types.js';
import type { Integrity } from '../crypto/integrity.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { assertThat, badInput, forbidden, unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PartnerRepository } from '../partners/repository.js';
import { toMinute } from '../time.js';
import { endpointSealData } from './endpoint-seal.js';
import type { WebhookQueue } from './queue.js';
import type { WebhookRepository } from './repository.js';
import { checkEndpointUrl } from './service.js';
import type { TargetPolicy } from './targets.js';
import { PARTNER_QUESTION_EVENT, type PartnerWebhookDoc, type WebhookEvent } from './types.js';

const SECRET_PREFIX = 'whsec_';

/** The key a partner's webhook secret is sealed under and its MAC covers: apart from every endpoint id (uuids). */
export const partnerWebhookKey = (partnerId: string) => `partner:${partnerId}`;

/** What the MAC covers: the organisation and where deliveries go (the endpoint MAC's encoding, its one event). */
export const partnerWebhookSealData = (partnerId: string, url: string) =>
  endpointSealData({ _id: partnerWebhookKey(partnerId), url, events: [PARTNER_QUESTION_EVENT as unknown as WebhookEvent] });

/** The organisation's webhook if its MAC verifies; null if none. Throws on a record whose MAC fails. */
export function verifiedPartnerWebhook(integrity: Integrity, partnerId: string, webhook: PartnerWebhookDoc | null | undefined): PartnerWebhookDoc | null {
  if (!webhook) return null;
  if (!integrity.verify('webhookEndpoint', partnerWebhookSealData(partnerId, webhook.url), webhook.seal)) throw new Error('partner webhook integrity');
  return webhook;
}

export interface PartnerWebhookDeps {
  partners: Pick<PartnerRepository, 'findById' | 'setWebhook' | 'withWebhooks' | 'resealWebhookSecret'>;
  webhooks: Pick<WebhookRepository, 'putInOutbox'>;
  box: SecretBox;
  integrity: Integrity;
  audit: Pick<AuditLogService, 'record'>;
  queue: WebhookQueue;
  targets: Pick<TargetPolicy, 'registrable'>;
  production: boolean;
  log: Logger;
}

/** The signed-in partner admin (the policy table lets only them in; checked again here, as the accounts service does). */
function partnerAdmin(principal: Principal | null): PartnerPrincipal {
  if (!principal) throw unauthenticated();
  if (principal.kind !== 'partner' || !principal.account?.admin) throw forbidden();
  return principal;
}

export function createPartnerWebhooks(deps: PartnerWebhookDeps) {
  const { partners, box, integrity, audit, queue, log } = deps;

  async function activePartner(partnerId: string) {
    const partner = await partners.findById(partnerId);
    if (!partner || partner.revokedAt) throw unauthenticated();
    return partner;
  }

  return {
    /** The organisation's webhook as its partner admin sees it: the URL and when it was set, never the secret. */
    async current(principal: Principal | null): Promise<{ url: string; setAt: Date } | null> {
      const me = partnerAdmin(principal);
      const partner = await activePartner(me.partnerId);
      const webhook = partner.webhook;
      return webhook ? { url: webhook.url, setAt: webhook.createdAt } : null;
    },

    /**
     * Sets the organisation's webhook with a new signing secret (returned this once, stored sealed), or clears
     * it (null or blank). Setting it again replaces the secret too. One audited write each, naming the organisation only.
     */
    async set(principal: Principal | null, raw: string | null | undefined): Promise<{ url: string | null; secret: string | null; setAt: Date | null }> {
      const me = partnerAdmin(principal);
      await activePartner(me.partnerId);
      const actor = { type: 'partner' as const, id: me.partnerId, name: me.name };
      if (raw == null || !raw.trim()) {
        assertThat(await partners.setWebhook(me.partnerId, null), unauthenticated());
        await audit.record({ action: 'partner.webhook_set', actor, target: { type: 'partner', id: me.partnerId }, outcome: 'success', details: { cleared: true } });
        return { url: null, secret: null, setAt: null };
      }
      const url = checkEndpointUrl(raw, deps.production);
      const refused = await deps.targets.registrable(new URL(url));
      assertThat(!refused, badInput('url: internal addresses (private, loopback, link-local and the like) are refused', ['url']));
      const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
      const key = partnerWebhookKey(me.partnerId);
      const webhook: PartnerWebhookDoc = { url, secret: box.seal(key, Buffer.from(secret, 'utf8')), createdAt: toMinute(new Date()), seal: integrity.mac('webhookEndpoint', partnerWebhookSealData(me.partnerId, url)) };
      assertThat(await partners.setWebhook(me.partnerId, webhook), unauthenticated());
      await audit.record({ action: 'partner.webhook_set', actor, target: { type: 'partner', id: me.partnerId }, outcome: 'success', details: { cleared: false, host: new URL(url).host } });
      return { url, secret, setAt: webhook.createdAt };
    },

    /**
     * Key rotation (`keys:rotate`, with the staff endpoints' secrets): every organisation's webhook secret still
     * sealed under a previous master key moves to the current one. One that opens under no configured key is reported.
     */
    async resealSecrets(): Promise<{ resealed: number; failed: string[] }> {
      const out = { resealed: 0, failed: [] as string[] };
      for (const p of await partners.withWebhooks()) {
        if (!p.webhook) continue;
        let next: ReturnType<SecretBox['resealed']>;
        try {
          next = box.resealed(partnerWebhookKey(p._id), p.webhook.secret);
        } catch {
          out.failed.push(`partner-webhook:${p._id}`);
          continue;
        }
        if (next && (await partners.resealWebhookSecret(p._id, p.webhook.secret, next))) out.resealed++;
      }
      return out;
    },

    /**
     * An investigator asked the organisation a question: one delivery to its webhook, if it set one. Called after
     * the question committed, not awaited; never throws. Redis away: the delivery waits in the outbox for the sweep.
     */
    async questionAsked(partnerId: string): Promise<void> {
      try {
        const partner = await partners.findById(partnerId);
        if (!partner || partner.revokedAt || !partner.webhook) return;
        const job = { deliveryId: randomUUID(), partnerId, event: PARTNER_QUESTION_EVENT, at: toMinute(new Date()).toISOString() } as const;
        if (await queue.enqueue(job)) return;
        await deps.webhooks.putInOutbox(job);
        log.warn({ partnerId }, 'partner webhook delivery not queued (Redis did not answer); kept in the outbox');
      } catch (err) {
        log.warn({ partnerId, err: (err as Error).name }, 'partner webhook delivery not queued');
      }
    },
  };
}

export type PartnerWebhooks = ReturnType<typeof createPartnerWebhooks>;
