/**
 * Outgoing webhooks on the real app (FerretDB, Redis, the worker), delivered
 * to a real HTTP receiver on 127.0.0.1 (allow-listed by WEBHOOK_ALLOWED_NETWORKS): signed, retried, dead-lettered and
 * replayed, with nothing but reference, desk, priority and event in them,
 * and never in the way of intake.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, findReport, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';
import { webhookCommands } from '../../scripts/admin/admin-webhooks.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}
type Mode = 'ok' | 'fail' | 'hang';

/** A receiver: answers by `mode` (a function of the attempt number), records every request it gets. */
async function receiver(mode: (n: number) => Mode) {
  const got: Delivery[] = [];
  const hanging: import('node:http').ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const m = mode(got.length);
      if (m === 'hang') return void hanging.push(res);
      res.writeHead(m === 'ok' ? 204 : 500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    close: () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What a receiver does (docs/webhooks.md): HMAC-SHA256 over `t.body`, and a recent `t`. */
function verify(secret: string, d: Delivery): boolean {
  const header = String(d.headers['x-hotline-signature']);
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const fresh = Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
  return fresh && createHmac('sha256', secret).update(`${m[1]}.${d.body}`).digest('hex') === m[2];
}

const CREATE = `mutation($url: String!, $events: [WebhookEvent!]!) { createWebhookEndpoint(url: $url, events: $events) { secret endpoint { id url events } } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`;
const DEAD = `{ webhookDeadLetters { id endpointId event desk priority at attempts lastError failedAt } }`;
const REPLAY = `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id event } }`;

let app: TestApp;
let admin: { token: string };
let handler: { token: string };

beforeAll(async () => {
  app = await bootApp({ worker: true, env: { WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_TIMEOUT_MS: '500', SLA_P3_SECONDS: '1', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
  admin = await createStaff(app, 'ADMIN');
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

async function endpoint(url: string, events: string[]) {
  const res = await app.gql(CREATE, { url, events }, admin.token);
  expect(res.errors).toBeUndefined();
  return res.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
}
async function recordCall(input: Record<string, unknown>): Promise<string> {
  const res = await app.gql(RECORD_CALL, { input }, handler.token);
  expect(res.errors).toBeUndefined();
  return res.data.recordHotlineCall.id;
}
const p1Call = (i: number) => hotlineCall(i, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'] });

describe('webhooks', () => {
  it('delivers a P1 intake signed with the endpoint secret, carrying reference, desk, priority and event only', async () => {
    const rx = await receiver(() => 'ok');
    const { secret, endpoint: ep } = await endpoint(rx.url, ['p1_intake']);
    expect(secret).toMatch(/^whsec_/);
    const input = p1Call(1);
    const id = await recordCall(input);
    await waitFor(async () => rx.got.length === 1, 15_000, 'P1 delivery');
    const [d] = rx.got;
    expect(verify(secret, d!)).toBe(true);
    expect(verify('whsec_wrong', d!)).toBe(false);
    const payload = JSON.parse(d!.body);
    expect(Object.keys(payload).sort()).toEqual(['at', 'deliveryId', 'desk', 'event', 'priority', 'reference']);
    const doc = await findReport(app, id);
    expect(payload).toMatchObject({ event: 'p1_intake', reference: doc.reference, desk: 'SO13', priority: 'P1' });
    expect(new Date(payload.at).getUTCSeconds()).toBe(0);
    expect(d!.headers['x-hotline-event']).toBe('p1_intake');
    expect(d!.headers['x-hotline-delivery']).toBe(payload.deliveryId);
    // No content: neither the narrative, a subject, a vehicle, a place nor the caller.
    for (const text of [input.narrative.slice(0, 40), input.subjects[0]!.name, input.vehicles[0]!.registration, input.locations[0]!.postcode, 'Example Road', 'hoodie']) {
      expect(d!.body).not.toContain(text);
    }
    // The secret is stored sealed, never as typed.
    const raw = await app.deps.database.db.collection('webhook_endpoints').findOne({ _id: ep.id as never });
    expect(JSON.stringify(raw)).not.toContain(secret.slice(6));
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await rx.close();
  });

  it('retries a delivery answered with 500 and delivers it', async () => {
    const rx = await receiver((n) => (n === 1 ? 'fail' : 'ok'));
    const { secret, endpoint: ep } = await endpoint(rx.url, ['p1_intake']);
    await recordCall(p1Call(2));
    await waitFor(async () => rx.got.length === 2, 15_000, 'retried delivery');
    expect(rx.got.map((d) => verify(secret, d))).toEqual([true, true]);
    expect(rx.got[1]!.headers['x-hotline-delivery']).toBe(rx.got[0]!.headers['x-hotline-delivery']);
    expect((await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters).toEqual([]);
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await rx.close();
  });

  it('dead-letters a delivery failing every attempt, lists it to an admin, and replays it once the receiver is fixed', async () => {
    let fixed = false;
    const rx = await receiver(() => (fixed ? 'ok' : 'fail'));
    const { secret, endpoint: ep } = await endpoint(rx.url, ['p1_intake']);
    await recordCall(p1Call(3));
    let letters: any[] = [];
    await waitFor(async () => {
      letters = (await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters;
      return letters.length === 1;
    }, 20_000, 'dead letter');
    expect(rx.got).toHaveLength(3);
    expect(letters[0]).toMatchObject({ endpointId: ep.id, event: 'p1_intake', desk: 'SO13', priority: 'P1', attempts: 3, lastError: 'HTTP 500' });
    expect(letters[0].id).toBe(rx.got[0]!.headers['x-hotline-delivery']);
    // What the admin sees and what is stored: no reference, no content.
    const stored = await app.deps.database.db.collection('webhook_dead_letters').findOne({ _id: letters[0].id });
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'at', 'attempts', 'desk', 'endpointId', 'event', 'failedAt', 'lastError', 'priority', 'reportId']);
    expect(await app.deps.services.audit.query({ action: 'webhook.dead_letter' }, { first: 10 }).then((r) => r.entries.length)).toBeGreaterThanOrEqual(1);

    fixed = true;
    const replayed = await app.gql(REPLAY, { id: letters[0].id }, admin.token);
    expect(replayed.errors).toBeUndefined();
    await waitFor(async () => rx.got.length === 4, 15_000, 'replayed delivery');
    const last = rx.got[3]!;
    expect(verify(secret, last)).toBe(true);
    expect(last.headers['x-hotline-delivery']).toBe(letters[0].id);
    expect((await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters).toEqual([]);
    const replays = await app.deps.services.audit.query({ action: 'admin.webhook_replay' }, { first: 10 });
    expect(replays.entries[0]).toMatchObject({ target: { type: 'webhook', id: ep.id }, details: { deliveryId: letters[0].id } });
    expect(codeOf(await app.gql(REPLAY, { id: letters[0].id }, admin.token))).toBe('NOT_FOUND');
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await rx.close();
  });

  it('delivers an SLA escalation', async () => {
    const rx = await receiver(() => 'ok');
    const { secret, endpoint: ep } = await endpoint(rx.url, ['sla_escalation']);
    // Community information: P3, whose SLA is one second here; nobody claims it.
    const id = await recordCall(hotlineCall(4, { categories: ['RECRUITMENT_OR_BEHAVIOUR_CHANGE'], vehicles: [], subjects: [], locations: [] }));
    await waitFor(async () => rx.got.length === 1, 20_000, 'escalation delivery');
    const payload = JSON.parse(rx.got[0]!.body);
    const doc = await findReport(app, id);
    expect(doc.escalated).toBe(true);
    expect(verify(secret, rx.got[0]!)).toBe(true);
    expect(payload).toMatchObject({ event: 'sla_escalation', reference: doc.reference, desk: doc.desk, priority: doc.priority });
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await rx.close();
  });

  it('keeps intake and triage going while a receiver hangs, then dead-letters on timeout', async () => {
    const rx = await receiver(() => 'hang');
    const { endpoint: ep } = await endpoint(rx.url, ['p1_intake']);
    const first = await recordCall(p1Call(5));
    await waitFor(async () => rx.got.length >= 1, 15_000, 'first attempt reaching the hanging receiver');
    // The receiver holds the request open: intake still answers and triage still routes.
    const second = await recordCall(hotlineCall(6, { categories: ['RECRUITMENT_OR_BEHAVIOUR_CHANGE'] }));
    expect((await waitForStatus(app, first, 'TRIAGED')).priority).toBe('P1');
    await waitForStatus(app, second, 'TRIAGED');
    let letters: any[] = [];
    await waitFor(async () => {
      letters = (await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters;
      return letters.some((l) => l.endpointId === ep.id);
    }, 20_000, 'timed-out dead letter');
    expect(letters.find((l) => l.endpointId === ep.id)).toMatchObject({ lastError: 'could not connect', attempts: 3 });
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await rx.close();
  });

  it('refuses endpoints it must not deliver to, and non-admins', async () => {
    expect(codeOf(await app.gql(CREATE, { url: 'http://example.org/hook', events: ['p1_intake'] }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(CREATE, { url: 'https://user:pw@example.org/hook', events: ['p1_intake'] }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(CREATE, { url: 'https://example.org/hook', events: [] }, admin.token))).toBe('BAD_USER_INPUT');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    for (const token of [handler.token, supervisor.token]) {
      expect(codeOf(await app.gql(CREATE, { url: 'https://example.org/hook', events: ['p1_intake'] }, token))).toBe('FORBIDDEN');
      expect(codeOf(await app.gql(DEAD, {}, token))).toBe('FORBIDDEN');
    }
    const created = await endpoint('https://example.org/hook', ['p1_intake', 'sla_escalation']);
    const audit = await app.deps.services.audit.query({ action: 'admin.webhook_create' }, { first: 10 });
    expect(JSON.stringify(audit.entries)).not.toContain(created.secret);
    expect(audit.entries[0]!.details).toEqual({ host: 'example.org', events: ['p1_intake', 'sla_escalation'] });
    await app.gql(DELETE, { id: created.endpoint.id }, admin.token);
  });

  it('delivers nothing to an endpoint a database writer redirected: dead-lettered at once as an integrity failure', async () => {
    const rx = await receiver(() => 'ok');
    const attacker = await receiver(() => 'ok');
    const { endpoint: ep } = await endpoint(rx.url, ['p1_intake']);
    await app.deps.database.db.collection('webhook_endpoints').updateOne({ _id: ep.id as never }, { $set: { url: attacker.url } });
    await recordCall(p1Call(7));
    let letters: any[] = [];
    await waitFor(async () => {
      letters = (await app.gql(DEAD, {}, admin.token)).data.webhookDeadLetters;
      return letters.some((l) => l.endpointId === ep.id);
    }, 20_000, 'integrity dead letter');
    expect(letters.find((l) => l.endpointId === ep.id)).toMatchObject({ lastError: 'endpoint integrity', attempts: 1 });
    expect(attacker.got).toEqual([]);
    expect(rx.got).toEqual([]);
    await app.gql(DELETE, { id: ep.id }, admin.token);
    await Promise.all([rx.close(), attacker.close()]);
  });

  it('is managed from the admin CLI too: the secret printed once, endpoints listed and removed', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(' '));
    try {
      await webhookCommands['webhooks:add'].run(app.deps, { url: 'https://cli.example.org/hook', events: 'p1_intake,sla_escalation' });
      const secret = lines.at(-1)!;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const id = /endpoint ([0-9a-f-]{36})/.exec(lines[0]!)![1]!;
      lines.length = 0;
      await webhookCommands['webhooks:list'].run(app.deps);
      expect(lines.join('\n')).toContain(`${id}  p1_intake,sla_escalation  https://cli.example.org/hook`);
      expect(lines.join('\n')).not.toContain(secret);
      await webhookCommands['webhooks:remove'].run(app.deps, { id });
      await webhookCommands['webhooks:dead-letters'].run(app.deps);
      expect((await app.deps.services.webhooks.listEndpoints()).map((e) => e.id)).not.toContain(id);
      const created = await app.deps.services.audit.query({ action: 'admin.webhook_create', targetId: id }, { first: 1 });
      expect(created.entries[0]!.actor).toMatchObject({ type: 'system', id: 'admin-cli' });
    } finally {
      console.log = log;
    }
  });
});
