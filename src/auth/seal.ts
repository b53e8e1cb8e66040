/**
 * Keyed MACs over the stored principal records, so that someone who can
 * write to the database but does not hold HOTLINE_AUDIT_KEY cannot give a
 * user roles, move them to a desk, re-enable them, replace their password
 * hash, remove, swap or roll back their second factor or recovery codes,
 * re-point their single sign-on link, mint a session for them, or re-point a
 * session or an API key at someone else. Every write of a sealed field goes
 * through these functions; every read that grants access checks them
 * (src/auth/service.ts authenticate and login, src/auth/mfa.ts checkLogin).
 */
import { canonicalJson } from '../crypto/canonical.js';
import type { Integrity } from '../crypto/integrity.js';
import type { MfaDoc } from './mfa-repository.js';
import type { PartnerAccountDoc, PartnerDoc, PartnerSessionDoc, SessionDoc, UserDoc } from './types.js';

/** Every credential of a user is in here: the password hash, which second factor they enrolled (or none), their SSO link. */
export type UserFields = Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled' | 'passwordHash'> &
  Partial<Pick<UserDoc, 'secondFactor' | 'oidc' | 'mustChangePassword'>>;

const userBody = (u: UserFields) =>
  canonicalJson({
    id: u._id,
    username: u.username,
    roles: u.roles,
    desk: u.desk,
    disabled: u.disabled,
    passwordHash: u.passwordHash,
    // A record read without these members (the shape before they existed) seals as "none": such a record's
    // stored MAC was made over the old body and fails here until the start-up migration re-seals it.
    secondFactor: u.secondFactor ? { seedCreatedAt: u.secondFactor.seedCreatedAt } : null,
    oidc: u.oidc ? { issuer: u.oidc.issuer, sub: u.oidc.sub } : null,
    mustChangePassword: u.mustChangePassword === true,
  });
/**
 * The body user records were sealed over before credentials were bound (issue 21, item 1): read only by the
 * one-time migration (src/auth/credential-migration.ts), never by a check that grants access.
 */
export const legacyUserBody = (u: Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'>) =>
  canonicalJson({ id: u._id, username: u.username, roles: u.roles, desk: u.desk, disabled: u.disabled });
/**
 * A second factor (the `mfa` document): its user, which seed (creation time and sealed bytes), whether it is
 * confirmed, and the set of its recovery codes' keyed hashes. Not the mutable use marks (the last TOTP step and
 * which recovery codes were used): those are guarded by insert-only claims (src/auth/mfa-repository.ts). Sealed
 * under the user-record purpose with a `kind`, which no user body has, so the two never collide.
 */
const secondFactorBody = (d: Pick<MfaDoc, '_id' | 'createdAt' | 'secret' | 'confirmedAt' | 'recoveryCodes'>) =>
  canonicalJson({
    kind: 'secondFactor',
    userId: d._id,
    createdAt: d.createdAt,
    secret: d.secret,
    confirmedAt: d.confirmedAt,
    recoveryCodes: Object.keys(d.recoveryCodes).sort(),
  });
// Sessions and keys are sealed under the 'token' purpose: their canonical
// objects start with '{', a raw token with its prefix, so the two never collide.
// A console session's body names it so (an API session's body is what it always was): removing the mark to
// escape the idle time-out breaks the seal.
const sessionBody = (s: Pick<SessionDoc, '_id' | 'userId' | 'expiresAt' | 'console'>) =>
  canonicalJson({ kind: 'session', id: s._id, userId: s.userId, expiresAt: s.expiresAt, ...(s.console ? { console: true } : {}) });
const sessionSeenBody = (s: Pick<SessionDoc, '_id'>, lastSeenAt: Date) => canonicalJson({ kind: 'sessionSeen', id: s._id, lastSeenAt });
const partnerBody = (p: Pick<PartnerDoc, '_id' | 'name' | 'keyHash' | 'revokedAt'>) =>
  canonicalJson({ kind: 'partnerKey', id: p._id, name: p.name, keyHash: p.keyHash, revoked: p.revokedAt !== null });

/**
 * A partner caseworker account: its organisation, username hash, admin mark, disabled mark, credentials and the
 * envelope of its display name. Sealed under the user-record purpose with a `kind` no user body has. Moving the
 * account to another organisation, making it an admin or re-enabling it without the audit key breaks it.
 */
export type PartnerAccountFields = Pick<
  PartnerAccountDoc,
  '_id' | 'partnerId' | 'usernameHash' | 'admin' | 'disabled' | 'passwordHash' | 'secondFactor' | 'mustChangePassword' | 'displayName'
>;
const partnerAccountBody = (a: PartnerAccountFields) =>
  canonicalJson({
    kind: 'partnerAccount',
    id: a._id,
    partnerId: a.partnerId,
    usernameHash: a.usernameHash,
    admin: a.admin,
    disabled: a.disabled,
    passwordHash: a.passwordHash,
    secondFactor: a.secondFactor ? { seedCreatedAt: a.secondFactor.seedCreatedAt } : null,
    mustChangePassword: a.mustChangePassword,
    displayName: a.displayName,
  });
// A partner session names its account and organisation (revoking the organisation deletes by it).
const partnerSessionBody = (s: Pick<PartnerSessionDoc, '_id' | 'accountId' | 'partnerId' | 'expiresAt'>) =>
  canonicalJson({ kind: 'partnerSession', id: s._id, accountId: s.accountId, partnerId: s.partnerId, expiresAt: s.expiresAt });

/** What the integrity-failure log line and audit entry name as the failed part (never values). */
export const USER_SEAL_PART = 'user record MAC (roles, desk, disabled, credentials)';
/** The part named when a user's second-factor document is missing, not theirs, or fails its MAC. */
export const SECOND_FACTOR_PART = 'second factor (missing, replaced or failing its MAC)';

/** The MAC a user record must carry over (id, username, roles, desk, disabled and every credential). */
export const userSeal = (integrity: Integrity, u: UserFields) => integrity.mac('userRecord', userBody(u));
/** True when the stored user record's MAC verifies (current or previous audit key). */
export const userSealOk = (integrity: Integrity, u: UserFields & { mac?: unknown }) => integrity.verify('userRecord', userBody(u), u.mac);

/** The MAC a second-factor document carries (`seal`). */
export const secondFactorSeal = (integrity: Integrity, d: Parameters<typeof secondFactorBody>[0]) => integrity.mac('userRecord', secondFactorBody(d));
/** True when the stored second-factor document's MAC verifies (current or previous audit key). */
export const secondFactorSealOk = (integrity: Integrity, d: Parameters<typeof secondFactorBody>[0] & { seal?: unknown }) =>
  integrity.verify('userRecord', secondFactorBody(d), d.seal);

export const sessionSeal = (integrity: Integrity, s: Pick<SessionDoc, '_id' | 'userId' | 'expiresAt' | 'console'>) => integrity.mac('token', sessionBody(s));
/** The MAC over a console session's last use: a writer without the key cannot move it forward to keep a session alive. */
export const sessionSeenSeal = (integrity: Integrity, s: Pick<SessionDoc, '_id'>, lastSeenAt: Date) => integrity.mac('token', sessionSeenBody(s, lastSeenAt));
/** True when the console (or partner portal) session's stored last use carries its MAC. */
export const sessionSeenOk = (integrity: Integrity, s: Pick<SessionDoc, '_id' | 'lastSeenAt' | 'seenSeal'>) => s.lastSeenAt instanceof Date && integrity.verify('token', sessionSeenBody(s, s.lastSeenAt), s.seenSeal);
export const sessionSealOk = (integrity: Integrity, s: SessionDoc) => integrity.verify('token', sessionBody(s), s.seal);

export const partnerSeal = (integrity: Integrity, p: Pick<PartnerDoc, '_id' | 'name' | 'keyHash' | 'revokedAt'>) => integrity.mac('token', partnerBody(p));
export const partnerSealOk = (integrity: Integrity, p: PartnerDoc) => integrity.verify('token', partnerBody(p), p.seal);

export const partnerAccountSeal = (integrity: Integrity, a: PartnerAccountFields) => integrity.mac('userRecord', partnerAccountBody(a));
/** True when the stored partner account's MAC verifies (current or previous audit key). */
export const partnerAccountSealOk = (integrity: Integrity, a: PartnerAccountFields & { mac?: unknown }) => integrity.verify('userRecord', partnerAccountBody(a), a.mac);

export const partnerSessionSeal = (integrity: Integrity, s: Pick<PartnerSessionDoc, '_id' | 'accountId' | 'partnerId' | 'expiresAt'>) => integrity.mac('token', partnerSessionBody(s));
export const partnerSessionSealOk = (integrity: Integrity, s: PartnerSessionDoc) => integrity.verify('token', partnerSessionBody(s), s.seal);
