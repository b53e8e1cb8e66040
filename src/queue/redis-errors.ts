/**
 * Redis connection errors, visible but not flooding. While Redis is down,
 * every client emits an error per reconnect attempt (several a second);
 * silencing them hid outages, logging each one buries everything else. So
 * each source logs at most once per interval, with how many it held back.
 * Only the error's name and code are logged: never a message (it can quote
 * a command and its arguments) or anything else that could carry data.
 */
import type { Logger } from '../logger.js';

/** Default: one line per source every 30 s during an outage. */
export const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/** Gives each named source (a client, a queue) its error listener. */
export type RedisErrorListener = (source: string) => (err: unknown) => void;

/** The name and code of an error, nothing else. */
function describe(err: unknown): { name: string; code?: string | number } {
  const e = (err ?? {}) as { name?: unknown; code?: unknown };
  const name = typeof e.name === 'string' ? e.name : typeof err;
  return typeof e.code === 'string' || typeof e.code === 'number' ? { name, code: e.code } : { name };
}

/**
 * Builds the listeners: a source's first error is logged at once, later
 * ones at most once per `intervalMs` (counting those held back). Without a
 * logger, errors are only swallowed (an 'error' listener must exist, or the
 * client's error would crash the process).
 */
export function createRedisErrorLog(log: Logger | undefined, intervalMs = REDIS_ERROR_LOG_INTERVAL_MS): RedisErrorListener {
  const sources = new Map<string, { loggedAt: number; heldBack: number }>();
  return (source) => (err) => {
    if (!log) return;
    const now = Date.now();
    const seen = sources.get(source);
    if (seen && now - seen.loggedAt < intervalMs) {
      seen.heldBack++;
      return;
    }
    log.warn({ source, error: describe(err), heldBack: seen?.heldBack ?? 0 }, 'redis error');
    sources.set(source, { loggedAt: now, heldBack: 0 });
  };
}

/**
 * Does `err` say that Redis could not be reached (rather than that it
 * refused a command)? What ioredis throws with the connection down and the
 * offline queue off, after its retries per request, on a closed connection,
 * a refused or reset socket, and `within`'s time bound (add-within.ts). The
 * GraphQL layer answers such a failure SERVICE_UNAVAILABLE, so a client
 * retries (e.g. a partner's key check, which counts failures in Redis).
 */
export function isRedisUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN'].includes(e.code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /^(Stream isn't writeable and enableOfflineQueue options is false|Connection is closed\.?|Redis did not answer in time)$/.test(message);
}
