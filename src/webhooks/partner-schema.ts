/**
 * GraphQL of a partner organisation's own webhook (src/webhooks/partner.ts): its partner admin reads, sets or
 * clears it on the portal. The signing secret is shown once, when set. Resolvers stay thin.
 */
import { builder } from '../graphql/builder.js';

const PartnerWebhook = builder.objectRef<{ url: string; setAt: Date }>('PartnerWebhook').implement({
  description: "The organisation's webhook: told (signed, with no content) when an investigator asks a question",
  fields: (t) => ({
    url: t.exposeString('url'),
    setAt: t.expose('setAt', { type: 'DateTime', description: 'When it was set, to the minute' }),
  }),
});

const PartnerWebhookSet = builder.objectRef<{ url: string | null; secret: string | null; setAt: Date | null }>('PartnerWebhookSet').implement({
  description: 'The webhook just set (or cleared: everything null)',
  fields: (t) => ({
    url: t.exposeString('url', { nullable: true }),
    secret: t.exposeString('secret', { nullable: true, description: 'The signing secret, shown this once (docs/webhooks.md says how to verify a delivery)' }),
    setAt: t.expose('setAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryFields((t) => ({
  partnerWebhook: t.field({
    type: PartnerWebhook,
    nullable: true,
    description: "The organisation's webhook, if its partner admin set one (partner admin)",
    authScopes: { allow: 'partnerWebhook' },
    resolve: (_r, _a, ctx) => ctx.services.partnerWebhooks.current(ctx.principal),
  }),
}));

builder.mutationFields((t) => ({
  setPartnerWebhook: t.field({
    type: PartnerWebhookSet,
    description: 'Sets the webhook told when an investigator asks a question (a new signing secret each time), or clears it with a blank url (partner admin)',
    authScopes: { allow: 'setPartnerWebhook' },
    args: { url: t.arg.string() },
    resolve: (_r, { url }, ctx) => ctx.services.partnerWebhooks.set(ctx.principal, url),
  }),
}));
