import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config.js';
import { redisConnection, type RedisUse } from '../../../src/queue/redis.js';

/** Every .ts file under a folder of the project. */
function sources(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(PROJECT_ROOT, path)).isDirectory()) return name === 'web' ? [] : sources(path);
    return /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}

describe('redisConnection: the one place a Redis client is made', () => {
  it('is the only code under src/ and scripts/ that constructs an ioredis client', () => {
    const constructing = [...sources('src'), ...sources('scripts')].filter((file) => /new Redis\s*\(/.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')));
    expect(constructing.map((f) => relative('.', f))).toEqual(['src/queue/redis.ts']);
  });

  it('asks the sentinels for the named master, with the behaviour its use needs, and reports errors to its listener', async () => {
    const errors: unknown[] = [];
    // Nothing listens on port 1: every attempt fails, which the listener must hear.
    const server = { sentinels: [{ host: '127.0.0.1', port: 1 }], masterName: 'hotline', sentinelPassword: 'sp', password: 'rp' };
    const uses: RedisUse[] = ['queue', 'commands', 'pubsub'];
    const clients = uses.map((use) => redisConnection(server, use, (err) => errors.push(err)));
    try {
      for (const c of clients) {
        expect(c.options).toMatchObject({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'hotline', sentinelPassword: 'sp', password: 'rp' });
        expect(c.options.retryStrategy?.(100)).toBe(2_000);
        expect(c.options.reconnectOnError?.(new Error('READONLY You can\'t write against a read only replica.'))).toBe(2);
        expect(c.options.reconnectOnError?.(new Error('WRONGTYPE'))).toBe(false);
      }
      const [queue, commands, pubsub] = clients.map((c) => c.options);
      expect(queue).toMatchObject({ maxRetriesPerRequest: null, enableReadyCheck: false });
      expect(commands).toMatchObject({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
      expect(pubsub).toMatchObject({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      const started = Date.now();
      while (errors.length < clients.length && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 50));
      expect(errors.length).toBeGreaterThanOrEqual(clients.length);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('connects by URL when no sentinels are configured', () => {
    const c = redisConnection({ url: 'redis://127.0.0.1:1/3' }, 'commands', () => {});
    try {
      expect(c.options).toMatchObject({ host: '127.0.0.1', port: 1, db: 3, enableOfflineQueue: false });
      expect(c.options.sentinels).toBeFalsy();
      // Reconnecting to the same URL would reach the same server: a READONLY reply is an error, not a reconnect.
      expect(c.options.reconnectOnError).toBeFalsy();
    } finally {
      c.disconnect();
    }
  });
});
