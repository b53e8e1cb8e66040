/**
 * Partner accounts: named caseworkers and partner admins of a partner organisation, signing in to the partner
 * portal with a password and a second factor, as staff sign in to the console, by the same mechanisms: the
 * sign-in rate limits (src/auth/rate-limit.ts, under a partner prefix, without the "known client" memory: an
 * address's keyed hash stays in Redis for a limit's window only), argon2id, the first-sign-in password
 * ticket (src/auth/password-tickets.ts), TOTP with recovery codes (src/auth/mfa.ts, over these accounts), an
 * HttpOnly SameSite=Strict cookie session sealed to its account and organisation, ended after the idle time
 * (src/auth/idle.ts). A partner admin is made by a staff admin and approved by a second (src/auth/grants.ts);
 * caseworkers are added, removed and reset by their partner admin; everyone chooses their own password and
 * second factor at their first sign-in.
 *
 * What the police side learns: the organisation, never the person. A signed-in caseworker is the SAME
 * PartnerPrincipal the organisation's API key is (same rights on every PARTNER operation), with a private
 * `account` member that only this file reads; `actorOf` ignores it, so reports, history, audit entries,
 * notifications and webhooks name the organisation. Audit entries of partner sign-ins name the organisation
 * and a reason, never a username (not even its hash) nor an account id. The username is stored only as a keyed
 * hash; the display name and the organisation's activity log are sealed under the organisation's own key
 * (src/partners/org-keys.ts), which only this file opens, for that organisation's signed-in accounts. Every
 * time kept here is to the minute.
 */
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/types.js';
import type { Crypto } from '../crypto/index.js';
import { AppError, assertThat, badInput, conflict, forbidden, notFound, unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import { toMinute } from '../time.js';
import { idleExpired, touchDue } from '../auth/idle.js';
import { createMfaService, type FactorAccounts } from '../auth/mfa.js';
import type { MfaRepository } from '../auth/mfa-repository.js';
import { createPasswordTickets } from '../auth/password-tickets.js';
import { allowedOperations } from '../auth/policy.js';
import { createAttemptLimits, type AttemptLimitSettings } from '../auth/rate-limit.js';
import { partnerAccountSeal, partnerAccountSealOk, partnerSeal, partnerSealOk, partnerSessionSeal, partnerSessionSealOk, sessionSeenOk, sessionSeenSeal } from '../auth/seal.js';
import { hashSecret, looksLikeSecret, newSecret, PARTNER_SESSION_PREFIX, secretLookupHashes } from '../auth/secrets.js';
import { ARGON2, assertPasswordLength, SIGN_IN_UNAVAILABLE, USERNAME_RE } from '../auth/service.js';
import type { PartnerAccountDoc, PartnerDoc, PartnerPrincipal, Principal, RoleGrantDoc, StaffPrincipal } from '../auth/types.js';
import type { PartnerRepository } from './repository.js';
import type { PartnerAccountRepository } from './account-repository.js';
import { createOrgKeys } from './org-keys.js';

/** What a partner's activity log records (the partner admin reads it; nothing else does). */
export const PARTNER_ACTIVITY_ACTIONS = [
  'SIGNED_IN',
  'SIGNED_OUT',
  'PASSWORD_CHOSEN',
  'SECOND_FACTOR_SET',
  'PASSED_ON',
  'ANSWERED',
  'ADDED_INFORMATION',
  'ACCOUNT_APPROVED',
  'CASEWORKER_ADDED',
  'CASEWORKER_REMOVED',
  'CASEWORKER_RESET',
] as const;
export type PartnerActivityAction = (typeof PARTNER_ACTIVITY_ACTIONS)[number];

const DISPLAY_NAME_MAX = 120;
const PAGE_MAX = 100;

export interface PartnerAccountDeps {
  repo: PartnerAccountRepository;
  partners: Pick<PartnerRepository, 'findById' | 'all' | 'reseal'>;
  /** The partner side's second factors (`partner_mfa`, `partner_mfa_claims`): the MFA service runs over them here. */
  factors: MfaRepository;
  crypto: Pick<Crypto, 'cipher' | 'integrity' | 'sodium' | 'keyring'>;
  audit: AuditLog;
  redis: Redis;
  /** The queue prefix; the partner side's Redis keys add `:partner` to it. */
  redisPrefix: string;
  limits: AttemptLimitSettings;
  sessionTtlMs: number;
  /** A portal session unused this long is ended (the console's idle time, CONSOLE_IDLE_MINUTES). */
  idleMs: number;
  log: Logger;
  /** Files the pending request a second staff admin approves (src/auth/grants.ts). */
  requestAdmin(partner: Pick<PartnerDoc, '_id' | 'name'>, accountId: string, requestedBy: StaffPrincipal): Promise<RoleGrantDoc>;
}

export type PartnerAccountService = Awaited<ReturnType<typeof createPartnerAccountService>>;

/** The partner side's Redis namespace (rate limits, password and enrolment tickets): apart from staff's. */
export const partnerRedisPrefix = (queuePrefix: string) => `${queuePrefix}:partner`;

/** The keyed hashes a username may be stored under (current audit key first); never the username. */
const usernameHashes = (integrity: Crypto['integrity'], username: string) => integrity.macAll('username', `partner-account\n${username}`);
const normaliseUsername = (raw: string) => raw.trim().toLowerCase().slice(0, 100).toWellFormed();
const accountRecord = (id: string) => `partner-account/${id}`;
const activityRecord = (id: string) => `partner-activity/${id}`;

/**
 * Partner accounts as the accounts of a second factor (src/auth/mfa.ts): every partner account needs one, the
 * audit entries name the organisation (looked up, since the account names only its id), and the authenticator
 * app shows the organisation's name.
 */
export function partnerFactorAccounts(deps: {
  repo: Pick<PartnerAccountRepository, 'findById' | 'updateSealed'>;
  partners: Pick<PartnerRepository, 'findById'>;
  integrity: Crypto['integrity'];
  alarm: (account: PartnerAccountDoc) => Promise<AppError>;
}): FactorAccounts<PartnerAccountDoc & { organisation?: string }> {
  return {
    async findById(id) {
      const account = await deps.repo.findById(id);
      if (!account) return null;
      return { ...account, organisation: (await deps.partners.findById(account.partnerId))?.name };
    },
    sealOk: (a) => partnerAccountSealOk(deps.integrity, a),
    async setSecondFactor(a, secondFactor) {
      const { organisation: _o, ...stored } = a;
      return deps.repo.updateSealed(a._id, a.mac, { secondFactor, mac: partnerAccountSeal(deps.integrity, { ...stored, secondFactor }) });
    },
    idOf: (p) => (p?.kind === 'partner' ? (p.account?.id ?? null) : null),
    actor: (a) => ({ type: 'partner', id: a.partnerId, ...(a.organisation ? { name: a.organisation } : {}) }),
    username: () => undefined,
    label: (a) => a.organisation ?? 'Partner portal',
    required: () => true,
    tampered: (a) => deps.alarm(a),
  };
}

/** Logs and audits a partner account whose MAC fails (naming the organisation, never the account), once per record and process. */
export function createPartnerAccountAlarm(audit: AuditLog, log: Logger) {
  const reported = new Set<string>();
  return async (account: Pick<PartnerAccountDoc, '_id' | 'partnerId' | 'mac'>): Promise<AppError> => {
    const key = `${account._id}:${String(account.mac).slice(0, 64)}`;
    if (!reported.has(key)) {
      if (reported.size >= 10_000) reported.clear();
      reported.add(key);
      log.error({ partnerId: account.partnerId, part: 'partner account MAC' }, 'partner account integrity failure');
      await audit
        .record({ action: 'auth.integrity_failure', actor: { type: 'system', id: 'auth' }, target: { type: 'partner', id: account.partnerId }, outcome: 'failure', details: { part: 'partner account MAC' } })
        .catch((err: Error) => log.error({ errName: err.name }, 'could not audit a partner account integrity failure'));
    }
    return new AppError('DATA_INTEGRITY', SIGN_IN_UNAVAILABLE);
  };
}

export async function createPartnerAccountService(deps: PartnerAccountDeps) {
  const { repo, crypto, audit } = deps;
  const { integrity } = crypto;
  const prefix = partnerRedisPrefix(deps.redisPrefix);
  // The staff limits, but no "known client" memory: a keyed hash of an address is kept for a limit's window only.
  const attempts = createAttemptLimits(deps.redis, prefix, { ...deps.limits, knownClientDays: 0 }, integrity);
  const tickets = createPasswordTickets(deps.redis, prefix, integrity);
  const orgKeys = createOrgKeys(repo, crypto.cipher);
  const alarm = createPartnerAccountAlarm(audit, deps.log);
  const mfa = createMfaService({
    mfa: deps.factors,
    accounts: partnerFactorAccounts({ repo, partners: deps.partners, integrity, alarm }),
    crypto,
    audit,
    redis: deps.redis,
    redisPrefix: prefix,
    requiredRoles: [],
  });
  const dummyHash = await argon2.hash(randomUUID(), ARGON2);

  /** The organisation, if it is active and its record sound; else null. */
  async function activePartner(partnerId: string) {
    const partner = await deps.partners.findById(partnerId);
    if (!partner || !partnerSealOk(integrity, partner) || partner.revokedAt) return null;
    return partner;
  }

  const orgActor = (partner: Pick<PartnerDoc, '_id' | 'name'>) => ({ type: 'partner' as const, id: partner._id, name: partner.name });

  /** A sign-in that did not complete: the organisation when the account is known, else anonymous; the reason only. */
  const refused = (partner: Pick<PartnerDoc, '_id' | 'name'> | null, reason: string) =>
    audit.record({ action: 'auth.login', actor: partner ? orgActor(partner) : { type: 'anonymous' }, outcome: 'failure', details: { portal: 'partner', reason } });

  /**
   * Appends a line to the organisation's activity log (only for a signed-in account: the API key has no person).
   * With `once` (the client's idempotency key of the operation) the line's id is a keyed hash of it, so a
   * retried operation leaves one line, not two.
   */
  async function logActivity(partnerId: string, accountId: string, action: PartnerActivityAction, extra: { receipt?: string; subject?: string } = {}, once?: string) {
    const _id = once ? integrity.mac('partnerActivity', `${partnerId}#${accountId}#${action}#${once}`) : randomUUID();
    const entry = await orgKeys.seal(partnerId, activityRecord(_id), 'entry', JSON.stringify({ accountId, action, ...extra }));
    await repo.appendActivity({ _id, partnerId, at: toMinute(new Date()), entry });
  }

  /** Re-reads, checks and changes an account by compare-and-set; NOT_FOUND for another organisation's or an unknown one. */
  async function changeAccount(partnerId: string, id: string, change: (a: PartnerAccountDoc) => Promise<Partial<PartnerAccountDoc>> | Partial<PartnerAccountDoc>) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const account = await repo.findById(id);
      assertThat(account && account.partnerId === partnerId, notFound('Account'));
      if (!partnerAccountSealOk(integrity, account)) throw await alarm(account);
      const set = await change(account);
      const next = { ...account, ...set };
      if (await repo.updateSealed(id, account.mac, { ...set, mac: partnerAccountSeal(integrity, next) })) return next;
    }
    throw conflict('The account kept changing; try again');
  }

  /** A new account record (not yet stored), its display name sealed under the organisation's key. */
  async function newAccount(partnerId: string, input: { displayName: string; username: string; initialPassword: string }, admin: boolean, disabled: boolean) {
    const displayName = input.displayName.trim();
    assertThat(displayName.length >= 1 && displayName.length <= DISPLAY_NAME_MAX && !/[\u0000-\u001f]/.test(displayName), badInput(`displayName: 1 to ${DISPLAY_NAME_MAX} printable characters`, ['displayName']));
    const username = normaliseUsername(input.username);
    assertThat(USERNAME_RE.test(username), badInput('username: 2-63 characters, lower-case letters, digits, . _ -', ['username']));
    assertPasswordLength(input.initialPassword, 'initialPassword');
    const _id = randomUUID();
    const now = toMinute(new Date());
    const fields = {
      _id,
      partnerId,
      usernameHash: usernameHashes(integrity, username)[0]!,
      admin,
      disabled,
      passwordHash: await argon2.hash(input.initialPassword, ARGON2),
      secondFactor: null,
      mustChangePassword: true,
      displayName: await orgKeys.seal(partnerId, accountRecord(_id), 'displayName', displayName),
    };
    const account: PartnerAccountDoc = { ...fields, createdAt: now, updatedAt: now, mac: partnerAccountSeal(integrity, fields) };
    // The username is unique across the partner side; a taken one under a previous audit key is taken too.
    const taken = await repo.findByUsernameHash(usernameHashes(integrity, username));
    assertThat(!taken && (await repo.insert(account)), conflict('That username is taken: choose another'));
    return account;
  }

  /** The signed-in account of a principal, checked; UNAUTHENTICATED for the API key or anyone else. */
  function accountOf(principal: Principal | null): PartnerPrincipal & { account: NonNullable<PartnerPrincipal['account']> } {
    if (principal?.kind !== 'partner' || !principal.account) throw unauthenticated('Sign in to the partner portal first');
    return principal as PartnerPrincipal & { account: NonNullable<PartnerPrincipal['account']> };
  }

  /** The police side's one entry for a change to a partner's accounts: the organisation and the kind of change. */
  const auditChange = (principal: PartnerPrincipal, change: string) =>
    audit.record({ action: 'partner.account_change', actor: { type: 'partner', id: principal.partnerId, name: principal.name }, target: { type: 'partner', id: principal.partnerId }, outcome: 'success', details: { change } });

  return {
    /**
     * Signs a caseworker in: UNAUTHENTICATED "Sign-in failed" whatever was wrong (unknown name, wrong password,
     * disabled account, revoked organisation), rate-limited like staff. A first sign-in with a password someone
     * else chose answers a passwordTicket (extensions.passwordChange = REQUIRED); an account without a second
     * factor answers an enrolmentTicket (extensions.mfa = ENROL); one with a factor and no code, MFA_REQUIRED.
     * Returns the new session's token (for the cookie) and principal.
     */
    async signIn(usernameRaw: string, password: string, client: string, totp?: string | null) {
      const username = normaliseUsername(usernameRaw);
      const admission = await attempts.admitLogin(username, client);
      if (!admission.allowed) {
        if (admission.firstRefusal) await refused(null, 'rate_limited');
        throw new AppError('UNAUTHENTICATED', 'Too many failed sign-in attempts; try again later', { rateLimited: true });
      }
      const account = USERNAME_RE.test(username) ? await repo.findByUsernameHash(usernameHashes(integrity, username)) : null;
      const ok = await argon2.verify(account?.passwordHash ?? dummyHash, password.slice(0, 1024)).catch(() => false);
      const partner = account ? await activePartner(account.partnerId) : null;
      if (!account || !ok || account.disabled || !partner) {
        await refused(partner, !account ? 'unknown_user' : !partner ? 'partner_revoked' : account.disabled ? 'disabled' : 'bad_password');
        throw unauthenticated('Sign-in failed');
      }
      if (!partnerAccountSealOk(integrity, account)) throw await alarm(account);
      if (account.mustChangePassword) {
        await attempts.loginSucceeded(admission, { known: false });
        const ticket = await tickets.issue(account._id);
        await refused(partner, 'password_change_needed');
        throw new AppError('UNAUTHENTICATED', 'Choose your own password to sign in', { passwordChange: 'REQUIRED', passwordTicket: ticket });
      }
      await mfa.checkLogin({ ...account, organisation: partner.name } as PartnerAccountDoc, totp).catch(async (err: unknown) => {
        if (err instanceof AppError && err.code === 'DATA_INTEGRITY') throw await alarm(account);
        throw err;
      });
      await attempts.loginSucceeded(admission);
      // A username kept under a previous audit key's hash moves to the current key's, now that its holder has given it
      // (audit-key rotation cannot: the username is not kept). A failure leaves it for a later sign-in.
      const currentHash = usernameHashes(integrity, username)[0]!;
      if (account.usernameHash !== currentHash) {
        await changeAccount(partner._id, account._id, () => ({ usernameHash: currentHash })).catch((err: unknown) => {
          deps.log.warn({ errName: (err as Error)?.name }, 'partner username not moved to the current audit key; a later sign-in will');
        });
      }
      const token = newSecret(PARTNER_SESSION_PREFIX);
      const now = toMinute(new Date());
      const session = { _id: hashSecret(integrity, token), accountId: account._id, partnerId: partner._id, createdAt: now, expiresAt: new Date(now.getTime() + deps.sessionTtlMs) };
      await repo.createSession({ ...session, seal: partnerSessionSeal(integrity, session), lastSeenAt: now, seenSeal: sessionSeenSeal(integrity, session, now) });
      await audit.record({ action: 'auth.login', actor: orgActor(partner), outcome: 'success', details: { portal: 'partner' } });
      await logActivity(partner._id, account._id, 'SIGNED_IN');
      const principal: PartnerPrincipal = { kind: 'partner', partnerId: partner._id, name: partner.name, account: { id: account._id, admin: account.admin, sessionId: session._id } };
      return { token, expiresAt: session.expiresAt, principal };
    },

    /** The first sign-in's second step: the holder's own password replaces the one chosen for them. No session opens. */
    async setInitialPassword(ticket: string, newPassword: string) {
      const accountId = await tickets.holder(ticket);
      assertThat(accountId, unauthenticated('The sign-in ticket has expired; sign in again with the password you were given'));
      assertPasswordLength(newPassword, 'newPassword');
      const account = await repo.findById(accountId);
      const partner = account ? await activePartner(account.partnerId) : null;
      assertThat(account && partner && !account.disabled && account.mustChangePassword, unauthenticated('The sign-in ticket has expired; sign in again'));
      await changeAccount(partner._id, account._id, async (a) => {
        assertThat(a.mustChangePassword && !a.disabled, unauthenticated('The sign-in ticket has expired; sign in again'));
        assertThat(!(await argon2.verify(a.passwordHash, newPassword)), badInput('Choose a password different from the one you were given', ['newPassword']));
        return { passwordHash: await argon2.hash(newPassword, ARGON2), mustChangePassword: false };
      });
      await tickets.spend(ticket);
      await repo.deleteSessionsOf(account._id);
      await audit.record({ action: 'auth.password_change', actor: orgActor(partner), outcome: 'success', details: { portal: 'partner', initial: true } });
      await logActivity(partner._id, account._id, 'PASSWORD_CHOSEN');
      return true;
    },

    /** Enrolment with a sign-in's ticket or signed in (the MFA service over partner accounts); logged for the partner. */
    beginEnrolment: (principal: Principal | null, ticket?: string | null) => mfa.beginEnrolment({ principal: principal?.kind === 'partner' ? principal : null, ticket }),
    async confirmEnrolment(principal: Principal | null, ticket: string | null | undefined, code: string) {
      const { recoveryCodes, accountId } = await mfa.confirmEnrolment({ principal: principal?.kind === 'partner' ? principal : null, ticket }, code);
      const account = await repo.findById(accountId);
      if (account) await logActivity(account.partnerId, account._id, 'SECOND_FACTOR_SET');
      return { recoveryCodes };
    },

    /** Ends the caller's portal session (false for the API key, which has none). */
    async signOut(principal: Principal | null) {
      if (principal?.kind !== 'partner' || !principal.account) return false;
      await repo.deleteSession(principal.account.sessionId);
      await audit.record({ action: 'auth.logout', actor: { type: 'partner', id: principal.partnerId, name: principal.name }, outcome: 'success', details: { portal: 'partner' } });
      await logActivity(principal.partnerId, principal.account.id, 'SIGNED_OUT');
      return true;
    },

    /** The portal's heartbeat (the console's, src/auth/idle.ts): true for a portal session, false for anything else. */
    async activity(principal: Principal | null) {
      if (principal?.kind !== 'partner' || !principal.account) return false;
      const session = await repo.findSession([principal.account.sessionId]);
      if (!session) return false;
      const now = toMinute(new Date());
      if (touchDue({ console: true, lastSeenAt: session.lastSeenAt }, Date.now()) && now.getTime() > session.lastSeenAt.getTime()) {
        await repo.touchSession(session._id, now, sessionSeenSeal(integrity, session, now));
      }
      return true;
    },

    /**
     * A portal session token to its principal, or null: checked on every request (seal, expiry, idle time,
     * the account's seal and disabled mark, the organisation's seal and revocation), so removing a caseworker
     * or revoking their organisation signs them out at their next request, as an expired session would.
     */
    async authenticate(token: string): Promise<PartnerPrincipal | null> {
      if (!looksLikeSecret(token, PARTNER_SESSION_PREFIX)) return null;
      const session = await repo.findSession(secretLookupHashes(integrity, token));
      if (!session || !partnerSessionSealOk(integrity, session) || session.expiresAt.getTime() <= Date.now()) return null;
      if (!sessionSeenOk(integrity, session) || idleExpired({ console: true, lastSeenAt: session.lastSeenAt }, Date.now(), deps.idleMs)) {
        await repo.deleteSession(session._id);
        return null;
      }
      const account = await repo.findById(session.accountId);
      if (!account || account.partnerId !== session.partnerId) return null;
      if (!partnerAccountSealOk(integrity, account)) throw await alarm(account);
      if (account.disabled) return null;
      const partner = await activePartner(account.partnerId);
      if (!partner) return null;
      return { kind: 'partner', partnerId: partner._id, name: partner.name, account: { id: account._id, admin: account.admin, sessionId: session._id } };
    },

    /** What the portal shows of the signed-in caseworker: their organisation, their own name, their rights. */
    async session(principal: Principal | null, idleTimeoutSeconds: number) {
      if (principal?.kind !== 'partner' || !principal.account) return null;
      const account = await repo.findById(principal.account.id);
      if (!account) return null;
      const [displayName] = await orgKeys.open(principal.partnerId, [{ record: accountRecord(account._id), field: 'displayName', sealed: account.displayName }]);
      return { organisation: principal.name, displayName: displayName!, isAdmin: principal.account.admin, operations: allowedOperations(principal), idleTimeoutSeconds };
    },

    /**
     * Master-key rotation (`keys:rotate`): the organisations' keys re-wrapped and the partner side's
     * second-factor seeds re-sealed under the current master key; what opens under no configured key is reported.
     */
    async rotateMasterKey() {
      const [orgs, seeds] = [await orgKeys.rewrapAll(), await mfa.resealSeeds()];
      return { rewrapped: orgs.rewrapped, resealed: seeds.resealed, failed: [...orgs.failed, ...seeds.failed.map((f) => `partner_${f}`)] };
    },

    /**
     * Audit-key rotation (`keys:rotate`): every organisation's seal, account MAC and partner-side second-factor MAC
     * that verifies only under a previous audit key is made again under the current one (compare-and-set on the old
     * one); one that verifies under no configured key is reported, not touched. `current` holds the current audit key
     * alone. A keyed hash cannot be made again without its secret: a username moves at its holder's next sign-in
     * (`signIn`), an organisation's API key at its next key rotation.
     */
    async rotateAuditKey(current: Pick<Crypto['integrity'], 'verify'>, limit = Number.MAX_SAFE_INTEGER) {
      const out = { resealed: 0, remaining: 0, failed: [] as string[] };
      let organisations = 0;
      for (const partner of await deps.partners.all()) {
        if (partnerSealOk(current as Crypto['integrity'], partner)) continue;
        if (!partnerSealOk(integrity, partner)) {
          out.failed.push(`partner:${partner._id}`);
          continue;
        }
        if (organisations >= limit) {
          out.remaining++;
          continue;
        }
        if (await deps.partners.reseal(partner._id, partner.seal, partnerSeal(integrity, partner))) organisations++;
        else out.remaining++;
      }
      for (const account of await repo.all()) {
        if (partnerAccountSealOk(current as Crypto['integrity'], account)) continue;
        if (!partnerAccountSealOk(integrity, account)) {
          out.failed.push(`partner_account:${account._id}`);
          continue;
        }
        if (out.resealed >= limit) {
          out.remaining++;
          continue;
        }
        if (await repo.updateSealed(account._id, account.mac, { mac: partnerAccountSeal(integrity, account) })) out.resealed++;
        else out.remaining++;
      }
      const factors = await mfa.resealFactorMacs(current, limit);
      return { organisations, accounts: out.resealed, secondFactors: factors.resealed, remaining: out.remaining + factors.remaining, failed: [...out.failed, ...factors.failed.map((f) => `partner_${f}`)] };
    },

    /** Ends every portal session of an organisation (its revocation: src/auth/service.ts revokePartner). */
    endSessionsOfPartner: (partnerId: string) => repo.deleteSessionsOfPartner(partnerId),

    /**
     * A staff admin asks for a partner admin account: made now, disabled, and enabled only when a second staff
     * admin approves the request (approveRoleGrant; the requester cannot). Its holder then chooses their own
     * password and second factor at their first sign-in.
     */
    async requestPartnerAdmin(partnerId: string, input: { displayName: string; username: string; initialPassword: string }, by: StaffPrincipal) {
      const partner = await activePartner(partnerId);
      assertThat(partner, notFound('Active partner'));
      const account = await newAccount(partner._id, input, true, true);
      return deps.requestAdmin(partner, account._id, by);
    },

    /** Applies an approved PARTNER_ADMIN request (src/auth/grants.ts): the account may sign in. */
    async approvePartnerAdmin(partnerId: string, accountId: string) {
      const partner = await activePartner(partnerId);
      assertThat(partner, notFound('Active partner'));
      await changeAccount(partnerId, accountId, (a) => {
        assertThat(a.admin, conflict('That account is not a partner admin'));
        return { disabled: false };
      });
      await logActivity(partnerId, accountId, 'ACCOUNT_APPROVED');
    },

    /**
     * A refused PARTNER_ADMIN request (src/auth/grants.ts): its account, disabled since it was made and never
     * signed in, is deleted, so it does not hold the username for ever (no other account is ever deleted: a removed caseworker is disabled).
     */
    discardRefusedAdmin: (partnerId: string, accountId: string) => repo.deleteNeverUsedAdmin(partnerId, accountId),

    /** The partner admin's list of their organisation's accounts, names opened for them. */
    async list(principal: Principal | null) {
      const me = accountOf(principal);
      const all = (await repo.listOf(me.partnerId)).filter((a) => partnerAccountSealOk(integrity, a));
      const names = await orgKeys.open(me.partnerId, all.map((a) => ({ record: accountRecord(a._id), field: 'displayName', sealed: a.displayName })));
      return all.map((a, i) => ({ id: a._id, displayName: names[i]!, isAdmin: a.admin, disabled: a.disabled, hasSecondFactor: a.secondFactor !== null }));
    },

    /** Adds a caseworker; they choose their own password and second factor at their first sign-in. */
    async addCaseworker(principal: Principal | null, input: { displayName: string; username: string; initialPassword: string }) {
      const me = accountOf(principal);
      assertThat(await activePartner(me.partnerId), unauthenticated());
      const account = await newAccount(me.partnerId, input, false, false);
      await auditChange(me, 'add');
      await logActivity(me.partnerId, me.account.id, 'CASEWORKER_ADDED', { subject: account._id });
      return { id: account._id, displayName: input.displayName.trim(), isAdmin: false, disabled: false, hasSecondFactor: false };
    },

    /** Disables a caseworker (not a partner admin, not oneself) and ends their sessions at once. */
    async removeCaseworker(principal: Principal | null, id: string) {
      const me = accountOf(principal);
      assertThat(id !== me.account.id, badInput('You cannot remove your own account', ['id']));
      await changeAccount(me.partnerId, id, (a) => {
        assertThat(!a.admin, forbidden("A partner admin's account is changed by the hotline's administrators"));
        return { disabled: true };
      });
      await repo.deleteSessionsOf(id);
      await auditChange(me, 'remove');
      await logActivity(me.partnerId, me.account.id, 'CASEWORKER_REMOVED', { subject: id });
      return true;
    },

    /**
     * A new password chosen by the partner admin, and the caseworker's second factor removed: at their next
     * sign-in they choose their own password and enrol a new factor. Their sessions end at once.
     */
    async resetCaseworker(principal: Principal | null, id: string, initialPassword: string) {
      const me = accountOf(principal);
      assertThat(id !== me.account.id, badInput('You cannot reset your own account', ['id']));
      assertPasswordLength(initialPassword, 'initialPassword');
      const passwordHash = await argon2.hash(initialPassword, ARGON2);
      await changeAccount(me.partnerId, id, (a) => {
        assertThat(!a.admin, forbidden("A partner admin's account is changed by the hotline's administrators"));
        return { passwordHash, mustChangePassword: true, secondFactor: null };
      });
      await deps.factors.remove(id);
      await repo.deleteSessionsOf(id);
      await auditChange(me, 'reset');
      await logActivity(me.partnerId, me.account.id, 'CASEWORKER_RESET', { subject: id });
      return true;
    },

    /**
     * Records a partner operation a signed-in caseworker ran (passed on, answered, added information) in their
     * organisation's own log; nothing for the API key. Called after the operation succeeded; never changes what
     * the police side stores.
     */
    async recordOperation(principal: Principal | null, action: Extract<PartnerActivityAction, 'PASSED_ON' | 'ANSWERED' | 'ADDED_INFORMATION'>, receipt?: string, idempotencyKey?: string) {
      if (principal?.kind !== 'partner' || !principal.account) return;
      await logActivity(principal.partnerId, principal.account.id, action, receipt ? { receipt } : {}, idempotencyKey);
    },

    /** The partner admin's view of their organisation's log, newest first: who (their name), what, when (to the minute). */
    async activityLog(principal: Principal | null, after: string | null | undefined, first: number | null | undefined) {
      const me = accountOf(principal);
      const limit = Math.min(Math.max(first ?? 50, 1), PAGE_MAX);
      const before = after ? decodeCursor(after) : undefined;
      const docs = await repo.activityOf(me.partnerId, limit + 1, before);
      const page = docs.slice(0, limit);
      const entries = (await orgKeys.open(me.partnerId, page.map((d) => ({ record: activityRecord(d._id), field: 'entry', sealed: d.entry })))).map(
        (text) => JSON.parse(text) as { accountId: string; action: PartnerActivityAction; receipt?: string; subject?: string },
      );
      const ids = [...new Set(entries.flatMap((e) => [e.accountId, ...(e.subject ? [e.subject] : [])]))];
      const accounts = (await Promise.all(ids.map((id) => repo.findById(id)))).filter((a): a is PartnerAccountDoc => a !== null && a.partnerId === me.partnerId);
      const names = new Map(
        (await orgKeys.open(me.partnerId, accounts.map((a) => ({ record: accountRecord(a._id), field: 'displayName', sealed: a.displayName })))).map((n, i) => [accounts[i]!._id, n]),
      );
      return {
        entries: page.map((d, i) => ({
          at: d.at,
          who: names.get(entries[i]!.accountId) ?? '',
          action: entries[i]!.action,
          receipt: entries[i]!.receipt ?? null,
          about: entries[i]!.subject ? (names.get(entries[i]!.subject!) ?? '') : null,
        })),
        endCursor: page.length ? encodeCursor(page[page.length - 1]!) : null,
        hasNextPage: docs.length > limit,
      };
    },
  };
}

const encodeCursor = (d: { at: Date; _id: string }) => Buffer.from(`${d.at.getTime()}|${d._id}`).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: string } {
  const [ms, id] = Buffer.from(cursor.slice(0, 200), 'base64url').toString().split('|');
  const at = new Date(Number(ms));
  assertThat(id && !Number.isNaN(at.getTime()), badInput('after: not a cursor from this list', ['after']));
  return { at, id };
}
