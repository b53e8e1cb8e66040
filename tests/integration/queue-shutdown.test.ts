/**
 * A worker closed while its queues are still starting up leaves no promise
 * rejecting unhandled (in production an unhandled rejection ends the
 * process). bull's `process()` names the blocking connection (CLIENT
 * SETNAME) without keeping that command's promise; closing the connection
 * under it used to surface "Connection is closed." as an unhandled
 * rejection (about 1 worker start and stop in 10, as the periodic test saw
 * in CI). src/queue/factory.ts handles it.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { consume, createQueueFactory } from '../../src/queue/factory.js';

const unhandled: unknown[] = [];
const record = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', record));
afterAll(() => void process.off('unhandledRejection', record));

it('closes queues at any point of their start-up without an unhandled rejection', async () => {
  for (let i = 0; i < 30; i++) {
    const factory = createQueueFactory({ url: inject('redisUrl') }, `shutdown-${process.pid}-${i}`);
    const queues = ['a', 'b', 'c'].map((name) => factory.create<Record<string, never>>(name));
    for (const q of queues) consume(q.process(2, async () => undefined));
    // Close at a different point of the start-up each time: at once, or a few milliseconds in.
    if (i % 3) await new Promise((r) => setTimeout(r, i % 7));
    await factory.close();
  }
  // Rejections of commands cut off by the close surface on the next turns of the event loop.
  await new Promise((r) => setTimeout(r, 300));
  expect(unhandled.map((r) => String(r))).toEqual([]);
});
