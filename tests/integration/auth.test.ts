import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff, PASSWORD } from '../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { id username roles desk } } }`;
const ME = `{ me { __typename ... on User { username roles desk } ... on PartnerOrganisation { name } } }`;

let app: TestApp;

beforeAll(async () => {
  app = await bootApp({ env: { LOGIN_MAX_FAILURES_PER_USER: '3', LOGIN_MAX_FAILURES_PER_CLIENT: '50' } });
});
afterAll(() => app?.close());

describe('sign-in', () => {
  it('logs in, answers me, and logs out', async () => {
    const { username } = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const res = await app.gql(LOGIN, { u: username, p: PASSWORD });
    expect(res.errors).toBeUndefined();
    const { token, expiresAt, user } = res.data.login;
    expect(token).toMatch(/^hlt_/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(user).toMatchObject({ username, roles: ['INVESTIGATOR'], desk: 'SO13' });

    const me = await app.gql(ME, {}, token);
    expect(me.data.me).toEqual({ __typename: 'User', username, roles: ['INVESTIGATOR'], desk: 'SO13' });

    const out = await app.gql('mutation { logout }', {}, token);
    expect(out.data.logout).toBe(true);
    expect((await app.gql(ME, {}, token)).data.me).toBeNull();
  });

  it('stores only a hash of the token', async () => {
    const { token } = await createStaff(app, 'AUDITOR');
    const sessions = await app.deps.database.db.collection('sessions').find({}).toArray();
    expect(JSON.stringify(sessions)).not.toContain(token);
  });

  it('answers unknown user and wrong password the same way', async () => {
    const { username } = await createStaff(app, 'CALL_HANDLER');
    const wrong = await app.gql(LOGIN, { u: username, p: 'not the password' });
    const unknown = await app.gql(LOGIN, { u: 'nobody-at-all', p: 'whatever it is' });
    for (const r of [wrong, unknown]) {
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  it('rejects an expired session', async () => {
    const { token } = await createStaff(app, 'SUPERVISOR');
    expect((await app.gql(ME, {}, token)).data.me).not.toBeNull();
    await app.deps.database.db.collection('sessions').updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await app.gql(ME, {}, token)).data.me).toBeNull();
    const res = await app.gql('{ users { id } }', {}, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rate-limits failed logins per username and client, even with the right password afterwards', async () => {
    const { username } = await createStaff(app, 'CALL_HANDLER');
    for (let i = 0; i < 3; i++) await app.gql(LOGIN, { u: username, p: 'wrong password!' });
    const blocked = await app.gql(LOGIN, { u: username, p: PASSWORD });
    expect(blocked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(blocked.errors?.[0]?.message).toMatch(/Too many/);
    const audit = await app.deps.database.db.collection('audit').find({ action: 'auth.login', outcome: 'failure', 'details.username': username }).toArray();
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });

  it('stops a disabled user at once, including live tokens', async () => {
    const { token, username } = await createStaff(app, 'INVESTIGATOR', 'SO12');
    expect((await app.gql(ME, {}, token)).data.me.username).toBe(username);
    await app.deps.services.auth.disableUser(username, 'cli');
    expect((await app.gql(ME, {}, token)).data.me).toBeNull();
    const again = await app.gql(LOGIN, { u: username, p: PASSWORD });
    expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets an admin revoke sessions over GraphQL', async () => {
    const admin = await createStaff(app, 'ADMIN');
    const victim = await createStaff(app, 'CALL_HANDLER');
    const res = await app.gql('mutation($u: String!) { revokeSessions(username: $u) }', { u: victim.username }, admin.token);
    expect(res.data.revokeSessions).toBe(1);
    expect((await app.gql(ME, {}, victim.token)).data.me).toBeNull();
  });
});

describe('partner API keys', () => {
  it('authenticates a partner by key, and stops after revocation', async () => {
    const { apiKey, name } = await createPartner(app);
    const me = await app.gql(ME, {}, apiKey);
    expect(me.data.me).toEqual({ __typename: 'PartnerOrganisation', name });
    const stored = await app.deps.database.db.collection('partners').find({}).toArray();
    expect(JSON.stringify(stored)).not.toContain(apiKey);
    await app.deps.services.auth.revokePartner(name, 'cli');
    expect((await app.gql(ME, {}, apiKey)).data.me).toBeNull();
  });

  it('treats forged and malformed credentials as anonymous', async () => {
    for (const bad of ['hlp_' + 'A'.repeat(43), 'hlt_short', 'garbage', 'x'.repeat(5000)]) {
      expect((await app.gql(ME, {}, bad)).data.me).toBeNull();
    }
  });

  it('keeps admin operations to admins', async () => {
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const { apiKey } = await createPartner(app);
    const q = '{ users { username } }';
    expect((await app.gql(q)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await app.gql(q, {}, investigator.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(q, {}, apiKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await createStaff(app, 'ADMIN');
    expect((await app.gql(q, {}, admin.token)).data.users.length).toBeGreaterThan(0);
  });
});
