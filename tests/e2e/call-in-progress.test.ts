/**
 * A call in progress is never lost (issue: the console through a whole
 * shift): the draft survives the handler opening another screen and an idle
 * lock (kept in memory, never in browser storage), only its own user can
 * resume it, and a frozen API shows "not recorded yet" in the bar beside the
 * form within the client's deadline, after which Retry records the call once.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createStaff, PASSWORD } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const MINE = `{ mySubmissions { id reference } }`;
const REPORT = `query($id: ID!) { report(id: $id) { reference narrative receivedAt callDurationSeconds } }`;

/** What a browser keeps on its own for this origin: the draft must be in none of it. */
const stored = (page: Page) =>
  page.evaluate(async () => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, caches: await caches.keys() }));

describe('a call in progress', { timeout: 180_000 }, () => {
  const e2e = useE2E();
  const mine = async (token: string) => {
    const res = await e2e().app.gql(MINE, {}, token);
    expect(res.errors).toBeUndefined();
    return res.data.mySubmissions as { id: string; reference: string }[];
  };

  it('keeps the draft, its key and its timer across other screens, and warns before the tab is closed', async () => {
    const { page } = await e2e().newPage();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    expect(await page.title()).toBe('Record a call · Hotline console');
    // An untouched form is no draft and starts no timer: nothing to go back to, no lock at the idle time-out.
    await page.waitForTimeout(1500);
    expect(await page.locator('.submit-bar .call-timer').count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'My submissions' }).click();
    await page.getByRole('heading', { name: 'My submissions' }).waitFor();
    expect(await page.locator('.draft-indicator').count()).toBe(0);
    await nav.getByRole('link', { name: 'Record a call' }).click();
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const narrative = 'Draft kept: the caller says a neighbour stores drums of fertiliser in a lock-up.';
    await page.getByLabel('What the caller said').fill(narrative);
    await page.getByLabel('Storage (chemicals, weapons, materials)').check();
    // The call timer runs from the first key press, in the bar at the foot of the window.
    const timer = page.locator('.submit-bar .call-timer');
    await timer.waitFor();
    expect(await timer.textContent()).toMatch(/^Call \d\d:\d\d$/);
    await screenshot(page, 'record-call-timer');

    // The caller says they rang before: the handler looks at My submissions.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My submissions' }).click();
    await page.getByRole('heading', { name: 'My submissions' }).waitFor();
    expect(await page.title()).toBe('My submissions · Hotline console');
    // Focus moved to the new screen's heading.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    const back = page.getByRole('link', { name: /Call being recorded \(\d\d:\d\d\), not recorded yet/ });
    await back.waitFor();
    await screenshot(page, 'draft-indicator');
    expect(await stored(page)).not.toContain('fertiliser');

    // Leaving the page altogether is asked about (the draft lives in this tab's memory only).
    const dialog = page.waitForEvent('dialog');
    const reload = page.reload().catch(() => undefined);
    const asked = await dialog;
    expect(asked.type()).toBe('beforeunload');
    // The handler stays: the reload is cancelled and the page, draft included, is still there.
    await asked.dismiss();
    void reload;
    await page.getByRole('heading', { name: 'My submissions' }).waitFor();

    await back.click();
    await page.getByText('The call you were recording is back as you left it').waitFor();
    expect(await page.getByLabel('What the caller said').inputValue()).toBe(narrative);
    expect(await page.getByLabel('Storage (chemicals, weapons, materials)').isChecked()).toBe(true);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('.reference').waitFor();
    const submissions = await mine(handler.token);
    expect(submissions).toHaveLength(1);
    const report = await e2e().app.gql(REPORT, { id: submissions[0]!.id }, (await createStaff(e2e().app, 'SUPERVISOR')).token);
    expect(report.errors).toBeUndefined();
    // The timer's start and length went with the call.
    expect(report.data.report.callDurationSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.now() - Date.parse(report.data.report.receivedAt)).toBeLessThan(120_000);
    // Recorded: no draft is left behind, so nothing asks before leaving.
    expect(await page.locator('.draft-indicator').count()).toBe(0);
  });

  it('locks the screen at the idle time-out instead of discarding the draft; only the same user resumes it', async () => {
    const { page } = await e2e().newPage();
    await page.clock.install();
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    const colleague = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const narrative = 'Idle lock: the caller went quiet while the handler listened.';
    await page.getByLabel('What the caller said').fill(narrative);
    await page.getByLabel('Hostile reconnaissance').check();

    // The handler listens without typing past the idle time (15 minutes by default).
    await page.clock.fastForward('14:30');
    await page.getByRole('alertdialog').filter({ hasText: 'The screen will lock in' }).waitFor();
    await page.clock.fastForward('01:00');
    await page.getByText('Locked.').waitFor();
    await page.getByText(`What ${handler.username} was typing is kept in this window`).waitFor();
    // The lock screen shows nothing of the call, and the username is filled in.
    expect(await page.content()).not.toContain('caller went quiet');
    expect(await page.getByLabel('Username').inputValue()).toBe(handler.username);
    await screenshot(page, 'locked');
    await expectAccessible(page);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The call you were recording is back as you left it').waitFor();
    expect(await page.getByLabel('What the caller said').inputValue()).toBe(narrative);
    expect(await page.getByLabel('Hostile reconnaissance').isChecked()).toBe(true);

    // Locked again; this time a colleague signs in at the same desk: the draft is gone.
    await page.clock.fastForward('14:30');
    await page.getByRole('alertdialog').filter({ hasText: 'The screen will lock in' }).waitFor();
    await page.clock.fastForward('01:00');
    await page.getByText('Locked.').waitFor();
    await page.getByLabel('Username').fill(colleague.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto('/call');
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    expect(await page.getByLabel('What the caller said').inputValue()).toBe('');
    expect(await page.getByText('The call you were recording is back').count()).toBe(0);
    expect(await mine(handler.token)).toEqual([]);
  });

  it('says "not recorded yet" beside the form when the API is frozen, and Retry records the call once', async () => {
    const { page } = await e2e().newPage({ height: 700 });
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();
    const keys: string[] = [];
    page.on('request', (r) => {
      const body = r.postData() ?? '';
      if (body.includes('RecordHotlineCall')) keys.push(JSON.parse(body).variables.input.idempotencyKey);
    });
    await page.getByLabel('What the caller said').fill('Frozen API: a van has been parked outside the school gates for three days.');
    await page.getByLabel('Transport (vehicles)').check();

    // The API freezes: the request is taken and never answered.
    const held: { continue(): Promise<void> }[] = [];
    await page.route('**/graphql', (route) => {
      // The first attempt is taken and never answered; whatever comes after it goes through.
      if ((route.request().postData() ?? '').includes('RecordHotlineCall') && held.length === 0) held.push(route);
      else void route.continue();
    });
    // Typing near the top of the form: the bar stays in view at the foot of the window.
    await page.getByLabel('What the caller said').focus();
    await page.keyboard.press('Control+Enter');
    await page.locator('.submit-bar').getByText('Recording…').first().waitFor();
    const started = Date.now();
    const alert = page.locator('.submit-bar').getByRole('alert').filter({ hasText: 'Not recorded yet.' });
    await alert.waitFor({ timeout: 15_000 });
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(await alert.textContent()).toContain('Do not tell the caller it is recorded');
    expect(await alert.isVisible()).toBe(true);
    const box = (await alert.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(700);
    await screenshot(page, 'record-call-not-recorded-yet');
    expect(await mine(handler.token)).toEqual([]);

    // The API answers again: Retry sends the same key while the first attempt still hangs, and records the call.
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.locator('.reference').waitFor();
    // The first attempt, released late, is the same call: still one report.
    await Promise.all(held.map((r) => r.continue().catch(() => undefined)));
    await page.unroute('**/graphql');
    await expect.poll(async () => (await mine(handler.token)).length, { timeout: 10_000 }).toBe(1);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    await expectFitsNarrowWindow(page);
  });
});
