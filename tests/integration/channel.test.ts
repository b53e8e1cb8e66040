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

it('carries an event from one connection to another, and drops one its schema refuses', async () => {
  const topic = `channel-test:${randomUUID()}`;
  const events = subscriber.subscribe(topic)[Symbol.asyncIterator]();
  const first = events.next();
  // The subscription starts with the first read; wait until Redis has it.
  await waitFor(async () => ((await probe.pubsub('NUMSUB', topic)) as [string, number])[1] === 1, 20_000, 'subscribed'); // generous: under a loaded machine the first connection can take seconds
  publisher.publish(topic, { n: 'not a number' } as unknown as { n: number });
  publisher.publish(topic, { n: 1 });
  expect(await first).toEqual({ done: false, value: { n: 1 } });
  await events.return?.();
});
