/**
 * Link review in the console (issue 26, "Links that say why"): an SO12
 * investigator opens a report with two possible links (names that only
 * sound alike), confirms one with a reason (an empty reason is refused in
 * the error summary first; a double click sends one request) and sees
 * "linked by" them; marks the other wrong, with the keyboard only, and it
 * leaves the list; links the report to another by its reference (an unknown
 * reference, then the report's own, are refused in words first). A supervisor is offered none of
 * these (the policy's rows are investigators'). axe with the form open;
 * screenshots at desktop width and 390 px. An investigator idle with a
 * reason typed is warned, then signed out, and the reason is not kept.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findReport, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, SCREENSHOTS, signIn, useE2E } from './support/browser.js';

/** SCREENSHOTS/<name>.png of the window (not the whole page: a modal dialog's backdrop covers only the window), the links in view. */
async function screenshotWindow(page: Page, name: string) {
  await page.locator('h2', { hasText: 'Subjects' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

describe('link review', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  it('an investigator confirms a possible link, marks another wrong and links to another report by reference', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const call = async (i: number, only: Record<string, unknown>) => {
      const id = await recordCall(app, handler.token, i, { categories: ['FINANCE'], subjects: [], vehicles: [], locations: [], ...only });
      // The worker triages it (and links it); then it is put on SO12 (as a referral would).
      await waitForStatus(app, id, 'TRIAGED');
      const doc = await findReport(app, id);
      if (doc.desk !== 'SO12') await app.deps.reports.applyChange(doc, { set: { desk: 'SO12' }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: doc.desk }, to: { desk: 'SO12' }, reason: 'test' }] });
      return { id, reference: (await findReport(app, id)).reference };
    };
    const soundsAlike = await call(1, { subjects: [{ name: 'Tariq Hassan' }] });
    const otherScript = await call(2, { subjects: [{ name: 'محمد' }] });
    const unrelated = await call(3, { vehicles: [{ registration: 'KX19 LMN' }] });
    const report = await call(4, { subjects: [{ name: 'Tarik Hasan' }, { name: 'Mohammed' }] });
    for (const other of [soundsAlike, otherScript]) {
      expect(await app.deps.reports.findLinkEdge(report.id, other.id)).toMatchObject({ reasons: ['namePhonetic'] });
    }

    // A supervisor sees the possible links but not these buttons (the policy gives them to investigators; supervisors link and unlink).
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const bySupervisor = await e2e().newPage();
    await signIn(bySupervisor.page, supervisor.username);
    await bySupervisor.page.goto(`/reports/${report.id}`);
    await bySupervisor.page.getByRole('button', { name: 'Link to report…' }).waitFor();
    expect(await bySupervisor.page.getByText('Possible link').count()).toBe(2);
    for (const name of [/^Confirm link/, /^Mark as wrong/, 'Link to another report']) expect(await bySupervisor.page.getByRole('button', { name }).count()).toBe(0);
    await bySupervisor.context.close();

    const inv = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    const sent: string[] = [];
    page.on('request', (r) => {
      const body = r.postData() ?? '';
      for (const op of ['confirmLink', 'markLinkWrong', 'proposeLink']) if (body.includes(`${op}(`)) sent.push(op);
    });
    await signIn(page, inv.username);
    await page.goto(`/reports/${report.id}`);
    const links = page.locator('ul.entities').filter({ hasText: soundsAlike.reference });
    await links.getByText('Possible link').first().waitFor();
    expect(await links.getByText('Possible link').count()).toBe(2);

    // Confirm: an empty reason is refused in the error summary, which takes the focus and leads to the field.
    await page.getByRole('button', { name: `Confirm link to ${soundsAlike.reference}` }).click();
    const dialog = page.getByRole('dialog', { name: `Confirm possible link to ${soundsAlike.reference}` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm link' }).click();
    const summary = dialog.getByRole('alert').filter({ hasText: 'There is a problem' });
    await summary.getByRole('link', { name: 'Enter a reason' }).waitFor();
    await expect(page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).resolves.toBe(true);
    await summary.getByRole('link', { name: 'Enter a reason' }).click();
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('TEXTAREA');
    await expectAccessible(page);
    await screenshotWindow(page, 'link-review');
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshotWindow(page, 'link-review-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    // A double click sends one confirmation; the list then says who linked them.
    await dialog.getByLabel('Reason').fill('Same date of birth on both calls; the spelling differs');
    await dialog.getByRole('button', { name: 'Confirm link' }).dblclick();
    await page.getByText('Link confirmed.').waitFor();
    await expect(dialog.isVisible()).resolves.toBe(false);
    expect(sent.filter((op) => op === 'confirmLink')).toEqual(['confirmLink']);
    const confirmed = links.locator('li').filter({ hasText: soundsAlike.reference });
    await confirmed.getByText(`linked by ${inv.username}`).waitFor();
    expect(await confirmed.getByText('Possible link').count()).toBe(0);

    // Mark the other as wrong, with the keyboard only: it leaves the list.
    await page.getByRole('button', { name: `Mark as wrong: the link to ${otherScript.reference}` }).focus();
    await page.keyboard.press('Enter');
    const wrong = page.getByRole('dialog', { name: `Mark possible link as wrong to ${otherScript.reference}` });
    await wrong.waitFor();
    await wrong.getByLabel('Reason').focus();
    await page.keyboard.type('Different people: the caller described an older man');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Mark as wrong');
    await page.keyboard.press('Enter');
    await page.getByText('The possible link was marked as wrong').waitFor();
    await expect.poll(() => page.locator('main').getByRole('link', { name: otherScript.reference }).count()).toBe(0);

    // Link to another report: an unknown reference is refused in words, then the right one links them.
    await page.getByRole('button', { name: 'Link to another report' }).click();
    const propose = page.getByRole('dialog', { name: 'Link to another report' });
    await propose.getByLabel('Reference of the other report').fill('ATH-2026-999999');
    await propose.getByLabel('Reason').fill('The van in this call is the one seen at the address in the other');
    await propose.getByRole('button', { name: 'Link reports' }).click();
    await propose.getByRole('link', { name: /No report you may read has that reference or id/ }).waitFor();
    await expectAccessible(page);
    // The server's refusal (BAD_USER_INPUT) in its own words: a report is not linked to itself.
    await propose.getByLabel('Reference of the other report').fill(report.reference);
    await propose.getByRole('button', { name: 'Link reports' }).click();
    await propose.getByRole('alert').getByText('This cannot be done. A report cannot be linked to itself.').waitFor();
    await propose.getByLabel('Reference of the other report').fill(unrelated.reference);
    await propose.getByRole('button', { name: 'Link reports' }).click();
    await page.getByText('Reports linked.').waitFor();
    const proposed = links.locator('li').filter({ hasText: unrelated.reference });
    await proposed.getByText(`linked by ${inv.username}`).waitFor();
    expect(sent.filter((op) => op === 'proposeLink')).toEqual(['proposeLink', 'proposeLink']); // the refused one, then this
    expect(await app.deps.reports.findLinkEdge(report.id, unrelated.id)).toMatchObject({ manual: true });
    expect(foreign).toEqual([]);
  });
  it('keeps a typed reason for the pair when the investigator goes elsewhere and back, and when the server cannot be reached', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const call = async (i: number, only: Record<string, unknown>) => {
      const id = await recordCall(app, handler.token, i, { categories: ['FINANCE'], subjects: [], vehicles: [], locations: [], ...only });
      await waitForStatus(app, id, 'TRIAGED');
      const doc = await findReport(app, id);
      if (doc.desk !== 'SO12') await app.deps.reports.applyChange(doc, { set: { desk: 'SO12' }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: doc.desk }, to: { desk: 'SO12' }, reason: 'test' }] });
      return { id, reference: (await findReport(app, id)).reference };
    };
    const first = await call(11, { subjects: [{ name: 'Farouk Selim' }] });
    const report = await call(12, { subjects: [{ name: 'Faruq Salim' }] });
    expect(await app.deps.reports.findLinkEdge(report.id, first.id)).toMatchObject({ reasons: ['namePhonetic'] });
    const inv = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    // Arrive on the report from the other one (inside the console), so Back stays inside it.
    await page.goto(`/reports/${first.id}`);
    await page.locator('main').getByRole('link', { name: report.reference }).first().click();
    await page.waitForURL(`**/reports/${report.id}`);
    const reason = 'Same date of birth on both calls';
    const open = async () => {
      await page.getByRole('button', { name: `Confirm link to ${first.reference}` }).click();
      const dialog = page.getByRole('dialog', { name: `Confirm possible link to ${first.reference}` });
      await dialog.waitFor();
      return dialog;
    };
    let dialog = await open();
    await dialog.getByLabel('Reason').fill(reason);
    // Away (Back, to the other report) and back again: the reason is there.
    await page.goBack();
    await page.waitForURL(`**/reports/${first.id}`);
    await page.locator('main').getByRole('link', { name: report.reference }).first().click();
    await page.waitForURL(`**/reports/${report.id}`);
    dialog = await open();
    await expect(dialog.getByLabel('Reason').inputValue()).resolves.toBe(reason);

    // The server cannot be reached: a clear message, the reason kept, and sending again works.
    const cut = (route: import('playwright-core').Route) => (route.request().postData()?.includes('confirmLink(') ? route.abort('connectionrefused') : route.fallback());
    await page.route('**/graphql', cut);
    await dialog.getByRole('button', { name: 'Confirm link' }).click();
    await dialog.getByRole('alert').getByText(/The connection to the server was lost/).waitFor();
    await expect(dialog.getByLabel('Reason').inputValue()).resolves.toBe(reason);
    await expect(dialog.getByRole('button', { name: 'Confirm link' }).isEnabled()).resolves.toBe(true);
    await expectAccessible(page);
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: join(SCREENSHOTS, 'link-review-offline-narrow.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.unroute('**/graphql', cut);
    await dialog.getByRole('button', { name: 'Confirm link' }).click();
    await page.getByText('Link confirmed.').waitFor();
    expect(await app.deps.reports.findLinkEdge(report.id, first.id)).toMatchObject({ manual: true, by: inv.user.id });

    // Sent: the reason is forgotten. Cancelled: forgotten too.
    await page.getByRole('button', { name: 'Link to another report' }).click();
    const propose = page.getByRole('dialog', { name: 'Link to another report' });
    await propose.getByLabel('Reason').fill('Something typed then cancelled');
    await propose.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Link to another report' }).click();
    await expect(propose.getByLabel('Reason').inputValue()).resolves.toBe('');
    expect(foreign).toEqual([]);
  });

  it('signs an idle investigator out with the dialog open, warning first; the reason typed is not kept or shown after', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const id = await recordCall(app, handler.token, 21, { categories: ['FINANCE'], subjects: [{ name: 'Idris Mahmood' }], vehicles: [], locations: [] });
    await waitForStatus(app, id, 'TRIAGED');
    const doc = await findReport(app, id);
    const inv = await createStaff(app, 'INVESTIGATOR', doc.desk!);
    const { page, foreign } = await e2e().newPage();
    await page.clock.install();
    await signIn(page, inv.username);
    await page.goto(`/reports/${id}`);
    await page.getByRole('button', { name: 'Link to another report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Link to another report' });
    const reason = 'Idle: the same van seen by the investigator';
    await dialog.getByLabel('Reason').fill(reason);
    // Untouched past the idle time (15 minutes by default): a typed reason alone is a note, not a call in progress,
    // so the console warns, then signs out (session/drafts.tsx) rather than locking.
    await page.clock.fastForward('14:30');
    await page.getByRole('alertdialog').filter({ hasText: 'You will be signed out' }).waitFor();
    await page.clock.fastForward('01:00');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.content()).not.toContain(reason);
    await page.screenshot({ path: join(SCREENSHOTS, 'link-review-idle-signed-out.png') });
    // Signed in again, the same action on the same report: the reason was discarded with the session.
    await signIn(page, inv.username);
    await page.goto(`/reports/${id}`);
    await page.getByRole('button', { name: 'Link to another report' }).click();
    await expect(dialog.getByLabel('Reason').inputValue()).resolves.toBe('');
    expect(foreign).toEqual([]);
  });
});
