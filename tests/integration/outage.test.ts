import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';

// These tests break their own FerretDB and Redis, not the shared ones.
let services: OwnServices;
let app: TestApp;
let token: string;

beforeAll(async () => {
  services = await startOwnServices('outage', { appendOnly: true });
  app = await bootApp({ worker: true, env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, OUTBOX_SWEEP_MS: '300', OUTBOX_STALE_MS: '200' } });
  ({ token } = await createStaff(app, 'CALL_HANDLER'));
});
afterAll(async () => {
  await app?.close();
  await services?.stop();
});

const reports = () => app.deps.database.db.collection<ReportDoc>('reports');

describe('intake during outages', () => {
  it('accepts a call while Redis is down, and triages it once Redis returns', async () => {
    await services.redis.kill('SIGKILL');
    const input = hotlineCall(1, { imminentThreat: true });
    const res = await app.gql(RECORD_CALL, { input }, token);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordHotlineCall.id;
    const stored = await reports().findOne({ _id: id });
    expect(stored).toMatchObject({ status: 'RECEIVED', triagePending: true });
    // The queue did not take it: the outbox holds it for the sweep.
    expect(await app.deps.database.db.collection('triage_outbox').findOne({ _id: id })).not.toBeNull();

    await services.redis.start();
    await waitFor(async () => (await reports().findOne({ _id: id }))?.status === 'TRIAGED', 30_000, 'triage after Redis returned');
    const doc = await reports().findOne({ _id: id });
    expect(doc).toMatchObject({ desk: 'SO13', priority: 'P1', triagePending: false });
    expect(doc!.history.filter((h) => h.action === 'triaged')).toHaveLength(1);
    // The entry leaves the outbox just after the routing commits (never before: stale, never missing).
    await waitFor(async () => !(await app.deps.database.db.collection('triage_outbox').findOne({ _id: id })), 5_000, 'the outbox entry removed after routing');
  });

  it('fails fast with SERVICE_UNAVAILABLE while the database is down, and stores nothing half-written', async () => {
    const input = hotlineCall(2);
    const before = await reports().countDocuments();
    await services.mongo.kill('SIGKILL');
    const started = Date.now();
    const res = await app.gql(RECORD_CALL, { input }, token);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.data).toBeNull();
    // The message names the error kind (`hint`, outside production) when it is not the expected one.
    expect(res.errors?.[0]?.extensions?.code, JSON.stringify(res.errors)).toBe('SERVICE_UNAVAILABLE');
    const ready = await fetch(app.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(503);
    expect((await ready.json()).failed).toContain('mongodb');

    await services.mongo.start();
    await waitFor(async () => (await fetch(app.url.replace('/graphql', '/readyz'))).status === 200, 30_000, 'readyz');
    expect(await reports().countDocuments()).toBe(before);
    // The handler retries with the same key: exactly one report.
    const retry = await app.gql(RECORD_CALL, { input }, token);
    expect(retry.errors).toBeUndefined();
    expect(await reports().countDocuments()).toBe(before + 1);
  });

  it('still shows a supervisor the reports stuck before triage while Redis is down, without waiting on it', async () => {
    const supervisor = await createStaff(app, 'SUPERVISOR');
    await services.redis.kill('SIGKILL');
    try {
      const res = await app.gql(RECORD_CALL, { input: hotlineCall(3) }, token);
      expect(res.errors).toBeUndefined();
      const id = res.data.recordHotlineCall.id;
      // Stuck for two minutes: the queue did not take it, the outbox holds it.
      const past = new Date(Date.now() - 120_000);
      await reports().updateOne({ _id: id }, { $set: { recordedAt: past } });
      await app.deps.database.db.collection('triage_outbox').updateOne({ _id: id as never }, { $set: { recordedAt: past } });
      const started = Date.now();
      const queue = await app.gql(`{ supervisorQueue { id status } }`, {}, supervisor.token);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(queue.errors).toBeUndefined();
      expect(queue.data.supervisorQueue).toContainEqual({ id, status: 'RECEIVED' });
    } finally {
      await services.redis.start();
    }
  });
});
