/**
 * Single sign-on against a real OpenID Provider (oidc-provider) on
 * 127.0.0.1: the browser's path is driven with fetch and manual redirects,
 * signing in on the provider's own login form. Covers provisioning with
 * mapped roles and desk, a later sign-in updating them, a user disabled here
 * staying out, role sets the separation rules forbid, and tampering: a
 * replayed, expired or foreign state, a code swapped into another sign-in
 * (wrong PKCE verifier), a code issued to another client, and a code from
 * another issuer. Every refusal reaches the browser as the same
 * `?sso_error=UNAUTHENTICATED` and is audited with its reason. An IdP that
 * is down sends the browser back with SERVICE_UNAVAILABLE and local
 * accounts still sign in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff, PASSWORD } from '../support/factories.js';
import { browser, deadPort, OIDC_CLIENT, OTHER_CLIENT, startTestIdp, type TestIdp } from '../support/oidc-provider.js';

const ROLE_MAP = 'hotline-so12=INVESTIGATOR:SO12,hotline-so13=INVESTIGATOR:SO13,hotline-supervisors=SUPERVISOR,hotline-calls=CALL_HANDLER,hotline-audit=AUDITOR';
const oidcEnv = (issuer: string) => ({
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: OIDC_CLIENT.id,
  OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
  OIDC_SCOPES: 'openid profile groups',
  OIDC_ROLE_MAP: ROLE_MAP,
  OIDC_LABEL: 'Force ID',
});
const SESSION = '{ consoleSession { user { id username roles desk } } }';

describe('OIDC single sign-on', () => {
  let idp: TestIdp;
  let app: TestApp;
  let origin: string;
  let refused: string;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await bootApp({ env: oidcEnv(idp.issuer) });
    origin = new URL(app.url).origin;
    refused = `${origin}/?sso_error=UNAUTHENTICATED`;
    idp.configure(`${origin}/auth/oidc/callback`);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  const start = async (b: ReturnType<typeof browser>) => {
    const r = await b.request(`${origin}/auth/oidc/start`);
    expect(r.status).toBe(303);
    expect(r.location!.startsWith(`${idp.issuer}/`)).toBe(true);
    return r.location!;
  };
  /** The whole path: console → IdP login → callback; returns the callback's answer. */
  const signIn = async (accountId: string, b = browser()) => {
    const callback = await b.signInAtIdp(await start(b), accountId);
    return { b, callback, answer: await b.request(callback) };
  };
  const sessionOf = async (b: ReturnType<typeof browser>) => {
    const token = b.cookie(origin, 'hotline_session');
    if (!token) return null;
    return (await app.gql(SESSION, {}, token)).data?.consoleSession ?? null;
  };
  const oidcAudit = async () =>
    (await app.deps.database.db.collection('audit').find({ action: 'auth.login' }).sort({ seq: -1 }).toArray()).filter((e) => e.details?.method === 'oidc');
  const lastAudit = async () => (await oidcAudit())[0]!;
  const expectRefused = async (answer: { status: number; location: string | null }, b: ReturnType<typeof browser>, reason: string) => {
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(refused);
    expect(b.cookie(origin, 'hotline_session')).toBeUndefined();
    expect(await lastAudit()).toMatchObject({ outcome: 'failure', details: { method: 'oidc', reason } });
  };

  it('tells the sign-in page that single sign-on is offered, and under what name', async () => {
    const r = await app.gql('{ singleSignOn { label startUrl } }');
    expect(r.data).toEqual({ singleSignOn: { label: 'Force ID', startUrl: '/auth/oidc/start' } });
  });

  it('signs in end to end: provisions the user with the mapped roles and desk and opens a console session', async () => {
    idp.setAccount('alice-sub', { username: 'Alice.Smith@force.example', groups: ['hotline-so12', 'staff-canteen'] });
    const { b, answer } = await signIn('alice-sub');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${origin}/`);
    expect(b.cookie(origin, 'hotline_oidc_state')).toBeUndefined();
    const session = await sessionOf(b);
    expect(session.user).toMatchObject({ username: 'sso.alice.smith-force.example', roles: ['INVESTIGATOR'], desk: 'SO12' });
    const stored = await app.deps.database.db.collection('users').findOne({ _id: session.user.id });
    expect(stored).toMatchObject({ oidc: { issuer: idp.issuer, sub: 'alice-sub' }, passwordHash: '' });
    expect(await lastAudit()).toMatchObject({ outcome: 'success', actor: { type: 'user', id: session.user.id }, details: { provisioned: true, roles: ['INVESTIGATOR'], desk: 'SO12' } });
    // No password opens an SSO account locally.
    const local = await app.gql('mutation { login(username: "sso.alice.smith-force.example", password: "") { token } }');
    expect(local.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('updates roles and desk from the groups at the next sign-in, on the same account', async () => {
    idp.setAccount('alice-sub', { username: 'Alice.Smith@force.example', groups: ['hotline-so13', 'hotline-supervisors'] });
    const { b, answer } = await signIn('alice-sub');
    expect(answer.location).toBe(`${origin}/`);
    const session = await sessionOf(b);
    expect(session.user).toMatchObject({ username: 'sso.alice.smith-force.example', roles: ['INVESTIGATOR', 'SUPERVISOR'], desk: 'SO13' });
    expect(await app.deps.database.db.collection('users').countDocuments({ 'oidc.sub': 'alice-sub' })).toBe(1);
    expect(await lastAudit()).toMatchObject({ outcome: 'success', details: { changedFrom: { roles: ['INVESTIGATOR'], desk: 'SO12' } } });
  });

  it('keeps a user disabled here out, whatever the IdP says', async () => {
    idp.setAccount('bob-sub', { username: 'bob', groups: ['hotline-calls'] });
    expect((await signIn('bob-sub')).answer.location).toBe(`${origin}/`);
    await app.deps.services.auth.disableUser('sso.bob', 'cli');
    const { b, answer } = await signIn('bob-sub');
    await expectRefused(answer, b, 'disabled');
    const user = await app.deps.database.db.collection('users').findOne({ username: 'sso.bob' });
    expect(user?.disabled).toBe(true);
  });

  it('refuses groups that grant nothing, or roles the separation of duties forbids together', async () => {
    idp.setAccount('carol-sub', { username: 'carol', groups: ['staff-canteen'] });
    const none = await signIn('carol-sub');
    await expectRefused(none.answer, none.b, 'no_role');
    idp.setAccount('carol-sub', { username: 'carol', groups: ['hotline-audit', 'hotline-calls'] });
    const both = await signIn('carol-sub');
    await expectRefused(both.answer, both.b, 'separation');
    expect(await app.deps.database.db.collection('users').findOne({ 'oidc.sub': 'carol-sub' })).toBeNull();
  });

  it('refuses a replayed callback (the state is single use)', async () => {
    idp.setAccount('dan-sub', { username: 'dan', groups: ['hotline-calls'] });
    const { callback, answer } = await signIn('dan-sub');
    expect(answer.location).toBe(`${origin}/`);
    const state = new URL(callback).searchParams.get('state')!;
    const replay = browser();
    replay.setCookie(origin, 'hotline_oidc_state', state);
    await expectRefused(await replay.request(callback), replay, 'state_unknown');
  });

  it('refuses a callback completed in another browser than the one that began it, and burns its state', async () => {
    idp.setAccount('erin-sub', { username: 'erin', groups: ['hotline-calls'] });
    const victim = browser();
    const callback = await victim.signInAtIdp(await start(victim), 'erin-sub');
    const attacker = browser();
    await expectRefused(await attacker.request(callback), attacker, 'state_mismatch');
    await expectRefused(await victim.request(callback), victim, 'state_unknown');
  });

  it('refuses an expired state', async () => {
    idp.setAccount('fay-sub', { username: 'fay', groups: ['hotline-calls'] });
    const b = browser();
    const callback = await b.signInAtIdp(await start(b), 'fay-sub');
    const state = new URL(callback).searchParams.get('state')!;
    const key = `${app.config.redis.queuePrefix}:oidc-state:${state}`;
    expect(await app.deps.queues.redis.ttl(key)).toBeGreaterThan(0);
    await app.deps.queues.redis.pexpire(key, 1); // its ten minutes are up
    while (await app.deps.queues.redis.exists(key)) await new Promise((r) => setTimeout(r, 5));
    await expectRefused(await b.request(callback), b, 'state_unknown');
  });

  it('refuses a code swapped into another sign-in of the same browser (the PKCE verifier does not match)', async () => {
    idp.setAccount('gus-sub', { username: 'gus', groups: ['hotline-calls'] });
    const b = browser();
    const first = await start(b);
    const second = await start(b); // the browser now carries the second state
    const callback = new URL(await b.signInAtIdp(first, 'gus-sub'));
    callback.searchParams.set('state', new URL(second).searchParams.get('state')!);
    await expectRefused(await b.request(callback.href), b, 'token_rejected');
  });

  it('refuses a code issued to another client of the same provider (wrong audience)', async () => {
    idp.setAccount('hal-sub', { username: 'hal', groups: ['hotline-calls'] });
    const b = browser();
    const ours = new URL(await start(b));
    const foreign = new URL(`${idp.issuer}/auth`);
    const verifier = randomBytes(32).toString('base64url');
    for (const [k, v] of Object.entries({
      client_id: OTHER_CLIENT.id,
      redirect_uri: ours.searchParams.get('redirect_uri')!,
      response_type: 'code',
      scope: 'openid profile groups',
      state: ours.searchParams.get('state')!,
      nonce: ours.searchParams.get('nonce')!,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })) foreign.searchParams.set(k, v);
    const callback = await b.signInAtIdp(foreign.href, 'hal-sub');
    await expectRefused(await b.request(callback), b, 'token_rejected');
  });

  it('refuses a code from another issuer', async () => {
    const other = await startTestIdp();
    try {
      other.configure(`${origin}/auth/oidc/callback`);
      other.setAccount('ivy-sub', { username: 'ivy', groups: ['hotline-supervisors'] });
      const b = browser();
      const ours = new URL(await start(b));
      const foreign = new URL(`${other.issuer}/auth${ours.search}`);
      const callback = await b.signInAtIdp(foreign.href, 'ivy-sub');
      expect(new URL(callback).searchParams.get('iss')).toBe(other.issuer);
      await expectRefused(await b.request(callback), b, 'token_rejected');
    } finally {
      await other.close();
    }
  });

  it('answers only "unauthenticated" for a made-up callback', async () => {
    const b = browser();
    await expectRefused(await b.request(`${origin}/auth/oidc/callback?code=x&state=${'a'.repeat(43)}`), b, 'state_unknown');
    await expectRefused(await b.request(`${origin}/auth/oidc/callback`), b, 'state_unknown');
  });
});

describe('OIDC with the IdP down', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootApp({ env: { ...oidcEnv(`http://127.0.0.1:${await deadPort()}`), OIDC_TIMEOUT_SECONDS: '2' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sends the browser back to the sign-in page saying so, and local accounts still sign in', async () => {
    const origin = new URL(app.url).origin;
    const r = await browser().request(`${origin}/auth/oidc/start`);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`${origin}/?sso_error=SERVICE_UNAVAILABLE`);
    const staff = await createStaff(app, 'CALL_HANDLER');
    const local = await app.gql(`mutation { consoleSignIn(username: "${staff.username}", password: "${PASSWORD}") { user { username } } }`);
    expect(local.errors).toBeUndefined();
    expect(local.data.consoleSignIn.user.username).toBe(staff.username);
  });
});
