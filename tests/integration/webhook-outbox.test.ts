/**
 * A webhook delivery that Redis did not take is not lost: it waits in the
 * database's `webhook_outbox`, and once Redis is back the worker's outbox
 * sweep queues it and a real receiver on 127.0.0.1 gets it, signed, under
 * the same delivery id. This test kills its own Redis, not the shared one.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { recordCall } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { startOwnServices, type OwnServices } from '../support/own-services.js';
import { waitFor } from '../support/spawn.js';

let services: OwnServices;
let app: TestApp;
let server: Server;
const got: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  services = await startOwnServices('webhook-outbox');
  app = await bootApp({ worker: true, env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, OUTBOX_SWEEP_MS: '300', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
});
afterAll(async () => {
  await app?.close();
  await services?.stop();
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
});

const outbox = () => app.deps.database.db.collection<{ _id: string; reportId: string }>('webhook_outbox');

describe('webhook outbox', () => {
  it('keeps a delivery Redis did not take, and the worker’s sweep delivers it once Redis is back', async () => {
    const [admin, handler] = await Promise.all([createStaff(app, 'ADMIN'), createStaff(app, 'CALL_HANDLER')]);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const created = await app.gql(`mutation($url: String!) { createWebhookEndpoint(url: $url, events: [p1_intake]) { endpoint { id } } }`, { url }, admin.token);
    expect(created.errors).toBeUndefined();
    const reportId = await recordCall(app, handler.token, 1, { imminentThreat: true });
    await waitFor(async () => got.length > 0, 15_000, 'the P1 delivery of the routed call');
    got.length = 0;

    // Redis goes away: the next announcement cannot be queued, and is kept.
    await services.redis.kill('SIGKILL');
    await app.deps.webhooks.service.notify('p1_intake', { _id: reportId, desk: 'SO13', priority: 'P1' });
    const kept = await outbox().find({}).toArray();
    expect(kept.map((k) => k.reportId)).toEqual([reportId]);

    await services.redis.start();
    await waitFor(async () => got.length > 0 && (await outbox().countDocuments()) === 0, 30_000, 'the outboxed delivery delivered');
    // At least once, always under the kept delivery id (the enqueue that timed out may still land when Redis
    // returns, beside the sweep's): receivers de-duplicate on it (docs/webhooks.md).
    expect(got.map((d) => d.headers['x-hotline-delivery'])).toEqual(got.map(() => kept[0]!._id));
    expect(JSON.parse(got[0]!.body)).toMatchObject({ event: 'p1_intake', desk: 'SO13', priority: 'P1' });
  });
});
