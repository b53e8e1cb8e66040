/**
 * The own-account flows in a real browser: a user whose role requires a
 * second factor is taken through enrolment at sign-in (the test plays the
 * authenticator app from the key shown on screen), reads the recovery codes
 * once, lands in the console and later signs in with a code; changing the
 * password ends the user's other browser session; "My sessions" lists both
 * and ends the other. Nothing is kept in browser storage.
 */
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createStaff, createUserWithRoles, PASSWORD } from '../support/factories.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

const NEW_PASSWORD = 'a different horse entirely';
const PERIOD_MS = 30_000;

/** The authenticator app: a code for a time step later than `after` (waiting for the clock when needed: codes are single-use). */
async function nextCode(totp: TOTP, after: number): Promise<{ code: string; step: number }> {
  while (Math.floor(Date.now() / PERIOD_MS) < after) await new Promise((r) => setTimeout(r, 500));
  // One step ahead of now is within the server's one-step drift window and always later than `after`.
  const step = Math.floor(Date.now() / PERIOD_MS) + 1;
  return { code: totp.generate({ timestamp: step * PERIOD_MS }), step };
}

const storageIsEmpty = (page: Page) => page.evaluate(() => localStorage.length + sessionStorage.length);
const fitsNarrow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** A second browser session's next request: it lands on the sign-in page, told that its session ended. */
async function expectSignedOutOnNextRequest(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByRole('status').filter({ hasText: 'Your session has ended (expired, revoked or signed out elsewhere)' }).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
}

describe('own account', { timeout: 150_000 }, () => {
  const e2e = useE2E({ MFA_REQUIRED_ROLES: 'AUDITOR' });

  /** A call handler (no second factor needed) signed in twice, in two browsers; the factory's own API session is ended first. */
  async function twoBrowsers() {
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    expect((await e2e().app.gql('mutation { logout }', {}, staff.token)).data).toEqual({ logout: true });
    const a = await e2e().newPage();
    const b = await e2e().newPage();
    await signIn(a.page, staff.username);
    await signIn(b.page, staff.username);
    await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await a.page.getByRole('heading', { name: 'Your account' }).waitFor();
    return { staff, a, b };
  }

  it('takes a user whose role requires a second factor through enrolment at sign-in, then signs in with codes', async () => {
    const username = `auditor-mfa-${Date.now().toString(36)}`;
    await createUserWithRoles(e2e().app.deps, { username, password: PASSWORD, roles: ['AUDITOR'], desk: null });
    const { page, foreign } = await e2e().newPage();
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The QR code (an SVG image from this origin's answer) and the key written out for typing.
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    expect(await page.getByText('Ask an administrator').count()).toBe(0);
    const qr = page.getByRole('img', { name: /QR code/ });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = ((await page.getByLabel('Authenticator key').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expectAccessible(page);
    await screenshot(page, 'mfa-enrol');
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await fitsNarrow(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    const app = new TOTP({ issuer: 'Hotline', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
    // A wrong code is refused next to the field; the right one shows the recovery codes.
    await page.getByLabel('Code from the app').fill('000000' === app.generate() ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm code' }).click();
    await page.getByText('That code is not right').first().waitFor();
    const confirmStep = Math.floor(Date.now() / PERIOD_MS);
    await page.getByLabel('Code from the app').fill(app.generate({ timestamp: confirmStep * PERIOD_MS }));
    await page.getByRole('button', { name: 'Confirm code' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    await expectAccessible(page);
    await screenshot(page, 'mfa-recovery-codes');
    // Going on needs the "saved" tick.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'Save your recovery codes' }).waitFor();
    await page.getByLabel('I have saved these recovery codes').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Then a fresh code signs in (the password typed at the start is still in the page's memory only).
    await page.getByRole('heading', { name: 'Sign in with your new second factor' }).waitFor();
    await expectAccessible(page);
    const first = await nextCode(app, confirmStep);
    await page.getByLabel('Authenticator code').fill(first.code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.content()).not.toContain(codes[0]);
    expect(await storageIsEmpty(page)).toBe(0);

    // The Account screen says a factor is set up, with ten recovery codes.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByText('An authenticator app is set up for your account. You have 10 unused recovery codes.').waitFor();

    // Signed out, the password alone is not enough; with the next code it is.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter the code from your authenticator app' }).waitFor();
    const second = await nextCode(app, first.step);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(second.code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await storageIsEmpty(page)).toBe(0);
    expect(foreign).toEqual([]);
  });

  it('sets up a second factor from the Account screen when the role does not require one', async () => {
    const staff = await createStaff(e2e().app, 'CALL_HANDLER');
    const { page } = await e2e().newPage();
    await signIn(page, staff.username);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByText('No second factor is set up.').waitFor();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = ((await page.getByLabel('Authenticator key').textContent()) ?? '').replace(/\s+/g, '');
    const app = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
    await page.getByLabel('Code from the app').fill(app.generate());
    await page.getByRole('button', { name: 'Confirm code' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
    await page.getByLabel('I have saved these recovery codes').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('status').filter({ hasText: 'Your authenticator app is set up' }).waitFor();
    await page.getByText('You have 10 unused recovery codes.').waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);
    // The password alone no longer signs this user in.
    const login = await e2e().app.gql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: staff.username, p: PASSWORD });
    expect(login.errors?.[0]?.extensions?.mfa).toBe('REQUIRED');
  });

  it('changes the password, ending the other browser session; a wrong current password keeps this one', async () => {
    const { staff, a, b } = await twoBrowsers();
    const { page } = a;
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is not right').waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);

    // Mismatched confirmation is caught before sending.
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two new passwords are not the same').waitFor();

    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed. Your 1 other session was ended' }).waitFor();
    expect(await page.getByLabel('Current password').inputValue()).toBe('');
    expect(await storageIsEmpty(page)).toBe(0);

    await expectSignedOutOnNextRequest(b.page);
    // This session carries on; the new password signs in, the old one no longer does.
    await page.reload();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await signIn(b.page, staff.username, NEW_PASSWORD);
    expect((await e2e().app.gql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: staff.username, p: PASSWORD })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('lists my two sessions, this one marked, and ends the other', async () => {
    const { a, b } = await twoBrowsers();
    const { page, foreign } = a;
    const rows = page.getByRole('table', { name: 'Your sessions' }).locator('tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'This session' }).count()).toBe(1);
    expect(await rows.filter({ hasText: 'This session' }).getByRole('button').count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'account');
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await fitsNarrow(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: /^End session signed in/ }).click();
    const dialog = page.getByRole('dialog', { name: 'End this session?' });
    await dialog.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('status').filter({ hasText: 'The session was ended' }).waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.filter({ hasText: 'This session' }).count()).toBe(1);

    await expectSignedOutOnNextRequest(b.page);
    await page.reload();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(foreign).toEqual([]);
  });
});
