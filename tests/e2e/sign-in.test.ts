/**
 * The console's front door in a real browser: sign-in, a reload keeps the
 * session (an HttpOnly cookie, invisible to page scripts), sign-out, a
 * revoked or expired session lands on the sign-in page, unknown routes get
 * a page, and nothing is ever requested from another origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionSeenSeal } from '../../src/auth/seal.js';
import { approveAsSecondAdmin, createStaff, factoryRequester, PASSWORD } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, startE2E, useE2E } from './support/browser.js';
import { deadPort, OIDC_CLIENT, startTestIdp, type TestIdp } from '../support/oidc-provider.js';

describe('console sign-in', { timeout: 90_000 }, () => {
  const e2e = useE2E();

  it('shows the sign-in page at / with labelled fields, accessible, from this origin only', async () => {
    const { page, foreign } = await e2e().newPage();
    const res = await page.goto('/');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(res?.headers()['cache-control']).toBe('no-store');
    // The page renders after its script loads: wait for the form (a loaded machine takes a moment), then check both fields.
    await page.getByLabel('Username').waitFor({ state: 'visible' });
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'sign-in');
    expect(foreign).toEqual([]);
  });

  it('says when the password is wrong, and keeps nobody signed in', async () => {
    const { page } = await e2e().newPage();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await page.goto('/');
    await page.getByLabel('Username').fill(staff.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  it('takes an account an admin created through choosing its own password at its first sign-in (trust review 2, item 16)', async () => {
    const { page } = await e2e().newPage();
    const username = `first-${Date.now()}`;
    const given = 'the password an admin chose';
    // Requested by one admin and approved by another, as every account is (src/auth/separation.ts).
    const deps = e2e().app.deps;
    const created = await deps.services.auth.createUser({ username, password: given, roles: ['CALL_HANDLER'] }, await factoryRequester(deps));
    if (created.pendingGrantId) await approveAsSecondAdmin(deps, created.pendingGrantId);
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(given);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    // The given password is not kept in the page: the new-password fields start empty.
    expect(await page.getByLabel('New password', { exact: true }).inputValue()).toBe('');
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill('my own password, at last');
    await page.getByLabel('New password again').fill('my own password, at last');
    await screenshot(page, 'first-sign-in-password');
    await expectFitsNarrowWindow(page); // a phone-width window: nothing sticks out
    // Two different passwords: said next to the field, nothing sent.
    await page.getByLabel('New password again').fill('my own password, at least');
    await page.getByRole('button', { name: 'Save and sign in' }).click();
    await page.getByText('Enter the same password again').waitFor();
    await page.getByLabel('New password again').fill('my own password, at last');
    await page.getByRole('button', { name: 'Save and sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The given password no longer signs in; the holder's own does (the page signed in with it).
    await expect(e2e().app.deps.services.auth.login(username, given, 'e2e-check')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Sign-in failed' });
  });

  it('keeps the session across a reload in an HttpOnly cookie that page scripts cannot read', async () => {
    const { page, context } = await e2e().newPage();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, staff.username);
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'hotline_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The navigation follows the policy: a call handler sees intake, not the desk or the audit log.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Record a call' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Desk queue' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
  });

  it('lands on the sign-in page when the session is revoked, and after signing out', async () => {
    const { page } = await e2e().newPage();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, staff.username);
    await e2e().app.deps.services.auth.revokeSessions(staff.username, 'cli');
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await signIn(page, staff.username);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('lands on the sign-in page, saying the session has ended, when the session expires', async () => {
    const { page } = await e2e().newPage();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, staff.username);
    // Expired in the store (as SESSION_TTL_MINUTES would, minutes later): every session of this user ends a minute ago.
    const expired = await e2e().app.deps.database.db
      .collection('sessions')
      .updateMany({ userId: staff.user.id }, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    expect(expired.modifiedCount).toBeGreaterThanOrEqual(2); // the browser's and the factory's
    // The next thing the person does asks the server: it answers UNAUTHENTICATED, and the console shows the sign-in page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My submissions' }).click();
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'My submissions' }).count()).toBe(0);
    // A reload does not bring the session back.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  it('signs out after the idle time, with a warning first', async () => {
    const idle = await startE2E({ CONSOLE_IDLE_MINUTES: '1' });
    try {
      const { page } = await idle.newPage();
      const staff = await createStaff(idle.app, 'CALL_HANDLER');
      await signIn(page, staff.username);
      await page.getByRole('alertdialog').filter({ hasText: 'You will be signed out' }).waitFor({ timeout: 60_000 });
      await page.getByText('signed out after 1 minutes without activity').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    } finally {
      await idle.close();
    }
  });

  it("tells the server someone is using it (the heartbeat), and nothing else does (src/auth/idle.ts)", async () => {
    const { page } = await e2e().newPage();
    await page.clock.install();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, staff.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const sessions = e2e().app.deps.database.db.collection('sessions');
    const session = (await sessions.findOne({ userId: staff.user.id, console: true }))!;
    // The last recorded use, 40 s back (sealed as the server would): a heartbeat now would write.
    const past = new Date(Date.now() - 40_000);
    await sessions.updateOne({ _id: session._id }, { $set: { lastSeenAt: past, seenSeal: sessionSeenSeal(e2e().app.deps.crypto.integrity, { _id: String(session._id) }, past) } });
    const lastSeen = async () => ((await sessions.findOne({ _id: session._id }))!.lastSeenAt as Date).getTime();
    // A minute passes with the console open and untouched: no heartbeat.
    await page.clock.fastForward('01:05');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastSeen()).toBe(past.getTime());
    // A key press: the console tells the server.
    await page.keyboard.press('Shift');
    await expect.poll(lastSeen, { timeout: 10_000 }).toBeGreaterThan(past.getTime());
  });

  it('shows a not-found page for an unknown route', async () => {
    const { page } = await e2e().newPage();
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, staff.username);
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });
});

describe('console single sign-on', { timeout: 120_000 }, () => {
  const ssoEnv = (issuer: string) => ({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_SCOPES: 'openid profile groups',
    OIDC_ROLE_MAP: 'hotline-so13=INVESTIGATOR:SO13',
    OIDC_LABEL: 'Force ID',
    OIDC_TIMEOUT_SECONDS: '2',
  });
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('signs in with the IdP from the "Sign in with …" button, with the mapped role', async () => {
    const e2e = await startE2E(ssoEnv(idp.issuer));
    try {
      idp.configure(`${e2e.origin}/auth/oidc/callback`);
      idp.setAccount('pat-sub', { username: 'pat', groups: ['hotline-so13'] });
      const { page, context } = await e2e.newPage();
      await context.route(/fonts\.googleapis|fonts\.gstatic/, (r) => r.abort()); // the provider's dev pages load a web font
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign in with Force ID' }).click();
      await page.getByPlaceholder('Enter any login').fill('pat-sub');
      await page.getByPlaceholder('and password').fill('anything');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      expect(new URL(page.url()).origin).toBe(e2e.origin);
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect(await nav.getByRole('link', { name: 'Desk queue' }).count()).toBe(1);
      expect((await context.cookies()).find((c) => c.name === 'hotline_session')?.httpOnly).toBe(true);
    } finally {
      await e2e.close();
    }
  });

  it('says when the IdP is down, and the local account still signs in', async () => {
    const e2e = await startE2E(ssoEnv(`http://127.0.0.1:${await deadPort()}`));
    try {
      const { page } = await e2e.newPage();
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign in with Force ID' }).click();
      await page.getByRole('alert').filter({ hasText: 'Single sign-on is unavailable; use your local account.' }).waitFor();
      await expectAccessible(page);
      const staff = await createStaff(e2e.app, 'CALL_HANDLER');
      await page.getByLabel('Username').fill(staff.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    } finally {
      await e2e.close();
    }
  });
});
