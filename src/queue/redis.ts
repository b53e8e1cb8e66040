/**
 * The one place a Redis client is made. Every client of the service (bull's
 * connections, the fail-fast command client, the pub/sub clients of the desk
 * events, notifications and routing rules) comes from `redisConnection`, so
 * where Redis is (one URL, or the master of a group found through Sentinel)
 * and how a client reconnects are decided here, once.
 *
 * With Sentinel, ioredis asks the sentinels for the group's master on every
 * (re)connection, so after a failover each client reconnects to the promoted
 * replica by itself (docs/reliability.md §6, "Redis failover under Sentinel").
 * Guarded by: tests/unit/queue/redis.test.ts (no other `new Redis(` under src/ or scripts/), tests/chaos/redis-failover.test.ts
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisServer } from '../config.js';

/** What a client is for, which decides how it behaves while Redis is unreachable. */
export type RedisUse =
  /** bull's connections: commands wait for a reconnect; no ready check (bull refuses one on its blocking and subscriber clients). */
  | 'queue'
  /** The application's own commands (rate limits, audit marks, health checks): fail at once while Redis is down instead of queueing behind a reconnect. */
  | 'commands'
  /** Publish and subscribe: commands wait for a reconnect, and subscriptions are renewed on it. */
  | 'pubsub';

const BEHAVIOUR: Record<RedisUse, RedisOptions> = {
  queue: { maxRetriesPerRequest: null, enableReadyCheck: false },
  commands: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  pubsub: { maxRetriesPerRequest: null },
};

/** Reconnect for ever, every 2 s at most: Redis coming back (or a replica promoted) must heal every process. */
const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

/**
 * With Sentinel only: a write refused with READONLY went to a server that is
 * a replica now (an old master the sentinels made a replica of the new one,
 * this client still connected to it): reconnect, which asks the sentinels for
 * the master again, and resend. (With one URL, reconnecting would reach the
 * same replica again.)
 */
const reconnectOnError = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

/**
 * A new client for `use`, with `onError` as its error listener (a client
 * without one would crash the process on its first connection error).
 * The caller owns the client and disconnects it.
 */
export function redisConnection(server: RedisServer, use: RedisUse, onError: (err: unknown) => void): Redis {
  const options: RedisOptions = { ...BEHAVIOUR[use], retryStrategy };
  const client =
    'url' in server
      ? new Redis(server.url, options)
      : new Redis({
          ...options,
          reconnectOnError,
          sentinels: server.sentinels,
          name: server.masterName,
          ...(server.sentinelPassword ? { sentinelPassword: server.sentinelPassword } : {}),
          ...(server.password ? { password: server.password } : {}),
        });
  client.on('error', onError);
  return client;
}
