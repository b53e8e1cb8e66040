/**
 * Search in a real browser: two calls about "Mohammed Khan" and "Muhammad
 * Khan" are found by one spelling (the other marked as a phonetic match) by
 * an investigator of the desk holding them, who opens one from the results;
 * an investigator of the other desk sees no row of them, only one
 * deconfliction notice for the desk holding them (no reference); the
 * reference box opens a report, says when a reference is unknown, and gives
 * the deconfliction message for another desk's report; "Reports you hold"
 * lists the claimed report; "More results" pages; a manual link reads
 * "linked by <the supervisor>" in the report view. Accessible, fits 390 px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

describe('search', { timeout: 180_000 }, () => {
  const e2e = useE2E();
  const calls = {} as Record<'mohammed' | 'muhammad', { id: string; reference: string }>;
  /** Who linked the two by hand: the report view names them (a supervisor's link records who made it). */
  let linker = '';
  let so12: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    so12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
    /** A call the rules send to SO12 (FINANCE, not imminent) whose only indexed value is the subject's name. */
    const record = async (i: number, name: string) => {
      const input = hotlineCall(i, { categories: ['FINANCE'], subjects: [{ name }], vehicles: [], locations: [] });
      const res = await app.gql(RECORD_CALL, { input }, handler.token);
      expect(res.errors).toBeUndefined();
      const made = res.data.recordHotlineCall as { id: string; reference: string };
      return { id: made.id, reference: made.reference };
    };
    calls.mohammed = await record(1, 'Mohammed Khan');
    calls.muhammad = await record(2, 'Muhammad Khan');
    for (const c of Object.values(calls)) expect((await waitForStatus(app, c.id, 'TRIAGED', 30_000)).desk).toBe('SO12');
    // The SO12 investigator holds one of them ("Reports you hold"); a supervisor links the two by hand.
    expect((await app.gql(Q.claim, { id: calls.mohammed.id }, so12.token)).errors).toBeUndefined();
    const supervisor = await createStaff(app, 'SUPERVISOR');
    linker = supervisor.username;
    const link = `mutation($a: ID!, $b: ID!, $reason: String!) { linkReports(a: $a, b: $b, reason: $reason) { id } }`;
    expect((await app.gql(link, { a: calls.mohammed.id, b: calls.muhammad.id, reason: 'same family name, same address' }, supervisor.token)).errors).toBeUndefined();
  });

  const rowOf = (page: Page, reference: string) => page.getByRole('table', { name: /matching your search/ }).getByRole('row').filter({ hasText: reference });

  async function searchByName(page: Page, name: string) {
    await page.getByLabel('Subject name').fill(name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
  }

  it('finds both spellings, marks the variant phonetic, lists the reports held and opens one', async () => {
    const { page, foreign } = await e2e().newPage();
    await signIn(page, so12.username);
    await page.getByRole('link', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: 'Find a report' }).waitFor();

    // No term: said in plain words, and nothing is asked of the server.
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter at least one of: subject name, phone number, vehicle registration or postcode.' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Results' }).count()).toBe(0);

    await searchByName(page, 'Mohammed Khan');
    const exact = rowOf(page, calls.mohammed.reference);
    const variant = rowOf(page, calls.muhammad.reference);
    await exact.waitFor();
    await variant.waitFor();
    await expect(page.getByRole('table', { name: /matching your search/ }).locator('tbody tr').count()).resolves.toBe(2);
    // The answer takes the focus, so a keyboard or screen-reader user lands on it.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Results');
    expect(await exact.textContent()).toContain('Name: exact');
    expect(await variant.textContent()).toContain('Name: spelling variant (phonetic)');
    expect(await variant.textContent()).toContain('Triaged');
    expect(await exact.textContent()).toContain('Assigned');

    // The report held by this investigator.
    const held = page.getByRole('table', { name: 'Reports you hold, by status then age' });
    await held.getByRole('link', { name: calls.mohammed.reference }).waitFor();
    await expect(held.locator('tbody tr').count()).resolves.toBe(1);

    await expectAccessible(page);
    await screenshot(page, 'search');
    await expectFitsNarrowWindow(page);

    await variant.getByRole('link', { name: calls.muhammad.reference }).click();
    await page.waitForURL(`**/reports/${calls.muhammad.id}`);
    await page.getByRole('heading', { name: `Report ${calls.muhammad.reference}` }).waitFor();
    // Its links list says who made the manual link (not an empty "shares:").
    const linked = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: calls.mohammed.reference }) });
    // (Made by hand, by the supervisor; the two names also sound alike, so what they share may follow.)
    await expect(linked.textContent()).resolves.toMatch(new RegExp(`^${calls.mohammed.reference} \\(SO12\\) linked by ${linker}`));
    expect(foreign).toEqual([]);
  });

  it('an investigator of the other desk sees only that a report on the desk holding them matches', async () => {
    const so13 = await createStaff(e2e().app, 'INVESTIGATOR', 'SO13');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, so13.username);
    await page.goto('/search');
    await searchByName(page, 'Muhammad Khan');
    // Two SO12 reports match: one notice for SO12, no row, no reference, nothing of their state.
    const notices = page.getByRole('note', { name: 'Reports on desks you may not read' });
    await notices.waitFor();
    await expect(notices.textContent()).resolves.toBe('A report on desk SO12 matches one of your terms. You may not read it. Contact the SO12 desk before acting on this person or item.');
    await page.getByText('No reports match.').waitFor();
    const panel = (await page.locator('.search-results-panel').textContent()) ?? '';
    for (const c of Object.values(calls)) expect(panel).not.toContain(c.reference);
    expect(panel).not.toMatch(/Triaged|Assigned|P[1-4]|\d{2}\/\d{2}\/\d{4}/);
    await page.getByText('You hold no reports.').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'search-deconfliction');

    // The reference box: another desk's report gets the same deconfliction words; an unknown one says so.
    const box = page.getByLabel('Open a report by reference');
    await box.fill(calls.mohammed.reference);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: `${calls.mohammed.reference} is held by another desk: you may not read it.` }).waitFor();
    await box.fill('ATH-1999-000001');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'No report with that reference.' }).waitFor();
    expect(page.url()).toMatch(/\/search$/);
    await expectAccessible(page);
    expect(foreign).toEqual([]);
  });

  it('the reference box opens a report the investigator may read', async () => {
    const { page } = await e2e().newPage();
    await signIn(page, so12.username);
    await page.goto('/search');
    await page.getByLabel('Open a report by reference').fill(` ${calls.muhammad.reference.toLowerCase()} `);
    await page.getByLabel('Open a report by reference').press('Enter');
    await page.waitForURL(`**/reports/${calls.muhammad.id}`);
    await page.getByRole('heading', { name: `Report ${calls.muhammad.reference}` }).waitFor();
  });

  it('pages with "More results" and says when nothing matches', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    // 21 calls about one address: one more than a page.
    const refs: string[] = [];
    for (let i = 0; i < 21; i++) {
      const input = hotlineCall(10 + i, { subjects: [], vehicles: [], locations: [{ postcode: 'N1 9GU' }] });
      const res = await app.gql(RECORD_CALL, { input }, handler.token);
      expect(res.errors).toBeUndefined();
      refs.push(res.data.recordHotlineCall.reference);
    }
    const { page } = await e2e().newPage();
    await signIn(page, supervisor.username);
    await page.goto('/search');
    await page.getByLabel('Postcode').fill('n19gu');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const rows = page.getByRole('table', { name: /matching your search/ }).locator('tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(20);
    await page.getByRole('button', { name: 'More results' }).click();
    await rows.nth(20).waitFor();
    await expect(rows.count()).resolves.toBe(21);
    expect(await page.getByRole('button', { name: 'More results' }).count()).toBe(0);
    // Newest first, each once.
    const shown = await rows.locator('th').allTextContents();
    expect(shown).toEqual([...refs].reverse());

    await page.getByLabel('Postcode').fill('');
    await page.getByLabel('Vehicle registration').fill('ZZ99 ZZZ');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No reports match.').waitFor();
    await expectAccessible(page);
  });
});
