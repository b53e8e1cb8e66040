/** GraphQL for the account lifecycle: own password and sessions; requests to re-enable or move a user (a second admin approves); partner key rotation. */
import { builder } from '../graphql/builder.js';
import { AppError } from '../errors.js';
import { DeskEnum, PartnerRef, RoleGrantRef, staffOf } from './schema.js';
import type { PublicPartner } from './service.js';

const StaffSession = builder.objectRef<{ id: string; createdAt: Date; expiresAt: Date; current: boolean }>('StaffSession').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'A handle for endMySession (not the token, nor what is stored)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.exposeBoolean('current', { description: 'The session making this request' }),
  }),
});

const RotatedPartnerKey = builder.objectRef<{ partner: PublicPartner; apiKey: string; previousKeyExpiresAt: Date }>('RotatedPartnerKey').implement({
  fields: (t) => ({
    partner: t.field({ type: PartnerRef, resolve: (r) => r.partner }),
    apiKey: t.exposeString('apiKey', { description: 'The new key, shown once; only its keyed hash is stored' }),
    previousKeyExpiresAt: t.expose('previousKeyExpiresAt', { type: 'DateTime', description: 'The old key works until then' }),
  }),
});

builder.queryFields((t) => ({
  mySessions: t.field({
    type: [StaffSession],
    authScopes: { allow: 'mySessions' },
    resolve: (_r, _a, ctx) => ctx.services.lifecycle.mySessions(ctx.principal),
  }),
}));

builder.mutationFields((t) => ({
  changePassword: t.int({
    description: 'Changes your password (the current one is required); every other session of yours ends. Returns how many ended',
    authScopes: { allow: 'changePassword' },
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, { currentPassword, newPassword }, ctx) => ctx.services.lifecycle.changePassword(ctx.principal, currentPassword, newPassword),
  }),
  endMySession: t.boolean({
    description: 'Ends one of your sessions (an id from mySessions)',
    authScopes: { allow: 'endMySession' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.lifecycle.endMySession(ctx.principal, String(id)),
  }),
  enableUser: t.field({
    type: RoleGrantRef,
    description: 'Asks for a disabled user to be re-enabled: a request a second admin approves (approveRoleGrant); their old sessions stay ended',
    authScopes: { allow: 'enableUser' },
    args: { username: t.arg.string({ required: true }), reason: t.arg.string({ required: true, description: 'Why (1 to 200 characters), shown to the approving admin and audited' }) },
    resolve: (_r, { username, reason }, ctx) => ctx.services.auth.requestAccountChange(username, { kind: 'ENABLE', reason }, staffOf(ctx.principal)),
  }),
  moveUserDesk: t.field({
    type: RoleGrantRef,
    description: "Asks for an investigator to move to the other desk: a request a second admin approves; then the reports they hold go back to their desk's queue (each release audited)",
    authScopes: { allow: 'moveUserDesk' },
    args: {
      username: t.arg.string({ required: true }),
      desk: t.arg({ type: DeskEnum, required: true }),
      reason: t.arg.string({ required: true, description: 'Why (1 to 200 characters): shown to the approving admin, audited, and recorded on each release' }),
    },
    resolve: (_r, { username, desk, reason }, ctx) => ctx.services.auth.requestAccountChange(username, { kind: 'MOVE_DESK', desk, reason }, staffOf(ctx.principal)),
  }),
  rotatePartnerKey: t.field({
    type: RotatedPartnerKey,
    description: 'Issues a new API key for the same partner (its receipts stay); the old key works for PARTNER_KEY_OVERLAP_HOURS',
    authScopes: { allow: 'rotatePartnerKey' },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_r, { name }, ctx) => ctx.services.lifecycle.rotatePartnerKey(name, principalOf(ctx.principal)),
  }),
}));

function principalOf<T>(p: T | null): T {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Not signed in');
  return p;
}
