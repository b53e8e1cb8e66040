/**
 * The account lifecycle beyond creating and disabling: changing one's own
 * password (the old one required; every other session ends), seeing and
 * ending one's own sessions, re-enabling a user, moving an investigator to
 * the other desk (the reports they hold go back to the old desk's queue),
 * and rotating a partner's API key with an overlap (src/auth/partner-keys.ts).
 *
 * Every change of roles/desk/disabled or of the password hash re-seals the user record's MAC in the
 * same compare-and-set write (src/auth/seal.ts); a record whose MAC already
 * fails is never re-sealed (that would launder the tampering).
 */
import type { Logger } from '../logger.js';
import { createUserIntegrityAlarm } from './integrity-alarm.js';
import argon2 from 'argon2';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditLog } from '../audit/types.js';
import type { Integrity } from '../crypto/integrity.js';
import { AppError, assertThat, badInput, conflict, notFound, unauthenticated } from '../errors.js';
import type { PartnerRepository } from '../partners/repository.js';
import { idleExpired } from './idle.js';
import { previousKeySeal } from './partner-keys.js';
import type { UserRepository } from './repository.js';
import { partnerSeal, partnerSealOk, userSeal, userSealOk } from './seal.js';
import { hashSecret, newSecret, PARTNER_KEY_PREFIX } from './secrets.js';
import { ARGON2, publicPartner, publicUser } from './service.js';
import { actorOf, DESKS, type Desk, type Principal, type StaffPrincipal, type UserDoc } from './types.js';

export interface LifecycleDeps {
  users: UserRepository;
  partners: PartnerRepository;
  integrity: Integrity;
  audit: AuditLog;
  redis: Redis;
  redisPrefix: string;
  /** Wrong old passwords allowed per user and window (the sign-in limits). */
  limits: { maxFailuresPerUser: number; blockSeconds: number };
  partnerKeyOverlapMs: number;
  /** Console sessions unused this long are over (src/auth/idle.ts): not listed as open. */
  consoleIdleMs?: number;
  log: Logger;
  /** The desk service's release of every report a user holds (src/reports/desk/desk-move.ts). */
  desk: { releaseClaimsOf(actor: StaffPrincipal, holderId: string, reason: string): Promise<{ released: string[]; skipped: string[] }> };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;

const cliOr = (actor: Principal | 'cli') => (actor === 'cli' ? { type: 'system' as const, id: 'admin-cli' } : actorOf(actor));

export function createLifecycleService(deps: LifecycleDeps) {
  const { users, integrity, audit } = deps;
  const passwordChecks = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${deps.redisPrefix}:password-change`,
    points: deps.limits.maxFailuresPerUser,
    duration: deps.limits.blockSeconds,
    blockDuration: deps.limits.blockSeconds,
  });
  /** A short public handle for a session: never its stored hash, which is what a token lookup matches. */
  const sessionRef = (sessionId: string) => integrity.mac('token', `session-ref\n${sessionId}`).slice(0, 32);

  const alarm = createUserIntegrityAlarm(deps.audit, deps.log);

  /** Applies a sealed change to a user record, re-read and retried when it changed meanwhile. */
  async function changeSealed(username: string, change: (u: UserDoc) => Partial<Pick<UserDoc, 'disabled' | 'desk'>> | null) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const user = await users.findByUsername(username.trim().toLowerCase());
      assertThat(user, notFound('User'));
      if (!userSealOk(integrity, user)) throw await alarm(user); // logged and audited once, as sign-in does
      const set = change(user);
      if (!set) return { before: user, after: user };
      const after = await users.updateSealed(user._id, user.mac, { ...set, mac: userSeal(integrity, { ...user, ...set }) });
      if (after) return { before: user, after };
    }
    throw conflict('The user record kept changing; try again');
  }

  /**
   * Stores a new password hash with the record's new MAC (the hash is under it), by compare-and-set on the MAC
   * the caller read; a record whose MAC already fails is never re-sealed (DATA_INTEGRITY, logged and audited).
   */
  async function setPasswordHash(read: UserDoc, passwordHash: string) {
    let user: UserDoc | null = read;
    for (let attempt = 0; attempt < 5 && user; attempt++) {
      if (!userSealOk(integrity, user)) throw await alarm(user);
      const set = { passwordHash, mustChangePassword: false };
      if (await users.updateSealed(user._id, user.mac, { ...set, mac: userSeal(integrity, { ...user, ...set }) })) return;
      user = await users.findById(read._id);
    }
    throw conflict('The user record kept changing; try again');
  }

  return {
    /** Changes the signed-in user's password; the old one is required and every other session of theirs ends. Returns how many. */
    async changePassword(principal: Principal | null, oldPassword: string, newPassword: string) {
      assertThat(principal?.kind === 'staff', unauthenticated);
      const user = await users.findById(principal.userId);
      assertThat(user, unauthenticated);
      assertThat(newPassword.length >= 12 && newPassword.length <= 1024, badInput('password: 12 to 1024 characters', ['newPassword']));
      // A point is taken before the check, given back on success: a stolen session cannot guess the password.
      const admitted = await passwordChecks.consume(user._id).then(() => true, (err: unknown) => {
        if (err instanceof RateLimiterRes) return false;
        throw err;
      });
      const ok = admitted && (await argon2.verify(user.passwordHash, oldPassword.slice(0, 1024)).catch(() => false));
      if (!ok) {
        await audit.record({ action: 'auth.password_change', actor: actorOf(principal), target: { type: 'user', id: user._id }, outcome: 'failure', details: { reason: admitted ? 'bad_password' : 'rate_limited' } });
        throw unauthenticated('The current password is not right');
      }
      await passwordChecks.reward(user._id, 1);
      assertThat(!(await argon2.verify(user.passwordHash, newPassword)), badInput('The new password must differ from the current one', ['newPassword']));
      await setPasswordHash(user, await argon2.hash(newPassword, ARGON2));
      const ended = await users.deleteOtherSessions(user._id, principal.sessionId);
      await audit.record({ action: 'auth.password_change', actor: actorOf(principal), target: { type: 'user', id: user._id }, outcome: 'success', details: { sessionsEnded: ended } });
      return ended;
    },

    /** The signed-in user's unexpired sessions (a console session past its idle time is over), newest first; `current` marks the one asking. */
    async mySessions(principal: Principal | null) {
      assertThat(principal?.kind === 'staff', unauthenticated);
      const now = Date.now();
      return (await users.sessionsOf(principal.userId))
        .filter((s) => s.expiresAt.getTime() > now && !idleExpired(s, now, deps.consoleIdleMs ?? Infinity))
        .map((s) => ({ id: sessionRef(s._id), createdAt: s.createdAt, expiresAt: s.expiresAt, current: s._id === principal.sessionId }));
    },

    /** Ends one of the signed-in user's own sessions (by the id `mySessions` gave). */
    async endMySession(principal: Principal | null, id: string) {
      assertThat(principal?.kind === 'staff', unauthenticated);
      const session = (await users.sessionsOf(principal.userId)).find((s) => sessionRef(s._id) === id);
      assertThat(session, notFound('Session'));
      await users.deleteSession(session._id);
      await audit.record({ action: 'auth.session_end', actor: actorOf(principal), target: { type: 'user', id: principal.userId }, outcome: 'success', details: { current: session._id === principal.sessionId } });
      return true;
    },

    /**
     * Re-enables a disabled user (they sign in again with their password; their old sessions stay ended).
     * Only ever applied as the admin approving a request (src/auth/grants.ts): the API and the CLI file requests.
     */
    async enableUser(username: string, actor: StaffPrincipal) {
      const { before, after } = await changeSealed(username, (u) => (u.disabled ? { disabled: false } : null));
      if (before.disabled) {
        await audit.record({ action: 'admin.user_enable', actor: cliOr(actor), target: { type: 'user', id: after._id }, outcome: 'success', details: { username: after.username } });
      }
      return publicUser(after);
    },

    /**
     * Moves an investigator to the other desk. The desk changes first (so no
     * new claim lands on the old desk), then each report they hold goes back
     * to its desk's queue. Running it again for the same desk releases any
     * report a failed run left held. Only ever applied as the admin approving
     * a request (src/auth/grants.ts): the API and the CLI file requests.
     */
    async moveUserDesk(username: string, deskRaw: string, reason: string, actor: StaffPrincipal) {
      assertThat(DESKS.includes(deskRaw as Desk), badInput('desk must be SO12 or SO13', ['desk']));
      const desk = deskRaw as Desk;
      const { before, after } = await changeSealed(username, (u) => {
        if (!u.roles.includes('INVESTIGATOR')) throw badInput(`${u.username} is not an investigator`, ['username']);
        return u.desk === desk ? null : { desk };
      });
      const { released, skipped } = await deps.desk.releaseClaimsOf(actor, after._id, reason.trim() || `Moved to the ${desk} desk`);
      await audit.record({
        action: 'admin.user_move_desk',
        actor: cliOr(actor),
        target: { type: 'user', id: after._id },
        outcome: 'success',
        details: { username: after.username, fromDesk: before.desk, toDesk: desk, releasedReports: released.length, notReleased: skipped.length },
      });
      return { user: publicUser(after), releasedReports: released.length };
    },

    /** Issues a new key for the active partner `name` (same record, same receipts); the old key works for the overlap. The new key is returned once. */
    async rotatePartnerKey(nameRaw: string, actor: Principal | 'cli') {
      const current = await deps.partners.findActiveByName(nameRaw.trim());
      assertThat(current, notFound('Active partner'));
      assertThat(partnerSealOk(integrity, current), () => new AppError('DATA_INTEGRITY', 'The partner record failed an integrity check; revoke it and create a new partner'));
      const key = newSecret(PARTNER_KEY_PREFIX);
      const next = { ...current, keyHash: hashSecret(integrity, key), keyHint: key.slice(0, 8) };
      const expiresAt = new Date(Date.now() + deps.partnerKeyOverlapMs);
      const previousKey = { keyHash: current.keyHash, expiresAt, seal: previousKeySeal(integrity, next, { keyHash: current.keyHash, expiresAt }) };
      const updated = await deps.partners.rotateKey(current._id, current.keyHash, { keyHash: next.keyHash, keyHint: next.keyHint, seal: partnerSeal(integrity, next), previousKey });
      assertThat(updated, conflict('The partner changed meanwhile (rotated or revoked); look again'));
      await audit.record({
        action: 'admin.partner_rotate_key',
        actor: cliOr(actor),
        target: { type: 'partner', id: current._id },
        outcome: 'success',
        details: { name: current.name, overlapUntil: expiresAt.toISOString() },
      });
      return { partner: publicPartner(updated), apiKey: key, previousKeyExpiresAt: expiresAt };
    },
  };
}
