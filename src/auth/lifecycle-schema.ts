/** GraphQL for the account lifecycle: own password and sessions; re-enable, desk moves, partner key rotation. */
import { builder } from '../graphql/builder.js';
import { AppError } from '../errors.js';
import { DeskEnum, PartnerRef, UserRef } from './schema.js';
import type { PublicPartner, PublicUser } from './service.js';

const StaffSession = builder.objectRef<{ id: string; createdAt: Date; expiresAt: Date; current: boolean }>('StaffSession').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'A handle for endMySession (not the token, nor what is stored)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.exposeBoolean('current', { description: 'The session making this request' }),
  }),
});

const DeskMove = builder.objectRef<{ user: PublicUser; releasedReports: number }>('DeskMove').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (m) => m.user }),
    releasedReports: t.exposeInt('releasedReports', { description: "Reports the user held, put back in their desk's queue" }),
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
    type: UserRef,
    description: 'Re-enables a disabled user; their old sessions stay ended',
    authScopes: { allow: 'enableUser' },
    args: { username: t.arg.string({ required: true }) },
    resolve: (_r, { username }, ctx) => ctx.services.lifecycle.enableUser(username, principalOf(ctx.principal)),
  }),
  moveUserDesk: t.field({
    type: DeskMove,
    description: "Moves an investigator to the other desk; the reports they hold go back to their desk's queue (each release audited)",
    authScopes: { allow: 'moveUserDesk' },
    args: { username: t.arg.string({ required: true }), desk: t.arg({ type: DeskEnum, required: true }), reason: t.arg.string({ description: 'Recorded on each release' }) },
    resolve: (_r, { username, desk, reason }, ctx) => ctx.services.lifecycle.moveUserDesk(username, desk, reason ?? '', principalOf(ctx.principal)),
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
