/** GraphQL for the second factor: enrolment (signed in, or with a sign-in's enrolment ticket), status, admin reset. */
import { builder } from '../graphql/builder.js';
import { AppError } from '../errors.js';
import { RoleGrantRef, staffOf } from './schema.js';

export const MfaEnrolment = builder.objectRef<{ otpauthUri: string; secret: string; qrSvg: string }>('MfaEnrolment').implement({
  description: 'A new authenticator seed, not active until confirmMfaEnrolment accepts a first code from it',
  fields: (t) => ({
    otpauthUri: t.exposeString('otpauthUri', { description: 'otpauth://totp/… URI (what the QR code holds)' }),
    secret: t.exposeString('secret', { description: 'The seed in base32, for typing into an app that cannot scan' }),
    qrSvg: t.exposeString('qrSvg', { description: 'The QR code of the URI, as an SVG document' }),
  }),
});

export const MfaRecoveryCodes = builder.objectRef<{ recoveryCodes: string[] }>('MfaRecoveryCodes').implement({
  fields: (t) => ({
    recoveryCodes: t.exposeStringList('recoveryCodes', { description: 'Shown this once; each signs in once in place of a code. Only their keyed hashes are stored' }),
  }),
});

const SecondFactorStatus = builder.objectRef<{ enrolled: boolean; required: boolean; recoveryCodesLeft: number }>('SecondFactorStatus').implement({
  fields: (t) => ({
    enrolled: t.exposeBoolean('enrolled'),
    required: t.exposeBoolean('required', { description: 'One of your roles must sign in with a second factor' }),
    recoveryCodesLeft: t.exposeInt('recoveryCodesLeft'),
  }),
});

const TICKET_HINT = 'The enrolmentTicket a sign-in answered with (extensions.mfa = ENROL); not needed when signed in';

builder.queryFields((t) => ({
  mySecondFactor: t.field({
    type: SecondFactorStatus,
    authScopes: { allow: 'mySecondFactor' },
    resolve: (_r, _a, ctx) => {
      const p = ctx.principal;
      if (p?.kind !== 'staff') throw new AppError('UNAUTHENTICATED', 'Not signed in');
      return ctx.services.mfa.status(p.userId, p.roles);
    },
  }),
}));

builder.mutationFields((t) => ({
  beginMfaEnrolment: t.field({
    type: MfaEnrolment,
    description: 'Starts setting up an authenticator app (again, while not confirmed): scan the QR code, then confirm with a code',
    authScopes: { allow: 'beginMfaEnrolment' },
    args: { enrolmentTicket: t.arg.string({ description: TICKET_HINT }) },
    resolve: (_r, { enrolmentTicket }, ctx) => ctx.services.mfa.beginEnrolment({ principal: ctx.principal, ticket: enrolmentTicket }),
  }),
  confirmMfaEnrolment: t.field({
    type: MfaRecoveryCodes,
    description: 'Activates the authenticator with a first code from it; answers the recovery codes, shown once',
    authScopes: { allow: 'confirmMfaEnrolment' },
    args: { code: t.arg.string({ required: true }), enrolmentTicket: t.arg.string({ description: TICKET_HINT }) },
    resolve: (_r, { code, enrolmentTicket }, ctx) => ctx.services.mfa.confirmEnrolment({ principal: ctx.principal, ticket: enrolmentTicket }, code),
  }),
  resetMfa: t.field({
    type: RoleGrantRef,
    description: "Asks for a user's second factor to be removed (lost device): a request a second admin approves; then they set one up again at their next sign-in. Audited",
    authScopes: { allow: 'resetMfa' },
    args: { username: t.arg.string({ required: true }), reason: t.arg.string({ required: true, description: 'Why (1 to 200 characters), shown to the approving admin and audited' }) },
    resolve: (_r, { username, reason }, ctx) => ctx.services.auth.requestAccountChange(username, { kind: 'RESET_SECOND_FACTOR', reason }, staffOf(ctx.principal)),
  }),
}));
