/**
 * The console's HTTP contract without a browser: the sign-in cookie is
 * HttpOnly and SameSite=Strict and the token never appears in a response
 * body; the cookie authenticates /graphql alongside bearer tokens and CSRF
 * prevention still holds; sign-out clears it; the console's routes get
 * index.html under a strict CSP; /graphql answers are never cached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff, PASSWORD } from '../support/factories.js';

const SIGN_IN = `mutation($u: String!, $p: String!) { consoleSignIn(username: $u, password: $p) { expiresAt idleTimeoutSeconds operations user { username } } }`;

describe('console over HTTP', () => {
  let app: TestApp;
  let origin: string;
  beforeAll(async () => {
    app = await bootApp({ env: { CONSOLE_IDLE_MINUTES: '7' } });
    origin = new URL(app.url).origin;
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('signs in with an HttpOnly, SameSite=Strict cookie and never returns the token', async () => {
    const staff = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const res = await post({ query: SIGN_IN, variables: { u: staff.username, p: PASSWORD } });
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.errors).toBeUndefined();
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^hotline_session=hlt_/);
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).toContain('samesite=strict');
    expect(cookie.toLowerCase()).not.toContain('secure');
    const token = /^hotline_session=([^;]+)/.exec(cookie)![1]!;
    expect(text).not.toContain(token);
    expect(body.data.consoleSignIn.idleTimeoutSeconds).toBe(7 * 60);
    // The operations come from the policy table: an investigator may use the desk, not the audit log.
    expect(body.data.consoleSignIn.operations).toContain('deskQueue');
    expect(body.data.consoleSignIn.operations).not.toContain('auditLog');

    const me = await post({ query: '{ consoleSession { user { username desk } operations } }' }, { cookie: `hotline_session=${token}` });
    const meBody = await me.json();
    expect(meBody.data.consoleSession.user).toEqual({ username: staff.username, desk: 'SO13' });
    expect(me.headers.get('cache-control')).toBe('no-store');

    // CSRF prevention still holds for cookie-authenticated simple requests.
    const simple = await fetch(`${app.url}?query=${encodeURIComponent('{ consoleSession { user { username } } }')}`, { headers: { cookie: `hotline_session=${token}` } });
    expect(simple.status).toBe(403);

    const out = await post({ query: 'mutation { logout }' }, { cookie: `hotline_session=${token}` });
    expect((await out.json()).data.logout).toBe(true);
    expect(out.headers.get('set-cookie')).toMatch(/^hotline_session=;.*expires=Thu, 01 Jan 1970/i);
    const after = await post({ query: '{ consoleSession { user { username } } }' }, { cookie: `hotline_session=${token}` });
    expect((await after.json()).data.consoleSession).toBeNull();
  });

  it('answers a wrong password with UNAUTHENTICATED and no cookie', async () => {
    const staff = await createStaff(app, 'CALL_HANDLER');
    const res = await post({ query: SIGN_IN, variables: { u: staff.username, p: 'wrong password' } });
    expect((await res.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('serves the console at / and its client routes under a strict CSP, and 404s missing assets', async () => {
    for (const path of ['/', '/desk', '/reports/abc', '/no/such/page']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await res.text()).toContain('<div id="root">');
    }
    expect((await fetch(`${origin}/assets/nope.js`)).status).toBe(404);
  });

  it('reports each Report’s legal next statuses from the state machine', async () => {
    const { POLICY } = await import('../../src/auth/policy.js');
    expect(Object.keys(POLICY)).toContain('consoleSignIn');
    const { workflowFrom } = await import('../../src/reports/rules/state-machine.js');
    expect(workflowFrom('UNDER_RESEARCH').map((s) => s.to)).toEqual(['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION']);
  });
});

describe('console cookie in production (trust review 2, item 16)', () => {
  let prod: TestApp;
  beforeAll(async () => {
    prod = await bootApp({ env: { NODE_ENV: 'production', MFA_REQUIRED_ROLES: 'none', TRUST_PROXY: '1' } });
  });
  afterAll(() => prod?.close());

  it('is Secure whatever the proxy says: plain HTTP, and a proxy that forwarded plain HTTP', async () => {
    const staff = await createStaff(prod, 'CALL_HANDLER');
    for (const headers of [{}, { 'x-forwarded-proto': 'http' }] as Record<string, string>[]) {
      const res = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: SIGN_IN, variables: { u: staff.username, p: PASSWORD } }) });
      expect((await res.json()).errors).toBeUndefined();
      const cookie = (res.headers.get('set-cookie') ?? '').toLowerCase();
      expect(cookie).toMatch(/^hotline_session=hlt_/);
      expect(cookie.split(';').map((p) => p.trim())).toContain('secure');
    }
  });
});
