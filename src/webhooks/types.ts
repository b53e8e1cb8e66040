/**
 * Outgoing webhooks: what an endpoint subscribes to, what a delivery carries
 * (a reference, a desk, a priority and the event: never content), and what a
 * delivery that failed for good leaves for an admin to replay.
 */
import type { Binary } from 'mongodb';
import { z } from 'zod';
import { DESKS, type Desk, type PartnerDoc } from '../auth/types.js';
import { reportIdField } from '../queue/job-payload.js';
import { PRIORITIES, type Priority } from '../reports/model/vocabulary.js';

/** The events an endpoint may subscribe to: a report routed at P1, a report escalated past its SLA. */
export const WEBHOOK_EVENTS = ['p1_intake', 'sla_escalation'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A stored endpoint. The secret is sealed (crypto/secret-box.ts): the service must read it back to sign. */
export interface WebhookEndpointDoc {
  _id: string;
  url: string;
  events: WebhookEvent[];
  secret: Binary;
  createdAt: Date;
  /** Keyed MAC over id, url and events (crypto/integrity.ts 'webhookEndpoint'): a database writer cannot redirect deliveries. */
  seal: string;
}

/** What a receiver gets, exactly these keys (docs/webhooks.md). `at` is the event's minute. */
export interface WebhookPayload {
  event: WebhookEvent;
  reference: string;
  desk: Desk;
  priority: Priority;
  at: string;
  deliveryId: string;
}

/**
 * A delivery job's payload (bull), its one schema: checked on enqueue
 * (src/webhooks/queue.ts) and parsed with before delivery (src/tasks/webhook-delivery.ts).
 * Ids and labels only: the reference is read from the report when the job
 * runs, so an erased report is never announced late. `at` is the event's minute (ISO).
 */
export const staffWebhookJobPayload = z.strictObject({
  deliveryId: z.uuid(),
  endpointId: z.uuid(),
  event: z.enum(WEBHOOK_EVENTS),
  reportId: reportIdField,
  desk: z.enum(DESKS),
  priority: z.enum(PRIORITIES),
  at: z.iso.datetime(),
});
export type StaffWebhookJob = z.infer<typeof staffWebhookJobPayload>;

/** The one event a partner organisation's webhook receives (issue 23, item 5): an investigator asked it a question. */
export const PARTNER_QUESTION_EVENT = 'partner.question';

/**
 * A delivery to a partner organisation's own webhook (src/webhooks/partner.ts): the organisation's id, the event
 * and its minute. Nothing names the referral: the receipt identifies one to anyone holding the partner's log.
 */
export const partnerWebhookJobPayload = z.strictObject({
  deliveryId: z.uuid(),
  partnerId: z.string().min(1).max(64),
  event: z.literal(PARTNER_QUESTION_EVENT),
  at: z.iso.datetime(),
});
export type PartnerWebhookJob = z.infer<typeof partnerWebhookJobPayload>;

/** Every delivery job: to a staff endpoint, or to a partner organisation's webhook. */
export const webhookJobPayload = z.union([staffWebhookJobPayload, partnerWebhookJobPayload]);
export type WebhookJob = z.infer<typeof webhookJobPayload>;

/** What a partner's receiver gets, exactly these keys: no receipt, no question, no reference (src/webhooks/partner.ts). */
export interface PartnerWebhookPayload {
  event: typeof PARTNER_QUESTION_EVENT;
  at: string;
}

/** A partner organisation's webhook as kept on its `partners` record (src/auth/types.ts `PartnerDoc.webhook`). */
export type PartnerWebhookDoc = NonNullable<PartnerDoc['webhook']>;

/** A delivery that exhausted its attempts: one document, `_id` the delivery id, for an admin to list and replay. */
export interface WebhookDeadLetterDoc extends Omit<StaffWebhookJob, 'deliveryId'> {
  _id: string;
  attempts: number;
  /** Why the last attempt failed: `HTTP <status>` or `could not connect` (every failure before an answer, src/webhooks/deliver.ts); never the receiver's body. */
  lastError: string;
  /** To the minute, like every webhook time. */
  failedAt: Date;
}

/** An endpoint as admins see it: never the secret. */
export interface PublicWebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: Date;
}

/** A dead letter as admins see it: no reference (an admin need not know which report). */
export interface PublicDeadLetter {
  id: string;
  endpointId: string;
  event: WebhookEvent;
  desk: Desk;
  priority: Priority;
  at: Date;
  attempts: number;
  lastError: string;
  failedAt: Date;
}
