/**
 * Sign-in rate limits that hold under parallel attempts and that a stranger
 * cannot turn into a lock-out (trust review 2, item 13; NIST SP 800-63B
 * §5.2.2 and OWASP's authentication cheat sheet: lock by account *and*
 * source, slow the account down globally rather than lock it, and let the
 * subscriber in from where they have signed in before).
 *
 * Three counters, all in Redis under the instance's prefix (every API
 * instance of one deployment shares them), all keyed by keyed hashes (the
 * audit key's `token` purpose): Redis never holds a username or an address.
 *
 * - per (username, client): `maxFailuresPerUser` failures block that pair
 *   for `blockSeconds`. An attacker at one address blocks only themself.
 * - per client, across usernames: `maxFailuresPerClient` failures block the
 *   client for `blockSeconds` (guessing many accounts from one address).
 *   Generous by default, as a whole office may share one NAT address; a
 *   (username, client) pair that has signed in before is not held by it.
 * - per username, from everywhere: after `backoff.afterFailures` failures an
 *   attempt from a client the user has not signed in from must wait
 *   `baseSeconds · 2^(n − afterFailures)` (at most `maxSeconds`) after the
 *   last one let through. Never a lock: the wait is capped, refused attempts
 *   do not lengthen it, and a client the user has signed in from (with
 *   password and second factor) within `knownClientDays` is not held by it.
 *   Failures are forgotten `forgetSeconds` after the last one.
 *
 * A point is taken from the pair and client counters before the password is
 * checked (Redis INCR is atomic, so of 40 parallel attempts against a limit
 * of 5, exactly 5 go on to argon2), and given back when the sign-in succeeds.
 * A "client" is the address the HTTP layer believes (TRUST_PROXY), an IPv6
 * one by its /64 (src/net/addresses.ts).
 *
 * A refused attempt is reported as `firstRefusal` only when it is the one
 * that crossed a limit (for the back-off: the first refusal since failures
 * began), so a flood leaves one audit entry per window and counter.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Integrity } from '../crypto/integrity.js';
import { clientOfAddress } from '../net/addresses.js';

export interface AttemptLimitSettings {
  /** Failed sign-ins for one username from one client before that pair is blocked (LOGIN_MAX_FAILURES_PER_USER). */
  maxFailuresPerUser: number;
  /** Failed sign-ins from one client, whatever the usernames, before it is blocked (LOGIN_MAX_FAILURES_PER_CLIENT). */
  maxFailuresPerClient: number;
  /** Window and block length of the two counters above (LOGIN_BLOCK_SECONDS). */
  blockSeconds: number;
  /** The slower per-username back-off over every client (LOGIN_BACKOFF_*). */
  backoff: { afterFailures: number; baseSeconds: number; maxSeconds: number; forgetSeconds: number };
  /** How long a successful sign-in makes its (username, client) pair "known" (LOGIN_KNOWN_CLIENT_DAYS); 0: never. */
  knownClientDays: number;
}

/** What taking a point said: go on, or refused (and whether this attempt is the first refusal worth an audit entry). */
export interface Admission {
  allowed: boolean;
  firstRefusal: boolean;
  /** What was taken, to give back on success (opaque to callers). */
  readonly taken?: { user: string; pair: string; client: string | null };
}

type Counter = { limiter: RateLimiterRedis; key: string };

/** Receipts naming none of an organisation's referrals it may type per LOGIN_BLOCK_SECONDS window (a typo or two, never a guessing run). */
export const RECEIPT_MISSES_PER_WINDOW = 10;

/**
 * The per-username back-off, atomic in Redis. KEYS[1]: the user's hash { f: failures counted, a: refusal
 * audited }; KEYS[2]: present while an unknown client must wait (its TTL is the wait: Redis holds no time of
 * day, see partner-metadata.test.ts). ARGV: afterFailures, baseMs, maxMs, forgetSeconds, exempt (1 for a
 * known client). Returns { allowed, firstRefusal }. An attempt let through counts as a failure until given back.
 */
const BACKOFF_ADMIT = `
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local after = tonumber(ARGV[1])
if ARGV[5] ~= '1' and f >= after and redis.call('EXISTS', KEYS[2]) == 1 then
  return { 0, redis.call('HSETNX', KEYS[1], 'a', '1') }
end
f = f + 1
redis.call('HSET', KEYS[1], 'f', f)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
if f >= after then
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (f - after))))
end
return { 1, 0 }
`;

/** A successful sign-in was not a failure: its count is given back (the wait already set stays). */
const BACKOFF_GIVE_BACK = `
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
if f > 0 then redis.call('HSET', KEYS[1], 'f', f - 1) end
return 1
`;

/** Builds the login and partner-key counters; `prefix` keeps deployments sharing a Redis apart. */
export function createAttemptLimits(redis: Redis, prefix: string, limits: AttemptLimitSettings, integrity: Integrity) {
  const counter = (name: string, points: number) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${name}`, points, duration: limits.blockSeconds, blockDuration: limits.blockSeconds });
  const perPair = counter('login-user-client', limits.maxFailuresPerUser);
  const perClient = counter('login-client', limits.maxFailuresPerClient);
  const perKeyClient = counter('partner-key-client', limits.maxFailuresPerClient);
  // Receipts a partner organisation typed that named none of its referrals: keyed by the organisation (no address kept).
  const perReceiptPartner = counter('partner-receipt-misses', RECEIPT_MISSES_PER_WINDOW);
  const { backoff } = limits;

  // Keyed hashes: Redis (its AOF, a dump) names neither a username nor an address.
  const clientKey = (address: string) => integrity.mac('token', `rate-limit-client\n${clientOfAddress(address)}`);
  const userKey = (username: string) => integrity.mac('token', `rate-limit-user\n${username}`);
  const pairKey = (user: string, client: string) => integrity.mac('token', `rate-limit-pair\n${user}\n${client}`);
  const knownKey = (pair: string) => `${prefix}:login-known:${pair}`;
  const backoffKey = (user: string) => `${prefix}:login-backoff:${user}`;
  const waitKey = (user: string) => `${prefix}:login-wait:${user}`;

  /** Takes one point from each counter (all of them, even when one refuses: every attempt counts). */
  async function take(counters: Counter[]): Promise<Admission> {
    const refusals = await Promise.all(
      counters.map(({ limiter, key }) =>
        limiter.consume(key).then(
          () => null,
          (err: unknown) => {
            if (err instanceof RateLimiterRes) return { res: err, points: limiter.points };
            throw err;
          },
        ),
      ),
    );
    const refused = refusals.filter((r) => r !== null);
    // The library blocks a key once, when a consume first goes past the limit: that consume saw points + 1.
    return { allowed: refused.length === 0, firstRefusal: refused.some((r) => r.res.consumedPoints === r.points + 1) };
  }

  /** Gives back the pair's and (when taken) the client's point. */
  const giveBackLocal = (taken: NonNullable<Admission['taken']>) =>
    Promise.all([perPair.reward(taken.pair, 1), taken.client ? perClient.reward(taken.client, 1) : null]);

  return {
    /**
     * Before a password is checked: a point from the (username, client) pair and, unless the pair is known, from
     * the client; then the username's back-off. An attempt the back-off refuses gives its points back (it was
     * never evaluated), so waiting out the back-off never blocks the pair.
     */
    async admitLogin(username: string, address: string): Promise<Admission> {
      const client = clientKey(address);
      const user = userKey(username);
      const pair = pairKey(user, client);
      const known = limits.knownClientDays > 0 && (await redis.exists(knownKey(pair))) === 1;
      const taken = { user, pair, client: known ? null : client };
      const local = await take([{ limiter: perPair, key: pair }, ...(known ? [] : [{ limiter: perClient, key: client }])]);
      if (!local.allowed) return local;
      const [allowed, first] = (await redis.eval(
        BACKOFF_ADMIT,
        2,
        backoffKey(user),
        waitKey(user),
        backoff.afterFailures,
        backoff.baseSeconds * 1000,
        backoff.maxSeconds * 1000,
        backoff.forgetSeconds,
        known ? 1 : 0,
      )) as [number, number];
      if (allowed === 1) return { allowed: true, firstRefusal: false, taken };
      await giveBackLocal(taken);
      return { allowed: false, firstRefusal: first === 1 };
    },

    /**
     * After a successful sign-in (password and second factor): the pair's failures are forgotten, the client's
     * and the username's points are given back, and the pair becomes known for `knownClientDays`. `known: false`
     * for a right password that opens no session yet (a first sign-in's password change): points back, pair not known.
     */
    async loginSucceeded(admission: Admission, opts: { known?: boolean } = {}) {
      const taken = admission.taken;
      if (!taken) return;
      await Promise.all([
        perPair.delete(taken.pair),
        taken.client ? perClient.reward(taken.client, 1) : null,
        redis.eval(BACKOFF_GIVE_BACK, 1, backoffKey(taken.user)),
        limits.knownClientDays > 0 && opts.known !== false ? redis.set(knownKey(taken.pair), '1', 'EX', limits.knownClientDays * 86_400) : null,
      ]);
    },

    /**
     * Partner keys are long random secrets checked with one keyed hash and a
     * lookup by id, so a failed key costs little: a point is taken per failed
     * key only, and a blocked client is refused before the lookup. A partner
     * whose key works leaves no counter in Redis (its requests leave no trace
     * finer than the minute).
     */
    async partnerKeyBlocked(address: string) {
      const res = await perKeyClient.get(clientKey(address));
      return (res?.consumedPoints ?? 0) >= perKeyClient.points;
    },
    /**
     * Receipts looked up by hand (`ourReferral`): an organisation that typed RECEIPT_MISSES_PER_WINDOW receipts
     * naming none of its referrals within the window is refused further lookups until it ends. Keyed by a keyed
     * hash of the organisation's id; a lookup that finds its referral leaves nothing.
     */
    async receiptLookupBlocked(partnerId: string) {
      const res = await perReceiptPartner.get(integrity.mac('token', `rate-limit-receipt\n${partnerId}`));
      return (res?.consumedPoints ?? 0) >= perReceiptPartner.points;
    },
    async receiptLookupMissed(partnerId: string) {
      await perReceiptPartner.consume(integrity.mac('token', `rate-limit-receipt\n${partnerId}`)).catch((err: unknown) => {
        if (!(err instanceof RateLimiterRes)) throw err;
      });
    },
    /** Counts a failed key; true for the failure that fills the client's allowance (from then on it is blocked for the window). */
    async partnerKeyFailed(address: string): Promise<boolean> {
      const res = await perKeyClient.consume(clientKey(address)).catch((err: unknown) => {
        if (err instanceof RateLimiterRes) return err;
        throw err;
      });
      return res.consumedPoints === perKeyClient.points;
    },
  };
}

