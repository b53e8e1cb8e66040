/**
 * One place that makes bull queues: connections are shared per process
 * (client and subscriber; blocking clients are per queue, as bull requires),
 * completed jobs are removed at once and failed ones bounded, and shutdown closes everything.
 * Job payloads carry ids only, never report content.
 */
import Queue from 'bull';
import type { Redis } from 'ioredis';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from './redis-errors.js';
import { redisConnection } from './redis.js';

/** Failed jobs kept per queue for inspection (ids and errors only: payloads carry ids, never content). */
export const FAILED_JOBS_KEPT = 100;

export interface QueueFactory {
  /** `settings`: bull's lock and stalled-job timing for this queue (bull's defaults when absent). */
  create<T>(name: string, defaults?: Queue.JobOptions, settings?: Queue.AdvancedSettings): Queue.Queue<T>;
  /** A fail-fast Redis client for the application's own commands (rate limits, health checks...), not bull's. */
  redis: Redis;
  ping(): Promise<boolean>;
  /** Waits (bounded) until Redis answers, so start-up fails clearly when it never does. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `server`: one Redis or a Sentinel group (clients made by redis.ts).
 * `log`: where Redis errors are reported, rate-limited (see redis-errors.ts); without it they are swallowed.
 */
export function createQueueFactory(server: RedisServer, prefix: string, log?: Logger): QueueFactory {
  const onError = createRedisErrorLog(log);
  // bull's connections keep reconnecting for ever (Redis coming back must heal the workers).
  const client = redisConnection(server, 'queue', onError('queue-client'));
  const subscriber = redisConnection(server, 'queue', onError('queue-subscriber'));
  // Application commands (rate limits, health checks...) fail fast
  // while Redis is down instead of queueing behind a reconnect.
  const app = redisConnection(server, 'commands', onError('app-client'));
  const extra: Redis[] = [app];
  const queues: Queue.Queue[] = [];

  return {
    redis: app,
    create<T>(name: string, defaults: Queue.JobOptions = {}, settings?: Queue.AdvancedSettings) {
      const q = new Queue<T>(name, {
        prefix,
        ...(settings ? { settings } : {}),
        createClient(type) {
          if (type === 'client') return client;
          if (type === 'subscriber') return subscriber;
          const c = redisConnection(server, 'queue', onError(`queue-blocking:${name}`));
          extra.push(c);
          return c;
        },
        // A finished job's hash holds millisecond times (created, processed, finished): completed jobs
        // go at once; failed ones stay, a bounded few, for inspection (the dead letters; see docs/operations).
        defaultJobOptions: { removeOnComplete: true, removeOnFail: FAILED_JOBS_KEPT, ...defaults },
      });
      q.on('error', onError(`queue:${name}`));
      // bull's `process()` names the blocking connection (CLIENT SETNAME) and drops that command's
      // promise: a shutdown that closes the connection first made it an unhandled rejection, which
      // ends the process. The name only labels the connection in `CLIENT LIST`, so a failure is logged.
      const named = q as unknown as { setWorkerName(): Promise<unknown> };
      const setWorkerName = named.setWorkerName.bind(q);
      named.setWorkerName = () => setWorkerName().catch(onError(`queue-name:${name}`));
      queues.push(q);
      return q;
    },
    async ping() {
      try {
        return (await Promise.race([app.ping(), new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1_000))])) === 'PONG';
      } catch {
        return false;
      }
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (app.status !== 'ready') {
        if (Date.now() > deadline) throw new Error(`Redis unreachable after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await Promise.allSettled(queues.map((q) => q.close()));
      for (const c of [client, subscriber, ...extra]) c.disconnect();
    },
  };
}

/**
 * Starts consuming: `queue.process(...)` returns a promise that settles only
 * when consuming stops, and rejects when the queue's connections close
 * while it starts or runs (a shutdown racing start-up). The Redis clients'
 * and the queue's own error listeners have reported the cause; left
 * unhandled, the rejection would end the process.
 */
export function consume(processing: Promise<unknown>): void {
  processing.catch(() => undefined);
}
