/**
 * Sign-in and principals: staff sessions (opaque bearer tokens) and partner
 * API keys. Every sign-in, success or failure, is audited; failures are
 * rate-limited per (username, client), per client and, more slowly, per
 * username from everywhere, in Redis, so the limits hold across API
 * instances and a stranger cannot lock a user out (src/auth/rate-limit.ts).
 * Unknown users and wrong passwords answer the same.
 */
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/types.js';
import { isDuplicateKey } from '../db/errors.js';
import { AppError, assertThat, badInput, conflict, notFound, unauthenticated } from '../errors.js';
import type { Integrity } from '../crypto/integrity.js';
import type { Logger } from '../logger.js';
import type { PartnerRepository } from '../partners/repository.js';
import type { RoleGrantRepository } from './grant-repository.js';
import { assertSeparated, createRoleGrants, orderRoles, type AccountChangeAppliers, type RoleGrantDeps } from './grants.js';
import { createUserIntegrityAlarm } from './integrity-alarm.js';
import { OIDC_USERNAME_PREFIX } from './oidc-claims.js';
import type { MfaService } from './mfa.js';
import { partnerKeyAccepted } from './partner-keys.js';
import { createAttemptLimits, type AttemptLimitSettings } from './rate-limit.js';
import { createPasswordTickets } from './password-tickets.js';
import type { UserRepository } from './repository.js';
import { idleExpired, touchDue } from './idle.js';
import { partnerSeal, partnerSealOk, sessionSeal, sessionSealOk, sessionSeenOk, sessionSeenSeal, userSeal, userSealOk } from './seal.js';
import { hashSecret, looksLikeSecret, newSecret, PARTNER_KEY_PREFIX, PARTNER_SESSION_PREFIX, secretLookupHashes, TOKEN_PREFIX } from './secrets.js';
import { splitGrant } from './separation.js';
import { actorOf, DESKS, ROLES, type Desk, type PartnerDoc, type PartnerPrincipal, type Principal, type Role, type StaffPrincipal, type UserDoc } from './types.js';

// OWASP's argon2id baseline (19 MiB, t=2, p=1): strong, yet cheap enough that
// sign-in stays fast under a flood of rate-limited attempts.
export const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface AuthDeps {
  users: UserRepository;
  partners: PartnerRepository;
  grants: RoleGrantRepository;
  redis: Redis;
  audit: AuditLog;
  /** Keys the token hashes and the MACs over user, session and partner records (HOTLINE_AUDIT_KEY). */
  integrity: Integrity;
  log: Logger;
  sessionTtlMs: number;
  /** A console session unused this long is refused and ended (CONSOLE_IDLE_MINUTES; src/auth/idle.ts). */
  consoleIdleMs?: number;
  limits: AttemptLimitSettings;
  /** The second factor, asked for after the password (src/auth/mfa.ts). */
  mfa?: Pick<MfaService, 'checkLogin'>;
  /** Keeps the rate-limit counters of deployments sharing a Redis apart (QUEUE_PREFIX). */
  rateLimitPrefix?: string;
  /** Applies approved account-change requests (re-enable, desk move, second-factor reset): src/auth/grants.ts. */
  accountChanges?: AccountChangeAppliers;
  /** Tells admins a request waits for a second admin (the notification bell). */
  notifyAdmins?: RoleGrantDeps['notifyAdmins'];
  /** Partner portal sessions (src/partners/accounts.ts): resolved like staff tokens, ended when their organisation is revoked. */
  partnerSessions?: { authenticate(token: string): Promise<PartnerPrincipal | null>; endSessionsOfPartner(partnerId: string): Promise<number> };
}

/** What an admin types again to decide a request: their own password and, once they have one, a second-factor code. */
export interface Reauthentication {
  password: string;
  secondFactor: string | null;
  client: string;
}

export type AuthService = Awaited<ReturnType<typeof createAuthService>>;

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,62}$/;

/** What a sign-in whose stored credentials fail their checks is told (never which record or why). */
export const SIGN_IN_UNAVAILABLE = 'Sign-in is unavailable for this account: contact an administrator';


/** Builds the auth service; the dummy hash evens out timing for unknown users. */
export async function createAuthService(deps: AuthDeps) {
  const { users, partners, audit, integrity } = deps;
  const alarm = createUserIntegrityAlarm(audit, deps.log);
  const roleGrants = createRoleGrants({ users, grants: deps.grants, audit, integrity, alarm, changes: deps.accountChanges, notifyAdmins: deps.notifyAdmins, log: deps.log });
  const dummyHash = await argon2.hash(randomUUID(), ARGON2);
  const attempts = createAttemptLimits(deps.redis, deps.rateLimitPrefix ?? 'hotline', deps.limits, integrity);

  /** The flood's one audit entry; a name nobody has may be a password typed in the wrong field: only its keyed hash is kept. */
  const auditRateLimited = async (username: string) => {
    const known = USERNAME_RE.test(username) && (await users.findByUsername(username)) !== null;
    await audit.record({ action: 'auth.login', actor: { type: 'anonymous' }, outcome: 'failure', details: { username: known ? username : integrity.mac('username', username), reason: 'rate_limited' } });
  };

  /**
   * Sets `disabled` and re-seals in one write. A record whose MAC already
   * fails is disabled without a new MAC: re-sealing would launder the
   * tampered roles, and the record keeps signing nobody in.
   */
  async function disableRecord(username: string) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const user = await users.findByUsername(username);
      assertThat(user, notFound('User'));
      const mac = userSealOk(integrity, user) ? userSeal(integrity, { ...user, disabled: true }) : user.mac;
      const updated = await users.updateSealed(user._id, user.mac, { disabled: true, mac });
      if (updated) return updated;
    }
    throw conflict('the user record kept changing; try again');
  }

  /**
   * A stored credential that fails its check (the user record's MAC over roles and credentials, a second factor
   * missing, swapped or failing its MAC, a sealed seed that will not open) tells whoever is signing in only that
   * sign-in is unavailable; the record and the part go to the log, and the failure to the audit log (the alarm).
   * Other errors pass as they are.
   */
  async function signInUnavailable(err: unknown, user: UserDoc): Promise<unknown> {
    if (!(err instanceof AppError) || err.code !== 'DATA_INTEGRITY') return err;
    const part = (err as { part?: string }).part ?? (err as { fieldPath?: string }).fieldPath;
    deps.log.error({ userId: user._id, errName: err.name, part }, 'sign-in credential integrity failure');
    await alarm(user, part);
    return new AppError('DATA_INTEGRITY', SIGN_IN_UNAVAILABLE);
  }

  /**
   * The password and second-factor checks of a sign-in, rate-limited and
   * audited: the user when both are right, else UNAUTHENTICATED. Opens no
   * session (sign-in does that; a re-authenticated decision does not).
   */
  async function checkCredentials(usernameRaw: string, password: string, client: string, secondFactor?: string | null): Promise<UserDoc> {
    // It goes into the attempt's audit entry and rate-limit key: bounded (valid names are ≤ 63) and well-formed.
    const username = usernameRaw.trim().toLowerCase().slice(0, 100).toWellFormed();
    // A point is taken before the password is checked and given back on success: parallel attempts cannot slip past the limit.
    const admission = await attempts.admitLogin(username, client);
    if (!admission.allowed) {
      // One entry per window and counter: the attempt that crossed the limit; the rest of the flood is not written.
      if (admission.firstRefusal) await auditRateLimited(username);
      throw new AppError('UNAUTHENTICATED', 'Too many failed sign-in attempts; try again later', { rateLimited: true });
    }
    const user = USERNAME_RE.test(username) ? await users.findByUsername(username) : null;
    const ok = await argon2.verify(user?.passwordHash ?? dummyHash, password.slice(0, 1024)).catch(() => false);
    if (!user || !ok || user.disabled) {
      await audit.record({
        action: 'auth.login',
        actor: user ? { type: 'user', id: user._id, name: user.username } : { type: 'anonymous' },
        outcome: 'failure',
        // An unknown name may be a password typed in the wrong field: only its keyed hash is kept.
        details: { username: user ? username : integrity.mac('username', username), reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password' },
      });
      throw unauthenticated('Sign-in failed');
    }
    // The password hash, the second factor's presence and the SSO link are under this MAC: a replaced hash fails here.
    if (!userSealOk(integrity, user)) throw await signInUnavailable(await alarm(user), user);
    // An account an admin created: the password the admin chose opens no session, only the step that replaces it.
    if (user.mustChangePassword) {
      await attempts.loginSucceeded(admission, { known: false }); // the password was right: not a failure to count (no factor yet: the client is not made known)
      throw await passwordChangeNeeded(user);
    }
    // The second factor (src/auth/mfa.ts): a missing, wrong or replayed code keeps the point taken above.
    await deps.mfa?.checkLogin(user, secondFactor).catch(async (err: unknown) => {
      throw await signInUnavailable(err, user);
    });
    await attempts.loginSucceeded(admission);
    return user;
  }

  const passwordTickets = createPasswordTickets(deps.redis, deps.rateLimitPrefix ?? 'hotline', integrity);

  /**
   * The first sign-in of an account an admin created: instead of a session, a short-lived ticket to choose the
   * holder's own password (setInitialPassword). Audited as a sign-in that did not complete, as "enrol first" is.
   */
  async function passwordChangeNeeded(user: UserDoc): Promise<AppError> {
    const ticket = await passwordTickets.issue(user._id);
    await audit.record({ action: 'auth.login', actor: { type: 'user', id: user._id, name: user.username }, outcome: 'failure', details: { username: user.username, reason: 'password_change_needed' } });
    return new AppError('UNAUTHENTICATED', 'Choose your own password to sign in', { passwordChange: 'REQUIRED', passwordTicket: ticket });
  }

  /** The signed-in admin's own password and code, checked again (see `reauthenticate` below). */
  async function reauthenticate(principal: StaffPrincipal, again: Reauthentication): Promise<StaffPrincipal> {
    try {
      const user = await checkCredentials(principal.username, again.password, again.client, again.secondFactor);
      assertThat(user._id === principal.userId, unauthenticated());
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED' && err.message === 'Sign-in failed') {
        throw unauthenticated('Your password or second-factor code is not right; nothing was decided');
      }
      throw err;
    }
    return principal;
  }

  /** Opens a session; a console one (a cookie) carries the idle mark and its first use, both sealed (src/auth/idle.ts). */
  async function openSession(userId: string, kind: 'api' | 'console') {
    const token = newSecret(TOKEN_PREFIX);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + deps.sessionTtlMs);
    const sessionId = hashSecret(integrity, token);
    const consoleMark = kind === 'console' ? ({ console: true } as const) : {};
    const idle = kind === 'console' ? { lastSeenAt: now, seenSeal: sessionSeenSeal(integrity, { _id: sessionId }, now) } : {};
    const seal = sessionSeal(integrity, { _id: sessionId, userId, expiresAt, ...consoleMark });
    await users.createSession({ _id: sessionId, userId, createdAt: now, expiresAt, seal, ...consoleMark, ...idle });
    return { token, expiresAt };
  }

  return {
    /** Whether this organisation may look up another receipt by hand now (rate-limit.ts: misses per window). */
    receiptLookupBlocked: (partnerId: string) => attempts.receiptLookupBlocked(partnerId),
    /** Counts a receipt that named none of the organisation's referrals. */
    receiptLookupMissed: (partnerId: string) => attempts.receiptLookupMissed(partnerId),
    /**
     * Opens a console session for a user already authenticated elsewhere
     * (single sign-on, src/auth/oidc.ts): the same sealed console session a
     * password sign-in for the console opens. The caller has checked the
     * user record and audits.
     */
    startSession: (user: Pick<UserDoc, '_id'>) => openSession(user._id, 'console'),

    /**
     * Signs a staff member in; answers UNAUTHENTICATED without saying which part was wrong.
     * `console`: the session is the console's cookie, with the idle time-out (src/auth/idle.ts).
     */
    async login(usernameRaw: string, password: string, client: string, secondFactor?: string | null, kind: 'api' | 'console' = 'api') {
      const user = await checkCredentials(usernameRaw, password, client, secondFactor);
      const { token, expiresAt } = await openSession(user._id, kind);
      await audit.record({ action: 'auth.login', actor: { type: 'user', id: user._id, name: user.username }, outcome: 'success' });
      return { token, expiresAt, user: publicUser(user) };
    },

    /**
     * The console's activity heartbeat: records that someone is using the
     * console now, at most once per TOUCH_EVERY_MS (src/auth/idle.ts). True
     * for a console session (whether or not it wrote), false for any other.
     */
    async consoleActivity(principal: Principal | null) {
      if (principal?.kind !== 'staff') return false;
      const session = await users.findSession([principal.sessionId]);
      if (!session?.console) return false;
      const now = new Date();
      if (touchDue(session, now.getTime())) await users.touchSession(session._id, now, sessionSeenSeal(integrity, session, now));
      return true;
    },

    /**
     * Checks that the signed-in admin is still the one at the keyboard before
     * a decision a second admin must make: their password and second factor,
     * exactly as a sign-in checks them (same rate limit; a wrong one is
     * audited as a failed sign-in, which it is), but no session is opened.
     * UNAUTHENTICATED with a plain message when either is wrong; the
     * admin's session stays valid.
     */
    reauthenticate,

    /** Records a request to re-enable a user, move their desk or reset their second factor, for a second admin to approve. */
    requestAccountChange: roleGrants.requestAccountChange,

    /** Approves a pending request after re-checking the approver's password and second factor (the console's path; the CLI signs in instead). */
    approveRequestReauthenticated: async (id: string, approver: StaffPrincipal, again: Reauthentication) => roleGrants.approveRoleGrant(id, await reauthenticate(approver, again)),

    /** Rejects a pending request after the same re-check. */
    rejectRequestReauthenticated: async (id: string, approver: StaffPrincipal, again: Reauthentication) => roleGrants.rejectRoleGrant(id, await reauthenticate(approver, again)),

    async logout(principal: Principal) {
      if (principal.kind !== 'staff') return false;
      await users.deleteSession(principal.sessionId);
      await audit.record({ action: 'auth.logout', actor: { type: 'user', id: principal.userId, name: principal.username }, outcome: 'success' });
      return true;
    },

    /**
     * Resolves a bearer credential to a principal, or null. Checked on every
     * request against the database, so disabling a user or revoking a key
     * takes effect at once on every instance. Token lookups use the keyed
     * hash, and the session, user and partner records must carry valid MACs:
     * a row written without HOTLINE_AUDIT_KEY authenticates nobody, and an
     * edited user record answers DATA_INTEGRITY.
     */
    async authenticate(bearer: string | undefined, client?: string): Promise<Principal | null> {
      if (!bearer) return null;
      if (looksLikeSecret(bearer, TOKEN_PREFIX)) {
        const session = await users.findSession(secretLookupHashes(integrity, bearer));
        if (!session || !sessionSealOk(integrity, session) || session.expiresAt.getTime() <= Date.now()) return null;
        if (session.console && (!sessionSeenOk(integrity, session) || idleExpired(session, Date.now(), deps.consoleIdleMs ?? Infinity))) {
          // Unused past the idle time (or its last use was tampered with): ended, as the console's own lock would.
          await users.deleteSession(session._id);
          return null;
        }
        const user = await users.findById(session.userId);
        if (!user) return null;
        if (!userSealOk(integrity, user)) throw await alarm(user);
        if (user.disabled) return null;
        return { kind: 'staff', userId: user._id, username: user.username, roles: user.roles, desk: user.desk, sessionId: session._id };
      }
      // A caseworker's portal session: the same PartnerPrincipal as the key's, with its account (src/partners/accounts.ts).
      if (deps.partnerSessions && looksLikeSecret(bearer, PARTNER_SESSION_PREFIX)) return deps.partnerSessions.authenticate(bearer);
      if (looksLikeSecret(bearer, PARTNER_KEY_PREFIX)) {
        // A client that sent too many wrong keys this window is not looked up at all (see rate-limit.ts).
        if (client && (await attempts.partnerKeyBlocked(client))) return null;
        const hashes = secretLookupHashes(integrity, bearer);
        const partner = await partners.findByKeyHash(hashes);
        if (!partner) {
          if (client && (await attempts.partnerKeyFailed(client))) {
            await audit.record({ action: 'auth.partner_key', actor: { type: 'anonymous' }, outcome: 'failure', details: { reason: 'rate_limited' } });
          }
          return null;
        }
        if (!partnerSealOk(integrity, partner)) {
          deps.log.error({ partnerId: partner._id, part: 'key MAC' }, 'partner record integrity failure');
          return null;
        }
        if (partner.revokedAt) return null;
        // The current key, or the previous one within its rotation overlap (src/auth/partner-keys.ts).
        if (!partnerKeyAccepted(integrity, partner, hashes)) return null;
        return { kind: 'partner', partnerId: partner._id, name: partner.name };
      }
      return null;
    },

    /**
     * Creates a user with no roles yet: every role waits for a second admin
     * (src/auth/separation.ts), recorded as one pending grant (the returned
     * user lists them as `pendingRoles`). Role sets the separation table
     * forbids are refused. `'cli'` is the host CLI naming no admin: allowed
     * only for bootstrap (the first two admins; src/auth/grants.ts
     * hostBootstrap), FORBIDDEN otherwise; the CLI names an admin instead.
     */
    async createUser(input: { username: string; password: string; roles: Role[]; desk?: Desk | null }, actor: Principal | 'cli') {
      const username = input.username.trim().toLowerCase();
      assertThat(USERNAME_RE.test(username), badInput('username: 2-63 characters, lower-case letters, digits, . _ -', ['username']));
      assertThat(!username.startsWith(OIDC_USERNAME_PREFIX), badInput(`usernames starting with "${OIDC_USERNAME_PREFIX}" are kept for single sign-on users`, ['username']));
      assertThat(input.roles.length > 0 && input.roles.every((r) => ROLES.includes(r)), badInput(`roles: one or more of ${ROLES.join(', ')}`, ['roles']));
      const desk = input.desk ?? null;
      assertThat(desk === null || DESKS.includes(desk), badInput('desk must be SO12 or SO13', ['desk']));
      assertThat(!input.roles.includes('INVESTIGATOR') || desk, badInput('an INVESTIGATOR needs a desk (SO12 or SO13)', ['desk']));
      assertPasswordLength(input.password, 'password');
      const requested = orderRoles(input.roles);
      assertSeparated(requested);
      // Only the host's CLI may create the very first admin directly; every later grant needs a second admin.
      const bootstrapAdmin = actor === 'cli' && (await roleGrants.hostBootstrap(requested)) === 'first';
      const { now: grantedNow, pending } = splitGrant(requested, { bootstrapAdmin });
      const now = new Date();
      // The password an admin typed opens no session: its holder replaces it at their first sign-in (and then
      // enrols their own second factor), so the creating admin never knows a working credential. The very first
      // admin, made on the host by the operator who will hold it, is the exception.
      const fields = {
        _id: randomUUID(),
        username,
        roles: grantedNow,
        desk,
        disabled: false,
        passwordHash: await argon2.hash(input.password, ARGON2),
        secondFactor: null,
        mustChangePassword: !bootstrapAdmin,
      };
      const user: UserDoc = { ...fields, createdAt: now, updatedAt: now, mac: userSeal(integrity, fields) };
      try {
        await users.insert(user);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`user ${username} already exists`);
        throw err;
      }
      await audit.record({ action: 'admin.user_create', actor: cliOr(actor), target: { type: 'user', id: user._id }, outcome: 'success', details: { username, roles: user.roles, desk, pendingRoles: pending } });
      const grant = pending.length ? await roleGrants.requestRoleGrant(user, pending, cliOr(actor) as { type: 'user' | 'system'; id: string; name?: string }) : null;
      return { ...publicUser(user), pendingRoles: pending, pendingGrantId: grant?._id ?? null, mustChangePassword: user.mustChangePassword === true };
    },

    /**
     * The first sign-in's second step for an account an admin created: the holder's own password replaces the
     * one the admin chose (with the ticket the sign-in answered), in one compare-and-set write re-sealing the
     * record. No session opens here: they sign in with the new password next (and enrol their second factor
     * there when their role requires one). Audited as a password change with `initial: true`.
     */
    async setInitialPassword(ticket: string, newPassword: string) {
      const userId = await passwordTickets.holder(ticket);
      assertThat(userId, unauthenticated('The sign-in ticket has expired; sign in again with the password you were given'));
      assertPasswordLength(newPassword, 'newPassword');
      for (let attempt = 0; attempt < 5; attempt++) {
        const user = await users.findById(userId);
        assertThat(user && !user.disabled && user.mustChangePassword, unauthenticated('The sign-in ticket has expired; sign in again'));
        if (!userSealOk(integrity, user)) throw await signInUnavailable(await alarm(user), user);
        assertThat(!(await argon2.verify(user.passwordHash, newPassword)), badInput('Choose a password different from the one you were given', ['newPassword']));
        const set = { passwordHash: await argon2.hash(newPassword, ARGON2), mustChangePassword: false };
        if (await users.updateSealed(user._id, user.mac, { ...set, mac: userSeal(integrity, { ...user, ...set }) })) {
          await passwordTickets.spend(ticket);
          // Sessions opened with the admin's password: none can exist (it opened none), but end any the store holds.
          const ended = await users.deleteSessionsOf(user._id);
          await audit.record({ action: 'auth.password_change', actor: { type: 'user', id: user._id, name: user.username }, target: { type: 'user', id: user._id }, outcome: 'success', details: { initial: true, sessionsEnded: ended } });
          return true;
        }
      }
      throw conflict('The user record kept changing; try again');
    },

    /** Disables a user and ends their sessions: their tokens stop working at once. */
    async disableUser(usernameRaw: string, actor: Principal | 'cli') {
      const username = usernameRaw.trim().toLowerCase();
      const user = await disableRecord(username);
      await users.deleteSessionsOf(user._id);
      await audit.record({ action: 'admin.user_disable', actor: cliOr(actor), target: { type: 'user', id: user._id }, outcome: 'success', details: { username } });
      return publicUser(user);
    },

    async revokeSessions(usernameRaw: string, actor: Principal | 'cli') {
      const user = await users.findByUsername(usernameRaw.trim().toLowerCase());
      assertThat(user, notFound('User'));
      const count = await users.deleteSessionsOf(user._id);
      await audit.record({ action: 'admin.sessions_revoke', actor: cliOr(actor), target: { type: 'user', id: user._id }, outcome: 'success', details: { count } });
      return count;
    },

    /** Every user, with the roles still waiting for a second admin. */
    async listUsers() {
      const [all, pending] = await Promise.all([users.list(), roleGrants.pendingRoleGrants()]);
      return all.map((u) => ({ ...publicUser(u), pendingRoles: orderRoles(pending.filter((g) => g.userId === u._id).flatMap((g) => g.roles)) }));
    },

    pendingRoleGrants: roleGrants.pendingRoleGrants,
    /** Files the request for a partner admin account (src/partners/accounts.ts made it, disabled). */
    requestPartnerAdmin: roleGrants.requestPartnerAdmin,
    approveRoleGrant: (id: string, approver: StaffPrincipal) => roleGrants.approveRoleGrant(id, approver),
    rejectRoleGrant: (id: string, approver: StaffPrincipal) => roleGrants.rejectRoleGrant(id, approver),

    /** Creates a partner; the API key is returned once and stored only as a hash. */
    async createPartner(nameRaw: string, actor: Principal | 'cli') {
      const name = nameRaw.trim();
      assertThat(name.length >= 2 && name.length <= 120 && !/[\u0000-\u001f]/.test(name), badInput('name: 2 to 120 printable characters', ['name']));
      const key = newSecret(PARTNER_KEY_PREFIX);
      const fields = { _id: randomUUID(), name, keyHash: hashSecret(integrity, key), revokedAt: null };
      const partner: PartnerDoc = { ...fields, keyHint: key.slice(0, 8), createdAt: new Date(), seal: partnerSeal(integrity, fields) };
      try {
        await partners.insert(partner);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`partner ${name} already exists`);
        throw err;
      }
      await audit.record({ action: 'admin.partner_create', actor: cliOr(actor), target: { type: 'partner', id: partner._id }, outcome: 'success', details: { name } });
      return { partner: publicPartner(partner), apiKey: key };
    },

    async revokePartner(nameRaw: string, actor: Principal | 'cli') {
      const active = await partners.findActiveByName(nameRaw.trim());
      assertThat(active, notFound('Active partner'));
      const at = new Date();
      const partner = await partners.revoke(active._id, at, partnerSeal(integrity, { ...active, revokedAt: at }));
      assertThat(partner, notFound('Active partner'));
      // Its caseworkers' portal sessions end at once (each request also checks the revocation).
      const sessionsEnded = (await deps.partnerSessions?.endSessionsOfPartner(partner._id)) ?? 0;
      await audit.record({ action: 'admin.partner_revoke', actor: cliOr(actor), target: { type: 'partner', id: partner._id }, outcome: 'success', details: { name: partner.name, sessionsEnded } });
      return publicPartner(partner);
    },

    listPartners: async () => (await partners.list()).map(publicPartner),
  };
}

/** Every password anyone chooses or is given: 12 to 1024 characters (staff and partner accounts alike). */
export function assertPasswordLength(password: string, field: string) {
  assertThat(password.length >= 12 && password.length <= 1024, badInput('password: 12 to 1024 characters', [field]));
}

function cliOr(actor: Principal | 'cli') {
  return actor === 'cli' ? { type: 'system' as const, id: 'admin-cli' } : actorOf(actor);
}

export function publicUser(u: Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'>) {
  return { id: u._id, username: u.username, roles: u.roles, desk: u.desk, disabled: u.disabled, pendingRoles: [] as Role[] };
}
export type PublicUser = ReturnType<typeof publicUser>;

export function publicPartner(p: { _id: string; name: string; keyHint: string; createdAt: Date; revokedAt: Date | null }) {
  return { id: p._id, name: p.name, keyHint: p.keyHint, createdAt: p.createdAt, revokedAt: p.revokedAt };
}
export type PublicPartner = ReturnType<typeof publicPartner>;
