/**
 * Live notifications, fanned out through a Redis pub/sub channel
 * (src/queue/channel.ts, as the desk queue events are), so that a
 * recipient's stream on any API instance hears a notification made by any
 * instance or worker. One topic per recipient; an event carries what the
 * notification says (no content).
 */
import { z } from 'zod';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createChannel } from '../queue/channel.js';
import { NOTIFICATION_KINDS, type NotificationView } from './types.js';

/** As published: JSON, so `at` arrives as a string. */
export type NotificationEvent = Omit<NotificationView, 'at'> & { at: string | Date };

/** What a subscriber accepts from the channel: a notification's view, nothing a stray publisher adds. */
const notificationEvent: z.ZodType<NotificationEvent> = z.object({
  id: z.string(),
  read: z.boolean(),
  kind: z.enum(NOTIFICATION_KINDS),
  reportId: z.string().nullable(),
  reference: z.string().nullable(),
  at: z.string(),
});

export type NotificationEvents = ReturnType<typeof createNotificationEvents>;

export function createNotificationEvents(server: RedisServer, prefix: string, log?: Logger) {
  const channel = createChannel(server, 'notifications', { log, schema: notificationEvent });
  const topic = (userId: string) => `${prefix}:notifications:${userId}`;
  return {
    /** Best effort: the notification is stored already; a lost event only delays the bell to the next read. */
    publish(userId: string, event: NotificationView) {
      channel.publish(topic(userId), event);
    },
    subscribe: (userId: string) => channel.subscribe(topic(userId)),
    close: () => channel.close(),
  };
}
