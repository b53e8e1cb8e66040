/** GraphQL for outgoing webhooks (admins only, src/auth/policy.ts): endpoints, dead letters, replay. */
import { DeskEnum } from '../auth/schema.js';
import { AppError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { PriorityEnum } from '../reports/graphql/report-schema.js';
import { WEBHOOK_EVENTS, type PublicDeadLetter, type PublicWebhookEndpoint } from './types.js';

const WebhookEventEnum = builder.enumType('WebhookEvent', {
  description: 'p1_intake: a report routed at P1; sla_escalation: a report escalated past its SLA',
  values: WEBHOOK_EVENTS,
});

const WebhookEndpoint = builder.objectRef<PublicWebhookEndpoint>('WebhookEndpoint').implement({
  description: 'Where signed deliveries go (docs/webhooks.md); its secret is never shown again',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.field({ type: [WebhookEventEnum], resolve: (e) => e.events }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedWebhookEndpoint = builder.objectRef<{ endpoint: PublicWebhookEndpoint; secret: string }>('CreatedWebhookEndpoint').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpoint, resolve: (c) => c.endpoint }),
    secret: t.exposeString('secret', { description: 'The signing secret, shown once: the receiver verifies X-Hotline-Signature with it' }),
  }),
});

const WebhookDeadLetter = builder.objectRef<PublicDeadLetter>('WebhookDeadLetter').implement({
  description: 'A delivery that failed every attempt; replayWebhookDelivery sends it again. No reference: which report is not an admin matter',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The delivery id (X-Hotline-Delivery), kept on replay' }),
    endpointId: t.exposeID('endpointId'),
    event: t.field({ type: WebhookEventEnum, resolve: (d) => d.event }),
    desk: t.field({ type: DeskEnum, resolve: (d) => d.desk }),
    priority: t.field({ type: PriorityEnum, resolve: (d) => d.priority }),
    at: t.expose('at', { type: 'DateTime', description: 'The event, to the minute' }),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('lastError', { description: '"HTTP <status>", or "could not connect" for every failure before an answer (refused, reset, timeout, TLS, a refused target); never the receiver\'s answer' }),
    failedAt: t.expose('failedAt', { type: 'DateTime', description: 'To the minute' }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({ type: [WebhookEndpoint], authScopes: { allow: 'webhookEndpoints' }, resolve: (_r, _a, ctx) => ctx.services.webhooks.listEndpoints() }),
  webhookDeadLetters: t.field({ type: [WebhookDeadLetter], authScopes: { allow: 'webhookDeadLetters' }, resolve: (_r, _a, ctx) => ctx.services.webhooks.deadLetters() }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatedWebhookEndpoint,
    description: 'Registers an https endpoint for the events; returns its signing secret once',
    authScopes: { allow: 'createWebhookEndpoint' },
    args: { url: t.arg.string({ required: true }), events: t.arg({ type: [WebhookEventEnum], required: true }) },
    resolve: (_r, { url, events }, ctx) => ctx.services.webhooks.createEndpoint({ url, events }, principalOf(ctx.principal)),
  }),
  deleteWebhookEndpoint: t.boolean({
    description: 'Removes an endpoint; deliveries still queued for it are dropped',
    authScopes: { allow: 'deleteWebhookEndpoint' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.webhooks.deleteEndpoint(String(id), principalOf(ctx.principal)),
  }),
  replayWebhookDelivery: t.field({
    type: WebhookDeadLetter,
    description: 'Queues a dead letter again (same delivery id, fresh signature); it leaves the dead letters',
    authScopes: { allow: 'replayWebhookDelivery' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.webhooks.replay(String(id), principalOf(ctx.principal)),
  }),
}));

function principalOf<T>(p: T | null): T {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Not signed in');
  return p;
}
