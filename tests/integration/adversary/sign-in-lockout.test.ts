/**
 * Trust review (second), item 13: a stranger who knows a username cannot
 * keep its owner out, and staff behind one address do not share a tiny
 * budget. Failures are counted per (username, client), per client across
 * usernames, and per username from everywhere with a capped back-off that a
 * client the user has signed in from before skips (src/auth/rate-limit.ts).
 * Before, 5 failures from anywhere locked the username for everyone.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TOTP, URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff, PASSWORD } from '../../support/factories.js';

const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;
const BEGIN = `mutation { beginMfaEnrolment { otpauthUri } }`;
const CONFIRM = `mutation($code: String!) { confirmMfaEnrolment(code: $code) { recoveryCodes } }`;

/** A sign-in from `client`, as the one trusted proxy (TRUST_PROXY=1) reports it. */
async function signIn(app: TestApp, client: string, username: string, password: string, totp?: string) {
  const res = await app.gql(LOGIN, { u: username, p: password, t: totp ?? null }, undefined, { 'x-forwarded-for': client });
  return { token: res.data?.login?.token as string | undefined, rateLimited: res.errors?.[0]?.extensions?.rateLimited === true, code: res.errors?.[0]?.extensions?.code };
}

/** A staff member with an enrolled authenticator; returns it and their recovery codes. */
async function enrolledStaff(app: TestApp) {
  const staff = await createStaff(app, 'SUPERVISOR');
  const begun = await app.gql(BEGIN, {}, staff.token);
  const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
  const confirmed = await app.gql(CONFIRM, { code: totp.generate() }, staff.token);
  expect(confirmed.errors).toBeUndefined();
  return { ...staff, totp, recoveryCodes: confirmed.data.confirmMfaEnrolment.recoveryCodes as string[] };
}

const LOCKOUT_ENV = {
  TRUST_PROXY: '1',
  LOGIN_MAX_FAILURES_PER_USER: '5',
  LOGIN_MAX_FAILURES_PER_CLIENT: '30',
  LOGIN_BACKOFF_AFTER_FAILURES: '10',
  // Long enough that the back-off is still on when the test looks.
  LOGIN_BACKOFF_BASE_SECONDS: '120',
  LOGIN_BACKOFF_MAX_SECONDS: '900',
};

describe('lock-out by a stranger (per username and client, back-off per username)', () => {
  let app: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    app = await bootApp({ env: LOCKOUT_ENV });
    redis = new Redis(app.env.REDIS_URL!);
  });
  afterAll(async () => {
    redis?.disconnect();
    await app?.close();
  });

  it('lets the real user in from their client with password and code while the attacker at another address stays throttled', async () => {
    const victim = await enrolledStaff(app);
    const attacker = '198.51.100.7';
    const results = [];
    for (let i = 0; i < 25; i++) results.push(await signIn(app, attacker, victim.username, `guess number ${i}`));
    expect(results.every((r) => r.code === 'UNAUTHENTICATED' && !r.token)).toBe(true);
    expect(results.slice(5).every((r) => r.rateLimited)).toBe(true);

    // The owner, at their own desk (another address), with password and second factor: in.
    const owner = await signIn(app, '203.0.113.20', victim.username, PASSWORD, victim.totp.generate({ timestamp: Date.now() + 30_000 }));
    expect(owner.token).toBeTruthy();

    // The attacker is still held, even when it now tries the right password and a valid recovery code.
    const again = await signIn(app, attacker, victim.username, PASSWORD, victim.recoveryCodes[0]);
    expect(again.rateLimited).toBe(true);
    expect(again.token).toBeUndefined();
  });

  it('slows a username attacked from many addresses, yet lets its owner in from a client they signed in from before', async () => {
    const victim = await createStaff(app, 'SUPERVISOR');
    const home = '203.0.113.30';
    // The owner signs in once from their workstation (no factor enrolled yet): that client is now known.
    expect((await signIn(app, home, victim.username, PASSWORD)).token).toBeTruthy();
    const begun = await app.gql(BEGIN, {}, victim.token);
    const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
    const confirmed = await app.gql(CONFIRM, { code: totp.generate() }, victim.token);
    const recoveryCodes = confirmed.data.confirmMfaEnrolment.recoveryCodes as string[];

    // A botnet: 4 failures from each of 8 addresses, never enough to block any one pair.
    for (let bot = 0; bot < 8; bot++) for (let i = 0; i < 4; i++) await signIn(app, `192.0.2.${bot + 1}`, victim.username, `guess ${bot}-${i}`);
    // The username is now slowed down for every client it has not signed in from: a fresh bot, even with the right password, waits.
    const fresh = await signIn(app, '192.0.2.200', victim.username, PASSWORD, recoveryCodes[0]);
    expect(fresh.rateLimited).toBe(true);
    // The owner from their known client, with password and second factor, is not held by it.
    const owner = await signIn(app, home, victim.username, PASSWORD, totp.generate({ timestamp: Date.now() + 30_000 }));
    expect(owner.token).toBeTruthy();
    // One audit entry for the back-off's first refusal, not one per attempt.
    const limited = await app.deps.database.db.collection('audit').countDocuments({ action: 'auth.login', 'details.username': victim.username, 'details.reason': 'rate_limited' });
    expect(limited).toBe(1);
  });

  it('still limits one address across many usernames, but not a user who signed in from it before', async () => {
    const office = '100.64.9.9';
    const colleague = await createStaff(app, 'CALL_HANDLER');
    expect((await signIn(app, office, colleague.username, PASSWORD)).token).toBeTruthy();
    // 30 failures, each on a different name: the address's allowance (30); no name's own counter is near its limit.
    for (let i = 0; i < 30; i++) expect((await signIn(app, office, `nobody-${i}-${randomUUID().slice(0, 6)}`, 'x')).rateLimited).toBe(false);
    const newcomer = await createStaff(app, 'CALL_HANDLER');
    expect((await signIn(app, office, newcomer.username, PASSWORD)).rateLimited).toBe(true);
    expect((await signIn(app, office, `nobody-else-${randomUUID().slice(0, 6)}`, 'x')).rateLimited).toBe(true);
    // Someone who has signed in from this address before is not held by the address's count.
    expect((await signIn(app, office, colleague.username, PASSWORD)).token).toBeTruthy();
  });

  it('keeps neither usernames nor addresses in Redis (keyed hashes only)', async () => {
    const victim = await createStaff(app, 'CALL_HANDLER');
    await signIn(app, '198.51.100.99', victim.username, 'wrong password');
    const keys = await redis.keys(`${app.env.QUEUE_PREFIX}:*`);
    expect(keys.some((k) => k.includes('login'))).toBe(true);
    for (const k of keys) {
      expect(k).not.toContain(victim.username);
      expect(k).not.toContain('198.51.100.99');
    }
  });
});

describe('the back-off is a wait, not a lock', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootApp({ env: { ...LOCKOUT_ENV, LOGIN_BACKOFF_BASE_SECONDS: '1', LOGIN_BACKOFF_MAX_SECONDS: '1' } });
  });
  afterAll(() => app?.close());

  it('lets an attempt from a new client through once the capped wait has passed', async () => {
    const victim = await createStaff(app, 'CALL_HANDLER');
    for (let bot = 0; bot < 4; bot++) for (let i = 0; i < 4; i++) await signIn(app, `192.0.2.${bot + 1}`, victim.username, `guess ${bot}-${i}`);
    expect((await signIn(app, '192.0.2.100', victim.username, PASSWORD)).rateLimited).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await signIn(app, '192.0.2.100', victim.username, PASSWORD)).token).toBeTruthy();
  });
});
