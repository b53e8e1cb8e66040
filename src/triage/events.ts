/**
 * Desk queue change events, fanned out through Redis pub/sub so that a
 * subscriber on any API instance hears changes made by any instance or
 * worker. Events carry ids and kinds only.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import type { Desk } from '../auth/types.js';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createRedisErrorLog } from '../queue/redis-errors.js';
import { redisConnection } from '../queue/redis.js';

export interface DeskQueueEvent {
  desk: Desk;
  reportId: string;
  /** triaged, claimed, released, referred-in, referred-out, escalated, reopened, reassigned */
  kind: string;
  at: string;
}

/** A change a supervisor must hear of that belongs to no desk (a triage failure). */
export interface SupervisionEvent extends Omit<DeskQueueEvent, 'desk'> {
  desk: Desk | null;
}

export type DeskEvents = ReturnType<typeof createDeskEvents>;

/** `log`: where Redis errors are reported, rate-limited (see redis-errors.ts); without it they are swallowed. */
export function createDeskEvents(server: RedisServer, prefix: string, log?: Logger) {
  const onError = createRedisErrorLog(log);
  const onPublishError = onError('desk-events:publish');
  // Commands wait for a reconnect (ioredis's offline queue): a publish made while Redis is down is sent when it is back.
  const publishClient = redisConnection(server, 'pubsub', onPublishError);
  const subscribeClient = redisConnection(server, 'pubsub', onError('desk-events:subscribe'));
  const pubsub = createPubSub<Record<string, [DeskQueueEvent | SupervisionEvent]>>({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient }),
  });
  const topic = (desk: Desk) => `${prefix}:desk-queue:${desk}`;
  const supervisionTopic = `${prefix}:supervision`;
  return {
    /**
     * Best effort: a lost notification never loses a report (the queue is in
     * MongoDB). Published on the client directly, as the event target would
     * (JSON on the topic), because the event target drops the command's
     * promise: a publish failing (e.g. cut off by close) would be an
     * unhandled rejection instead of a logged error.
     */
    publish(desk: Desk, reportId: string, kind: string) {
      const event: DeskQueueEvent = { desk, reportId, kind, at: new Date().toISOString() };
      publishClient.publish(topic(desk), JSON.stringify(event)).catch(onPublishError);
    },
    subscribe: (desk: Desk) => pubsub.subscribe(topic(desk)) as AsyncIterable<DeskQueueEvent>,
    /** For supervisors only (the supervisor queue): a report that reached no desk, e.g. its triage failed. Best effort, like `publish`. */
    publishSupervision(reportId: string, kind: string) {
      const event: SupervisionEvent = { desk: null, reportId, kind, at: new Date().toISOString() };
      publishClient.publish(supervisionTopic, JSON.stringify(event)).catch(onPublishError);
    },
    subscribeSupervision: () => pubsub.subscribe(supervisionTopic) as AsyncIterable<SupervisionEvent>,
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
