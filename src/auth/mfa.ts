/**
 * The second factor of local accounts: TOTP (RFC 6238: SHA-1, 6 digits, 30 s,
 * one step of clock drift either way) with ten single-use recovery codes.
 *
 * - The seed is sealed under a subkey of the master key, bound to the user id
 *   (src/crypto/secret-box.ts); recovery codes are stored as keyed hashes
 *   (integrity purpose 'token'), each usable once.
 * - A code is accepted only for a time step later than the last one used, so
 *   a code seen over someone's shoulder cannot be replayed, even within its
 *   30 seconds; the check and the record are one guarded write.
 * - Enrolment: an otpauth:// URI and its QR code, confirmed by a first valid
 *   code, which then shows the recovery codes once. A user whose role
 *   requires a second factor (MFA_REQUIRED_ROLES) and has none gets, instead
 *   of a session, a short-lived enrolment ticket (after the password check).
 * - Bound to its user under the audit key (issue 21, item 1): the `mfa`
 *   document carries a MAC over its user, seed and recovery-code set, and the
 *   user's own sealed record names which seed is theirs (`secondFactor`). So
 *   "has this user enrolled?" is read from the sealed user record: a missing,
 *   swapped, rolled-back or altered document for an enrolled user is
 *   DATA_INTEGRITY (the caller logs and audits it), never "enrol now".
 * - Every failure answers UNAUTHENTICATED "Sign-in failed" and is audited
 *   with its reason; the answer never says which part was wrong.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Actor, AuditLog } from '../audit/types.js';
import type { Crypto } from '../crypto/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { AppError, assertThat, badInput, conflict, notFound, unauthenticated } from '../errors.js';
import type { UserIntegrityAlarm } from './integrity-alarm.js';
import type { MfaDoc, MfaRepository } from './mfa-repository.js';
import type { UserRepository } from './repository.js';
import { SECOND_FACTOR_PART, secondFactorSeal, secondFactorSealOk, userSeal, userSealOk } from './seal.js';
import { actorOf, type Principal, type Role, type StaffPrincipal, type UserDoc } from './types.js';

const ISSUER = 'Hotline';
const PERIOD = 30;
const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789'; // no 0/O, 1/I/L, U
const TICKET_TTL_SECONDS = 10 * 60;
const TICKET_PREFIX = 'hle_';

/**
 * Whose second factors a service keeps: staff users (the default, from `users`) or partner caseworker accounts
 * (src/partners/accounts.ts builds its own). Everything an audit entry, a seal or a principal says about the
 * account goes through here, so the TOTP, replay and recovery-code logic above is written once.
 */
export interface FactorAccounts<A extends FactorAccount = FactorAccount> {
  findById(id: string): Promise<A | null>;
  /** True when the stored account record's MAC verifies. */
  sealOk(account: A): boolean;
  /** Names (or stops naming) the factor in the account's sealed record, compare-and-set on its MAC: false when it changed meanwhile. */
  setSecondFactor(account: A, secondFactor: { seedCreatedAt: Date } | null): Promise<boolean>;
  /** The account a signed-in principal enrols for, or null. */
  idOf(principal: Principal | null): string | null;
  /** Who the audit entries name, and the `username` detail of a failed sign-in (undefined: none is recorded). */
  actor(account: A): Actor;
  username(account: A): string | undefined;
  /** The account line an authenticator app shows. */
  label(account: A): string;
  /** True when the account must have a second factor to sign in. */
  required(account: A): boolean;
  /** Logs and audits a record that fails its MAC; returns the error to throw. */
  tampered(account: A): Promise<AppError>;
}

/** What the MFA service reads of an account record. */
export interface FactorAccount {
  _id: string;
  disabled: boolean;
  secondFactor?: { seedCreatedAt: Date } | null;
}


/** Staff users' second factors (`users`), or another kind of account's (`accounts`: partner caseworkers). */
export type MfaDeps = MfaCommonDeps & (
  | { users: Pick<UserRepository, 'findById' | 'findByUsername' | 'updateSealed'>; accounts?: undefined }
  | { accounts: FactorAccounts<any>; users?: undefined }
);

interface MfaCommonDeps {
  mfa: MfaRepository;
  crypto: Pick<Crypto, 'sodium' | 'keyring' | 'integrity'>;
  audit: AuditLog;
  redis: Redis;
  /** Namespaces the enrolment tickets in Redis (the queue prefix). */
  redisPrefix: string;
  requiredRoles: readonly Role[];
  /** Logs and audits a user record that fails its MAC (src/auth/integrity-alarm.ts). */
  alarm?: UserIntegrityAlarm;
}

export type MfaService = ReturnType<typeof createMfaService>;

/** Who is enrolling: a signed-in user, or one holding the ticket a sign-in handed out. */
export type EnrolSubject = { principal: Principal | null; ticket?: string | null };

type LoginUser = FactorAccount;

/** Thrown when a user's second factor is missing, not theirs or fails its MAC; the sign-in reports it (src/auth/service.ts). */
export class SecondFactorIntegrityError extends AppError {
  readonly part = SECOND_FACTOR_PART;
  constructor() {
    super('DATA_INTEGRITY', 'A stored second factor failed an integrity check');
    this.name = 'SecondFactorIntegrityError';
  }
}

/** Builds the MFA service; the login flow calls `checkLogin` after the password check. */
export function createMfaService(deps: MfaDeps) {
  const { mfa, audit, crypto } = deps;
  const box = createSecretBox(crypto.sodium, crypto.keyring, 'mfaSecret');
  const ticketKey = (ticket: string) => `${deps.redisPrefix}:mfa-enrol:${crypto.integrity.mac('token', ticket)}`;
  const recoveryUsable = (doc: MfaDoc, hash: string) => Object.hasOwn(doc.recoveryCodes, hash) && doc.recoveryCodes[hash] === false;
  const recoveryHash = (userId: string, code: string) => crypto.integrity.mac('token', `mfa-recovery\n${userId}\n${normaliseRecovery(code)}`);
  const totpOf = (doc: MfaDoc, label: string) => {
    const seed = box.open(doc._id, doc.secret);
    try {
      return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: new Secret({ buffer: Uint8Array.from(seed).buffer }) });
    } finally {
      seed.fill(0);
    }
  };
  /** The time step a code belongs to, or null when it matches none within one step of now. */
  const stepOf = (doc: MfaDoc, code: string, now: number) => {
    const delta = totpOf(doc, doc._id).validate({ token: code, timestamp: now, window: 1 });
    return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
  };
  const accounts: FactorAccounts<any> = deps.accounts ?? staffAccounts(deps.users, deps);
  /** The staff-only parts (status, an admin's reset) need the users. */
  const staffUsers = () => {
    if (!deps.users) throw new Error('this second-factor service is not for staff users');
    return deps.users;
  };
  const fail = async (user: LoginUser, reason: string, onFailure?: () => Promise<void>) => {
    await onFailure?.();
    await loginRefused(user, reason);
    throw unauthenticated('Sign-in failed');
  };
  /** A sign-in that did not complete, audited with its reason (and, for staff, the username). */
  const loginRefused = (user: LoginUser, reason: string) =>
    audit.record({ action: 'auth.login', actor: accounts.actor(user), outcome: 'failure', details: { ...usernameOf(user), reason } });
  /** A staff user is the entry's target; a partner account is not named at all (the actor, its organisation, is enough). */
  const targetOf = (user: LoginUser) => (accounts.actor(user).type === 'user' ? { target: { type: 'user' as const, id: user._id } } : {});
  const usernameOf = (user: LoginUser) => {
    const username = accounts.username(user);
    return username === undefined ? {} : { username };
  };

  const required = (user: LoginUser) => accounts.required(user);

  async function subjectUser(subject: EnrolSubject): Promise<FactorAccount> {
    let userId: string | null = null;
    if (subject.ticket) userId = await deps.redis.get(ticketKey(subject.ticket));
    else userId = accounts.idOf(subject.principal);
    const user = userId ? await accounts.findById(userId) : null;
    if (!user || user.disabled) throw unauthenticated(subject.ticket ? 'The enrolment ticket has expired; sign in again' : undefined);
    // Enrolment changes the sealed record: one that fails its MAC is never re-sealed (DATA_INTEGRITY, as sign-in answers).
    if (!accounts.sealOk(user)) throw await accounts.tampered(user);
    return user;
  }

  /** The enrolled user's second factor, checked: theirs (the seed their sealed record names) and MAC-sound. */
  async function enrolledFactor(user: LoginUser): Promise<MfaDoc> {
    const doc = await mfa.find(user._id);
    const sound =
      doc !== null &&
      doc.confirmedAt !== null &&
      doc.createdAt.getTime() === user.secondFactor!.seedCreatedAt.getTime() &&
      secondFactorSealOk(crypto.integrity, doc);
    if (!sound) throw new SecondFactorIntegrityError();
    return doc;
  }

  /** Names (or stops naming) a second factor in the account's sealed record, by compare-and-set on its MAC. */
  async function setSecondFactor(userId: string, secondFactor: UserDoc['secondFactor']) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const user = await accounts.findById(userId);
      assertThat(user, notFound('User'));
      if (!accounts.sealOk(user)) throw await accounts.tampered(user);
      if (await accounts.setSecondFactor(user, secondFactor ?? null)) return;
    }
    throw conflict('The user record kept changing; try again');
  }

  return {
    /** True when one of the user's roles must use a second factor. */
    required,

    /**
     * The second step of a sign-in whose password was right. Returns when the
     * user may have a session; otherwise throws UNAUTHENTICATED: with
     * `extensions.mfa = 'REQUIRED'` when no code was sent, `'ENROL'` (and an
     * `enrolmentTicket`) when the role needs a factor the user has not set
     * up, and a plain "Sign-in failed" for a wrong or replayed code (after
     * `onFailure`, which counts it toward the sign-in rate limit). Throws
     * SecondFactorIntegrityError (DATA_INTEGRITY) when the user's sealed record
     * names a factor that is missing, not theirs or fails its MAC.
     */
    async checkLogin(user: LoginUser, code: string | null | undefined, onFailure?: () => Promise<void>): Promise<void> {
      // Whether they enrolled is read from their sealed record (checked by the caller), never from `mfa`.
      const doc = user.secondFactor ? await enrolledFactor(user) : null;
      if (!doc) {
        if (!required(user)) return;
        const ticket = TICKET_PREFIX + randomBytes(32).toString('base64url');
        await deps.redis.set(ticketKey(ticket), user._id, 'EX', TICKET_TTL_SECONDS);
        await loginRefused(user, 'mfa_enrolment_needed');
        throw new AppError('UNAUTHENTICATED', 'Set up a second factor to sign in', { mfa: 'ENROL', enrolmentTicket: ticket });
      }
      const given = (code ?? '').replace(/\s+/g, '').slice(0, 64);
      if (!given) {
        await loginRefused(user, 'mfa_code_needed');
        throw new AppError('UNAUTHENTICATED', 'Enter the code from your authenticator app', { mfa: 'REQUIRED' });
      }
      if (/^\d{6}$/.test(given)) {
        const step = stepOf(doc, given, Date.now());
        if (step === null) return fail(user, 'mfa_wrong_code', onFailure);
        if (step <= doc.lastStep || !(await mfa.useStep(user._id, doc.createdAt, step))) return fail(user, 'mfa_replayed_code', onFailure);
      } else if (!recoveryUsable(doc, recoveryHash(user._id, given)) || !(await mfa.useRecoveryCode(user._id, recoveryHash(user._id, given), new Date()))) {
        // A made-up or used code is refused before anything is claimed for it.
        return fail(user, 'mfa_wrong_recovery_code', onFailure);
      } else {
        const left = Object.values((await mfa.find(user._id))?.recoveryCodes ?? {}).filter((v) => v === false).length;
        await audit.record({ action: 'auth.mfa_recovery_use', actor: accounts.actor(user), ...targetOf(user), outcome: 'success', details: { recoveryCodesLeft: left } });
      }
      // A seed sealed under a retired master key moves to the current one while it can still be opened.
      const resealed = box.resealed(doc._id, doc.secret);
      if (resealed) await mfa.reseal(doc, { secret: resealed, seal: secondFactorSeal(crypto.integrity, { ...doc, secret: resealed }) });
    },

    /**
     * Key rotation (`keys:rotate`): every seed still sealed under a previous
     * master key moves to the current one, so that key can be removed without
     * locking out whoever did not sign in meanwhile (sign-in also moves a
     * seed, but only its own). A seed that opens under no configured key is
     * reported, not touched.
     */
    async resealSeeds(): Promise<{ resealed: number; failed: string[] }> {
      const out = { resealed: 0, failed: [] as string[] };
      for (const doc of await mfa.all()) {
        let next: ReturnType<typeof box.resealed>;
        try {
          // A document whose MAC fails is reported, not re-sealed: that would launder a swapped seed.
          if (!secondFactorSealOk(crypto.integrity, doc)) throw new Error('MAC');
          next = box.resealed(doc._id, doc.secret);
        } catch {
          out.failed.push(`mfa:${doc._id}`);
          continue;
        }
        if (next && (await mfa.reseal(doc, { secret: next, seal: secondFactorSeal(crypto.integrity, { ...doc, secret: next }) }))) out.resealed++;
      }
      return out;
    },

    /**
     * Audit-key rotation (`keys:rotate`): every second-factor MAC that verifies only under a previous audit key
     * is made again under the current one; one that verifies under no configured key is reported, not touched.
     * `current` holds the current audit key alone.
     */
    async resealFactorMacs(current: Pick<Crypto['integrity'], 'verify'>, limit = Number.MAX_SAFE_INTEGER): Promise<{ resealed: number; remaining: number; failed: string[] }> {
      const out = { resealed: 0, remaining: 0, failed: [] as string[] };
      for (const doc of await mfa.all()) {
        if (!doc.seal && !doc.confirmedAt) continue; // an enrolment begun and never confirmed: nothing to bind yet
        if (secondFactorSealOk(current as Crypto['integrity'], doc)) continue;
        if (!secondFactorSealOk(crypto.integrity, doc)) {
          out.failed.push(`mfa:${doc._id}`);
          continue;
        }
        if (out.resealed >= limit) {
          out.remaining++;
          continue;
        }
        if (await mfa.reseal(doc, { seal: secondFactorSeal(crypto.integrity, doc) })) out.resealed++;
        else out.remaining++;
      }
      return out;
    },

    /** Starts (or restarts) enrolment: a new seed, as an otpauth:// URI and a QR code (SVG). */
    async beginEnrolment(subject: EnrolSubject) {
      const user = await subjectUser(subject);
      assertThat(!user.secondFactor, conflict('A second factor is already set up; an administrator can reset it'));
      const seed = randomBytes(20);
      const doc: MfaDoc = { _id: user._id, secret: box.seal(user._id, seed), confirmedAt: null, lastStep: 0, recoveryCodes: {}, createdAt: new Date() };
      seed.fill(0);
      doc.seal = secondFactorSeal(crypto.integrity, doc);
      await mfa.putPending(doc);
      const totp = totpOf(doc, accounts.label(user));
      const uri = totp.toString();
      return { otpauthUri: uri, secret: totp.secret.base32, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    },

    /** Confirms enrolment with a first valid code; returns the recovery codes, shown this once, and whose they are. */
    async confirmEnrolment(subject: EnrolSubject, code: string) {
      const user = await subjectUser(subject);
      const doc = await mfa.find(user._id);
      if (user.secondFactor || !doc || doc.confirmedAt || !secondFactorSealOk(crypto.integrity, doc)) throw conflict('There is no enrolment in progress; start again');
      const step = /^\d{6}$/.test(code.trim()) ? stepOf(doc, code.trim(), Date.now()) : null;
      if (step === null) throw badInput('That code is not right: check the device clock and enter the current code', ['code']);
      const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
      const hashes = Object.fromEntries(codes.map((c) => [recoveryHash(user._id, c), false as const]));
      const at = new Date();
      const seal = secondFactorSeal(crypto.integrity, { ...doc, confirmedAt: at, recoveryCodes: hashes });
      assertThat(await mfa.confirm(doc, step, hashes, at, seal), conflict('The enrolment changed meanwhile; start again'));
      // Then the user's sealed record names this seed. Until it does (a crash in between), they are not enrolled
      // and the confirmed document is a left-over that their next enrolment replaces: never a factor taken on trust.
      await setSecondFactor(user._id, { seedCreatedAt: doc.createdAt });
      if (subject.ticket) await deps.redis.del(ticketKey(subject.ticket));
      await audit.record({ action: 'auth.mfa_enrol', actor: accounts.actor(user), ...targetOf(user), outcome: 'success', details: { method: 'totp', recoveryCodes: codes.length } });
      // `accountId`: whose factor it was (a ticket names nobody to its caller); never sent to the client.
      return { recoveryCodes: codes, accountId: user._id };
    },

    /** Whether the signed-in user has a second factor, needs one, and how many recovery codes are left. */
    async status(userId: string, roles: readonly Role[]) {
      const user = await staffUsers().findById(userId);
      const doc = user?.secondFactor ? await mfa.find(userId) : null;
      return {
        enrolled: Boolean(user?.secondFactor),
        required: roles.some((r) => deps.requiredRoles.includes(r)),
        recoveryCodesLeft: doc?.confirmedAt ? Object.values(doc.recoveryCodes).filter((v) => v === false).length : 0,
      };
    },

    /** Removes a user's second factor (lost device); they enrol again at their next sign-in. Audited. */
    async reset(usernameRaw: string, actor: StaffPrincipal) {
      const user = await staffUsers().findByUsername(usernameRaw.trim().toLowerCase());
      assertThat(user, notFound('User'));
      // The sealed record stops naming the factor first; the document is then a left-over, removed next.
      await setSecondFactor(user._id, null);
      const removed = (await mfa.remove(user._id)) && Boolean(user.secondFactor);
      await audit.record({
        action: 'admin.mfa_reset',
        actor: actorOf(actor),
        target: { type: 'user', id: user._id },
        outcome: 'success',
        details: { username: user.username, hadSecondFactor: removed },
      });
      return removed;
    },
  };
}

/** Ten symbols from a 30-letter alphabet (~49 bits), grouped for reading: XXXXX-XXXXX. */
function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

function normaliseRecovery(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Staff users as the accounts of a second factor: the default. */
function staffAccounts(users: Pick<UserRepository, 'findById' | 'updateSealed'>, deps: MfaCommonDeps): FactorAccounts<UserDoc> {
  return {
    findById: (id) => users.findById(id),
    sealOk: (user) => userSealOk(deps.crypto.integrity, user),
    setSecondFactor: async (user, secondFactor) =>
      (await users.updateSealed(user._id, user.mac, { secondFactor, mac: userSeal(deps.crypto.integrity, { ...user, secondFactor }) })) !== null,
    idOf: (principal) => (principal?.kind === 'staff' ? principal.userId : null),
    actor: (user) => ({ type: 'user', id: user._id, name: user.username }),
    username: (user) => user.username,
    label: (user) => user.username,
    required: (user) => user.roles.some((r) => deps.requiredRoles.includes(r)),
    tampered: async (user) => (deps.alarm ? deps.alarm(user) : new AppError('DATA_INTEGRITY', 'A stored account record failed an integrity check')),
  };
}
