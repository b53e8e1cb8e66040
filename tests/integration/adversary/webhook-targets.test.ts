/**
 * Trust review (second), item 10: an admin could register a webhook to
 * loopback, link-local (cloud metadata) and `::ffff:` addresses, and the
 * dead letters told a refused port, plain HTTP and a TLS port apart. Now
 * internal targets are refused at registration and again at delivery
 * (where the name is resolved, every address checked and the connection
 * pinned to the checked one) unless WEBHOOK_ALLOWED_NETWORKS names them,
 * and every failure to connect reads "could not connect".
 */
import { createPartnerRepository } from '../../../src/partners/repository.js';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../src/crypto/secret-box.js';
import { COULD_NOT_CONNECT, createDeliver, WebhookDeliveryError } from '../../../src/webhooks/deliver.js';
import { endpointSealData } from '../../../src/webhooks/endpoint-seal.js';
import { createWebhookRepository } from '../../../src/webhooks/repository.js';
import { createWebhookService } from '../../../src/webhooks/service.js';
import { createTargetPolicy } from '../../../src/webhooks/targets.js';
import type { WebhookJob } from '../../../src/webhooks/types.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { codeOf, waitForStatus } from '../../support/desk.js';
import { createStaff } from '../../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../../support/payloads.js';
import { waitFor } from '../../support/spawn.js';

const CREATE = `mutation($url: String!) { createWebhookEndpoint(url: $url, events: [p1_intake]) { endpoint { id } } }`;
const DEAD = `{ webhookDeadLetters { id endpointId attempts lastError } }`;

// A throwaway self-signed certificate for 127.0.0.1 (a test fixture, trusted by nothing): the receiver a TLS check refuses.
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpYSNMFcBB13CBLrS
RYxa4Tnw159AFyY/SHwsS/cVDKqhRANCAATgweHlMu+/p1Jfyw9BspKDe9pSlZqP
VVPvTcCnoPYh2+cTYYtqGtHCEkv93L1X7ZJekFtPc6F6Cg2LKtG8Ud7O
-----END PRIVATE KEY-----`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUHNCzi4bHAN1WmNk8iFKFes/TKdswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjE2MDYzM1oYDzIxMjYxMTEy
MTYwNjMzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATgweHlMu+/p1Jfyw9BspKDe9pSlZqPVVPvTcCnoPYh2+cTYYtqGtHC
Ekv93L1X7ZJekFtPc6F6Cg2LKtG8Ud7Oo28wbTAdBgNVHQ4EFgQUtUU0F8q438qS
1TTPlXeFuARMZq0wHwYDVR0jBBgwFoAUtUU0F8q438qS1TTPlXeFuARMZq0wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIhANgNfPJbqD6Rprf+cD4bvO8Tzcxy10DTb0Vyyn+eGj+pAiAf
5WQ+tYiHEmqkM8yubuReuNGhIhDm3WlOfLSPh2NklA==
-----END CERTIFICATE-----`;

/** Listens on 127.0.0.1; returns the port and a closer that also drops open connections. */
async function listening(server: Server | NetServer) {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => void sockets.add(s).size);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A plain receiver answering 204 and counting what it got. */
async function receiver() {
  const got: string[] = [];
  const server = createHttpServer((req, res) => {
    got.push(req.headers.host ?? '');
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  return { ...(await listening(server)), got };
}

/** Services an old version would have set up: an endpoint registered with no target check (as before this fix). */
function uncheckedRegistration(app: TestApp) {
  return createWebhookService({
    webhooks: createWebhookRepository(app.deps.database.db),
    box: createSecretBox(app.deps.crypto.sodium, app.deps.crypto.keyring, 'webhookSecret'),
    integrity: app.deps.crypto.integrity,
    audit: app.deps.services.audit,
    queue: app.deps.webhooks.queue,
    targets: { registrable: async () => null },
    production: false,
    log: app.deps.log,
  });
}

describe('registration, and endpoints registered before the check', () => {
  let app: TestApp;
  let admin: { token: string };
  let handler: { token: string };
  beforeAll(async () => {
    app = await bootApp({ worker: true, env: { WEBHOOK_ATTEMPTS: '1', WEBHOOK_TIMEOUT_MS: '700' } });
    admin = await createStaff(app, 'ADMIN');
    handler = await createStaff(app, 'CALL_HANDLER');
  });
  afterAll(() => app?.close());

  it('refuses loopback, metadata, IPv4-mapped, private, CGNAT, unspecified and a name resolving to loopback', async () => {
    const urls = [
      'http://127.0.0.1:9/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://[::1]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://2130706433/hook', // 127.0.0.1 written as one number
      'http://localhost:9/hook', // a name that resolves to loopback (/etc/hosts)
    ];
    for (const url of urls) {
      const res = await app.gql(CREATE, { url }, admin.token);
      expect([url, codeOf(res)]).toEqual([url, 'BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toContain('WEBHOOK_ALLOWED_NETWORKS');
    }
    expect(await app.deps.database.db.collection('webhook_endpoints').countDocuments()).toBe(0);
  });

  it('accepts an internal address the operator allow-listed, and only that one', async () => {
    const allowing = await bootApp({ env: { WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32, fd00:1::/64' } });
    try {
      const a = await createStaff(allowing, 'ADMIN');
      expect((await allowing.gql(CREATE, { url: 'http://127.0.0.1:9/hook' }, a.token)).errors).toBeUndefined();
      expect((await allowing.gql(CREATE, { url: 'https://[fd00:1::5]/hook' }, a.token)).errors).toBeUndefined();
      // The IPv4-mapped form is not named by 127.0.0.1/32; nor is the rest of loopback.
      expect(codeOf(await allowing.gql(CREATE, { url: 'https://[::ffff:127.0.0.1]/hook' }, a.token))).toBe('BAD_USER_INPUT');
      expect(codeOf(await allowing.gql(CREATE, { url: 'http://127.0.0.2:9/hook' }, a.token))).toBe('BAD_USER_INPUT');
    } finally {
      await allowing.close();
    }
  });

  it('refuses at delivery an endpoint registered before the check, whose name resolves to loopback', async () => {
    const rx = await receiver();
    const { endpoint } = await uncheckedRegistration(app).createEndpoint({ url: `http://localhost:${rx.port}/hook`, events: ['p1_intake'] }, 'cli');
    // The real worker and the system's resolver (localhost is 127.0.0.1 in /etc/hosts): a dead letter saying only
    // "could not connect", and the receiver never reached.
    await app.gql(RECORD_CALL, { input: hotlineCall(2, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }) }, handler.token);
    let letters: { endpointId: string; lastError: string }[] = [];
    await waitFor(async () => {
      letters = (await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters;
      return letters.some((l) => l.endpointId === endpoint.id);
    }, 20_000, 'dead letter');
    expect(letters.find((l) => l.endpointId === endpoint.id)!.lastError).toBe(COULD_NOT_CONNECT);
    expect(rx.got).toEqual([]);
    await app.deps.services.webhooks.deleteEndpoint(endpoint.id, 'cli');
    await rx.close();
  });
});

describe('delivery', () => {
  let app: TestApp;
  let handler: { token: string };
  let reportId: string;
  beforeAll(async () => {
    app = await bootApp({ worker: true, env: { WEBHOOK_ATTEMPTS: '1', WEBHOOK_TIMEOUT_MS: '700', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
    handler = await createStaff(app, 'CALL_HANDLER');
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(1, { categories: ['RECRUITMENT_OR_BEHAVIOUR_CHANGE'] }) }, handler.token);
    reportId = res.data.recordHotlineCall.id;
    await waitForStatus(app, reportId, 'TRIAGED');
  });
  afterAll(() => app?.close());

  /** The delivery task on a target policy of the test's choosing (its resolver plays DNS). */
  function deliverWith(resolve: (host: string) => Promise<{ address: string; family: number }[]>) {
    return createDeliver({
      webhooks: createWebhookRepository(app.deps.database.db),
      box: createSecretBox(app.deps.crypto.sodium, app.deps.crypto.keyring, 'webhookSecret'),
      integrity: app.deps.crypto.integrity,
      partners: createPartnerRepository(app.deps.database.db),
      reports: app.deps.reports,
      audit: app.deps.services.audit,
      targets: createTargetPolicy(app.config.webhooks.allowedNetworks, resolve),
      timeoutMs: 700,
      log: app.deps.log,
    }).deliver;
  }
  const job = (endpointId: string): WebhookJob => ({ deliveryId: randomUUID(), endpointId, event: 'p1_intake', reportId, desk: 'SO12', priority: 'P3', at: new Date().toISOString() });

  it('checks every address a name resolves to at delivery, and connects to the checked one (no second lookup)', async () => {
    const rx = await receiver();
    // A name no DNS knows: only the pinned address can reach the receiver, under the registered name. Plain http
    // keeps the test's receiver simple; the service registers http to loopback names only, so it is stored here as
    // the service stores an endpoint (sealed: the delivery checks the seal first).
    const endpoint = { id: randomUUID() };
    const url = `http://hooks.rebind.test:${rx.port}/hook`;
    await createWebhookRepository(app.deps.database.db).insertEndpoint({
      _id: endpoint.id,
      url,
      events: ['p1_intake'],
      secret: createSecretBox(app.deps.crypto.sodium, app.deps.crypto.keyring, 'webhookSecret').seal(endpoint.id, Buffer.from('whsec_test', 'utf8')),
      createdAt: new Date(),
      seal: app.deps.crypto.integrity.mac('webhookEndpoint', endpointSealData({ _id: endpoint.id, url, events: ['p1_intake'] })),
    });
    // Rebinding: one answer public-looking and one internal (169.254.169.254) refuses them all.
    const mixed = await deliverWith(async () => [{ address: '127.0.0.1', family: 4 }, { address: '169.254.169.254', family: 4 }])(job(endpoint.id)).catch((e: unknown) => e);
    expect((mixed as WebhookDeliveryError).reason).toBe(COULD_NOT_CONNECT);
    for (const address of ['10.0.0.1', '::ffff:127.0.0.1', '169.254.169.254']) {
      const err = await deliverWith(async () => [{ address, family: address.includes(':') ? 6 : 4 }])(job(endpoint.id)).catch((e: unknown) => e);
      expect([address, (err as WebhookDeliveryError).reason]).toEqual([address, COULD_NOT_CONNECT]);
    }
    expect(rx.got).toEqual([]);
    // An allow-listed answer: delivered to that address, with the registered name as Host.
    expect(await deliverWith(async () => [{ address: '127.0.0.1', family: 4 }])(job(endpoint.id))).toBe('delivered');
    expect(rx.got).toEqual([`hooks.rebind.test:${rx.port}`]);
    await app.deps.services.webhooks.deleteEndpoint(endpoint.id, 'cli');
    await rx.close();
  });

  it('says "could not connect" alike for a refused port, a reset, a timeout, a TLS failure and plain HTTP on a TLS port', async () => {
    const admin = await createStaff(app, 'ADMIN');
    const closed = await listening(createTcpServer());
    await closed.close(); // nothing listens there now
    const reset = await listening(createTcpServer((socket) => socket.resetAndDestroy()));
    const hang = await listening(createTcpServer(() => undefined));
    const tls = await listening(createHttpsServer({ key: TLS_KEY, cert: TLS_CERT }, (_req, res) => res.writeHead(204).end()));
    const plain = await receiver();
    const targets = {
      refused: `http://127.0.0.1:${closed.port}/hook`,
      reset: `http://127.0.0.1:${reset.port}/hook`,
      timeout: `http://127.0.0.1:${hang.port}/hook`,
      tlsUntrusted: `https://127.0.0.1:${tls.port}/hook`,
      plainOnTls: `https://127.0.0.1:${plain.port}/hook`,
    };
    const ids: Record<string, string> = {};
    for (const [name, url] of Object.entries(targets)) {
      const res = await app.gql(CREATE, { url }, admin.token);
      expect(res.errors).toBeUndefined();
      ids[name] = res.data.createWebhookEndpoint.endpoint.id;
    }
    await app.gql(RECORD_CALL, { input: hotlineCall(3, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] }) }, handler.token);
    let letters: { endpointId: string; lastError: string }[] = [];
    await waitFor(async () => {
      letters = (await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters;
      return Object.values(ids).every((id) => letters.some((l) => l.endpointId === id));
    }, 30_000, 'five dead letters');
    const seen = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, letters.find((l) => l.endpointId === id)!.lastError]));
    expect(seen).toEqual({ refused: COULD_NOT_CONNECT, reset: COULD_NOT_CONNECT, timeout: COULD_NOT_CONNECT, tlsUntrusted: COULD_NOT_CONNECT, plainOnTls: COULD_NOT_CONNECT });
    // The audit entries an admin reads say the same.
    const audited = await app.deps.services.audit.query({ action: 'webhook.dead_letter' }, { first: 50 });
    const mine = audited.entries.filter((e) => Object.values(ids).includes(e.target?.id ?? ''));
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((e) => (e.details as { lastError: string }).lastError))).toEqual(new Set([COULD_NOT_CONNECT]));
    for (const s of [reset, hang, tls]) await s.close().catch(() => undefined);
    await plain.close();
  });
});
