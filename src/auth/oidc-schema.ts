/** GraphQL for single sign-on: whether the sign-in page offers it, and under what name. */
import { builder } from '../graphql/builder.js';
import { OIDC_START_PATH } from './oidc-routes.js';

const SingleSignOn = builder.objectRef<{ label: string; startUrl: string }>('SingleSignOn').implement({
  description: 'Single sign-on through the identity provider (OIDC); local accounts keep working beside it',
  fields: (t) => ({
    label: t.exposeString('label', { description: 'The provider\'s name for the "Sign in with …" button' }),
    startUrl: t.exposeString('startUrl', { description: 'Where the browser goes to sign in (a same-origin path)' }),
  }),
});

builder.queryField('singleSignOn', (t) =>
  t.field({
    type: SingleSignOn,
    nullable: true,
    description: 'Single sign-on, when configured (null: local accounts only)',
    authScopes: { allow: 'singleSignOn' },
    resolve: (_r, _a, ctx) => (ctx.services.oidc ? { label: ctx.services.oidc.label, startUrl: OIDC_START_PATH } : null),
  }),
);
