/**
 * Sign-in and principals: staff sessions (opaque bearer tokens) and partner
 * API keys. Every sign-in, success or failure, is audited; failures are
 * rate-limited per username and per client in Redis, so the limit holds
 * across API instances. Unknown users and wrong passwords answer the same.
 */
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditLog } from '../audit/types.js';
import { isDuplicateKey } from '../db/errors.js';
import { AppError, assertThat, badInput, conflict, notFound, unauthenticated } from '../errors.js';
import type { PartnerRepository } from '../partners/repository.js';
import type { UserRepository } from './repository.js';
import { hashSecret, looksLikeSecret, newSecret, PARTNER_KEY_PREFIX, TOKEN_PREFIX } from './secrets.js';
import { actorOf, DESKS, ROLES, type Desk, type Principal, type Role, type UserDoc } from './types.js';

// OWASP's argon2id baseline (19 MiB, t=2, p=1): strong, yet cheap enough that
// sign-in stays fast under a flood of rate-limited attempts.
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface AuthDeps {
  users: UserRepository;
  partners: PartnerRepository;
  redis: Redis;
  audit: AuditLog;
  sessionTtlMs: number;
  limits: { maxFailuresPerUser: number; maxFailuresPerClient: number; blockSeconds: number };
}

export type AuthService = Awaited<ReturnType<typeof createAuthService>>;

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,62}$/;

/** Builds the auth service; the dummy hash evens out timing for unknown users. */
export async function createAuthService(deps: AuthDeps) {
  const { users, partners, audit } = deps;
  const dummyHash = await argon2.hash(randomUUID(), ARGON2);
  const limiterOpts = { storeClient: deps.redis, duration: deps.limits.blockSeconds, blockDuration: deps.limits.blockSeconds };
  const perUser = new RateLimiterRedis({ ...limiterOpts, keyPrefix: 'login-fail-user', points: deps.limits.maxFailuresPerUser });
  const perClient = new RateLimiterRedis({ ...limiterOpts, keyPrefix: 'login-fail-client', points: deps.limits.maxFailuresPerClient });

  const blocked = async (username: string, client: string) => {
    const [u, c] = await Promise.all([perUser.get(username), perClient.get(client)]);
    return (u?.consumedPoints ?? 0) >= deps.limits.maxFailuresPerUser || (c?.consumedPoints ?? 0) >= deps.limits.maxFailuresPerClient;
  };
  const recordFailure = async (username: string, client: string) => {
    await Promise.all([perUser.consume(username).catch(swallowLimit), perClient.consume(client).catch(swallowLimit)]);
  };

  return {
    /** Signs a staff member in; answers UNAUTHENTICATED without saying which part was wrong. */
    async login(usernameRaw: string, password: string, client: string) {
      // It goes into the attempt's audit entry and rate-limit key: bounded (valid names are ≤ 63) and well-formed.
      const username = usernameRaw.trim().toLowerCase().slice(0, 100).toWellFormed();
      if (await blocked(username, client)) {
        await audit.record({ action: 'auth.login', actor: { type: 'anonymous' }, outcome: 'failure', details: { username, reason: 'rate_limited' } });
        throw new AppError('UNAUTHENTICATED', 'Too many failed sign-in attempts; try again later', { rateLimited: true });
      }
      const user = USERNAME_RE.test(username) ? await users.findByUsername(username) : null;
      const ok = await argon2.verify(user?.passwordHash ?? dummyHash, password.slice(0, 1024)).catch(() => false);
      if (!user || !ok || user.disabled) {
        await recordFailure(username, client);
        await audit.record({
          action: 'auth.login',
          actor: user ? { type: 'user', id: user._id, name: user.username } : { type: 'anonymous' },
          outcome: 'failure',
          details: { username, reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password' },
        });
        throw unauthenticated('Sign-in failed');
      }
      await perUser.delete(username);
      const token = newSecret(TOKEN_PREFIX);
      const now = new Date();
      const expiresAt = new Date(now.getTime() + deps.sessionTtlMs);
      await users.createSession({ _id: hashSecret(token), userId: user._id, createdAt: now, expiresAt });
      await audit.record({ action: 'auth.login', actor: { type: 'user', id: user._id, name: user.username }, outcome: 'success' });
      return { token, expiresAt, user: publicUser(user) };
    },

    async logout(principal: Principal) {
      if (principal.kind !== 'staff') return false;
      await users.deleteSession(principal.sessionId);
      await audit.record({ action: 'auth.logout', actor: { type: 'user', id: principal.userId, name: principal.username }, outcome: 'success' });
      return true;
    },

    /**
     * Resolves a bearer credential to a principal, or null. Checked on every
     * request against the database, so disabling a user or revoking a key
     * takes effect at once on every instance.
     */
    async authenticate(bearer: string | undefined): Promise<Principal | null> {
      if (!bearer) return null;
      if (looksLikeSecret(bearer, TOKEN_PREFIX)) {
        const session = await users.findSession(hashSecret(bearer));
        if (!session || session.expiresAt.getTime() <= Date.now()) return null;
        const user = await users.findById(session.userId);
        if (!user || user.disabled) return null;
        return { kind: 'staff', userId: user._id, username: user.username, roles: user.roles, desk: user.desk, sessionId: session._id };
      }
      if (looksLikeSecret(bearer, PARTNER_KEY_PREFIX)) {
        const partner = await partners.findByKeyHash(hashSecret(bearer));
        if (!partner || partner.revokedAt) return null;
        return { kind: 'partner', partnerId: partner._id, name: partner.name };
      }
      return null;
    },

    async createUser(input: { username: string; password: string; roles: Role[]; desk?: Desk | null }, actor: Principal | 'cli') {
      const username = input.username.trim().toLowerCase();
      assertThat(USERNAME_RE.test(username), badInput('username: 2-63 characters, lower-case letters, digits, . _ -', ['username']));
      assertThat(input.roles.length > 0 && input.roles.every((r) => ROLES.includes(r)), badInput(`roles: one or more of ${ROLES.join(', ')}`, ['roles']));
      const desk = input.desk ?? null;
      assertThat(desk === null || DESKS.includes(desk), badInput('desk must be SO12 or SO13', ['desk']));
      assertThat(!input.roles.includes('INVESTIGATOR') || desk, badInput('an INVESTIGATOR needs a desk (SO12 or SO13)', ['desk']));
      assertThat(input.password.length >= 12 && input.password.length <= 1024, badInput('password: 12 to 1024 characters', ['password']));
      const now = new Date();
      const user: UserDoc = {
        _id: randomUUID(),
        username,
        passwordHash: await argon2.hash(input.password, ARGON2),
        roles: [...new Set(input.roles)],
        desk,
        disabled: false,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await users.insert(user);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`user ${username} already exists`);
        throw err;
      }
      await audit.record({ action: 'admin.user_create', actor: cliOr(actor), target: { type: 'user', id: user._id }, outcome: 'success', details: { username, roles: user.roles, desk } });
      return publicUser(user);
    },

    /** Disables a user and ends their sessions: their tokens stop working at once. */
    async disableUser(usernameRaw: string, actor: Principal | 'cli') {
      const username = usernameRaw.trim().toLowerCase();
      const user = await users.update(username, { disabled: true });
      assertThat(user, notFound('User'));
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

    listUsers: async () => (await users.list()).map(publicUser),

    /** Creates a partner; the API key is returned once and stored only as a hash. */
    async createPartner(nameRaw: string, actor: Principal | 'cli') {
      const name = nameRaw.trim();
      assertThat(name.length >= 2 && name.length <= 120 && !/[\u0000-\u001f]/.test(name), badInput('name: 2 to 120 printable characters', ['name']));
      const key = newSecret(PARTNER_KEY_PREFIX);
      const partner = { _id: randomUUID(), name, keyHash: hashSecret(key), keyHint: key.slice(0, 8), createdAt: new Date(), revokedAt: null };
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
      const partner = await partners.revoke(nameRaw.trim(), new Date());
      assertThat(partner, notFound('Active partner'));
      await audit.record({ action: 'admin.partner_revoke', actor: cliOr(actor), target: { type: 'partner', id: partner._id }, outcome: 'success', details: { name: partner.name } });
      return publicPartner(partner);
    },

    listPartners: async () => (await partners.list()).map(publicPartner),
  };
}

function swallowLimit(err: unknown) {
  if (err instanceof RateLimiterRes) return;
  throw err;
}

function cliOr(actor: Principal | 'cli') {
  return actor === 'cli' ? { type: 'system' as const, id: 'admin-cli' } : actorOf(actor);
}

export function publicUser(u: Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'>) {
  return { id: u._id, username: u.username, roles: u.roles, desk: u.desk, disabled: u.disabled };
}
export type PublicUser = ReturnType<typeof publicUser>;

export function publicPartner(p: { _id: string; name: string; keyHint: string; createdAt: Date; revokedAt: Date | null }) {
  return { id: p._id, name: p.name, keyHint: p.keyHint, createdAt: p.createdAt, revokedAt: p.revokedAt };
}
export type PublicPartner = ReturnType<typeof publicPartner>;
