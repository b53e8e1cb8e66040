/**
 * Sign-in rate limits that hold under parallel attempts: a point is taken
 * from every counter before the password is checked (Redis INCR is atomic, so
 * of 40 parallel attempts against a limit of 5, exactly 5 go on to argon2),
 * and given back when the sign-in succeeds. Counters live in Redis under the
 * instance's prefix, so every API instance of one deployment shares them.
 *
 * A refused attempt is reported as `firstRefusal` only when it is the one
 * that crossed a limit: the block that follows lasts the window, so a flood
 * leaves one audit entry per window and counter, not one per attempt.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface AttemptLimitSettings {
  maxFailuresPerUser: number;
  maxFailuresPerClient: number;
  blockSeconds: number;
}

/** What taking a point said: go on, or refused (and whether this attempt is the window's first refusal). */
export interface Admission {
  allowed: boolean;
  firstRefusal: boolean;
}

type Counter = { limiter: RateLimiterRedis; key: string };

/** Builds the login and partner-key counters; `prefix` keeps deployments sharing a Redis apart. */
export function createAttemptLimits(redis: Redis, prefix: string, limits: AttemptLimitSettings) {
  const counter = (name: string, points: number) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${name}`, points, duration: limits.blockSeconds, blockDuration: limits.blockSeconds });
  const perUser = counter('login-user', limits.maxFailuresPerUser);
  const perClient = counter('login-client', limits.maxFailuresPerClient);
  const perKeyClient = counter('partner-key-client', limits.maxFailuresPerClient);

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

  return {
    /** Before a password is checked: one point per username and per client address. */
    admitLogin: (username: string, client: string) => take([{ limiter: perUser, key: username }, { limiter: perClient, key: client }]),

    /** After a successful sign-in: the user's failures are forgotten and the client's point is given back. */
    async loginSucceeded(username: string, client: string) {
      await Promise.all([perUser.delete(username), perClient.reward(client, 1)]);
    },

    /**
     * Partner keys are long random secrets checked with one keyed hash and a
     * lookup by id, so a failed key costs little: a point is taken per failed
     * key only, and a blocked client is refused before the lookup. A partner
     * whose key works leaves no counter in Redis (its requests leave no trace
     * finer than the minute).
     */
    async partnerKeyBlocked(client: string) {
      const res = await perKeyClient.get(client);
      return (res?.consumedPoints ?? 0) >= perKeyClient.points;
    },
    /** Counts a failed key; true for the failure that fills the client's allowance (from then on it is blocked for the window). */
    async partnerKeyFailed(client: string): Promise<boolean> {
      const res = await perKeyClient.consume(client).catch((err: unknown) => {
        if (err instanceof RateLimiterRes) return err;
        throw err;
      });
      return res.consumedPoints === perKeyClient.points;
    },
  };
}

export type AttemptLimits = ReturnType<typeof createAttemptLimits>;
