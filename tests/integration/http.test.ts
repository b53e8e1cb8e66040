import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import { bootApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { BODY_LIMIT_BYTES: '4096' } });
});
afterAll(() => app?.close());

const base = () => app.url.replace(/\/graphql$/, '');

describe('HTTP surface', () => {
  it('answers /healthz and /readyz, with security headers and a request id', async () => {
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('rejects an oversized body with a clear error and stays up', async () => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { __typename } }`, padding: 'x'.repeat(10_000) }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await app.gql('{ me { __typename } }')).status).toBe(200);
  });

  it('answers malformed JSON, malformed GraphQL and unknown fields with coded errors', async () => {
    const bad = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect((await bad.json()).errors[0].message).toBeTruthy();
    const parse = await app.gql('{ me { ');
    expect(parse.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = await app.gql('{ nothingHere }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses overly deep and alias-heavy queries', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: me { __typename }`).join(' ');
    const res = await app.gql(`{ ${aliases} }`);
    expect(res.errors?.length).toBeGreaterThan(0);
    expect(res.data).toBeNull();
  });

  it('blocks simple cross-site requests (CSRF prevention)', async () => {
    const res = await fetch(`${app.url}?query=${encodeURIComponent('{ me { __typename } }')}`);
    expect(res.status).toBe(403);
  });

  it('returns 404 with a hint for API calls outside /graphql', async () => {
    const res = await fetch(`${base()}/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect((await res.json()).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('/readyz when Redis is down', () => {
  let services: OwnServices;
    let own: TestApp;
  beforeAll(async () => {
    services = await startOwnServices('readyz');
    own = await bootApp({ env: { REDIS_URL: services.redisUrl } });
  });
  afterAll(async () => {
    await own?.close();
    await services?.stop();
  });

  it('names redis as failed, then recovers when it returns', async () => {
    const root = own.url.replace(/\/graphql$/, '');
    await services.redis.kill('SIGKILL');
    const down = await fetch(`${root}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', failed: ['redis'] });
    expect((await fetch(`${root}/healthz`)).status).toBe(200);
    await services.redis.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await fetch(`${root}/readyz`)).status;
    }
    expect(status).toBe(200);
  });
});
