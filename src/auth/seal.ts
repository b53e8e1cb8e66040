/**
 * Keyed MACs over the stored principal records, so that someone who can
 * write to the database but does not hold HOTLINE_AUDIT_KEY cannot give a
 * user roles, move them to a desk, re-enable them, mint a session for them,
 * or re-point a session or an API key at someone else. Every write of a
 * sealed field goes through these functions; every read that grants access
 * checks them (src/auth/service.ts authenticate and login).
 */
import { canonicalJson } from '../audit/canonical.js';
import type { Integrity } from '../crypto/integrity.js';
import type { PartnerDoc, SessionDoc, UserDoc } from './types.js';

type UserFields = Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'>;

const userBody = (u: UserFields) => canonicalJson({ id: u._id, username: u.username, roles: u.roles, desk: u.desk, disabled: u.disabled });
// Sessions and keys are sealed under the 'token' purpose: their canonical
// objects start with '{', a raw token with its prefix, so the two never collide.
// A console session's body names it so (an API session's body is what it always was): removing the mark to
// escape the idle time-out breaks the seal.
const sessionBody = (s: Pick<SessionDoc, '_id' | 'userId' | 'expiresAt' | 'console'>) =>
  canonicalJson({ kind: 'session', id: s._id, userId: s.userId, expiresAt: s.expiresAt, ...(s.console ? { console: true } : {}) });
const sessionSeenBody = (s: Pick<SessionDoc, '_id'>, lastSeenAt: Date) => canonicalJson({ kind: 'sessionSeen', id: s._id, lastSeenAt });
const partnerBody = (p: Pick<PartnerDoc, '_id' | 'name' | 'keyHash' | 'revokedAt'>) =>
  canonicalJson({ kind: 'partnerKey', id: p._id, name: p.name, keyHash: p.keyHash, revoked: p.revokedAt !== null });

/** What the integrity-failure log line and audit entry name as the failed part (never values). */
export const USER_SEAL_PART = 'roles/desk/disabled MAC';

/** The MAC a user record must carry over (id, username, roles, desk, disabled). */
export const userSeal = (integrity: Integrity, u: UserFields) => integrity.mac('userRecord', userBody(u));
/** True when the stored user record's MAC verifies (current or previous audit key). */
export const userSealOk = (integrity: Integrity, u: UserFields & { mac?: unknown }) => integrity.verify('userRecord', userBody(u), u.mac);

export const sessionSeal = (integrity: Integrity, s: Pick<SessionDoc, '_id' | 'userId' | 'expiresAt' | 'console'>) => integrity.mac('token', sessionBody(s));
/** The MAC over a console session's last use: a writer without the key cannot move it forward to keep a session alive. */
export const sessionSeenSeal = (integrity: Integrity, s: Pick<SessionDoc, '_id'>, lastSeenAt: Date) => integrity.mac('token', sessionSeenBody(s, lastSeenAt));
/** True when the console session's stored last use carries its MAC. */
export const sessionSeenOk = (integrity: Integrity, s: SessionDoc) => s.lastSeenAt instanceof Date && integrity.verify('token', sessionSeenBody(s, s.lastSeenAt), s.seenSeal);
export const sessionSealOk = (integrity: Integrity, s: SessionDoc) => integrity.verify('token', sessionBody(s), s.seal);

export const partnerSeal = (integrity: Integrity, p: Pick<PartnerDoc, '_id' | 'name' | 'keyHash' | 'revokedAt'>) => integrity.mac('token', partnerBody(p));
export const partnerSealOk = (integrity: Integrity, p: PartnerDoc) => integrity.verify('token', partnerBody(p), p.seal);
