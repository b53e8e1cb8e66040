/**
 * Audit-key and index-key rotation on the real services, as the rolling
 * procedure of docs/encryption.md "Rotation" runs it: instances restarted with
 * the new keys current and the old ones previous, `keys:rotate` (interrupted
 * by `--batch`, then resumed), then the old keys removed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TOTP, URI } from 'otpauth';
import { partnerAccountSealOk, partnerSealOk, secondFactorSealOk, userSealOk } from '../../src/auth/seal.js';
import { assertEnvelope } from '../../src/reports/model/envelope-mac.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, key, type TestApp } from '../support/app.js';
import { auditEntries, findReport } from '../support/desk.js';
import { createPartner, createPartnerAccount, createStaff, PASSWORD } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { runScript } from '../support/spawn.js';

const [audit1, audit2, index1, index2] = [key(), key(), key(), key()];
let app: TestApp;
const running: TestApp[] = [];

/** Restarts the instance on the same database with other keys (an instance restarted by the rolling procedure). */
async function restart(keys: Record<string, string>) {
  const env = { ...app.env };
  for (const name of ['HOTLINE_PREVIOUS_AUDIT_KEYS', 'HOTLINE_PREVIOUS_INDEX_KEYS']) delete env[name];
  if (app) {
    await app.api.close(2_000);
    await app.deps.close(); // not app.close(): that drops the database
  }
  app = await bootApp({ env: { ...env, ...keys } });
  running.push(app);
}
afterAll(() => app?.close());

const VEHICLE = { vehicles: [{ registration: 'LV70 QRS' }], subjects: [], locations: [] };
async function record(token: string, i: number, idempotencyKey?: string, subjects: { name: string }[] = []) {
  const input = { ...hotlineCall(i, { ...VEHICLE, subjects }), ...(idempotencyKey ? { idempotencyKey } : {}) };
  const res = await app.gql(RECORD_CALL, { input }, token);
  expect(res.errors).toBeUndefined();
  return { id: res.data.recordHotlineCall.id as string, input };
}
const rotate = (args: string[] = []) => runScript('scripts/admin/admin.ts', ['keys:rotate', ...args], app.env);

describe('audit and index key rotation', () => {
  it('re-seals and re-indexes everything; after the old keys are removed users, reports, links and the audit chain still verify', async () => {
    app = await bootApp({ env: { HOTLINE_AUDIT_KEY: audit1, HOTLINE_INDEX_KEY: index1 } });
    running.push(app);
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const partner = await createPartner(app);
    // A caseworker of that partner, with their second factor (the partner side's own accounts and factors).
    const caseworker = await createPartnerAccount(app, partner);
    // The handler's second factor: its document's MAC and the record naming it are re-made under the new key.
    const begun = await app.gql(`mutation { beginMfaEnrolment { otpauthUri } }`, {}, handler.token);
    const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
    expect((await app.gql(`mutation($c: String!) { confirmMfaEnrolment(code: $c) { recoveryCodes } }`, { c: totp.generate() }, handler.token)).errors).toBeUndefined();
    const first = await record(handler.token, 1, undefined, [{ name: 'Ahmed Rashid' }]);
    const second = await record(handler.token, 2);
    expect(await triageProcessorOf(app.deps).route(first.id)).toBe('routed');
    expect(await triageProcessorOf(app.deps).route(second.id)).toBe('routed');
    expect(await app.deps.reports.findLinkEdge(first.id, second.id)).not.toBeNull();

    // Step 1: every instance restarted with the new keys current and the old ones previous.
    await restart({ HOTLINE_AUDIT_KEY: audit2, HOTLINE_PREVIOUS_AUDIT_KEYS: audit1, HOTLINE_INDEX_KEY: index2, HOTLINE_PREVIOUS_INDEX_KEYS: index1 });
    // Sessions, partners' keys and user records made under the old key still authenticate...
    expect(await app.deps.services.auth.authenticate(handler.token)).toMatchObject({ kind: 'staff' });
    expect(await app.deps.services.auth.authenticate(partner.apiKey)).toMatchObject({ kind: 'partner' });
    // ...a retry of a submission made before the rotation finds its report (its id was derived under the old index key)...
    const retry = await app.gql(RECORD_CALL, { input: first.input }, handler.token);
    expect(retry.errors).toBeUndefined();
    expect(retry.data.recordHotlineCall.id).toBe(first.id);
    // ...and a new report links to the old ones, filed under the old key's terms.
    const third = await record(handler.token, 3);
    expect(await triageProcessorOf(app.deps).route(third.id)).toBe('routed');
    expect(await app.deps.reports.findLinkEdge(first.id, third.id)).not.toBeNull();

    // Step 2: keys:rotate, interrupted after one record of each kind, then resumed.
    const partly = await rotate(['--batch', '1']);
    expect(partly.stderr).toBe('');
    expect(partly.stdout).toMatch(/still to re-seal or re-index/);
    expect(partly.code).toBe(3);
    const rest = await rotate();
    expect(rest.stdout).toMatch(/every report, user, second factor, partner organisation and account and link edge is under the current audit and index keys/);
    expect(rest.code).toBe(0);
    const again = await rotate();
    expect(again.stdout).toMatch(/ 0 report\(s\), 0 user\(s\), 0 second factor\(s\), 0 link edge\(s\) done, 0 to go/);
    expect(again.stdout).toMatch(/ 0 partner organisation\(s\), 0 partner account\(s\) and 0 partner second factor\(s\) done, 0 to go/);
    // The caseworker's username was kept as a hash under the old key: their next sign-in moves it to the new one.
    const partnerAccounts = app.deps.database.db.collection<{ _id: string; usernameHash: string }>('partner_accounts');
    const [before] = await partnerAccounts.find({}).toArray().then((all) => all.filter((a) => a.usernameHash === app.deps.crypto.integrity.macAll('username', `partner-account\n${caseworker.username}`)[1]));
    expect(before).toBeDefined();
    await app.deps.services.partnerAccounts.signIn(caseworker.username, PASSWORD, 'test-after-rotation', caseworker.totp.generate({ timestamp: Date.now() + 30_000 }));
    expect((await partnerAccounts.findOne({ _id: before!._id }))!.usernameHash).toBe(app.deps.crypto.integrity.macAll('username', `partner-account\n${caseworker.username}`)[0]);
    // Each report the rotation changed carries one audit event of that change, written with it through the report writer.
    const oldIndexKeyId = (await app.deps.database.db.collection<ReportDoc>('reports').findOne({ _id: first.id }))!.history.find((h) => h.action === 'keys_rotated')!.from!.indexKeyId;
    const rotations = await auditEntries(app, 'report.rotate_keys');
    const rotated = (await app.deps.database.db.collection<ReportDoc>('reports').find({}).toArray()).filter((doc) => doc.history.some((h) => h.action === 'keys_rotated'));
    expect(rotated.map((doc) => doc._id)).toEqual(expect.arrayContaining([first.id, second.id])); // made under the old keys
    expect(rotations).toHaveLength(rotated.length);
    for (const doc of rotated) {
      const mine = rotations.filter((e) => e.target?.id === doc._id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.actor).toMatchObject({ type: 'system', id: 'key-rotation' });
      expect(mine[0]!.details).toMatchObject({ reference: doc.reference, fromIndexKeyring: oldIndexKeyId, toIndexKeyring: app.deps.crypto.indexKeyId, auditKeyring: app.deps.crypto.integrity.keyId });
    }

    // Step 3: the old keys removed (the old audit key first dropped entirely, to show what was re-sealed).
    await restart({ HOTLINE_AUDIT_KEY: audit2, HOTLINE_INDEX_KEY: index2 });
    const integrity = app.deps.crypto.integrity;
    for (const user of await app.deps.database.db.collection('users').find({}).toArray()) expect(userSealOk(integrity, user as never)).toBe(true);
    const factors = await app.deps.database.db.collection('mfa').find({}).toArray();
    expect(factors).toHaveLength(1);
    for (const doc of factors) expect(secondFactorSealOk(integrity, doc as never)).toBe(true);
    // The partner side too: every organisation's seal, account's MAC and second factor's, and the caseworker's sign-in.
    // The organisation's API key is kept as a hash under the old key: it needs a partner key rotation.
    for (const doc of await app.deps.database.db.collection('partners').find({}).toArray()) expect(partnerSealOk(integrity, doc as never)).toBe(true);
    const partnerSide = await app.deps.database.db.collection('partner_accounts').find({}).toArray();
    expect(partnerSide.length).toBeGreaterThanOrEqual(2); // the partner admin the factory made, and the caseworker
    for (const doc of partnerSide) expect(partnerAccountSealOk(integrity, doc as never)).toBe(true);
    const partnerFactors = await app.deps.database.db.collection('partner_mfa').find({}).toArray();
    expect(partnerFactors.length).toBeGreaterThanOrEqual(2);
    for (const doc of partnerFactors) expect(secondFactorSealOk(integrity, doc as never)).toBe(true);
    // Found by their username under the new key, password and records sound: asked for their authenticator's code (its
    // next step is a test's 30 s away; the factor's MAC is checked above).
    await expect(app.deps.services.partnerAccounts.signIn(caseworker.username, PASSWORD, 'test-after-removal')).rejects.toMatchObject({ extensions: { mfa: 'REQUIRED' } });
    expect((await app.deps.services.auth.login(handler.username, PASSWORD, 'test-after-rotation', totp.generate({ timestamp: Date.now() + 30_000 }))).token).toBeTruthy();
    for (const doc of await app.deps.database.db.collection<ReportDoc>('reports').find({}).toArray()) {
      expect(() => assertEnvelope(integrity, doc)).not.toThrow();
      expect(doc.indexKeyId).toBe(app.deps.crypto.indexKeyId);
    }
    // A user signs in again (the old sessions were keyed hashes of tokens: they end with the old key).
    expect(await app.deps.services.auth.authenticate(handler.token)).toBeNull();
    const { token } = await app.deps.services.auth.login(supervisor.username, PASSWORD, 'test-after-rotation');
    expect(await app.deps.services.auth.authenticate(token)).toMatchObject({ kind: 'staff' });
    // Search finds the old report under the new index key by a part of its subject's name: the rotation filed those terms too.
    const bySurname = await app.gql(`query { searchReports(filter: { subjectName: "Rashid" }) { edges { node { matches report { id } } } } }`, {}, token);
    expect(bySurname.errors).toBeUndefined();
    expect(bySurname.data.searchReports.edges.map((e: any) => [e.node.report.id, e.node.matches])).toEqual([[first.id, ['subjectName:NAME_PART']]]);
    // And by a part in another script, through the consonant skeleton the rotation filed under its script's code (Ahmed: the Latin one).
    const byArabic = await app.gql(`query { searchReports(filter: { subjectName: "أحمد" }) { edges { node { matches report { id } } } } }`, {}, token);
    expect(byArabic.errors).toBeUndefined();
    expect(byArabic.data.searchReports.edges.map((e: any) => [e.node.report.id, e.node.matches])).toEqual([[first.id, ['subjectName:NAME_PART_PHONETIC']]]);
    // Linking finds the old reports by their re-indexed terms; the re-keyed edges are found.
    const handler2 = await createStaff(app, 'CALL_HANDLER');
    const fourth = await record(handler2.token, 4);
    expect(await triageProcessorOf(app.deps).route(fourth.id)).toBe('routed');
    for (const old of [first.id, second.id, third.id]) expect(await app.deps.reports.findLinkEdge(old, fourth.id)).not.toBeNull();
    expect(await app.deps.reports.findLinkEdge(first.id, second.id)).not.toBeNull();
    expect((await findReport(app, first.id)).status).not.toBe('INTAKE');
    // The audit chain's old entries were chained under the old key: without it they do not verify...
    expect((await app.deps.services.audit.verify()).valid).toBe(false);

    // ...so the old audit key stays listed as a verification key for that prefix (anchored by the checkpoint
    // keys:rotate wrote before re-sealing); with it, the whole chain verifies.
    await restart({ HOTLINE_AUDIT_KEY: audit2, HOTLINE_PREVIOUS_AUDIT_KEYS: audit1, HOTLINE_INDEX_KEY: index2 });
    expect((await app.deps.services.audit.verify()).valid).toBe(true);
  }, 120_000); // four boots and three CLI runs, each report change chaining its audit event
});
