/**
 * The investigator's desk in a real browser: a report recorded by a call
 * handler appears live in the routed desk's open queue; the investigator
 * claims it, grades it, moves it to UNDER_RESEARCH, adds a note, reveals the
 * caller with an audited reason and sees the history verified; an
 * investigator of the other desk cannot open it; two investigators racing
 * for one report get a clear conflict message and a reloaded queue; reports
 * linked by a shared vehicle carry a badge in the queue.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, findReport, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';
import type { Page } from 'playwright-core';

const CALLER = { name: 'Margaret Okafor', phone: '020 7946 0123', email: 'm.okafor@example.org', mayRecontact: true };

describe('investigator desk', { timeout: 120_000 }, () => {
  const e2e = useE2E();
  let handlerToken: string;
  beforeAll(async () => {
    handlerToken = (await createStaff(e2e().app, 'CALL_HANDLER')).token;
  });

  /** Records a call the routing rules send to SO12 (FINANCE/TRAVEL/ONLINE_ACTIVITY, not imminent); returns id and reference. */
  async function recordSO12Call(i: number, overrides: Record<string, unknown> = {}) {
    const res = await e2e().app.gql(RECORD_CALL, { input: hotlineCall(i, { categories: ['FINANCE'], caller: CALLER, ...overrides }) }, handlerToken);
    expect(res.errors).toBeUndefined();
    return { id: res.data.recordHotlineCall.id as string, reference: res.data.recordHotlineCall.reference as string };
  }

  /** Opens /desk and resolves once the live subscription's stream has started. */
  async function openDesk(page: Page) {
    const stream = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().headers()['accept'] ?? '').includes('text/event-stream'));
    await page.goto('/desk');
    await stream;
    await page.getByRole('heading', { name: /^Desk queue: SO1[23]$/ }).waitFor();
  }

  let claimedId = '';

  it('shows a routed report live, then claim, grade, research, note, reveal with a reason, and a verified history', async () => {
    const inv = await createStaff(e2e().app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await openDesk(page);
    await page.getByText('No reports are waiting on SO12').waitFor();
    await page.waitForTimeout(300); // the server registers the subscription just after the stream opens

    // Recorded through the API while the queue is open: it must appear without a reload.
    const call = await recordSO12Call(1, { narrative: 'The caller says her lodger pays rent in cash from several bank cards in other names.' });
    const row = page.getByRole('row').filter({ hasText: call.reference });
    await row.waitFor({ timeout: 20_000 });
    await page.getByText('Queue updated').first().waitFor();
    const doc = await findReport(e2e().app, call.id);
    expect(doc.desk).toBe('SO12');
    await expect(row.locator('.badge').first().textContent()).resolves.toBe(doc.priority);

    // A few more for the screenshot.
    const more = [await recordSO12Call(2, { categories: ['TRAVEL'] }), await recordSO12Call(3, { categories: ['ONLINE_ACTIVITY'] })];
    for (const m of more) await page.getByRole('row').filter({ hasText: m.reference }).waitFor({ timeout: 20_000 });
    // Age and SLA countdown re-render every second from one clock: the age (in seconds while fresh) visibly ticks.
    const [ageCell, dueCell] = [row.locator('td').nth(1), row.locator('td').nth(2)]; // the reference is the row header
    const before = await ageCell.textContent();
    await page.waitForTimeout(1_500);
    expect(await ageCell.textContent()).not.toBe(before);
    expect(await dueCell.textContent()).toMatch(/^\d+ h \d+ min$/);
    await expectAccessible(page);
    await screenshot(page, 'desk-queue');
    await expectFitsNarrowWindow(page);

    await page.getByRole('button', { name: `Claim ${call.reference}` }).click();
    await page.waitForURL(`**/reports/${call.id}`);
    await page.getByRole('heading', { name: `Report ${call.reference}` }).waitFor();
    await page.getByText('You hold this report.').waitFor();
    expect(await page.locator('pre.narrative').first().textContent()).toContain('several bank cards');

    // Grade 3x5x2.
    await page.getByLabel('Source evaluation').selectOption('S1');
    await page.getByLabel('Intelligence assessment').selectOption('B');
    await page.getByLabel('Handling code').selectOption('C');
    await page.getByRole('button', { name: 'Save grading' }).click();
    await page.getByText('S1 / B / C', { exact: true }).waitFor(); // exact: the history says it too, in words

    // Only the legal next state is offered from ASSIGNED.
    const moves = page.getByRole('button', { name: /^Move to / });
    expect(await moves.allTextContents()).toEqual(['Move to Under research']);
    await moves.first().click();
    await page.getByText('Moved to Under research.').waitFor();
    expect(await moves.allTextContents()).toEqual(['Move to Actioned (reason needed)', 'Move to Referred (reason needed)', 'Move to No further action (reason needed)']);
    expect((await findReport(e2e().app, call.id)).status).toBe('UNDER_RESEARCH');

    await page.getByLabel('New note').fill('Checked the bank cards against the finance desk list: no match yet.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Checked the bank cards against the finance desk list').waitFor();
    await page.getByText(/History verified: \d+ entries, chain intact/).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'report-view');

    // Reveal the caller: a reason is required, and the dialog says it is audited.
    await page.getByRole('button', { name: 'Reveal caller' }).click();
    const dialog = page.getByRole('dialog', { name: "Reveal the caller's identity" });
    await dialog.getByText('This reveal is audited').waitFor();
    await dialog.getByLabel('Reason for revealing the caller').fill('short');
    await dialog.getByRole('button', { name: 'Reveal' }).click();
    await dialog.getByText('Give a reason of at least 10 characters.').waitFor();
    expect(await auditEntries(e2e().app, 'report.reveal_caller', call.id)).toHaveLength(0);
    await dialog.getByLabel('Reason for revealing the caller').fill('Need to confirm which bank cards the caller saw');
    await expectAccessible(page);
    // The whole page height, so the modal's backdrop covers the full-page screenshot.
    await page.setViewportSize({ width: 1280, height: await page.evaluate(() => document.documentElement.scrollHeight) });
    await screenshot(page, 'reveal-caller');
    await page.setViewportSize({ width: 1280, height: 800 });
    await dialog.getByRole('button', { name: 'Reveal' }).click();
    await dialog.getByText(CALLER.name).waitFor();
    await dialog.getByText(CALLER.phone).waitFor();
    const reveals = await auditEntries(e2e().app, 'report.reveal_caller', call.id);
    expect(reveals).toHaveLength(1);
    // The reason is sealed under the report's key (erasure shreds it), with a keyed hash to check a stated reason against.
    expect(JSON.stringify(reveals[0]!.details)).not.toContain('Need to confirm which bank cards');
    expect(reveals[0]!.details).toMatchObject({ reasonSealed: expect.any(String), reasonMac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await dialog.getByRole('button', { name: 'Close and forget' }).click();
    expect(await page.getByText(CALLER.name).count()).toBe(0);

    // The history, checked again by the server, is still intact after every step.
    await page.getByRole('button', { name: 'Verify again' }).click();
    await page.getByText(/History verified: \d+ entries, chain intact/).waitFor();
    const verified = await e2e().app.gql(`query($id: ID!) { verifyReportHistory(id: $id) { valid length } }`, { id: call.id }, inv.token);
    expect(verified.data.verifyReportHistory.valid).toBe(true);
    await expect(page.getByText(`History verified: ${verified.data.verifyReportHistory.length} entries, chain intact`).count()).resolves.toBe(1);
    await expectFitsNarrowWindow(page);
    expect(foreign).toEqual([]);
    claimedId = call.id;
  });

  it('an investigator of the other desk cannot open it', async () => {
    // The report of the first test when it ran; otherwise one of its own, routed to SO12.
    const id = claimedId || (await recordSO12Call(5, { narrative: 'The caller says her lodger pays rent from several bank cards.' })).id;
    await waitForStatus(e2e().app, id, claimedId ? 'UNDER_RESEARCH' : 'TRIAGED');
    expect((await findReport(e2e().app, id)).desk).toBe('SO12');
    const other = await createStaff(e2e().app, 'INVESTIGATOR', 'SO13');
    const { page } = await e2e().newPage();
    await signIn(page, other.username);
    await page.goto(`/reports/${id}`);
    await page.getByRole('heading', { name: 'You cannot open this report' }).waitFor();
    expect(await page.locator('pre.narrative').count()).toBe(0);
    expect(await page.content()).not.toContain('several bank cards');
    await expectAccessible(page);
  });

  it('when two investigators claim the same report, the second gets a clear message and a reloaded queue', async () => {
    const [a, b] = [await createStaff(e2e().app, 'INVESTIGATOR', 'SO12'), await createStaff(e2e().app, 'INVESTIGATOR', 'SO12')];
    const call = await recordSO12Call(4, { categories: ['ACCOMMODATION'] });
    await waitForStatus(e2e().app, call.id, 'TRIAGED');

    const first = await e2e().newPage();
    const second = await e2e().newPage();
    // B's page is stale: its live updates are cut, as in the moment between A's claim and B's next event.
    await second.page.route('**/graphql', (route) =>
      (route.request().headers()['accept'] ?? '').includes('text/event-stream') ? route.abort() : route.continue(),
    );
    await signIn(first.page, a.username);
    await signIn(second.page, b.username);
    await first.page.goto('/desk');
    await second.page.goto('/desk');
    const rowA = first.page.getByRole('row').filter({ hasText: call.reference });
    const rowB = second.page.getByRole('row').filter({ hasText: call.reference });
    await rowA.waitFor();
    await rowB.waitFor();

    await first.page.getByRole('button', { name: `Claim ${call.reference}` }).click();
    await first.page.waitForURL(`**/reports/${call.id}`);
    await first.page.getByText('You hold this report.').waitFor();

    await second.page.getByRole('button', { name: `Claim ${call.reference}` }).click();
    await second.page.getByRole('alert').filter({ hasText: `${call.reference} was claimed or changed by someone else first. The queue has been reloaded` }).waitFor();
    await rowB.waitFor({ state: 'detached' });
    expect(second.page.url()).toMatch(/\/desk$/);
    expect(await second.page.content()).not.toMatch(/at Object\.|TypeError|ApiError/);
    expect((await findReport(e2e().app, call.id)).assignee).toBe(a.user.id);
  });

  it('marks reports linked by a shared vehicle with a badge in the queue', async () => {
    // Two calls about one van (nothing else shared): the triage worker confirms the link by decrypting both.
    const van = { registration: 'LK21 BNF', make: 'Ford', model: 'Transit', colour: 'white' };
    const first = await recordSO12Call(20, { vehicles: [van], subjects: [{ name: 'Noel Ashby' }], locations: [{ address: '4 Wharf Lane, London', postcode: 'SE16 4RT' }] });
    await waitForStatus(e2e().app, first.id, 'TRIAGED');
    const later = await recordSO12Call(21, { vehicles: [van], subjects: [{ name: 'Imogen Pryce' }], locations: [{ address: '61 Cable Street, London', postcode: 'E1 8JA' }] });
    const doc = await waitForStatus(e2e().app, later.id, 'TRIAGED');
    const links = await e2e().app.deps.reports.linksOf(doc); // sealed edges, not embedded in the report
    expect({ desk: doc.desk, links: links.map((l) => ({ reference: l.reference, reasons: l.reasons })) }).toEqual({
      desk: 'SO12',
      links: [{ reference: first.reference, reasons: ['vehicle'] }],
    });
    // The first report is not written to: the link is an edge of its own, read from either end.
    expect((await e2e().app.deps.reports.linksOf(await findReport(e2e().app, first.id))).map((l) => l.reference)).toEqual([later.reference]);
    const apart = await recordSO12Call(22, { vehicles: [{ ...van, registration: 'YR68 KPD' }], subjects: [{ name: 'Tobias Wren' }], locations: [{ address: '9 Mill Road, London', postcode: 'N7 6QS' }] });
    expect(await e2e().app.deps.reports.linksOf(await waitForStatus(e2e().app, apart.id, 'TRIAGED'))).toEqual([]);

    const inv = await createStaff(e2e().app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await openDesk(page);
    const laterRow = page.getByRole('row').filter({ hasText: later.reference });
    await laterRow.waitFor();
    await expect(laterRow.locator('.badge.linked').textContent()).resolves.toBe('Linked (1)');
    await expect(page.getByRole('row').filter({ hasText: first.reference }).locator('.badge.linked').textContent()).resolves.toBe('Linked (1)');
    // A report without links has no badge.
    const apartRow = page.getByRole('row').filter({ hasText: apart.reference });
    expect(await apartRow.locator('.badge.linked').count()).toBe(0);
    await expect(apartRow.getByText('None', { exact: true }).count()).resolves.toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'desk-queue');
    expect(foreign).toEqual([]);
  });
});
