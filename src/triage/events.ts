/**
 * Desk queue change events, fanned out through Redis pub/sub so that a
 * subscriber on any API instance hears changes made by any instance or
 * worker. Events carry ids and kinds only.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Desk } from '../auth/types.js';

export interface DeskQueueEvent {
  desk: Desk;
  reportId: string;
  /** triaged, claimed, released, referred-in, referred-out, escalated, reopened, reassigned */
  kind: string;
  at: string;
}

export type DeskEvents = ReturnType<typeof createDeskEvents>;

export function createDeskEvents(redisUrl: string, prefix: string) {
  const opts = { maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(n * 200, 2_000) };
  const publishClient = new Redis(redisUrl, opts);
  const subscribeClient = new Redis(redisUrl, opts);
  for (const c of [publishClient, subscribeClient]) c.on('error', () => {});
  const pubsub = createPubSub<Record<string, [DeskQueueEvent]>>({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient }),
  });
  const topic = (desk: Desk) => `${prefix}:desk-queue:${desk}`;
  return {
    /** Best effort: a lost notification never loses a report (the queue is in MongoDB). */
    publish(desk: Desk, reportId: string, kind: string) {
      try {
        pubsub.publish(topic(desk), { desk, reportId, kind, at: new Date().toISOString() });
      } catch {
        /* Redis down: subscribers re-query the queue when they reconnect */
      }
    },
    subscribe: (desk: Desk) => pubsub.subscribe(topic(desk)),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
