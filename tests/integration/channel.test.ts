/**
 * The Redis pub/sub channel factory (src/queue/channel.ts) that the desk
 * events and the notifications are built on: what one process publishes on
 * a topic, another hears; with a schema, an event that does not fit it is
 * dropped before any subscriber sees it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createChannel } from '../../src/queue/channel.js';
import { waitFor } from '../support/spawn.js';

const schema = z.object({ n: z.number() });
const publisher = createChannel({ url: inject('redisUrl') }, 'test-publisher', { schema });
const subscriber = createChannel({ url: inject('redisUrl') }, 'test-subscriber', { schema });
const probe = new Redis(inject('redisUrl'));
afterAll(async () => {
  await publisher.close();
  await subscriber.close();
  probe.disconnect();
});

it('carries an event from one connection to another, and drops one its schema refuses', { timeout: 60_000 }, async () => {
  const topic = `channel-test:${randomUUID()}`;
  const events = subscriber.subscribe(topic)[Symbol.asyncIterator]();
  const first = events.next();
  let heard = false;
  void first.then(() => (heard = true));
  // The subscription starts with the first read. Rather than wait for Redis to list it (NUMSUB: once over 20 s in a
  // loaded CI run), the refused event and then a good one are published at each poll (every 100 ms) until the subscriber hears one.
  await waitFor(
    async () => {
      if (heard) return true;
      publisher.publish(topic, { n: 'not a number' } as unknown as { n: number });
      publisher.publish(topic, { n: 1 });
      return heard;
    },
    40_000,
    'the subscriber to hear an event',
  );
  // The first event heard is the good one: the refused one, always published first, never reached it.
  expect(await first).toEqual({ done: false, value: { n: 1 } });
  expect(((await probe.pubsub('NUMSUB', topic)) as [string, number])[1]).toBe(1);
  await events.return?.();
});
