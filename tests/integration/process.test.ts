import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/services.js';
import { testEnv } from '../support/app.js';
import { startMain, waitFor } from '../support/spawn.js';

describe('the service process', () => {
  it('serves, then shuts down gracefully on SIGTERM', async () => {
    const port = await freePort();
    const env = testEnv({ PORT: String(port), LOG_LEVEL: 'info' });
    const proc = startMain(env);
    const root = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${root}/readyz`)).status === 200, 30_000, 'readyz');
    const me = await fetch(`${root}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { __typename } }' }) });
    expect(await me.json()).toEqual({ data: { me: null } });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    expect(out).toContain('shutting down');
    expect(out).toContain('API stopped');
    expect(out).toContain('"msg":"bye"');
    await expect(fetch(`${root}/healthz`)).rejects.toThrow();
  });

  it('runs the API alone with --process=api', async () => {
    const port = await freePort();
    const proc = startMain(testEnv({ PORT: String(port), LOG_LEVEL: 'info' }), ['--process=api']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000, 'readyz');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"process":"api"');
    expect(proc.output()).not.toContain('worker started');
  });

  it('exits non-zero naming each bad variable', async () => {
    const proc = startMain({ NODE_ENV: 'production', PORT: 'x', MONGODB_URI: '', REDIS_URL: '' });
    expect(await proc.exited).toBe(78);
    const out = proc.output();
    for (const name of ['PORT', 'HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY']) expect(out).toContain(name);
  });

  it('gives up with a clear message when the database never answers', async () => {
    const dead = await freePort();
    const proc = startMain(testEnv({ MONGODB_URI: `mongodb://127.0.0.1:${dead}/?serverSelectionTimeoutMS=300`, STARTUP_ATTEMPTS: '2', LOG_LEVEL: 'info' }));
    expect(await proc.exited).toBe(69);
    expect(proc.output()).toContain('backing service is unreachable');
  });
});
