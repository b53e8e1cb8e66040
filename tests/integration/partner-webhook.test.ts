/**
 * A partner organisation's own webhook (issue 23, item 5) on the real app (FerretDB, Redis, the worker), delivered
 * to a real HTTP receiver on 127.0.0.1 (allow-listed by WEBHOOK_ALLOWED_NETWORKS): its partner admin sets it on the
 * partner face (a caseworker and the API key cannot), an investigator's question makes one signed delivery with
 * no content (the event and its minute), the secret is stored sealed, and a cleared webhook receives nothing more.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { bootApp, type TestApp } from '../support/app.js';
import { codeOf, Q, waitForStatus } from '../support/desk.js';
import { createPartner, createPartnerAccount, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';
import { waitFor } from '../support/spawn.js';

const SET = `mutation($url: String) { setPartnerWebhook(url: $url) { url secret setAt } }`;
const CURRENT = `{ partnerWebhook { url setAt } }`;
const ASK = `mutation($id: ID!, $q: String!) { askPartner(reportId: $id, question: $q) { id } }`;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

let app: TestApp;
let server: Server;
let url: string;
const got: Delivery[] = [];

beforeAll(async () => {
  app = await bootApp({ worker: true, partner: true, env: { WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/partner-hook`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await app?.close();
});

/** What the partner's receiver does (docs/webhooks.md): HMAC-SHA256 over `t.body`, and a recent `t`. */
function verify(secret: string, d: Delivery): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(d.headers['x-hotline-signature']));
  if (!m) return false;
  return Math.abs(Date.now() / 1000 - Number(m[1])) < 300 && createHmac('sha256', secret).update(`${m[1]}.${d.body}`).digest('hex') === m[2];
}

const face = () => app.partner!;

describe('a partner organisation’s webhook', () => {
  it('is set by the partner admin only, and a question asked makes one signed delivery with no content', async () => {
    const org = await createPartner(app);
    const admin = await createPartnerAccount(app, org, { admin: true });
    const caseworker = await createPartnerAccount(app, org, { by: admin });

    // Only the partner admin: not a caseworker, not the API key; an internal address is refused like a staff endpoint's.
    expect(codeOf(await face().gql(SET, { url }, caseworker.token))).toBe('FORBIDDEN');
    expect(codeOf(await face().gql(SET, { url }, org.apiKey))).toBe('FORBIDDEN');
    expect(codeOf(await face().gql(SET, { url: 'http://10.0.0.8/hook' }, admin.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await face().gql(SET, { url: 'ftp://example.org/hook' }, admin.token))).toBe('BAD_USER_INPUT');
    expect((await face().gql(CURRENT, {}, admin.token)).data.partnerWebhook).toBeNull();

    const set = await face().gql(SET, { url }, admin.token);
    expect(set.errors).toBeUndefined();
    const secret = set.data.setPartnerWebhook.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(new Date(set.data.setPartnerWebhook.setAt).getTime() % 60_000).toBe(0);
    expect((await face().gql(CURRENT, {}, admin.token)).data.partnerWebhook).toEqual({ url, setAt: set.data.setPartnerWebhook.setAt });
    // Sealed at rest: the secret is nowhere in the organisation's record.
    const stored = await app.deps.database.db.collection('partners').findOne({ _id: org.partner.id as never });
    expect(stored?.webhook?.url).toBe(url);
    expect(JSON.stringify(stored)).not.toContain(secret.slice('whsec_'.length));
    // The audit entry names the organisation, never the secret nor the account.
    const entry = (await app.deps.services.audit.query({ action: 'partner.webhook_set' }, { first: 10 })).entries.find((e) => e.target?.id === org.partner.id);
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry)).not.toContain(secret);
    expect(JSON.stringify(entry)).not.toContain(admin.displayName);

    // The caseworker passes on a tip; an investigator asks a question.
    const narrative = `A tip passed on ${randomUUID()}`;
    const sent = await face().gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { narrative, partnerReference: 'CASE-WH', subjects: [], locations: [], vehicles: [] }) }, caseworker.token);
    expect(sent.errors).toBeUndefined();
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
    expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined();
    const question = `Which night did they see the van? ${randomUUID()}`;
    expect((await app.gql(ASK, { id, q: question }, holder.token)).errors).toBeUndefined();

    await waitFor(async () => got.length >= 1, 10_000);
    await new Promise((r) => setTimeout(r, 500)); // no second delivery follows
    expect(got).toHaveLength(1);
    const d = got[0]!;
    expect(verify(secret, d)).toBe(true);
    expect(d.headers['x-hotline-event']).toBe('partner.question');
    const body = JSON.parse(d.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['at', 'event']);
    expect(body.event).toBe('partner.question');
    expect(new Date(String(body.at)).getTime() % 60_000).toBe(0);
    for (const secretWord of [receipt, question, narrative, routed.reference, id, 'CASE-WH', caseworker.displayName]) expect(d.body).not.toContain(secretWord);

    // Cleared: the next question tells nobody; the partner sees it in the portal only.
    const cleared = await face().gql(SET, { url: null }, admin.token);
    expect(cleared.data.setPartnerWebhook).toEqual({ url: null, secret: null, setAt: null });
    expect((await face().gql(CURRENT, {}, admin.token)).data.partnerWebhook).toBeNull();
    expect((await app.gql(ASK, { id, q: `And which street? ${randomUUID()}` }, holder.token)).errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(got).toHaveLength(1);
  });
});
