/**
 * Account requests in a real browser: one admin asks, from the Users
 * screen, for a user's second factor to be reset and for the user to be
 * re-enabled (each with a reason); a second admin, who has a second factor
 * and is told by the bell, approves both from the console after typing their
 * own password and a code again; a missing or wrong password decides nothing.
 */
import type { Page } from 'playwright-core';
import { TOTP, URI } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { createPartner, createStaff, PASSWORD } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const PERIOD_MS = 30_000;
const LOGIN = `mutation($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token } }`;

/** A code for a time step after `after` (waiting for the clock if needed): the server takes each step once, in order. */
async function nextCode(totp: TOTP, after: number): Promise<{ code: string; step: number }> {
  while (Math.floor(Date.now() / PERIOD_MS) < after) await new Promise((r) => setTimeout(r, 500));
  const step = Math.floor(Date.now() / PERIOD_MS) + 1;
  return { code: totp.generate({ timestamp: step * PERIOD_MS }), step };
}

describe('admin requests decided by a second admin', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  /** Enrols a second factor through the API; the authenticator, the step used, and the recovery codes. */
  async function enrol(token: string) {
    const begun = await e2e().app.gql(`mutation { beginMfaEnrolment { otpauthUri } }`, {}, token);
    const totp = URI.parse(begun.data.beginMfaEnrolment.otpauthUri) as TOTP;
    const step = Math.floor(Date.now() / PERIOD_MS);
    const confirmed = await e2e().app.gql(`mutation($c: String!) { confirmMfaEnrolment(code: $c) { recoveryCodes } }`, { c: totp.generate({ timestamp: step * PERIOD_MS }) }, token);
    expect(confirmed.errors).toBeUndefined();
    return { totp, step, recoveryCodes: confirmed.data.confirmMfaEnrolment.recoveryCodes as string[] };
  }

  async function ask(page: Page, button: string, reason: string) {
    await page.getByRole('button', { name: button }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: 'Send request' }).click();
  }

  it('one admin asks for a reset and a re-enable; another approves both with their password and code; a wrong password decides nothing', async () => {
    const app = e2e().app;
    // The user: a call handler with a second factor, then disabled (a lost phone, back after leave).
    const target = await createStaff(app, 'CALL_HANDLER');
    await enrol(target.token);
    await app.deps.services.auth.disableUser(target.username, 'cli');
    const decider = await createStaff(app, 'ADMIN');
    const factor = await enrol(decider.token);
    const asker = await createStaff(app, 'ADMIN');

    // The first admin asks, from the Users screen.
    const { page, foreign } = await e2e().newPage();
    await signIn(page, asker.username);
    await page.goto('/admin/users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('button', { name: `Reset second factor of ${target.username}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await dialog.getByText('Say why this is needed').first().waitFor();
    await expectAccessible(page);
    await screenshot(page, 'admin-request');
    await dialog.getByLabel('Reason').fill('Lost phone, confirmed in person');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await page.getByText(`Request sent: another admin must approve it before anything changes for ${target.username}.`).waitFor();
    await ask(page, `Re-enable ${target.username}`, 'Back from leave');
    await page.getByText(`Request sent: another admin must approve it before anything changes for ${target.username}.`).waitFor();
    const requests = page.getByRole('region', { name: 'Requests awaiting a second admin' });
    const resetRow = requests.getByRole('row').filter({ hasText: 'Reset second factor' }).filter({ hasText: target.username });
    const enableRow = requests.getByRole('row').filter({ hasText: 'Re-enable' }).filter({ hasText: target.username });
    await resetRow.getByText('Another admin decides').waitFor();
    await enableRow.getByText('Another admin decides').waitFor();
    // Nothing changed yet: still disabled.
    expect((await app.gql(LOGIN, { u: target.username, p: PASSWORD })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // The second admin signs in with their code; the bell says requests wait.
    const second = await e2e().newPage();
    const signInCode = await nextCode(factor.totp, factor.step);
    await second.page.goto('/');
    await second.page.getByLabel('Username').fill(decider.username);
    await second.page.getByLabel('Password').fill(PASSWORD);
    await second.page.getByLabel('Authenticator code').fill(signInCode.code);
    await second.page.getByRole('button', { name: 'Sign in' }).click();
    await second.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await second.page.getByRole('link', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    await second.page.getByText('A request waits for a second admin').first().waitFor();
    await expectAccessible(second.page);
    await second.page.getByRole('link', { name: 'Open the requests' }).first().click();
    await second.page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    const theirRequests = second.page.getByRole('region', { name: 'Requests awaiting a second admin' });
    await theirRequests.getByRole('row').filter({ hasText: 'Lost phone, confirmed in person' }).waitFor();
    await expectAccessible(second.page);
    await screenshot(second.page, 'admin-requests');
    await second.page.setViewportSize({ width: 390, height: 800 });
    await screenshot(second.page, 'admin-requests-narrow');
    await expectFitsNarrowWindow(second.page);

    // Without the password: refused before anything is sent; with a wrong one: refused by the server, still pending, still signed in.
    await second.page.getByRole('button', { name: `Approve: reset second factor for ${target.username}` }).click();
    const decide = second.page.getByRole('dialog');
    await decide.getByRole('button', { name: 'Approve' }).click();
    await decide.getByText('Enter your password').first().waitFor();
    await decide.getByLabel('Your password').fill('not my password at all');
    await decide.getByLabel('Second-factor code').fill(factor.recoveryCodes[0]!);
    await decide.getByRole('button', { name: 'Approve' }).click();
    await decide.getByRole('alert').filter({ hasText: 'Your password or second-factor code is not right; nothing was decided.' }).waitFor();
    expect(await decide.getByLabel('Your password').inputValue()).toBe('');
    await expectAccessible(second.page);
    await screenshot(second.page, 'admin-approve');
    expect((await app.gql(`{ pendingRoleGrants { kind username } }`, {}, decider.token)).data.pendingRoleGrants).toEqual(
      expect.arrayContaining([{ kind: 'RESET_SECOND_FACTOR', username: target.username }]),
    );
    // The right password and a fresh authenticator code approve the reset.
    const approveCode = await nextCode(factor.totp, signInCode.step);
    await decide.getByLabel('Your password').fill(PASSWORD);
    await decide.getByLabel('Second-factor code').fill(approveCode.code);
    await decide.getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText(`Approved: reset second factor for ${target.username}.`).waitFor();

    // The re-enable, with the password and a recovery code.
    await second.page.getByRole('button', { name: `Approve: re-enable for ${target.username}` }).click();
    await second.page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
    await second.page.getByRole('dialog').getByLabel('Second-factor code').fill(factor.recoveryCodes[1]!);
    await second.page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText(`Approved: re-enable for ${target.username}.`).waitFor();
    await theirRequests.getByText('No requests are waiting.').waitFor();

    // Both applied: the user signs in again with the password alone (their factor is gone; a call handler needs none here).
    const back = await app.gql(LOGIN, { u: target.username, p: PASSWORD });
    expect(back.errors).toBeUndefined();
    // And audited, each by the admin who did it.
    const audit = app.deps.database.db.collection('audit');
    const asked = await audit.find({ action: 'admin.account_change_request', 'target.id': target.user.id }).toArray();
    expect(asked.map((e) => [e.actor.id, e.details.kind]).sort()).toEqual([
      [asker.user.id, 'ENABLE'],
      [asker.user.id, 'RESET_SECOND_FACTOR'],
    ]);
    const approved = await audit.find({ action: 'admin.account_change_approve', 'target.id': target.user.id }).toArray();
    expect(approved.map((e) => [e.actor.id, e.details.kind]).sort()).toEqual([
      [decider.user.id, 'ENABLE'],
      [decider.user.id, 'RESET_SECOND_FACTOR'],
    ]);
    expect(await audit.countDocuments({ action: 'admin.mfa_reset', 'target.id': target.user.id, 'actor.id': decider.user.id })).toBe(1);
    expect(await audit.countDocuments({ action: 'admin.user_enable', 'target.id': target.user.id, 'actor.id': decider.user.id })).toBe(1);
    expect(foreign).toEqual([]);
    expect(second.foreign).toEqual([]);
  });

  it("moves an investigator's desk once a second admin (without a second factor) approves with their password", async () => {
    const app = e2e().app;
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const [asker, decider] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'ADMIN')];
    const { page } = await e2e().newPage();
    await signIn(page, asker.username);
    await page.goto('/admin/users');
    await page.getByRole('button', { name: `Move desk of ${investigator.username}` }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Move to desk').inputValue()).toBe('SO13');
    await dialog.getByLabel('Reason').fill('Joins the SO13 team on Monday');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await page.getByText(`Request sent: another admin must approve it before anything changes for ${investigator.username}.`).waitFor();
    expect((await app.gql(`{ me { ... on User { desk } } }`, {}, investigator.token)).data.me.desk).toBe('SO12');

    const second = await e2e().newPage();
    await signIn(second.page, decider.username);
    await second.page.goto('/admin/users');
    await second.page.getByRole('button', { name: `Approve: move to the SO13 desk for ${investigator.username}` }).click();
    await second.page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
    await second.page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText(`Approved: move to the SO13 desk for ${investigator.username}.`).waitFor();
    expect((await app.gql(`{ me { ... on User { desk } } }`, {}, investigator.token)).data.me.desk).toBe('SO13');
    const moved = await app.deps.database.db.collection('audit').find({ action: 'admin.user_move_desk', 'target.id': investigator.user.id }).toArray();
    expect(moved).toEqual([expect.objectContaining({ actor: expect.objectContaining({ id: decider.user.id }), details: expect.objectContaining({ fromDesk: 'SO12', toDesk: 'SO13' }) })]);
  });

  it('rotates a partner key: the new key is shown once, and the old one keeps working for the overlap', async () => {
    const app = e2e().app;
    const admin = await createStaff(app, 'ADMIN');
    const { apiKey: oldKey, name } = await createPartner(app);
    const ME = `{ me { ... on PartnerOrganisation { name } } }`;
    const { page, foreign } = await e2e().newPage();
    await signIn(page, admin.username);
    await page.goto('/admin/partners');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByRole('button', { name: `Rotate the key of ${name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Issue a new key' }).click();
    await page.getByRole('heading', { name: `New API key for ${name}` }).waitFor();
    const newKey = await page.getByLabel('API key', { exact: true }).inputValue();
    expect(newKey).not.toBe(oldKey);
    await page.getByText(/Their previous key keeps working until \d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}, then stops\./).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'admin-partner-rotate');
    // Both keys are this partner's now; the table shows the new key's first characters.
    expect((await app.gql(ME, {}, newKey)).data.me).toEqual({ name });
    expect((await app.gql(ME, {}, oldKey)).data.me).toEqual({ name });
    await page.getByRole('row').filter({ hasText: name }).getByText(`${newKey.slice(0, 8)}…`).waitFor();
    // Dismissed, the key is gone from the page.
    await page.getByRole('button', { name: 'I have stored the key' }).click();
    await page.getByText(`New key for ${name} issued. Its key is no longer shown anywhere.`).waitFor();
    expect(await page.content()).not.toContain(newKey);
    expect(foreign).toEqual([]);
  });
});
