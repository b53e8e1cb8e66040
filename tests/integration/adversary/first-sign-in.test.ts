/**
 * Trust review (second), item 16 and the last clause of item 4: an account an
 * admin creates opens no session with the password the admin chose. Its
 * first sign-in answers with a ticket to choose the holder's own password;
 * only that password signs in (and, where the role needs one, the holder
 * enrols their own second factor next). So the creating admin never knows a
 * credential that works.
 */
import { randomUUID } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { approveAsSecondAdmin, createStaff, PASSWORD } from '../../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const CREATE_USER = `mutation($u: String!, $p: String!, $r: [Role!]!) { createUser(username: $u, password: $p, roles: $r) { id username roles } }`;
const SET = `mutation($t: String!, $p: String!) { setInitialPassword(passwordTicket: $t, newPassword: $p) }`;
const GIVEN = 'the password the admin chose';
const OWN = 'the holder chose this one';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp({ env: { MFA_REQUIRED_ROLES: 'AUDITOR' } });
});
afterAll(() => app?.close());

it('opens no session with the password the creating admin chose; the holder chooses their own, then enrols their own factor', async () => {
  const admin = await createStaff(app, 'ADMIN');
  const username = `new-${randomUUID().slice(0, 8)}`;
  const created = await app.gql(CREATE_USER, { u: username, p: GIVEN, r: ['CALL_HANDLER'] }, admin.token);
  expect(created.errors).toBeUndefined();
  const userId = created.data.createUser.id as string;

  // The admin (or anyone) signing in with the given password gets no session, only the ticket.
  const first = await app.gql(LOGIN, { u: username, p: GIVEN });
  expect(first.data?.login ?? null).toBeNull();
  const ext = first.errors![0]!.extensions as { code: string; passwordChange: string; passwordTicket: string };
  expect(ext).toMatchObject({ code: 'UNAUTHENTICATED', passwordChange: 'REQUIRED' });
  expect(ext.passwordTicket).toMatch(/^hlp_/);
  expect(await app.deps.database.db.collection('sessions').countDocuments({ userId })).toBe(0);
  // consoleSignIn answers the same, and sets no cookie.
  const consoleRes = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation($u: String!, $p: String!) { consoleSignIn(username: $u, password: $p) { expiresAt } }`, variables: { u: username, p: GIVEN } }) });
  expect((await consoleRes.json()).errors[0].extensions.passwordChange).toBe('REQUIRED');
  expect(consoleRes.headers.get('set-cookie')).toBeNull();
  // A made-up ticket sets nothing; the given password cannot be kept.
  expect((await app.gql(SET, { t: 'hlp_made-up', p: OWN })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await app.gql(SET, { t: ext.passwordTicket, p: GIVEN })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

  expect((await app.gql(SET, { t: ext.passwordTicket, p: OWN })).data).toEqual({ setInitialPassword: true });
  // The ticket is spent, the given password is dead, the holder's own signs in.
  expect((await app.gql(SET, { t: ext.passwordTicket, p: `${OWN} again` })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await app.gql(LOGIN, { u: username, p: GIVEN })).errors?.[0]?.message).toBe('Sign-in failed');
  expect((await app.gql(LOGIN, { u: username, p: OWN })).errors).toBeUndefined();
  const changes = await app.deps.database.db.collection('audit').find({ action: 'auth.password_change', 'target.id': userId }).toArray();
  expect(changes.map((e) => [e.actor.id, e.details.initial])).toEqual([[userId, true]]);
});

it('a role that needs a second factor: after choosing the password, the holder enrols their own authenticator before any session', async () => {
  const admin = await createStaff(app, 'ADMIN');
  const username = `aud-${randomUUID().slice(0, 8)}`;
  expect((await app.gql(CREATE_USER, { u: username, p: GIVEN, r: ['AUDITOR'] }, admin.token)).errors).toBeUndefined();
  // The role needs a second admin's approval (src/auth/separation.ts); the factory's approver gives it.
  const grants = (await app.gql(`{ pendingRoleGrants { id username } }`, {}, admin.token)).data.pendingRoleGrants as { id: string; username: string }[];
  await approveAsSecondAdmin(app.deps, grants.find((g) => g.username === username)!.id);
  const ticket = ((await app.gql(LOGIN, { u: username, p: GIVEN })).errors![0]!.extensions as { passwordTicket: string }).passwordTicket;
  expect((await app.gql(SET, { t: ticket, p: OWN })).errors).toBeUndefined();
  const next = await app.gql(LOGIN, { u: username, p: OWN });
  const enrol = next.errors![0]!.extensions as { mfa: string; enrolmentTicket: string };
  expect(enrol.mfa).toBe('ENROL');
  const begun = await app.gql(`mutation($t: String) { beginMfaEnrolment(enrolmentTicket: $t) { otpauthUri } }`, { t: enrol.enrolmentTicket });
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  expect((await app.gql(`mutation($c: String!, $t: String) { confirmMfaEnrolment(code: $c, enrolmentTicket: $t) { recoveryCodes } }`, { c: totp.generate(), t: enrol.enrolmentTicket })).errors).toBeUndefined();
  expect((await app.gql(LOGIN, { u: username, p: OWN, t: totp.generate({ timestamp: Date.now() + 30_000 }) })).errors).toBeUndefined();
});

it('the flag is under the record\'s MAC: a database writer clearing it does not let the given password in', async () => {
  const admin = await createStaff(app, 'ADMIN');
  const username = `flag-${randomUUID().slice(0, 8)}`;
  const created = await app.gql(CREATE_USER, { u: username, p: GIVEN, r: ['CALL_HANDLER'] }, admin.token);
  await app.deps.database.db.collection('users').updateOne({ _id: created.data.createUser.id }, { $set: { mustChangePassword: false } });
  expect((await app.gql(LOGIN, { u: username, p: GIVEN })).errors?.[0]?.extensions?.code).toBe('DATA_INTEGRITY');
});

it('the very first admin, made on the host with no admin yet, signs in with the password they chose (no one else knows it)', async () => {
  const fresh = await bootApp();
  try {
    await fresh.deps.services.auth.createUser({ username: 'first.admin', password: PASSWORD, roles: ['ADMIN'] }, 'cli');
    expect((await fresh.gql(LOGIN, { u: 'first.admin', p: PASSWORD })).errors).toBeUndefined();
  } finally {
    await fresh.close();
  }
});
