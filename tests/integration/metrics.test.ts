import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/services.js';
import { DESKS } from '../../src/auth/types.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startMetricsListener, type MetricsListener } from '../../src/metrics/listener.js';
import { PRIORITIES } from '../../src/reports/model/types.js';
import { bootApp, key, testEnv, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall } from '../support/payloads.js';
import { startMain, waitFor } from '../support/spawn.js';

const TOKEN = randomBytes(24).toString('hex');
const rootOf = (app: TestApp) => app.url.replace(/\/graphql$/, '');
const scrape = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function expectNotFound(res: Response) {
  expect(res.status).toBe(404);
  const body = await res.text();
  expect(body).not.toContain('hotline_');
  expect(JSON.parse(body).errors[0].extensions.code).toBe('NOT_FOUND');
}

describe('metrics on the main port behind METRICS_TOKEN', () => {
  let app: TestApp;
  let handler: { token: string };
  const metricsUrl = () => `${rootOf(app)}/metrics`;
  const metrics = async () => {
    const res = await scrape(metricsUrl(), TOKEN);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    app = await bootApp({ worker: true, env: { METRICS_TOKEN: TOKEN } });
    handler = await createStaff(app, 'CALL_HANDLER');
  });
  afterAll(() => app?.close());

  it('answers 404, as an unknown path, without the token or with a wrong one', async () => {
    await expectNotFound(await scrape(metricsUrl()));
    await expectNotFound(await scrape(metricsUrl(), randomBytes(24).toString('hex')));
    await expectNotFound(await fetch(metricsUrl(), { headers: { authorization: TOKEN } }));
    await expectNotFound(await fetch(metricsUrl(), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' }));
  });

  it('serves the Prometheus text format with a queue depth gauge for every desk and priority', async () => {
    const res = await scrape(metricsUrl(), TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    for (const desk of DESKS) {
      for (const priority of PRIORITIES) {
        expect(sample(text, 'hotline_desk_queue_depth', { desk, priority })).toBe(0);
        expect(sample(text, 'hotline_desk_queue_oldest_unclaimed_seconds', { desk, priority })).toBe(0);
      }
    }
    expect(sample(text, 'hotline_triage_outbox_size')).toBe(0);
    expect(sample(text, 'hotline_triage_outcomes_total', { outcome: 'routed' })).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    // Not wired yet (the audit chainer provides it): absent rather than a made-up zero.
    expect(text).not.toContain('hotline_audit_pending_events');
  });

  it('labels HTTP requests by the root field, never by operation name, aliases, variables or content', async () => {
    const marker = `narrative-marker-${randomBytes(6).toString('hex')}`;
    const input = hotlineCall(7, { narrative: `${marker} The caller describes a van parked outside the station every night.` });
    const res = await app.gql(`mutation ClientChosenOpName($input: HotlineCallInput!) { recordHotlineCall(input: $input) { id } }`, { input }, handler.token);
    expect(res.errors).toBeUndefined();
    expect((await app.gql('{ aliasChosenByClient: me { __typename } again: me { __typename } __typename }')).errors).toBeUndefined();
    expect((await app.gql('query { ...RootFragment } fragment RootFragment on Query { me { __typename } }')).errors).toBeUndefined();
    await app.gql('{ me { ');
    await app.gql('{ nothingHere }');
    await fetch(`${rootOf(app)}/healthz`);

    const text = await metrics();
    expect(sample(text, 'hotline_http_requests_total', { operation: 'recordHotlineCall', status: '200' })).toBe(1);
    expect(sample(text, 'hotline_http_request_duration_seconds_count', { operation: 'recordHotlineCall', status: '200' })).toBe(1);
    expect(sample(text, 'hotline_intake_duration_seconds_count', { operation: 'recordHotlineCall', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'hotline_http_requests_total', { operation: 'me' })).toBe(2);
    expect(sample(text, 'hotline_http_requests_total', { operation: 'invalid' })).toBe(2);
    expect(sample(text, 'hotline_http_requests_total', { operation: '/healthz', status: '200' })).toBe(1);
    const caller = input.caller as { name: string; phone: string } | null;
    const leaks = [marker, 'ClientChosenOpName', 'aliasChosenByClient', 'RootFragment', 'nothingHere', input.idempotencyKey, input.vehicles[0]!.registration, input.locations[0]!.postcode, input.subjects[0]!.name, handler.token];
    if (caller) leaks.push(caller.name, caller.phone);
    for (const leak of leaks) expect(text).not.toContain(leak);
  });

  it('moves the queue depth gauge when a report is triaged, and back when it is claimed', async () => {
    const depth = async () => sample(await metrics(), 'hotline_desk_queue_depth', { desk: 'SO13', priority: 'P1' });
    const before = await depth();
    const res = await app.gql(
      `mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { id } }`,
      { input: hotlineCall(8, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }) },
      handler.token,
    );
    expect(res.errors).toBeUndefined();
    await waitFor(async () => (await depth()) === before! + 1, 20_000, 'queue depth SO13/P1 to rise');
    const text = await metrics();
    expect(sample(text, 'hotline_triage_outcomes_total', { outcome: 'routed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hotline_triage_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hotline_desk_queue_oldest_unclaimed_seconds', { desk: 'SO13', priority: 'P1' })).toBeGreaterThanOrEqual(0);

    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const claimed = await app.gql(`mutation { claimNextReport(desk: SO13) { id } }`, {}, investigator.token);
    expect(claimed.errors).toBeUndefined();
    expect(await depth()).toBe(before);
    expect(sample(await metrics(), 'hotline_http_requests_total', { operation: 'claimNextReport', status: '200' })).toBe(1);
  });
});

describe('metrics on a separate listener (METRICS_PORT)', () => {
  let app: TestApp;
  let listener: MetricsListener;
  beforeAll(async () => {
    app = await bootApp({ env: { METRICS_PORT: '0' } });
    // What main.ts does when METRICS_PORT is set.
    listener = await startMetricsListener(app.deps.metrics, { ...app.config.metrics, port: app.config.metrics.port! }, createLogger('silent'));
  });
  afterAll(async () => {
    await listener?.close();
    await app?.close();
  });

  it('serves /metrics on its own loopback port, and the main port answers 404', async () => {
    expect(app.config.metrics).toMatchObject({ host: '127.0.0.1', token: null });
    const res = await scrape(listener.url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'hotline_desk_queue_depth', { desk: 'SO12', priority: 'P4' })).toBe(0);
    expect((await fetch(listener.url.replace(/\/metrics$/, '/other'))).status).toBe(404);
    await expectNotFound(await scrape(`${rootOf(app)}/metrics`));
    await expectNotFound(await scrape(`${rootOf(app)}/metrics`, TOKEN));
  });
});

describe('metrics switched off (neither METRICS_PORT nor METRICS_TOKEN)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootApp();
  });
  afterAll(() => app?.close());

  it('answers /metrics with 404 like any unknown API path', async () => {
    expect(app.config.metrics).toEqual({ port: null, host: '127.0.0.1', token: null });
    await expectNotFound(await scrape(`${rootOf(app)}/metrics`));
    await expectNotFound(await scrape(`${rootOf(app)}/metrics`, TOKEN));
  });
});

describe('metrics configuration and processes', () => {
  it('refuses a short METRICS_TOKEN in production, naming the variable and never its value', () => {
    const secret = 'short-but-secret-value';
    const env = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example:27017', REDIS_URL: 'redis://redis.example:6379', HOTLINE_MASTER_KEY: key(), HOTLINE_INDEX_KEY: key(), HOTLINE_AUDIT_KEY: key(), HOTLINE_AUDIT_ANCHOR_DIR: '/var/lib/hotline/audit-anchors', METRICS_TOKEN: secret };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(/^METRICS_TOKEN must be at least 32 characters/m);
    expect((error as ConfigError).message).not.toContain(secret);
    expect(loadConfig({ ...env, METRICS_TOKEN: TOKEN }).metrics).toEqual({ port: null, host: '127.0.0.1', token: TOKEN });
  });

  it('exposes a worker-only process’s own metrics on METRICS_PORT', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const proc = startMain(testEnv({ PORT: String(port), METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' }), ['--process=worker']);
    try {
      let text = '';
      await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
          text = await res.text();
          return res.status === 200;
        },
        30_000,
        'worker metrics',
      );
      expect(sample(text, 'hotline_desk_queue_depth', { desk: 'SO13', priority: 'P1' })).toBe(0);
      expect(sample(text, 'hotline_triage_outcomes_total', { outcome: 'failed' })).toBe(0);
      // No API in this process: no HTTP samples, and nothing on the API port.
      expect(sample(text, 'hotline_http_requests_total')).toBeUndefined();
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"process":"worker"');
  });
});
