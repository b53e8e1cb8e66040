/**
 * The second factor on the real app: TOTP enrolment (signed in, and with the
 * ticket a sign-in hands a user whose role requires one), sign-in with a
 * code, a replayed code refused, recovery codes used once, admin reset, and
 * the seed never stored in clear. Codes are computed here with the same
 * RFC 6238 library from the enrolment URI, as an authenticator app would.
 */
import { Binary } from 'mongodb';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff, createUserWithRoles, PASSWORD } from '../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const BEGIN = `mutation($ticket: String) { beginMfaEnrolment(enrolmentTicket: $ticket) { otpauthUri secret qrSvg } }`;
const CONFIRM = `mutation($code: String!, $ticket: String) { confirmMfaEnrolment(code: $code, enrolmentTicket: $ticket) { recoveryCodes } }`;
const STATUS = `{ mySecondFactor { enrolled required recoveryCodesLeft } }`;

let app: TestApp;

beforeAll(async () => {
  app = await bootApp({ env: { MFA_REQUIRED_ROLES: 'AUDITOR', LOGIN_MAX_FAILURES_PER_USER: '50', LOGIN_MAX_FAILURES_PER_CLIENT: '500' } });
});
afterAll(() => app?.close());

/** The code an authenticator shows `steps` periods from now (the server accepts one step of drift). */
const codeAt = (totp: TOTP, steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 });
const auditOf = (userId: string, action: string) => app.deps.database.db.collection('audit').find({ action, 'actor.id': userId }).sort({ seq: 1 }).toArray();

/** Enrols a signed-in user; returns their authenticator and recovery codes. */
async function enrol(token: string) {
  const begun = await app.gql(BEGIN, {}, token);
  expect(begun.errors).toBeUndefined();
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  const confirmed = await app.gql(CONFIRM, { code: codeAt(totp) }, token);
  expect(confirmed.errors).toBeUndefined();
  return { totp, recoveryCodes: confirmed.data.confirmMfaEnrolment.recoveryCodes as string[], begun: begun.data.beginMfaEnrolment };
}

describe('TOTP enrolment and sign-in', () => {
  it('enrols with a QR code, confirmed by a first code, and stores the seed only sealed', async () => {
    const { user, token } = await createStaff(app, 'CALL_HANDLER');
    const begun = await app.gql(BEGIN, {}, token);
    const { otpauthUri, secret, qrSvg } = begun.data.beginMfaEnrolment;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Hotline:.+\?.*secret=/);
    expect(qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const totp = URI.parse(otpauthUri) as TOTP;
    expect(totp.secret.base32).toBe(secret);

    // Not active before it is confirmed, and a wrong first code does not confirm it.
    expect((await app.gql(STATUS, {}, token)).data.mySecondFactor).toEqual({ enrolled: false, required: false, recoveryCodesLeft: 0 });
    const wrong = await app.gql(CONFIRM, { code: codeAt(totp) === '000000' ? '111111' : '000000' }, token);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const confirmed = await app.gql(CONFIRM, { code: codeAt(totp) }, token);
    const codes: string[] = confirmed.data.confirmMfaEnrolment.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect((await app.gql(STATUS, {}, token)).data.mySecondFactor).toEqual({ enrolled: true, required: false, recoveryCodesLeft: 10 });

    const stored = await app.deps.database.db.collection('mfa').findOne({ _id: user.id as never });
    expect(stored!.secret).toBeInstanceOf(Binary);
    const raw = JSON.stringify(stored) + Buffer.from((stored!.secret as Binary).value()).toString('latin1');
    expect(raw).not.toContain(secret);
    expect(Buffer.from((stored!.secret as Binary).value()).includes(Buffer.from(totp.secret.bytes))).toBe(false);
    for (const c of codes) expect(raw).not.toContain(c);
    expect((await auditOf(user.id, 'auth.mfa_enrol')).length).toBe(1);
  });

  it('asks for the code after the password, signs in with it, and refuses it replayed', async () => {
    const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
    const { totp } = await enrol(token);

    const noCode = await app.gql(LOGIN, { u: username, p: PASSWORD });
    expect(noCode.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', mfa: 'REQUIRED' });

    const bad = await app.gql(LOGIN, { u: username, p: PASSWORD, t: codeAt(totp) === '123456' ? '654321' : '123456' });
    const badPassword = await app.gql(LOGIN, { u: username, p: 'not the password at all', t: codeAt(totp, 1) });
    // The enrolment used this step: a code of the next one signs in.
    const code = codeAt(totp, 1);
    const ok = await app.gql(LOGIN, { u: username, p: PASSWORD, t: code });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.login.token).toMatch(/^hlt_/);
    const replayed = await app.gql(LOGIN, { u: username, p: PASSWORD, t: code });

    // Wrong code, replayed code, wrong password: one answer, nothing about which part failed.
    for (const r of [bad, replayed, badPassword]) {
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(r.errors?.[0]?.message).toBe(badPassword.errors?.[0]?.message);
    }
    const reasons = (await auditOf(user.id, 'auth.login')).filter((e) => e.outcome === 'failure').map((e) => e.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(['mfa_code_needed', 'mfa_wrong_code', 'mfa_replayed_code', 'bad_password']));
  });

  it('accepts each recovery code once, in place of a code', async () => {
    const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
    const { recoveryCodes } = await enrol(token);
    const used = recoveryCodes[3]!;
    const first = await app.gql(LOGIN, { u: username, p: PASSWORD, t: used.toLowerCase() });
    expect(first.errors).toBeUndefined();
    const again = await app.gql(LOGIN, { u: username, p: PASSWORD, t: used });
    expect(again.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const made = await app.gql(LOGIN, { u: username, p: PASSWORD, t: 'ABCDE-FGHJK' });
    expect(made.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect((await app.gql(STATUS, {}, first.data.login.token)).data.mySecondFactor.recoveryCodesLeft).toBe(9);
    const uses = await app.deps.database.db.collection('audit').find({ action: 'auth.mfa_recovery_use', 'target.id': user.id }).toArray();
    expect(uses.map((u) => u.details.recoveryCodesLeft)).toEqual([9]);
  });

  it('hands a user whose role requires a second factor an enrolment ticket instead of a session', async () => {
    const username = `auditor-${Date.now()}`;
    await createUserWithRoles(app.deps, { username, password: PASSWORD, roles: ['AUDITOR'], desk: null });
    const first = await app.gql(LOGIN, { u: username, p: PASSWORD });
    expect(first.data).toBeNull();
    const ext = first.errors?.[0]?.extensions as { code: string; mfa: string; enrolmentTicket: string };
    expect(ext).toMatchObject({ code: 'UNAUTHENTICATED', mfa: 'ENROL' });
    expect(ext.enrolmentTicket).toMatch(/^hle_/);
    expect(await app.deps.database.db.collection('sessions').countDocuments({})).toBeGreaterThan(0); // others' sessions; none is this user's:
    const user = await app.deps.database.db.collection('users').findOne({ username });
    expect(await app.deps.database.db.collection('sessions').countDocuments({ userId: user!._id })).toBe(0);

    expect((await app.gql(BEGIN, { ticket: 'hle_not-a-real-ticket' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const begun = await app.gql(BEGIN, { ticket: ext.enrolmentTicket });
    const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
    const confirmed = await app.gql(CONFIRM, { code: codeAt(totp), ticket: ext.enrolmentTicket });
    expect(confirmed.data.confirmMfaEnrolment.recoveryCodes).toHaveLength(10);
    // The ticket is spent.
    expect((await app.gql(BEGIN, { ticket: ext.enrolmentTicket })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const ok = await app.gql(LOGIN, { u: username, p: PASSWORD, t: codeAt(totp, 1) });
    expect(ok.errors).toBeUndefined();
    expect((await app.gql(STATUS, {}, ok.data.login.token)).data.mySecondFactor).toMatchObject({ enrolled: true, required: true });
  });

  it('lets an admin reset a lost second factor, audited', async () => {
    const { user, token, username } = await createStaff(app, 'CALL_HANDLER');
    await enrol(token);
    const [admin, second] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'ADMIN')];
    const res = await app.gql(`mutation($u: String!) { resetMfa(username: $u, reason: "Lost phone") { id kind status } }`, { u: username }, admin.token);
    expect(res.data.resetMfa).toMatchObject({ kind: 'RESET_SECOND_FACTOR', status: 'pending' });
    // Nothing is removed before a second admin approves.
    expect((await app.gql(LOGIN, { u: username, p: PASSWORD })).errors?.[0]?.extensions?.mfa).toBe('REQUIRED');
    const approved = await app.gql(`mutation($id: ID!, $p: String!) { approveRoleGrant(id: $id, password: $p) { status } }`, { id: res.data.resetMfa.id, p: PASSWORD }, second.token);
    expect(approved.data?.approveRoleGrant).toEqual({ status: 'approved' });
    const entries = await app.deps.database.db.collection('audit').find({ action: 'admin.mfa_reset', 'target.id': user.id }).toArray();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor).toMatchObject({ type: 'user', id: second.user.id });
    expect(entries[0]!.details).toMatchObject({ hadSecondFactor: true });
    // CALL_HANDLER needs no second factor here: the password alone signs in again.
    expect((await app.gql(LOGIN, { u: username, p: PASSWORD })).errors).toBeUndefined();
    // Only admins may reset.
    expect((await app.gql(`mutation($u: String!) { resetMfa(username: $u, reason: "x") { id } }`, { u: username }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("refuses a seed moved onto another user's record (the envelope is bound to its user)", async () => {
    const a = await createStaff(app, 'CALL_HANDLER');
    const b = await createStaff(app, 'CALL_HANDLER');
    const { totp } = await enrol(a.token);
    await enrol(b.token);
    const mfa = app.deps.database.db.collection('mfa');
    const stolen = await mfa.findOne({ _id: a.user.id as never });
    await mfa.updateOne({ _id: b.user.id as never }, { $set: { secret: stolen!.secret, lastStep: 0 } });
    const res = await app.gql(LOGIN, { u: b.username, p: PASSWORD, t: codeAt(totp, 1) });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
  });
});
