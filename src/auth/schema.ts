/** GraphQL for sign-in, principals, and user/partner administration. Resolvers stay thin. */
import { builder } from '../graphql/builder.js';
import { AppError, assertThat, unauthenticated } from '../errors.js';
import type { PublicPartner, PublicUser } from './service.js';
import type { GraphQLContext } from '../context.js';
import { allowedOperations } from './policy.js';
import { ACCOUNT_CHANGE_KINDS, DESKS, ROLES, type RoleGrantDoc, type StaffPrincipal } from './types.js';

export const RoleEnum = builder.enumType('Role', { values: ROLES });
export const DeskEnum = builder.enumType('Desk', {
  values: { SO12: { description: 'Special Branch: intelligence' }, SO13: { description: 'Anti-Terrorist Branch: investigation' } },
});
void DESKS;

export const UserRef = builder.objectRef<PublicUser>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    roles: t.field({ type: [RoleEnum], resolve: (u) => u.roles }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (u) => u.desk }),
    disabled: t.exposeBoolean('disabled'),
    pendingRoles: t.field({
      type: [RoleEnum],
      description: 'Roles requested for this user that wait for a second admin (see pendingRoleGrants); not held yet',
      resolve: (u) => u.pendingRoles,
    }),
  }),
});

const RoleGrantStatus = builder.enumType('RoleGrantStatus', { values: ['pending', 'approved', 'rejected'] as const });

const AccountChangeKindEnum = builder.enumType('AccountChangeKind', {
  description: 'What a request waiting for a second admin changes',
  values: {
    ROLES: { description: 'Gives the user roles that need a second admin' },
    ENABLE: { description: 'Re-enables a disabled user' },
    MOVE_DESK: { description: "Moves an investigator to the other desk (the reports they hold go back to their desk's queue)" },
    RESET_SECOND_FACTOR: { description: "Removes the user's second factor (lost device); they set one up at their next sign-in" },
    PARTNER_ADMIN: { description: "Lets a partner organisation's admin account sign in (userId and username name the organisation)" },
  } satisfies Record<(typeof ACCOUNT_CHANGE_KINDS)[number], unknown>,
});

export const RoleGrantRef = builder.objectRef<RoleGrantDoc>('RoleGrant').implement({
  description: 'A request a second admin decides (separation of duties, README): roles, or a change that widens a user\'s access',
  fields: (t) => ({
    id: t.exposeID('_id'),
    userId: t.exposeID('userId'),
    username: t.exposeString('username'),
    kind: t.field({ type: AccountChangeKindEnum, resolve: (g) => g.kind ?? 'ROLES' }),
    roles: t.field({ type: [RoleEnum], description: 'The roles to give (ROLES only)', resolve: (g) => g.roles }),
    desk: t.field({ type: DeskEnum, nullable: true, description: 'The desk to move to (MOVE_DESK only)', resolve: (g) => g.desk ?? null }),
    reason: t.string({ nullable: true, description: "Why, in the requesting admin's words", resolve: (g) => g.reason ?? null }),
    status: t.field({ type: RoleGrantStatus, resolve: (g) => g.status }),
    requestedBy: t.string({ description: 'The requesting admin, or admin-cli for the host CLI', resolve: (g) => g.requestedBy.name ?? g.requestedBy.id }),
    requestedAt: t.expose('requestedAt', { type: 'DateTime' }),
    decidedBy: t.string({ nullable: true, resolve: (g) => g.decidedBy?.name ?? null }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const PartnerRef = builder.objectRef<PublicPartner>('PartnerOrganisation').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    keyHint: t.exposeString('keyHint', { description: 'The first characters of the API key, to recognise it' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const PrincipalUnion = builder.unionType('Principal', {
  types: [UserRef, PartnerRef],
  resolveType: (p) => ('username' in p ? UserRef : PartnerRef),
});

const LoginPayload = builder.objectRef<{ token: string; expiresAt: Date; user: PublicUser }>('LoginPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const ConsoleSession = builder
  .objectRef<{ user: PublicUser; expiresAt: Date | null; idleTimeoutSeconds: number; operations: string[]; attachmentMaxBytes: number }>('ConsoleSession')
  .implement({
    description: 'The signed-in console user; the token itself stays in an HttpOnly cookie',
    fields: (t) => ({
      user: t.field({ type: UserRef, resolve: (s) => s.user }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
      idleTimeoutSeconds: t.exposeInt('idleTimeoutSeconds', { description: 'The console signs out after this long without activity' }),
      attachmentMaxBytes: t.exposeInt('attachmentMaxBytes', { description: 'The largest file an upload may carry, in bytes (ATTACHMENT_MAX_BYTES): the console says it before a file is chosen' }),
      operations: t.exposeStringList('operations', { description: 'The operations this user may run (from the policy table): the console shows only these' }),
    }),
  });

const consoleSessionOf = (ctx: GraphQLContext, user: PublicUser, expiresAt: Date | null) => ({
  user,
  expiresAt,
  idleTimeoutSeconds: Math.round(ctx.consoleIdleTimeoutMs / 1000),
  attachmentMaxBytes: ctx.attachmentMaxBytes,
  operations: allowedOperations(ctx.principal ?? { kind: 'staff', userId: user.id, username: user.username, roles: user.roles, desk: user.desk, sessionId: '' }),
});

const CreatedPartner = builder.objectRef<{ partner: PublicPartner; apiKey: string }>('CreatedPartner').implement({
  fields: (t) => ({
    partner: t.field({ type: PartnerRef, resolve: (p) => p.partner }),
    apiKey: t.exposeString('apiKey', { description: 'Shown once; only its hash is stored' }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: PrincipalUnion,
    nullable: true,
    authScopes: { allow: 'me' },
    resolve: (_r, _a, ctx) => {
      const p = ctx.principal;
      if (!p) return null;
      return p.kind === 'staff'
        ? { id: p.userId, username: p.username, roles: p.roles, desk: p.desk, disabled: false, pendingRoles: [] }
        : { id: p.partnerId, name: p.name, keyHint: '', createdAt: new Date(0), revokedAt: null };
    },
  }),
  consoleSession: t.field({
    type: ConsoleSession,
    nullable: true,
    description: "The console's signed-in staff user, or null (partners use the API or the partner portal: partnerSession)",
    authScopes: { allow: 'consoleSession' },
    resolve: (_r, _a, ctx) => {
      const p = ctx.principal;
      if (p?.kind !== 'staff') return null;
      return consoleSessionOf(ctx, { id: p.userId, username: p.username, roles: p.roles, desk: p.desk, disabled: false, pendingRoles: [] }, null);
    },
  }),
  users: t.field({ type: [UserRef], authScopes: { allow: 'users' }, resolve: (_r, _a, ctx) => ctx.services.auth.listUsers() }),
  partners: t.field({ type: [PartnerRef], authScopes: { allow: 'partners' }, resolve: (_r, _a, ctx) => ctx.services.auth.listPartners() }),
  pendingRoleGrants: t.field({
    type: [RoleGrantRef],
    description: 'Role grants waiting for a second admin: every admin sees them; the requester cannot approve their own',
    authScopes: { allow: 'pendingRoleGrants' },
    resolve: (_r, _a, ctx) => ctx.services.auth.pendingRoleGrants(),
  }),
}));

builder.mutationFields((t) => ({
  login: t.field({
    type: LoginPayload,
    authScopes: { allow: 'login' },
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }), totp: t.arg.string({ description: 'The code from the authenticator app, or a recovery code; required once a second factor is set up (the error says MFA_REQUIRED in extensions.mfa)' }) },
    resolve: (_r, { username, password, totp }, ctx) => ctx.services.auth.login(username, password, ctx.clientIp, totp),
  }),
  consoleSignIn: t.field({
    type: ConsoleSession,
    description: 'Signs in for the console: the session token is set as an HttpOnly, SameSite=Strict cookie and never returned',
    authScopes: { allow: 'consoleSignIn' },
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }), totp: t.arg.string({ description: 'The code from the authenticator app, or a recovery code; required once a second factor is set up (the error says MFA_REQUIRED in extensions.mfa)' }) },
    resolve: async (_r, { username, password, totp }, ctx) => {
      const { token, expiresAt, user } = await ctx.services.auth.login(username, password, ctx.clientIp, totp, 'console');
      ctx.sessionCookie.set(token, expiresAt);
      return consoleSessionOf({ ...ctx, principal: null }, user, expiresAt);
    },
  }),
  consoleActivity: t.boolean({
    description:
      'Tells the server someone is using the console (typing, clicking, scrolling): the console sends it at most once a minute while in use. Only this and signing in keep a console session from its idle time-out (CONSOLE_IDLE_MINUTES); polls and subscriptions never do. False for a session that is not the console\'s',
    authScopes: { allow: 'consoleActivity' },
    resolve: (_r, _a, ctx) => ctx.services.auth.consoleActivity(ctx.principal),
  }),
  setInitialPassword: t.boolean({
    description:
      "The first sign-in of an account an admin created: the holder's own password replaces the one the admin chose. The passwordTicket is the one a sign-in answered with (extensions.passwordChange = REQUIRED); no session opens: sign in with the new password next",
    authScopes: { allow: 'setInitialPassword' },
    args: { passwordTicket: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, { passwordTicket, newPassword }, ctx) => ctx.services.auth.setInitialPassword(passwordTicket, newPassword),
  }),
  logout: t.boolean({
    authScopes: { allow: 'logout' },
    resolve: (_r, _a, ctx) => {
      assertThat(ctx.principal, unauthenticated);
      ctx.sessionCookie.clear();
      return ctx.services.auth.logout(ctx.principal);
    },
  }),
  createUser: t.field({
    type: UserRef,
    authScopes: { allow: 'createUser' },
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
      roles: t.arg({ type: [RoleEnum], required: true }),
      desk: t.arg({ type: DeskEnum }),
    },
    resolve: (_r, args, ctx) => ctx.services.auth.createUser(args, principalOf(ctx.principal)),
  }),
  disableUser: t.field({
    type: UserRef,
    authScopes: { allow: 'disableUser' },
    args: { username: t.arg.string({ required: true }) },
    resolve: (_r, { username }, ctx) => ctx.services.auth.disableUser(username, principalOf(ctx.principal)),
  }),
  revokeSessions: t.int({
    description: 'Ends every session of the user; returns how many',
    authScopes: { allow: 'revokeSessions' },
    args: { username: t.arg.string({ required: true }) },
    resolve: (_r, { username }, ctx) => ctx.services.auth.revokeSessions(username, principalOf(ctx.principal)),
  }),
  approveRoleGrant: t.field({
    type: RoleGrantRef,
    description:
      'Applies a pending request (roles, re-enable, desk move, second-factor reset) after checking your own password and second-factor code again (UNAUTHENTICATED when either is wrong; your session stays); FORBIDDEN for the admin who requested it',
    authScopes: { allow: 'approveRoleGrant' },
    args: {
      id: t.arg.id({ required: true }),
      password: t.arg.string({ required: true, description: 'Your own password, typed again' }),
      totp: t.arg.string({ description: 'A current code from your authenticator app (or a recovery code), once you have a second factor' }),
    },
    resolve: (_r, { id, password, totp }, ctx) => ctx.services.auth.approveRequestReauthenticated(String(id), staffOf(ctx.principal), { password, secondFactor: totp ?? null, client: ctx.clientIp }),
  }),
  rejectRoleGrant: t.field({
    type: RoleGrantRef,
    description: 'Drops a pending request, after the same check of your password and second-factor code; FORBIDDEN for the admin who requested it',
    authScopes: { allow: 'rejectRoleGrant' },
    args: {
      id: t.arg.id({ required: true }),
      password: t.arg.string({ required: true, description: 'Your own password, typed again' }),
      totp: t.arg.string({ description: 'A current code from your authenticator app (or a recovery code), once you have a second factor' }),
    },
    resolve: (_r, { id, password, totp }, ctx) => ctx.services.auth.rejectRequestReauthenticated(String(id), staffOf(ctx.principal), { password, secondFactor: totp ?? null, client: ctx.clientIp }),
  }),
  createPartner: t.field({
    type: CreatedPartner,
    authScopes: { allow: 'createPartner' },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_r, { name }, ctx) => ctx.services.auth.createPartner(name, principalOf(ctx.principal)),
  }),
  revokePartner: t.field({
    type: PartnerRef,
    authScopes: { allow: 'revokePartner' },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_r, { name }, ctx) => ctx.services.auth.revokePartner(name, principalOf(ctx.principal)),
  }),
}));

export function staffOf(p: GraphQLContext['principal']): StaffPrincipal {
  if (p?.kind !== 'staff') throw new AppError('UNAUTHENTICATED', 'Not signed in');
  return p;
}

function principalOf<T>(p: T | null): T {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Not signed in');
  return p;
}
