/**
 * GraphQL of the partner portal's accounts (src/partners/accounts.ts): sign-in with a password and a second
 * factor (the console's steps, under partner names), the signed-in session, the partner admin's accounts and
 * activity log, and the staff admin's request for a partner admin. Resolvers stay thin.
 */
import { builder } from '../graphql/builder.js';
import { MfaEnrolment, MfaRecoveryCodes } from '../auth/mfa-schema.js';
import { RoleGrantRef, staffOf } from '../auth/schema.js';
import type { GraphQLContext } from '../context.js';
import { PARTNER_ACTIVITY_ACTIONS } from './accounts.js';

const PartnerSession = builder
  .objectRef<{ organisation: string; displayName: string; isAdmin: boolean; operations: string[]; idleTimeoutSeconds: number }>('PartnerSession')
  .implement({
    description: 'The signed-in caseworker of the partner portal; the session token stays in an HttpOnly cookie',
    fields: (t) => ({
      organisation: t.exposeString('organisation', { description: 'Their partner organisation' }),
      displayName: t.exposeString('displayName', { description: "The caseworker's own name (kept sealed under the organisation's key)" }),
      isAdmin: t.exposeBoolean('isAdmin', { description: "The organisation's partner admin: manages its caseworkers and reads its activity log" }),
      operations: t.exposeStringList('operations', { description: 'The operations they may run (from the policy table): the portal shows only these' }),
      idleTimeoutSeconds: t.exposeInt('idleTimeoutSeconds', { description: 'The portal signs out after this long without activity' }),
      attachmentMaxBytes: t.int({
        description: 'The largest file an upload may carry, in bytes (ATTACHMENT_MAX_BYTES): the portal says it before a file is chosen',
        resolve: (_s, _a, ctx) => ctx.attachmentMaxBytes,
      }),
    }),
  });

const PartnerAccount = builder
  .objectRef<{ id: string; displayName: string; isAdmin: boolean; disabled: boolean; hasSecondFactor: boolean }>('PartnerAccount')
  .implement({
    description: "One of a partner organisation's accounts, as its partner admin sees it",
    fields: (t) => ({
      id: t.exposeID('id'),
      displayName: t.exposeString('displayName'),
      isAdmin: t.exposeBoolean('isAdmin'),
      disabled: t.exposeBoolean('disabled', { description: 'Removed: cannot sign in' }),
      hasSecondFactor: t.exposeBoolean('hasSecondFactor', { description: 'False until they set one up at their (next) sign-in' }),
    }),
  });

const PartnerActivityActionEnum = builder.enumType('PartnerActivityAction', { values: PARTNER_ACTIVITY_ACTIONS });

const PartnerActivityEntry = builder
  .objectRef<{ at: Date; who: string; action: (typeof PARTNER_ACTIVITY_ACTIONS)[number]; receipt: string | null; about: string | null }>('PartnerActivityEntry')
  .implement({
    fields: (t) => ({
      at: t.expose('at', { type: 'DateTime', description: 'To the minute' }),
      who: t.exposeString('who', { description: 'The caseworker who did it' }),
      action: t.field({ type: PartnerActivityActionEnum, resolve: (e) => e.action }),
      receipt: t.exposeString('receipt', { nullable: true, description: 'The receipt it concerned (passing on, answering, adding information)' }),
      about: t.exposeString('about', { nullable: true, description: 'The account an account change concerned' }),
    }),
  });

const PartnerActivityPage = builder
  .objectRef<{ entries: { at: Date; who: string; action: (typeof PARTNER_ACTIVITY_ACTIONS)[number]; receipt: string | null; about: string | null }[]; endCursor: string | null; hasNextPage: boolean }>('PartnerActivityPage')
  .implement({
    fields: (t) => ({
      entries: t.field({ type: [PartnerActivityEntry], resolve: (p) => p.entries }),
      endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next (older) page' }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

const idleSeconds = (ctx: GraphQLContext) => Math.round(ctx.consoleIdleTimeoutMs / 1000);
const TOTP_HINT = 'The code from the authenticator app, or a recovery code; required once a second factor is set up (the error says MFA_REQUIRED in extensions.mfa)';
const TICKET_HINT = 'The enrolmentTicket a sign-in answered with (extensions.mfa = ENROL); not needed when signed in';

builder.queryFields((t) => ({
  partnerSession: t.field({
    type: PartnerSession,
    nullable: true,
    description: "The partner portal's signed-in caseworker, or null",
    authScopes: { allow: 'partnerSession' },
    resolve: (_r, _a, ctx) => ctx.services.partnerAccounts.session(ctx.principal, idleSeconds(ctx)),
  }),
  partnerAccounts: t.field({
    type: [PartnerAccount],
    description: "The organisation's accounts (partner admin)",
    authScopes: { allow: 'partnerAccounts' },
    resolve: (_r, _a, ctx) => ctx.services.partnerAccounts.list(ctx.principal),
  }),
  partnerActivityLog: t.field({
    type: PartnerActivityPage,
    description: "Who in the organisation did what, newest first, to the minute (partner admin); kept sealed under the organisation's key",
    authScopes: { allow: 'partnerActivityLog' },
    args: { after: t.arg.string(), first: t.arg.int() },
    resolve: (_r, { after, first }, ctx) => ctx.services.partnerAccounts.activityLog(ctx.principal, after, first),
  }),
}));

builder.mutationFields((t) => ({
  partnerSignIn: t.field({
    type: PartnerSession,
    description:
      'Signs a caseworker in to the partner portal: the session token is set as an HttpOnly, SameSite=Strict cookie (hotline_partner) and never returned. Errors as consoleSignIn: extensions.passwordChange = REQUIRED with a passwordTicket at a first sign-in, extensions.mfa = ENROL with an enrolmentTicket, or MFA_REQUIRED',
    authScopes: { allow: 'partnerSignIn' },
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }), totp: t.arg.string({ description: TOTP_HINT }) },
    resolve: async (_r, { username, password, totp }, ctx) => {
      const { token, expiresAt, principal } = await ctx.services.partnerAccounts.signIn(username, password, ctx.clientIp, totp);
      ctx.partnerCookie.set(token, expiresAt);
      return (await ctx.services.partnerAccounts.session(principal, idleSeconds(ctx)))!;
    },
  }),
  partnerSetInitialPassword: t.boolean({
    description: 'A first sign-in: your own password replaces the one you were given (passwordTicket from the sign-in\'s error); no session opens: sign in with it next',
    authScopes: { allow: 'partnerSetInitialPassword' },
    args: { newPassword: t.arg.string({ required: true }), passwordTicket: t.arg.string({ required: true }) },
    resolve: (_r, { newPassword, passwordTicket }, ctx) => ctx.services.partnerAccounts.setInitialPassword(passwordTicket, newPassword),
  }),
  partnerBeginMfaEnrolment: t.field({
    type: MfaEnrolment,
    description: 'Starts setting up an authenticator app for a partner account: scan the QR code, then confirm with a code',
    authScopes: { allow: 'partnerBeginMfaEnrolment' },
    args: { enrolmentTicket: t.arg.string({ description: TICKET_HINT }) },
    resolve: (_r, { enrolmentTicket }, ctx) => ctx.services.partnerAccounts.beginEnrolment(ctx.principal, enrolmentTicket),
  }),
  partnerConfirmMfaEnrolment: t.field({
    type: MfaRecoveryCodes,
    description: 'Activates the authenticator with a first code from it; answers the recovery codes, shown once',
    authScopes: { allow: 'partnerConfirmMfaEnrolment' },
    args: { code: t.arg.string({ required: true }), enrolmentTicket: t.arg.string({ description: TICKET_HINT }) },
    resolve: (_r, { code, enrolmentTicket }, ctx) => ctx.services.partnerAccounts.confirmEnrolment(ctx.principal, enrolmentTicket, code),
  }),
  partnerSignOut: t.boolean({
    description: 'Ends the partner portal session and clears its cookie',
    authScopes: { allow: 'partnerSignOut' },
    resolve: (_r, _a, ctx) => {
      ctx.partnerCookie.clear();
      return ctx.services.partnerAccounts.signOut(ctx.principal);
    },
  }),
  partnerActivity: t.boolean({
    description: "The partner portal's activity heartbeat (as consoleActivity): only this and signing in keep a portal session from its idle time-out. False for anything but a portal session",
    authScopes: { allow: 'partnerActivity' },
    resolve: (_r, _a, ctx) => ctx.services.partnerAccounts.activity(ctx.principal),
  }),
  addPartnerCaseworker: t.field({
    type: PartnerAccount,
    description: 'Adds a caseworker account (partner admin); they choose their own password and second factor at their first sign-in',
    authScopes: { allow: 'addPartnerCaseworker' },
    args: { displayName: t.arg.string({ required: true }), username: t.arg.string({ required: true }), initialPassword: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => ctx.services.partnerAccounts.addCaseworker(ctx.principal, args),
  }),
  removePartnerCaseworker: t.boolean({
    description: 'Removes (disables) a caseworker account and ends its sessions at once (partner admin)',
    authScopes: { allow: 'removePartnerCaseworker' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.partnerAccounts.removeCaseworker(ctx.principal, String(id)),
  }),
  resetPartnerCaseworker: t.boolean({
    description: 'Gives a caseworker a new password you choose and removes their second factor: they choose their own password and set up a new factor at their next sign-in; their sessions end (partner admin)',
    authScopes: { allow: 'resetPartnerCaseworker' },
    args: { id: t.arg.id({ required: true }), initialPassword: t.arg.string({ required: true }) },
    resolve: (_r, { id, initialPassword }, ctx) => ctx.services.partnerAccounts.resetCaseworker(ctx.principal, String(id), initialPassword),
  }),
  createPartnerAdmin: t.field({
    type: RoleGrantRef,
    description: "Asks for a partner organisation's admin account: a request a second admin approves (approveRoleGrant); the holder then chooses their own password and second factor at their first sign-in",
    authScopes: { allow: 'createPartnerAdmin' },
    args: {
      partnerId: t.arg.id({ required: true }),
      displayName: t.arg.string({ required: true }),
      username: t.arg.string({ required: true }),
      initialPassword: t.arg.string({ required: true }),
    },
    resolve: (_r, { partnerId, ...input }, ctx) => ctx.services.partnerAccounts.requestPartnerAdmin(String(partnerId), input, staffOf(ctx.principal)),
  }),
}));
