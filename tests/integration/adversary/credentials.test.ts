/**
 * Trust review (second), item 1: a database writer without HOTLINE_AUDIT_KEY
 * took over a supervisor by replacing their password hash, deleting their
 * second factor, signing in and enrolling an authenticator of their own.
 * Every credential is now bound to its user under the audit key: the password
 * hash, whether the user enrolled and which seed is theirs (in the user
 * record's MAC), the second-factor document and its recovery codes (its own
 * MAC), and the single sign-on link. Each attack below answers DATA_INTEGRITY
 * with the "sign-in unavailable" message, and is logged and audited; records
 * of the old shape are re-sealed once at start-up and still sign in.
 */
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_MIGRATION } from '../../../src/auth/credential-migration.js';
import { legacyUserBody, SECOND_FACTOR_PART, USER_SEAL_PART, userSeal } from '../../../src/auth/seal.js';
import { SIGN_IN_UNAVAILABLE } from '../../../src/auth/service.js';
import type { Role } from '../../../src/auth/types.js';
import { bootApp, type GqlResult, type TestApp } from '../../support/app.js';
import { createUserWithRoles, factoryRequester, PASSWORD } from '../../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const BEGIN = `mutation($ticket: String) { beginMfaEnrolment(enrolmentTicket: $ticket) { otpauthUri } }`;
const CONFIRM = `mutation($code: String!, $ticket: String) { confirmMfaEnrolment(code: $code, enrolmentTicket: $ticket) { recoveryCodes } }`;
const ME = `{ me { __typename ... on User { username roles } } }`;
const ATTACKER_PASSWORD = 'the attacker knows this one';

let app: TestApp;
const lines: string[] = [];
const db = () => app.deps.database.db;
const users = () => db().collection('users');
const mfa = () => db().collection('mfa');
const codeAt = (totp: TOTP, steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 });

beforeAll(async () => {
  app = await bootApp({ env: { MFA_REQUIRED_ROLES: 'SUPERVISOR', LOG_LEVEL: 'info', LOGIN_MAX_FAILURES_PER_CLIENT: '500' }, logDestination: { write: (line: string) => void lines.push(line) } });
});
afterAll(() => app?.close());

/** A user who enrolled their own authenticator at first sign-in (the enrolment ticket path); returns it and the recovery codes. */
async function enrolled(roles: Role[] = ['SUPERVISOR'], on: TestApp = app) {
  const username = `cred-${randomUUID().slice(0, 8)}`;
  const user = await createUserWithRoles(on.deps, { username, password: PASSWORD, roles, desk: null });
  const first = await on.gql(LOGIN, { u: username, p: PASSWORD });
  const ticket = (first.errors?.[0]?.extensions as { enrolmentTicket?: string } | undefined)?.enrolmentTicket;
  const begun = await on.gql(BEGIN, { ticket });
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  const confirmed = await on.gql(CONFIRM, { code: codeAt(totp), ticket });
  expect(confirmed.errors).toBeUndefined();
  return { id: user.id, username, totp, recoveryCodes: confirmed.data.confirmMfaEnrolment.recoveryCodes as string[] };
}

const integrityFailures = (userId: string) => db().collection('audit').find({ action: 'auth.integrity_failure', 'target.id': userId }).toArray();

/** The sign-in was refused as "unavailable", with no session, and the failure audited naming `part`. */
async function expectRefused(res: GqlResult<any>, userId: string, part: string) {
  expect(res.data?.login ?? null).toBeNull();
  expect(res.errors?.[0]?.message).toBe(SIGN_IN_UNAVAILABLE);
  expect(res.errors?.[0]?.extensions).toEqual({ code: 'DATA_INTEGRITY' });
  expect(await db().collection('sessions').countDocuments({ userId })).toBe(0);
  expect((await integrityFailures(userId)).map((e) => e.details.part)).toContain(part);
  expect(lines.some((l) => l.includes('integrity failure') && l.includes(userId))).toBe(true);
}

/** Ends every session of the user (the attacks below start from a signed-out account). */
const signOutEverywhere = (userId: string) => db().collection('sessions').deleteMany({ userId });

describe('a database writer without the audit key', () => {
  it('cannot sign in with a password hash of their own, nor delete the second factor to enrol theirs (the review\'s attack)', async () => {
    const sup = await enrolled();
    await signOutEverywhere(sup.id);
    await users().updateOne({ _id: sup.id as never }, { $set: { passwordHash: await argon2.hash(ATTACKER_PASSWORD) } });
    await mfa().deleteOne({ _id: sup.id as never });
    const res = await app.gql(LOGIN, { u: sup.username, p: ATTACKER_PASSWORD });
    await expectRefused(res, sup.id, USER_SEAL_PART);
    expect(JSON.stringify(res)).not.toContain('enrolmentTicket');
  });

  it('cannot replace the password hash of an account with no second factor', async () => {
    const username = `cred-${randomUUID().slice(0, 8)}`;
    const handler = await createUserWithRoles(app.deps, { username, password: PASSWORD, roles: ['CALL_HANDLER'], desk: null });
    await users().updateOne({ _id: handler.id as never }, { $set: { passwordHash: await argon2.hash(ATTACKER_PASSWORD) } });
    await expectRefused(await app.gql(LOGIN, { u: username, p: ATTACKER_PASSWORD }), handler.id, USER_SEAL_PART);
  });

  it('deleting an enrolled user\'s second factor answers DATA_INTEGRITY, never "enrol now"', async () => {
    const sup = await enrolled();
    await mfa().deleteOne({ _id: sup.id as never });
    const res = await app.gql(LOGIN, { u: sup.username, p: PASSWORD });
    await expectRefused(res, sup.id, SECOND_FACTOR_PART);
    expect(res.errors?.[0]?.extensions).not.toHaveProperty('mfa');
    // Nor can the enrolment be begun some other way: there is no ticket, and the record says enrolled.
    expect((await app.gql(BEGIN, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("refuses another user's second factor moved onto an account (their authenticator, their recovery codes)", async () => {
    const [attacker, victim] = [await enrolled(), await enrolled()];
    const theirs = (await mfa().findOne({ _id: attacker.id as never }))!;
    await mfa().replaceOne({ _id: victim.id as never }, { ...theirs, _id: victim.id });
    await expectRefused(await app.gql(LOGIN, { u: victim.username, p: PASSWORD, t: codeAt(attacker.totp, 1) }), victim.id, SECOND_FACTOR_PART);
  });

  it('refuses a second factor rolled back to an earlier enrolment (an old device the writer kept)', async () => {
    const sup = await enrolled();
    const old = (await mfa().findOne({ _id: sup.id as never }))!;
    // The factor is reset (lost phone) and the user enrols a new device.
    await app.deps.services.mfa.reset(sup.username, await factoryRequester(app.deps)); // as approved by a second admin
    const again = await app.gql(LOGIN, { u: sup.username, p: PASSWORD });
    const ticket = (again.errors?.[0]?.extensions as { enrolmentTicket: string }).enrolmentTicket;
    const totp = URI.parse((await app.gql(BEGIN, { ticket })).data.beginMfaEnrolment.otpauthUri) as TOTP;
    expect((await app.gql(CONFIRM, { code: codeAt(totp), ticket })).errors).toBeUndefined();
    // The writer puts the old document back and signs in with the old device's code.
    await mfa().replaceOne({ _id: sup.id as never }, old);
    await expectRefused(await app.gql(LOGIN, { u: sup.username, p: PASSWORD, t: codeAt(sup.totp, 1) }), sup.id, SECOND_FACTOR_PART);
  });

  it('refuses recovery codes swapped in from another account', async () => {
    const [attacker, victim] = [await enrolled(), await enrolled()];
    const theirs = (await mfa().findOne({ _id: attacker.id as never }))!;
    const own = (await mfa().findOne({ _id: victim.id as never }))!;
    // (A replace: FerretDB 1.24 leaves a `$set` of a whole sub-document with other keys unapplied here.)
    expect((await mfa().replaceOne({ _id: victim.id as never }, { ...own, recoveryCodes: theirs.recoveryCodes })).modifiedCount).toBe(1);
    await expectRefused(await app.gql(LOGIN, { u: victim.username, p: PASSWORD, t: attacker.recoveryCodes[0] }), victim.id, SECOND_FACTOR_PART);
    // The victim's own authenticator is refused too until an administrator looks: the document is not theirs as stored.
    expect((await app.gql(LOGIN, { u: victim.username, p: PASSWORD, t: codeAt(victim.totp, 1) })).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
  });

  it('refuses a single sign-on link moved to another account, and a password hash added to an SSO account', async () => {
    // Two SSO users as provisioning makes them (src/auth/oidc.ts): no password, the IdP link under the MAC.
    const integrity = app.deps.crypto.integrity;
    const make = async (sub: string, roles: Role[]) => {
      const fields = { _id: `oidc:${randomUUID()}`, username: `sso.${sub}`, roles, desk: null, disabled: false, passwordHash: '', secondFactor: null, oidc: { issuer: 'https://idp.example', sub } };
      const now = new Date();
      await users().insertOne({ ...fields, createdAt: now, updatedAt: now, mac: userSeal(integrity, fields) } as never);
      return { ...fields, token: (await app.deps.services.auth.startSession(fields)).token };
    };
    const [sup, handler] = [await make(`sup-${randomUUID().slice(0, 6)}`, ['SUPERVISOR']), await make(`ch-${randomUUID().slice(0, 6)}`, ['CALL_HANDLER'])];
    expect((await app.gql(ME, {}, sup.token)).data.me.username).toBe(sup.username);
    await users().updateOne({ _id: sup._id as never }, { $set: { oidc: handler.oidc } });
    await users().updateOne({ _id: handler._id as never }, { $set: { oidc: sup.oidc } });
    for (const who of [sup, handler]) expect((await app.gql(ME, {}, who.token)).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');

    const other = await make(`sup-${randomUUID().slice(0, 6)}`, ['SUPERVISOR']);
    await signOutEverywhere(other._id);
    await users().updateOne({ _id: other._id as never }, { $set: { passwordHash: await argon2.hash(ATTACKER_PASSWORD) } });
    await expectRefused(await app.gql(LOGIN, { u: other.username, p: ATTACKER_PASSWORD }), other._id, USER_SEAL_PART);
  });

  it('the enrolled user signs in as before, with their authenticator and a recovery code', async () => {
    const sup = await enrolled();
    expect((await app.gql(LOGIN, { u: sup.username, p: PASSWORD, t: codeAt(sup.totp, 1) })).errors).toBeUndefined();
    expect((await app.gql(LOGIN, { u: sup.username, p: PASSWORD, t: sup.recoveryCodes[3] })).errors).toBeUndefined();
  });
});

describe('records of the shape before credentials were bound', () => {
  it('are re-sealed once at start-up and still sign in; one tampered before the upgrade stays refused', async () => {
    const integrity = app.deps.crypto.integrity;
    const sup = await enrolled();
    const plain = `plain-${randomUUID().slice(0, 8)}`;
    const plainUser = await createUserWithRoles(app.deps, { username: plain, password: PASSWORD, roles: ['CALL_HANDLER'], desk: null });
    const tampered = `tampered-${randomUUID().slice(0, 8)}`;
    const tamperedUser = await createUserWithRoles(app.deps, { username: tampered, password: PASSWORD, roles: ['CALL_HANDLER'], desk: null });

    // Rewrite them as the previous release stored them: the MAC over (id, username, roles, desk, disabled)
    // only, no `secondFactor`, an `mfa` document with no MAC.
    for (const id of [sup.id, plainUser.id, tamperedUser.id]) {
      const u = (await users().findOne({ _id: id as never }))!;
      await users().updateOne({ _id: id as never }, { $set: { mac: integrity.mac('userRecord', legacyUserBody(u as never)) }, $unset: { secondFactor: '', mustChangePassword: '' } });
    }
    await mfa().updateOne({ _id: sup.id as never }, { $unset: { seal: '' } });
    // And one was tampered with before the upgrade: its roles no longer match its old MAC.
    await users().updateOne({ _id: tamperedUser.id as never }, { $set: { roles: ['SUPERVISOR'] } });
    await db().collection('migrations').deleteOne({ _id: CREDENTIALS_MIGRATION as never });
    // Without the upgrade, the old shape fails the new MAC: nobody would sign in.
    expect((await app.gql(LOGIN, { u: plain, p: PASSWORD })).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');

    // The next start (a second process on the same database and keys) runs the upgrade.
    const restarted = await bootApp({ env: { ...app.env } });
    try {
      expect((await restarted.gql(LOGIN, { u: plain, p: PASSWORD })).errors).toBeUndefined();
      expect((await restarted.gql(LOGIN, { u: sup.username, p: PASSWORD, t: codeAt(sup.totp, 1) })).errors).toBeUndefined();
      expect((await restarted.gql(LOGIN, { u: tampered, p: PASSWORD })).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
      const resealed = await db().collection('audit').find({ action: 'auth.credentials_reseal' }).toArray();
      expect(resealed.map((e) => e.target.id).sort()).toEqual([sup.id, plainUser.id].sort());
      expect(await db().collection('migrations').countDocuments({ _id: CREDENTIALS_MIGRATION as never })).toBe(1);

      // After the upgrade the enrolled user's factor is bound like any other: deleting it is DATA_INTEGRITY.
      await mfa().deleteOne({ _id: sup.id as never });
      const res = await restarted.gql(LOGIN, { u: sup.username, p: PASSWORD });
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'DATA_INTEGRITY' });
    } finally {
      await restarted.api.close(2_000);
      await restarted.deps.close();
    }
  });
});
