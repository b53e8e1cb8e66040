/**
 * Raw dump after the partner portal's scenario (issue 23, "Tests and proof"): a caseworker signed in on the
 * partner face passes on a tip, an investigator asks a question (the organisation's webhook is told), the
 * caseworker answers it and adds information. Then every document of every collection and every Redis key and
 * value is read raw: the caseworker's display name and username appear nowhere (the partner's own collections
 * hold them sealed or hashed only), their account id appears only in the partner's own account collections and
 * Redis keys (accounts, sessions, second factors: never the police side, never in the clear in the sealed activity
 * log), and every partner time of that referral in the report, its history and the audit log is to the minute.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../../src/crypto/derived.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { Q, waitForStatus } from '../../support/desk.js';
import { createPartner, createPartnerAccount, createStaff } from '../../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../../support/payloads.js';
import { rawDump } from '../../support/raw-dump.js';
import { waitFor } from '../../support/spawn.js';

const MINUTE = 60_000;
const ASK = `mutation($id: ID!, $q: String!) { askPartner(reportId: $id, question: $q) { id } }`;
const ANSWER = `mutation($r: String!, $q: ID!, $a: String!) { answerPartnerQuestion(receipt: $r, questionId: $q, answer: $a) { id answered } }`;
const ADD = `mutation($r: String!, $input: FollowUpInput!) { addToReferral(receipt: $r, input: $input) { receipt } }`;
const SET_WEBHOOK = `mutation($url: String) { setPartnerWebhook(url: $url) { url } }`;
/** The partner's own account-side collections: where an account id is the key (never a name: those are sealed or hashed). */
const PARTNER_ACCOUNT_COLLECTIONS = new Set(['partner_accounts', 'partner_sessions', 'partner_mfa', 'partner_mfa_claims']);

let app: TestApp;
let receiver: Server;
let delivered = 0;

beforeAll(async () => {
  app = await bootApp({ worker: true, partner: true, env: { WEBHOOK_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await app?.close();
});

const onTheMinute = (at: unknown) => new Date(at as string | Date).getTime() % MINUTE === 0;

describe('raw dump after a caseworker passes on a tip, answers and adds information', () => {
  it('names no caseworker on the police side, nor in clear anywhere, and keeps partner times to the minute', async () => {
    const org = await createPartner(app);
    const admin = await createPartnerAccount(app, org, { admin: true });
    const caseworker = await createPartnerAccount(app, org, { by: admin });
    const adminPrincipal = await app.deps.services.auth.authenticate(admin.token);
    const accountId = (await app.deps.services.partnerAccounts.list(adminPrincipal)).find((a) => a.displayName === caseworker.displayName)!.id;
    expect(accountId).toBeTruthy();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await app.partner!.gql(SET_WEBHOOK, { url }, admin.token)).errors).toBeUndefined();

    // The scenario, on the partner face with the caseworker's session.
    const sent = await app.partner!.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { narrative: `Seen near the hall ${randomUUID()}`, partnerReference: 'CASE-RD', subjects: [], locations: [], vehicles: [] }) }, caseworker.token);
    expect(sent.errors).toBeUndefined();
    const receipt = sent.data.submitPartnerReferral.receipt as string;
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
    expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined();
    const asked = await app.gql(ASK, { id, q: 'Which evening was it?' }, holder.token);
    expect(asked.errors).toBeUndefined();
    await waitFor(async () => delivered >= 1, 10_000, 'the webhook delivery');
    const answered = await app.partner!.gql(ANSWER, { r: receipt, q: asked.data.askPartner.id, a: 'The Thursday' }, caseworker.token);
    expect(answered.errors).toBeUndefined();
    expect((await app.partner!.gql(ADD, { r: receipt, input: { idempotencyKey: randomUUID(), narrative: 'They came back on Sunday' } }, caseworker.token)).errors).toBeUndefined();
    // The audit entries and the worker's jobs have landed (the chain catches up; the triage of the addition runs).
    await waitFor(async () => (await app.deps.services.audit.query({ targetType: 'report', targetId: id, action: 'report.add_to_referral' }, { first: 1 })).entries.length === 1, 15_000, 'the addition audited');

    const dump = await rawDump(app.deps);
    const mongo = new Map([...dump.mongo].map(([name, docs]) => [name, docs.join('\n')]));
    const keys = dump.redis;
    expect(mongo.size).toBeGreaterThan(5);
    expect(mongo.get('reports')).toContain(id);
    for (const [name, text] of mongo) {
      // The person is named nowhere in clear, the partner's own collections included (sealed or hashed there).
      expect(text, name).not.toContain(caseworker.displayName);
      expect(text, name).not.toContain(caseworker.username);
      if (!PARTNER_ACCOUNT_COLLECTIONS.has(name)) expect(text, name).not.toContain(accountId);
    }
    expect(mongo.get('partner_accounts')).toContain(accountId); // the dump does read the account side
    expect(keys.size).toBeGreaterThan(0);
    const partnerPrefix = `${app.env.QUEUE_PREFIX}:partner:`;
    for (const [key, text] of keys) {
      expect(text, key).not.toContain(caseworker.displayName);
      expect(text, key).not.toContain(caseworker.username);
      if (!key.startsWith(partnerPrefix)) expect(text, key).not.toContain(accountId);
    }

    // Partner times of that referral: to the minute in the report, its history and the audit log.
    const report = (await app.deps.database.db.collection('reports').findOne({ _id: id as never }))!;
    expect(onTheMinute(report.receivedAt)).toBe(true);
    expect(onTheMinute(report.recordedAt)).toBe(true);
    const byPartner = (report.history as { at: Date; actor: { type: string } }[]).filter((h) => h.actor.type === 'partner');
    expect(byPartner.length).toBeGreaterThanOrEqual(3); // passed on, answered, added to
    for (const h of byPartner) expect(onTheMinute(h.at)).toBe(true);
    for (const group of ['answers', 'addenda'] as const) {
      const items = (report.content?.[group] ?? []) as { at: Date }[];
      expect(items.length, group).toBeGreaterThan(0);
      for (const item of items) expect(onTheMinute(item.at), group).toBe(true);
    }
    const audit = (await app.deps.services.audit.query({ targetType: 'report', targetId: id }, { first: 100 })).entries.filter((e) => e.actor.type === 'partner');
    expect(audit.length).toBeGreaterThanOrEqual(3);
    for (const e of audit) expect(onTheMinute(e.at)).toBe(true);
  });
});
