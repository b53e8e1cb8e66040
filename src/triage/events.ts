/**
 * Desk queue change events, fanned out through a Redis pub/sub channel
 * (src/queue/channel.ts) so that a subscriber on any API instance hears
 * changes made by any instance or worker. Events carry ids and kinds only.
 */
import { z } from 'zod';
import { DESKS, type Desk } from '../auth/types.js';
import type { RedisServer } from '../config.js';
import type { Logger } from '../logger.js';
import { createChannel } from '../queue/channel.js';

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

/** What a subscriber accepts from the channel: the shape above, nothing a stray publisher adds. */
const deskEvent: z.ZodType<DeskQueueEvent | SupervisionEvent> = z.object({ desk: z.enum(DESKS).nullable(), reportId: z.string(), kind: z.string(), at: z.string() });

export type DeskEvents = ReturnType<typeof createDeskEvents>;

/** `log`: where Redis errors are reported, rate-limited (see src/queue/redis-errors.ts); without it they are swallowed. */
export function createDeskEvents(server: RedisServer, prefix: string, log?: Logger) {
  const channel = createChannel(server, 'desk-events', { log, schema: deskEvent });
  const topic = (desk: Desk) => `${prefix}:desk-queue:${desk}`;
  const supervisionTopic = `${prefix}:supervision`;
  return {
    /** Best effort: a lost notification never loses a report (the queue is in MongoDB). */
    publish(desk: Desk, reportId: string, kind: string) {
      const event: DeskQueueEvent = { desk, reportId, kind, at: new Date().toISOString() };
      channel.publish(topic(desk), event);
    },
    subscribe: (desk: Desk) => channel.subscribe(topic(desk)) as AsyncIterable<DeskQueueEvent>,
    /** For supervisors only (the supervisor queue): a report that reached no desk, e.g. its triage failed. Best effort, like `publish`. */
    publishSupervision(reportId: string, kind: string) {
      const event: SupervisionEvent = { desk: null, reportId, kind, at: new Date().toISOString() };
      channel.publish(supervisionTopic, event);
    },
    subscribeSupervision: () => channel.subscribe(supervisionTopic) as AsyncIterable<SupervisionEvent>,
    close: () => channel.close(),
  };
}
