import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createRedisErrorLog } from '../../../src/queue/redis-errors.js';

/** A real logger writing to memory. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379 SET secret-key secret-value'), { code: 'ECONNREFUSED' });

describe('createRedisErrorLog', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('logs a source at most once per interval, then says how many it held back', () => {
    const { log, lines } = capture();
    const onError = createRedisErrorLog(log, 30_000)('queue-client');
    onError(refused());
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(200); // ioredis retries every 200 ms to 2 s during an outage
      onError(refused());
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'redis error', source: 'queue-client', error: { name: 'Error', code: 'ECONNREFUSED' }, heldBack: 0 });

    vi.advanceTimersByTime(20_000); // 30 s after the first line
    onError(refused());
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ source: 'queue-client', heldBack: 50 });
  });

  it('limits each source on its own', () => {
    const { log, lines } = capture();
    const listener = createRedisErrorLog(log, 30_000);
    const [client, events] = [listener('queue-client'), listener('desk-events:publish')];
    client(refused());
    events(refused());
    client(refused());
    expect(lines.map((l) => l.source)).toEqual(['queue-client', 'desk-events:publish']);
  });

  it('logs the name and code only, never the message', () => {
    const { log, lines } = capture();
    createRedisErrorLog(log)('rate-limits')(refused());
    createRedisErrorLog(log)('other')('not an error object');
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(JSON.stringify(lines)).not.toContain('ECONNREFUSED 127');
    expect(lines[1]).toMatchObject({ error: { name: 'string' } });
  });

  it('only swallows errors when it has no logger', () => {
    expect(() => createRedisErrorLog(undefined)('queue-client')(refused())).not.toThrow();
  });
});
