/**
 * The partner portal in Debian's Chromium, on the partner face (its own port and bundle). Authenticated with a
 * partner API key sent as a header (the API-key principal has the same rights as a caseworker). A caseworker
 * passes on a tip by keyboard alone and gets a receipt; the 999 instruction shows at once; a lost connection
 * keeps the form filled and the retry stores the tip once; nothing is kept in the browser; axe on each screen;
 * screenshots at 1280 and 390 px.
 */
import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createIntakeKeys } from '../../src/crypto/derived.js';
import { Q, waitForStatus } from '../support/desk.js';
import { approveAsSecondAdmin, createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, useE2E } from './support/browser.js';

/** Presses Tab until the element with this id has the focus (keyboard only: no click, no focus()). */
async function tabTo(page: Page, id: string, max = 120) {
  for (let i = 0; i < max; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}`);
}

/** Tabs to the button with this text and presses Enter. */
async function tabToButton(page: Page, text: string, max = 120) {
  for (let i = 0; i < max; i++) {
    const focused = await page.evaluate(() => (document.activeElement?.tagName === 'BUTTON' ? document.activeElement.textContent : null));
    if (focused === text) return page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the "${text}" button`);
}

/** Tabs to the link whose accessible name (aria-label, else text) matches and presses Enter. */
async function tabToLink(page: Page, name: RegExp, max = 120) {
  for (let i = 0; i < max; i++) {
    const focused = await page.evaluate(() => (document.activeElement?.tagName === 'A' ? (document.activeElement.getAttribute('aria-label') ?? document.activeElement.textContent) : null));
    if (focused && name.test(focused)) return page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached a link named ${name}`);
}

const RECEIPT = /^R-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}$/;

describe('the partner portal', { timeout: 180_000 }, () => {
  const e2e = useE2E({}, { partner: true });
  const partnerPage = async (apiKey: string, width?: number) =>
    e2e().newPage({ origin: e2e().partnerOrigin!, headers: { authorization: `Bearer ${apiKey}` }, ...(width ? { width } : {}) });
  const referralsOf = (partnerId: string) => e2e().app.deps.database.db.collection('reports').countDocuments({ 'recordedBy.id': partnerId });

  it('a caseworker passes on a tip by keyboard alone and gets the receipt once, large, with copy', async () => {
    const { partner, apiKey } = await createPartner(e2e().app);
    const { page, foreign } = await partnerPage(apiKey);
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto('/');
    await page.getByRole('heading', { name: 'Pass on a tip' }).waitFor();
    await expect(page.getByText("There is no box for the informant's name or contact details, on purpose.").isVisible()).resolves.toBe(true);

    // Sent empty: the error summary, each error linked to its field.
    await tabToButton(page, 'Pass it on');
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(await page.getByRole('link', { name: 'Select what it is about' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Enter what they told you' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'partner-pass-on-errors');

    await tabTo(page, 'imminentThreat');
    await page.keyboard.press('Space');
    // The 999 instruction, at once.
    await page.getByText('Imminent threat: call 999 now.').waitFor();
    await tabTo(page, 'category-SUSPICIOUS_ITEM');
    await page.keyboard.press('Space');
    await tabTo(page, 'category-TRANSPORT');
    await page.keyboard.press('Space');
    await tabTo(page, 'narrative');
    await page.keyboard.type('A man at the community centre said his cousin keeps a van packed with gas canisters behind the shops on Green Street.');
    await tabTo(page, 'heard-day');
    const today = new Date();
    const dd = String(today.getDate()).padStart(2, '0');
    const mm = String(today.getMonth() + 1).padStart(2, '0');
    await page.keyboard.type(`${dd}/${mm}/${today.getFullYear()}`);
    await tabTo(page, 'borough');
    await page.keyboard.type('Newham');
    await tabToButton(page, 'Add a person');
    // The new row's first field has the focus.
    await page.waitForFunction(() => document.activeElement?.id === 'subjects-0-name');
    await page.keyboard.type('Tariq the cousin');
    await tabToButton(page, 'Add a vehicle');
    await page.waitForFunction(() => document.activeElement?.id === 'vehicles-0-registration');
    await page.keyboard.type('LN19 KXA');
    await tabToButton(page, 'Add a place');
    await page.waitForFunction(() => document.activeElement?.id === 'locations-0-address');
    await page.keyboard.type('Behind the shops, Green Street');
    await tabTo(page, 'partnerReference');
    await page.keyboard.type('MSF-2026-0042');
    await expectAccessible(page);
    await screenshot(page, 'partner-pass-on');
    await expectFitsNarrowWindow(page);
    // Nothing typed is kept by the browser.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    await tabToButton(page, 'Pass it on');

    await page.getByRole('heading', { name: 'Passed on' }).waitFor();
    const receipt = (await page.locator('#receipt-code').textContent())!.trim();
    expect(receipt).toMatch(RECEIPT);
    await page.getByText('This was marked as an imminent threat and has the highest priority.').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-receipt');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'partner-receipt-390');
    await expectFitsNarrowWindow(page);

    // Stored once, as this partner's, with what was typed.
    const id = createIntakeKeys(e2e().app.deps.crypto.sodium, e2e().app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const doc = (await e2e().app.deps.reports.findById(id))!;
    expect(doc).toMatchObject({ source: 'PARTNER_REFERRAL', imminentThreat: true, borough: 'NEWHAM', categories: expect.arrayContaining(['SUSPICIOUS_ITEM', 'TRANSPORT']) });
    expect(doc.recordedBy.id).toBe(partner.id);
    expect(await referralsOf(partner.id)).toBe(1);
    // Another tip starts from an empty form.
    await tabToButton(page, 'Pass on another tip');
    await page.getByRole('heading', { name: 'Pass on a tip' }).waitFor();
    expect(await page.locator('#narrative').inputValue()).toBe('');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(foreign).toEqual([]);
    expect(csp).toEqual([]);
  });

  it('a lost connection keeps the form filled and the retry stores the tip once', async () => {
    const { partner, apiKey } = await createPartner(e2e().app);
    const { page } = await partnerPage(apiKey, 390);
    await page.goto('/');
    await page.getByLabel('Online activity').check();
    await page.getByLabel('What did they tell you?').fill('Someone in a chat group is asking where to buy fertiliser in bulk.');
    // The first answer is lost on the way back (the service stored the tip); the next goes through.
    let cut = 0;
    await page.route('**/graphql', async (route) => {
      if (cut++ === 0) {
        await route.fetch();
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await page.getByRole('button', { name: 'Pass it on' }).click();
    await page.getByText(/Connection lost\. Trying again in \d seconds\. What you typed is still here\./).waitFor();
    expect(await page.getByLabel('What did they tell you?').inputValue()).toContain('fertiliser');
    await expectAccessible(page);
    await screenshot(page, 'partner-pass-on-retrying-390');
    await page.getByRole('heading', { name: 'Passed on' }).waitFor({ timeout: 15_000 });
    expect(cut).toBe(2);
    expect(await referralsOf(partner.id)).toBe(1);
  });

  it('shows the question count, and the caseworker answers and adds information; another organisation cannot reach it', async () => {
    const app = e2e().app;
    const { partner, apiKey } = await createPartner(app);
    const other = await createPartner(app);
    const narrative = 'The informant says two men have been photographing the synagogue entrance every Friday evening.';
    const sent = await app.partner!.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { narrative, subjects: [], locations: [], vehicles: [] }) }, apiKey);
    expect(sent.errors).toBeUndefined();
    const receipt: string = sent.data.submitPartnerReferral.receipt;
    await app.partner!.gql(SUBMIT_REFERRAL, { input: partnerReferral(2, { subjects: [], locations: [], vehicles: [] }) }, apiKey);
    // An investigator (staff API) holding it asks a question.
    const id = createIntakeKeys(app.deps.crypto.sodium, app.deps.crypto.keyring.indexKey).reportId('receipt', receipt);
    const routed = await waitForStatus(app, id, 'TRIAGED');
    const holder = await createStaff(app, 'INVESTIGATOR', routed.desk);
    expect((await app.gql(Q.claim, { id }, holder.token)).errors).toBeUndefined();
    const question = 'Did the informant see a vehicle they arrived in?';
    expect((await app.gql(`mutation($id: ID!, $q: String!) { askPartner(reportId: $id, question: $q) { id } }`, { id, q: question }, holder.token)).errors).toBeUndefined();

    const { page, foreign } = await partnerPage(apiKey);
    await page.goto('/');
    await page.getByText('1 waiting').waitFor();
    await tabToLink(page, /^Our referrals/);
    await page.getByRole('heading', { name: 'Our referrals' }).waitFor();
    await page.getByText('Waiting for your answer').waitFor();
    expect(await page.getByRole('row').count()).toBe(3);
    await expectAccessible(page);
    await screenshot(page, 'partner-referrals');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'partner-referrals-390');
    await expectFitsNarrowWindow(page);

    await tabToLink(page, new RegExp(`^Open ${receipt}$`));
    await page.getByRole('heading', { name: `Referral ${receipt}` }).waitFor();
    await page.getByText(narrative).waitFor();
    await page.getByText(question).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-referral');
    await tabTo(page, 'answer-0');
    await page.keyboard.type('Yes: a dark blue estate car, they think a Skoda.');
    await tabToButton(page, 'Send answer');
    await page.getByText('Answer sent.').waitFor();
    await page.getByText('Yes: a dark blue estate car, they think a Skoda.').waitFor();
    await page.waitForFunction(() => !document.querySelector('.badge'));
    await tabTo(page, 'addition');
    await page.keyboard.type('They came back this Friday and stayed longer.');
    await tabToButton(page, 'Add to this referral');
    await page.getByText('Added to the referral.').waitFor();
    await page.getByText('They came back this Friday and stayed longer.').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-referral-answered');
    await expectFitsNarrowWindow(page);

    // The investigator sees the answer and the addition.
    const view = await app.gql(`query($id: ID!) { report(id: $id) { questions { answer } addenda { narrative } } }`, { id }, holder.token);
    expect(view.data.report).toEqual({ questions: [{ answer: 'Yes: a dark blue estate car, they think a Skoda.' }], addenda: [{ narrative: 'They came back this Friday and stayed longer.' }] });

    // Another organisation, by receipt: the same words as a made-up receipt.
    const theirs = await partnerPage(other.apiKey);
    await theirs.page.goto('/referrals');
    await theirs.page.getByText('Nothing to show.').waitFor();
    await theirs.page.getByLabel('Receipt').fill(receipt);
    await theirs.page.getByRole('button', { name: 'Find' }).click();
    await theirs.page.getByText('We could not find a referral with that receipt for your organisation.').waitFor();
    await expectAccessible(theirs.page);
    await screenshot(theirs.page, 'partner-referral-not-found');
    expect(foreign).toEqual([]);
    expect(theirs.foreign).toEqual([]);
    expect(partner.id).not.toBe(other.partner.id);
  });

  it('a caseworker signs in the first time: own password, authenticator from the QR code, recovery codes, then a code', async () => {
    const app = e2e().app;
    const org = await createPartner(app);
    const admin = await createStaff(app, 'ADMIN');
    const username = `pa-${randomUUID().slice(0, 8)}`;
    const requested = await app.gql(`mutation($p: ID!, $d: String!, $u: String!, $i: String!) { createPartnerAdmin(partnerId: $p, displayName: $d, username: $u, initialPassword: $i) { id } }`, { p: org.partner.id, d: 'Amina Caseworker', u: username, i: 'a password chosen for them' }, admin.token);
    expect(requested.errors).toBeUndefined();
    await approveAsSecondAdmin(app.deps, requested.data.createPartnerAdmin.id);

    const { page, foreign } = await e2e().newPage({ origin: e2e().partnerOrigin! });
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-sign-in');
    await tabTo(page, 'username');
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type('a password chosen for them');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-choose-password');
    await tabTo(page, 'new-password');
    await page.keyboard.type('our own long passphrase');
    await page.keyboard.press('Enter');
    await page.getByText('Your password is saved. Sign in with it now.').waitFor();
    await tabTo(page, 'password');
    await page.keyboard.type('our own long passphrase');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'partner-enrol');
    await expectFitsNarrowWindow(page);
    const secret = (await page.locator('.secret').textContent())!.trim();
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await tabTo(page, 'enrol-code');
    await page.keyboard.type(totp.generate());
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keep your recovery codes' }).waitFor();
    expect(await page.locator('.codes li').count()).toBe(10);
    await expectAccessible(page);
    await screenshot(page, 'partner-recovery-codes');
    await tabToButton(page, 'I have kept them: sign in');
    await page.getByLabel('Code from your authenticator app').waitFor();
    await tabTo(page, 'password');
    await page.keyboard.type('our own long passphrase');
    await tabTo(page, 'code');
    // The enrolment's code has been used: the next time step's code signs in.
    await page.keyboard.type(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Pass on a tip' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The session is an HttpOnly cookie: the page cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // Signed in with a second factor, the caseworker passes on a tip and finds it in the list.
    await page.getByLabel('Extremist material').check();
    await page.getByLabel('What did they tell you?').fill('A leaflet with a threat against the mosque was pushed through letterboxes on Elm Road.');
    await page.getByRole('button', { name: 'Pass it on' }).click();
    const receipt = (await page.locator('#receipt-code').textContent({ timeout: 15_000 }))!.trim();
    expect(receipt).toMatch(RECEIPT);
    await tabToLink(page, /^Our referrals/);
    await page.getByRole('link', { name: `Open ${receipt}` }).waitFor();

    // From the signed-in page, a staff operation on the partner port is a field that does not exist.
    const refused = await page.evaluate(async () => {
      const ask = (query: string) => fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' }, body: JSON.stringify({ query }) }).then((r) => r.json());
      return [await ask('{ deskQueue(desk: SO12) { edges { cursor } } }'), await ask('{ users { id } }')];
    });
    expect(refused.map((r: { errors: { message: string }[] }) => r.errors[0]!.message)).toEqual(['Cannot query field "deskQueue" on type "Query".', 'Cannot query field "users" on type "Query".']);
    // Signing out ends the session: the page is back at sign-in and nothing of the list stays.
    await tabToButton(page, 'Sign out');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText(receipt).count()).toBe(0);
    expect(foreign).toEqual([]);
  });
});
