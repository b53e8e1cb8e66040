/**
 * A partner organisation set up through the browser alone: a staff admin asks, on the console's Partners screen,
 * for the organisation's partner admin account; a second admin approves it under the pending requests; the
 * partner admin signs in on the partner face for the first time (own password, authenticator), adds a caseworker
 * on "Caseworkers" by keyboard; the caseworker signs in for the first time and passes on a tip; the partner
 * admin sees who did it under "Activity" (to the minute), while the police side names the organisation only.
 * The partner admin sets the organisation's own webhook under Caseworkers (the signing secret shown once).
 * Removing the caseworker (after a confirmation page) ends their session. axe on each new screen; screenshots
 * at 1280 and 390 px.
 */
import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { createPartner, createStaff, PASSWORD } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

/** Presses Tab until the element with this id has the focus (keyboard only). */
async function tabTo(page: Page, id: string, max = 120) {
  for (let i = 0; i < max; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}`);
}

/** Tabs to the button or link whose accessible name (aria-label, else text) matches and presses Enter. */
async function tabToControl(page: Page, name: RegExp, max = 120) {
  for (let i = 0; i < max; i++) {
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el && (el.tagName === 'A' || el.tagName === 'BUTTON') ? (el.getAttribute('aria-label') ?? el.textContent) : null;
    });
    if (focused && name.test(focused)) return page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached a control named ${name}`);
}

/** The first sign-in on the partner face: the given password, their own, the authenticator, recovery codes, a code. */
async function firstSignIn(page: Page, username: string, given: string, own: string) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(given);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await page.getByLabel('New password').fill(own);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByText('Your password is saved. Sign in with it now.').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(own);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
  const totp = new TOTP({ secret: Secret.fromBase32((await page.locator('.secret').textContent())!.trim()) });
  await page.locator('#enrol-code').fill(totp.generate());
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('button', { name: 'I have kept them: sign in' }).click();
  await page.getByLabel('Password', { exact: true }).fill(own);
  // The enrolment's code has been used: the next time step's code signs in.
  await page.getByLabel('Code from your authenticator app').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pass on a tip' }).waitFor();
}

const DATE_TIME = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/;

describe('a partner organisation set up in the browser', { timeout: 240_000 }, () => {
  const e2e = useE2E({}, { partner: true });

  it('staff admin asks, a second admin approves, the partner admin adds a caseworker who passes on a tip, and sees it in Activity', async () => {
    const app = e2e().app;
    const org = await createPartner(app);
    const [asker, decider] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'ADMIN')];
    const adminUser = `pa-${randomUUID().slice(0, 8)}`;
    const caseworkerUser = `cw-${randomUUID().slice(0, 8)}`;
    const caseworkerName = `Amina Khan ${randomUUID().slice(0, 4)}`;

    // 1. A staff admin asks for the partner admin account on the console's Partners screen.
    const staff = await e2e().newPage();
    await signIn(staff.page, asker.username);
    await staff.page.goto('/admin/partners');
    await staff.page.getByRole('heading', { name: 'Add a partner admin' }).waitFor();
    await staff.page.getByRole('button', { name: 'Ask for approval' }).click();
    await staff.page.getByText('Choose the partner organisation').first().waitFor();
    await staff.page.getByLabel('Partner organisation', { exact: true }).selectOption({ label: org.name });
    await staff.page.getByLabel('Their name').fill('Yusuf Partner Admin');
    await staff.page.getByLabel('Username', { exact: true }).fill(adminUser);
    await staff.page.getByLabel('First password').fill('a first password given');
    await expectAccessible(staff.page);
    await screenshot(staff.page, 'admin-partner-admin');
    await staff.page.getByRole('button', { name: 'Ask for approval' }).click();
    await staff.page.getByText(`A partner admin account for ${org.name} is requested.`, { exact: false }).waitFor();
    // Not approved yet: the account cannot sign in.
    const early = await app.partner!.gql(`mutation($u: String!, $p: String!) { partnerSignIn(username: $u, password: $p) { organisation } }`, { u: adminUser, p: 'a first password given' });
    expect(early.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // 2. A second admin approves it where requests are approved.
    const second = await e2e().newPage();
    await signIn(second.page, decider.username);
    await second.page.goto('/admin/users');
    const row = second.page.getByRole('region', { name: 'Requests awaiting a second admin' }).getByRole('row').filter({ hasText: org.name });
    await row.getByText('Open a partner admin account').waitFor();
    await expectAccessible(second.page);
    await screenshot(second.page, 'admin-partner-admin-approve');
    await second.page.getByRole('button', { name: `Approve: open a partner admin account for ${org.name}` }).click();
    await second.page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
    await second.page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await second.page.getByText(`Approved: open a partner admin account for ${org.name}.`).waitFor();

    // 3. The partner admin signs in for the first time on the partner face and opens Caseworkers.
    const admin = await e2e().newPage({ origin: e2e().partnerOrigin! });
    await firstSignIn(admin.page, adminUser, 'a first password given', 'the partner admin own passphrase');
    await tabToControl(admin.page, /^Caseworkers$/);
    await admin.page.getByRole('heading', { name: 'Caseworkers', level: 1 }).waitFor();
    const adminRow = admin.page.getByRole('row').filter({ hasText: 'Yusuf Partner Admin' });
    await adminRow.getByRole('cell', { name: 'Partner admin', exact: true }).waitFor();
    await adminRow.getByRole('cell', { name: 'Set up', exact: true }).waitFor();

    // Adds a caseworker by keyboard: sent empty first, the error summary links each problem.
    await tabToControl(admin.page, /^Add a caseworker$/);
    await admin.page.getByRole('heading', { name: 'Add a caseworker', level: 1 }).waitFor();
    await tabToControl(admin.page, /^Add caseworker$/);
    await admin.page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(await admin.page.getByRole('link', { name: 'Enter their name' }).count()).toBe(1);
    expect(await admin.page.getByRole('link', { name: 'Enter a username' }).count()).toBe(1);
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-add-caseworker-errors');
    await tabTo(admin.page, 'cw-name');
    await admin.page.keyboard.type(caseworkerName);
    await tabTo(admin.page, 'cw-username');
    await admin.page.keyboard.type(caseworkerUser);
    await tabTo(admin.page, 'cw-password');
    await admin.page.keyboard.type('given to amina in person');
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-add-caseworker');
    await tabToControl(admin.page, /^Add caseworker$/);
    await admin.page.getByText(`${caseworkerName} has been added.`, { exact: false }).waitFor();
    const cwRow = admin.page.getByRole('row').filter({ hasText: caseworkerName });
    await cwRow.getByText('Not set up yet').waitFor();
    await cwRow.getByRole('cell', { name: 'Caseworker', exact: true }).waitFor();
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-caseworkers');
    await admin.page.setViewportSize({ width: 390, height: 800 });
    await screenshot(admin.page, 'partner-caseworkers-390');
    await expectFitsNarrowWindow(admin.page);
    await admin.page.setViewportSize({ width: 1280, height: 800 });

    // 4. The caseworker signs in for the first time and passes on a tip.
    const caseworker = await e2e().newPage({ origin: e2e().partnerOrigin! });
    await firstSignIn(caseworker.page, caseworkerUser, 'given to amina in person', 'amina chose this passphrase');
    // A caseworker is not shown the admin's pages.
    expect(await caseworker.page.getByRole('link', { name: 'Caseworkers' }).count()).toBe(0);
    await caseworker.page.getByLabel('Extremist material').check();
    await caseworker.page.getByLabel('What did they tell you?').fill('Stickers with a threat against the gurdwara were put up on Park Lane bus stops overnight.');
    await caseworker.page.getByRole('button', { name: 'Pass it on' }).click();
    const receipt = (await caseworker.page.locator('#receipt-code').textContent({ timeout: 15_000 }))!.trim();

    // 5. The partner admin sees who did it, to the minute, under Activity.
    await tabToControl(admin.page, /^Activity$/);
    await admin.page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    const passed = admin.page.getByRole('row').filter({ hasText: receipt });
    await passed.getByRole('cell', { name: 'Passed on a tip', exact: true }).waitFor();
    await passed.getByRole('cell', { name: caseworkerName, exact: true }).waitFor();
    expect((await passed.getByRole('cell').first().textContent())!.trim()).toMatch(DATE_TIME);
    await admin.page.getByRole('row').filter({ hasText: 'Added a caseworker' }).filter({ hasText: 'Yusuf Partner Admin' }).waitFor();
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-activity');
    await admin.page.setViewportSize({ width: 390, height: 800 });
    await screenshot(admin.page, 'partner-activity-390');
    await expectFitsNarrowWindow(admin.page);
    await admin.page.setViewportSize({ width: 1280, height: 800 });

    // The police side names the organisation only: the report and the audit trail carry no caseworker name or username.
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const report = (await app.deps.reports.findById(id))!;
    expect(report.recordedBy.id).toBe(org.partner.id);
    const policeSide = JSON.stringify([report, await app.deps.database.db.collection('audit').find({}).toArray()]);
    expect(policeSide).not.toContain(caseworkerName);
    expect(policeSide).not.toContain(caseworkerUser);

    // 5b. The organisation's own webhook, on Caseworkers, by keyboard: sent empty first (the error summary links the
    // field), then an address (a name that does not resolve is accepted: each delivery checks it); the secret is shown once.
    await tabToControl(admin.page, /^Caseworkers$/);
    await admin.page.getByRole('heading', { name: 'Tell your own system when we ask a question', level: 2 }).waitFor();
    await admin.page.getByText('No address is set: questions are shown here only.').waitFor();
    await tabToControl(admin.page, /^Save address$/);
    await admin.page.getByRole('link', { name: 'Enter the address of your system' }).waitFor();
    await expectAccessible(admin.page);
    await tabTo(admin.page, 'webhook-url');
    await admin.page.keyboard.type('https://hooks.partner.example/question');
    await tabToControl(admin.page, /^Save address$/);
    await admin.page.getByText('Address saved.').waitFor();
    expect((await admin.page.locator('.notice .receipt').textContent())!.trim()).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await admin.page.getByText(/^We tell https:\/\/hooks\.partner\.example\/question \(set on \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\)\.$/).waitFor();
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-webhook');
    await admin.page.setViewportSize({ width: 390, height: 800 });
    await screenshot(admin.page, 'partner-webhook-390');
    await expectFitsNarrowWindow(admin.page);
    await admin.page.setViewportSize({ width: 1280, height: 800 });

    // 6. Remove, after a confirmation page: the caseworker is signed out at once.
    await tabToControl(admin.page, /^Caseworkers$/);
    await tabToControl(admin.page, new RegExp(`^Remove ${caseworkerName}$`));
    await admin.page.getByRole('heading', { name: `Remove ${caseworkerName}?` }).waitFor();
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'partner-remove-caseworker');
    await tabToControl(admin.page, /^Yes, remove$/);
    await admin.page.getByText(`${caseworkerName} has been removed and can no longer sign in.`).waitFor();
    await admin.page.getByRole('row').filter({ hasText: caseworkerName }).getByRole('cell', { name: 'Removed', exact: true }).waitFor();
    const after = await caseworker.page.evaluate(() =>
      fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' }, body: JSON.stringify({ query: '{ partnerSession { organisation } }' }) }).then((r) => r.json()),
    );
    expect(after.data?.partnerSession ?? null).toBeNull();
    for (const p of [staff, second, admin, caseworker]) expect(p.foreign).toEqual([]);
  });
});
