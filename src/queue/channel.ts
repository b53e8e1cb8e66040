/**
 * Redis pub/sub channels, made one way: a publishing and a subscribing
 * connection of their own (a subscribed connection can send nothing else),
 * JSON on the wire, Redis errors logged by source and rate-limited, and an
 * optional schema that every event heard must pass. Used by the desk queue
 * and supervision events (src/triage/events.ts) and the notifications
 * (src/notifications/events.ts), so a subscriber on any API instance hears
 * what any instance or worker published. The routing rules' reload
 * announcement keeps a subscriber of its own (src/triage/rules-holder.ts says why).
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, filter, pipe } from 'graphql-yoga';
import type { z } from 'zod';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from './redis-errors.js';
import { redisConnection } from './redis.js';

export interface Channel<T> {
  /**
   * Best effort: never throws, a failure is logged. Published on the client
   * directly, as the event target would (JSON on the topic), because the
   * event target drops the command's promise: a publish failing (e.g. cut
   * off by close) would be an unhandled rejection instead of a logged error.
   */
  publish(topic: string, event: T): void;
  /** Events published on `topic` from now on, by any process; with a schema, those it rejects are dropped. */
  subscribe(topic: string): AsyncIterable<T>;
  close(): Promise<void>;
}

/**
 * A channel on `server` (a URL or a Sentinel group); `name` labels its connections in the Redis error
 * log (`<name>:publish`, `<name>:subscribe`). Topics are full Redis channel
 * names, chosen by the caller.
 */
export function createChannel<T>(server: RedisServer, name: string, opts: { log?: Logger; schema?: z.ZodType<T> } = {}): Channel<T> {
  const onError = createRedisErrorLog(opts.log);
  const onPublishError = onError(`${name}:publish`);
  // 'pubsub' clients wait for a reconnect (ioredis's offline queue): a publish made while Redis is down is sent when it is back.
  const publishClient = redisConnection(server, 'pubsub', onPublishError);
  const subscribeClient = redisConnection(server, 'pubsub', onError(`${name}:subscribe`));
  const pubsub = createPubSub<Record<string, [T]>>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  const { schema } = opts;
  return {
    publish(topic, event) {
      publishClient.publish(topic, JSON.stringify(event)).catch(onPublishError);
    },
    subscribe(topic) {
      const events = pubsub.subscribe(topic) as AsyncIterable<T>;
      return schema ? pipe(events, filter((e: T) => schema.safeParse(e).success)) : events;
    },
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
