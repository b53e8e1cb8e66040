import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP, URI } from 'otpauth';
import { createCrypto, type Crypto } from '../../src/crypto/index.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, key, type TestApp } from '../support/app.js';
import { createPartner, createPartnerAccount, createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { runScript } from '../support/spawn.js';
import { auditEntries } from '../support/desk.js';
import { createReportCodec } from '../../src/reports/model/report-codec.js';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
let app: TestApp;
const masterA = key();
const masterB = key();

beforeAll(async () => {
  app = await bootApp({ env: { HOTLINE_MASTER_KEY: masterA, WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });
});
afterAll(() => app?.close());

async function decryptAll(crypto: Crypto): Promise<{ ok: number; failed: number; narratives: string[] }> {
  const docs = await app.deps.database.db.collection<ReportDoc>('reports').find({}).toArray();
  let ok = 0;
  let failed = 0;
  const narratives: string[] = [];
  for (const d of docs) {
    try {
      const c = crypto.cipher.withDataKey(d._id, d.dataKey!, (k) => createReportCodec(crypto.cipher).decryptContent(k, d._id, d.content!));
      narratives.push(c.narrative);
      ok++;
    } catch {
      failed++;
    }
  }
  return { ok, failed, narratives };
}

describe('master key rotation', () => {
  it('re-wraps every data key under the new key while reads go on; the old key can then be dropped', async () => {
    const { token, user } = await createStaff(app, 'CALL_HANDLER');
    // Sealed under subkeys of the old master key too: a second-factor seed and a webhook secret.
    const begun = await app.gql(`mutation { beginMfaEnrolment { otpauthUri } }`, {}, token);
    const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
    expect((await app.gql(`mutation($code: String!) { confirmMfaEnrolment(code: $code) { recoveryCodes } }`, { code: totp.generate() }, token)).errors).toBeUndefined();
    const admin = await createStaff(app, 'ADMIN');
    const hook = await app.gql(`mutation { createWebhookEndpoint(url: "http://127.0.0.1:9/hook", events: [p1_intake]) { secret endpoint { id } } }`, {}, admin.token);
    expect(hook.errors).toBeUndefined();
    // A partner organisation's own key (its caseworkers' names) and a caseworker's second-factor seed.
    const partner = await createPartner(app);
    const partnerAdmin = await createPartnerAccount(app, partner, { admin: true });
    const caseworker = await createPartnerAccount(app, partner, { by: partnerAdmin });
    // And the organisation's own webhook secret (src/webhooks/partner.ts), set by its partner admin.
    const partnerHook = await app.deps.services.partnerWebhooks.set(await app.deps.services.auth.authenticate(partnerAdmin.token), 'http://127.0.0.1:9/partner-hook');
    const inputs = Array.from({ length: 15 }, (_, i) => hotlineCall(i));
    for (const input of inputs) expect((await app.gql(RECORD_CALL, { input }, token)).errors).toBeUndefined();
    const index = app.env.HOTLINE_INDEX_KEY!;
    const both = await createCrypto({ masterKey: b64(masterB), previousMasterKeys: [b64(masterA)], indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    const onlyB = await createCrypto({ masterKey: b64(masterB), indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    const onlyA = await createCrypto({ masterKey: b64(masterA), indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    expect((await decryptAll(onlyB)).ok).toBe(0);

    // Reads keep going (with the old+new keyring, as a running instance would) during the rotation.
    let reading = true;
    let readFailures = 0;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const r = await decryptAll(both);
        readFailures += r.failed;
        reads++;
      }
    })();
    const cli = await runScript('scripts/admin/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: masterB, HOTLINE_PREVIOUS_MASTER_KEYS: masterA });
    reading = false;
    await reader;
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/15 re-wrapped, 0 to go/);
    expect(cli.stdout).toMatch(/1 second-factor seed\(s\) and 2 webhook secret\(s\) re-sealed/);
    expect(cli.stdout).toMatch(/1 partner organisation key\(s\) re-wrapped and 2 partner second-factor seed\(s\) re-sealed/);
    expect(reads).toBeGreaterThan(0);
    expect(readFailures).toBe(0);

    const repo = createReportRepository(app.deps.database.db, app.deps.crypto.integrity);
    expect(await repo.countWrappedByOtherKeys(onlyB.keyring.currentId)).toBe(0);
    const after = await decryptAll(onlyB);
    expect(after.failed).toBe(0);
    expect(after.ok).toBe(15);
    expect(after.narratives.sort()).toEqual(inputs.map((i) => i.narrative).sort());
    expect((await decryptAll(onlyA)).ok).toBe(0);
    // The seed and the secret open with the new key alone: the old one can go without locking anyone out.
    const db = app.deps.database.db;
    const seed = createSecretBox(onlyB.sodium, onlyB.keyring, 'mfaSecret').open(user.id, (await db.collection('mfa').findOne({ _id: user.id as never }))!.secret);
    expect(Buffer.from(seed).toString('hex')).toBe(Buffer.from(totp.secret.bytes).toString('hex'));
    const endpointId = hook.data.createWebhookEndpoint.endpoint.id;
    const secret = createSecretBox(onlyB.sodium, onlyB.keyring, 'webhookSecret').open(endpointId, (await db.collection('webhook_endpoints').findOne({ _id: endpointId }))!.secret);
    expect(Buffer.from(secret).toString('utf8')).toBe(hook.data.createWebhookEndpoint.secret);
    const partnerDoc = (await db.collection('partners').findOne({ _id: partner.partner.id as never }))!;
    const partnerSecret = createSecretBox(onlyB.sodium, onlyB.keyring, 'webhookSecret').open(`partner:${partner.partner.id}`, partnerDoc.webhook.secret);
    expect(Buffer.from(partnerSecret).toString('utf8')).toBe(partnerHook.secret);
    const orgKey = (await db.collection('partner_org_keys').findOne({ _id: partner.partner.id as never }))!;
    expect(() => onlyB.cipher.openDataKey(`partner-org/${partner.partner.id}`, orgKey.dataKey)).not.toThrow();
    expect(() => onlyA.cipher.openDataKey(`partner-org/${partner.partner.id}`, orgKey.dataKey)).toThrow();
    const account = (await app.deps.services.auth.authenticate(caseworker.token))!;
    const accountId = (account as { account: { id: string } }).account.id;
    const partnerSeed = createSecretBox(onlyB.sodium, onlyB.keyring, 'mfaSecret').open(accountId, (await db.collection('partner_mfa').findOne({ _id: accountId as never }))!.secret);
    expect(Buffer.from(partnerSeed).toString('hex')).toBe(Buffer.from(caseworker.totp.secret.bytes).toString('hex'));

    // Every re-wrap is a report change through the writer: its history entry and its audit event, one per report,
    // naming the master keys by id and the version the change made.
    const stored = await db.collection<ReportDoc>('reports').find({}).toArray();
    const rewraps = await auditEntries(app, 'report.rewrap_key');
    expect(rewraps).toHaveLength(stored.length);
    for (const doc of stored) {
      const mine = rewraps.filter((e) => e.target?.id === doc._id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.actor).toMatchObject({ type: 'system', id: 'key-rotation' });
      expect(mine[0]!.details).toMatchObject({ reference: doc.reference, fromMasterKeyring: onlyA.keyring.currentId, toMasterKeyring: onlyB.keyring.currentId, version: doc.version });
      expect(doc.history.filter((h) => h.action === 'key_rewrapped')).toHaveLength(1);
    }

    // Resumable and idempotent: a second run has nothing to do.
    const again = await runScript('scripts/admin/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: masterB });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/done: 0 re-wrapped/);
    expect(await auditEntries(app, 'report.rewrap_key')).toHaveLength(stored.length); // and records nothing
  }, 120_000); // two CLI runs, each re-wrap chaining its audit event

  it('reports data keys it cannot open and exits non-zero', async () => {
    const r = await runScript('scripts/admin/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: key() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/could not be opened/);
  });
});
