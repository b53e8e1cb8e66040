/**
 * Live notifications, fanned out through Redis pub/sub (as the desk queue
 * events are: src/triage/events.ts), so that a recipient's stream on any API
 * instance hears a notification made by any instance or worker. One topic
 * per recipient; an event carries what the notification says (no content).
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from '../queue/redis-errors.js';
import { redisConnection } from '../queue/redis.js';
import type { NotificationView } from './types.js';

/** As published: JSON, so `at` arrives as a string. */
export type NotificationEvent = Omit<NotificationView, 'at'> & { at: string | Date };

export type NotificationEvents = ReturnType<typeof createNotificationEvents>;

export function createNotificationEvents(server: RedisServer, prefix: string, log?: Logger) {
  const onError = createRedisErrorLog(log);
  const onPublishError = onError('notifications:publish');
  const publishClient = redisConnection(server, 'pubsub', onPublishError);
  const subscribeClient = redisConnection(server, 'pubsub', onError('notifications:subscribe'));
  const pubsub = createPubSub<Record<string, [NotificationEvent]>>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  const topic = (userId: string) => `${prefix}:notifications:${userId}`;
  return {
    /** Best effort: the notification is stored already; a lost event only delays the bell to the next read. */
    publish(userId: string, event: NotificationView) {
      publishClient.publish(topic(userId), JSON.stringify(event)).catch(onPublishError);
    },
    subscribe: (userId: string) => pubsub.subscribe(topic(userId)),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
