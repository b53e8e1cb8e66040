/**
 * The investigator's shift in a real browser: previewing a queued report
 * (counts and categories, no content, no audited read), claiming it from its
 * report page, "My reports" in the navigation, grading that starts empty,
 * closing with an outcome, after which the forms a closed report cannot take
 * are gone and the history reads in words.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, findReport, Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('investigator shift', { timeout: 120_000 }, () => {
  const e2e = useE2E();
  let handlerToken: string;
  beforeAll(async () => {
    handlerToken = (await createStaff(e2e().app, 'CALL_HANDLER')).token;
  });

  /** A call the routing rules send to SO12 (FINANCE, not imminent), once triaged. */
  async function triagedSO12Call(i: number, overrides: Record<string, unknown> = {}) {
    const res = await e2e().app.gql(RECORD_CALL, { input: hotlineCall(i, { categories: ['FINANCE'], ...overrides }) }, handlerToken);
    expect(res.errors).toBeUndefined();
    const call = { id: res.data.recordHotlineCall.id as string, reference: res.data.recordHotlineCall.reference as string };
    await waitForStatus(e2e().app, call.id, 'TRIAGED', 20_000);
    return call;
  }

  it('previews a queued report without claiming or reading it, claims it from its report page, and finds it under My reports', async () => {
    const inv = await createStaff(e2e().app, 'INVESTIGATOR', 'SO12');
    const call = await triagedSO12Call(1, {
      categories: ['FINANCE', 'TRAVEL'],
      narrative: 'The caller says two men load boxes into a van at night behind the shop.',
      subjects: [{ name: 'Noel Ashby' }, { name: 'Imogen Pryce' }],
      vehicles: [{ registration: 'LK21 BNF', make: 'Ford', model: 'Transit', colour: 'white' }],
    });
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await page.goto('/desk');
    await page.getByRole('row').filter({ hasText: call.reference }).waitFor({ timeout: 20_000 });

    await page.getByRole('button', { name: `Preview ${call.reference}` }).click();
    const preview = page.getByRole('region', { name: `Preview of ${call.reference}` });
    await preview.getByText('2 subjects named').waitFor();
    await preview.getByText('1 vehicle named').waitFor();
    await preview.getByText('Finance, Travel').waitFor();
    await preview.getByText('previewing is not recorded as a read').waitFor();
    // Focus moves to the preview's heading, so a keyboard or screen-reader user is taken to it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('preview-title');
    expect(await page.content()).not.toMatch(/Noel Ashby|LK21 BNF|loading boxes|load boxes/);
    expect(await auditEntries(e2e().app, 'report.read', call.id)).toHaveLength(0);
    expect(await findReport(e2e().app, call.id)).toMatchObject({ status: 'TRIAGED', assignee: null });
    await expectAccessible(page);
    await screenshot(page, 'desk-preview');
    await expectFitsNarrowWindow(page);

    // Opening it is the audited read; it can be claimed right there.
    await preview.getByRole('link', { name: 'Open the report (recorded as a read)' }).click();
    await page.waitForURL(`**/reports/${call.id}`);
    await page.getByText('Nobody holds this report: claim it to work on it.').waitFor();
    expect(await auditEntries(e2e().app, 'report.read', call.id)).toHaveLength(1);
    await page.getByRole('button', { name: 'Claim this report' }).click();
    await page.getByText('You hold this report now.').waitFor();
    await page.getByText('You hold this report.', { exact: false }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Claim this report' }).count()).toBe(0);
    expect((await findReport(e2e().app, call.id)).assignee).toBe(inv.user.id);
    await page.getByRole('heading', { name: 'Move the report on' }).waitFor();

    // My reports is in the navigation (the policy grants myReports to investigators).
    await page.getByRole('navigation').getByRole('link', { name: 'My reports' }).click();
    await page.getByRole('heading', { name: 'My reports', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: call.reference }).getByRole('link', { name: call.reference }).waitFor();
    await expectAccessible(page);
    await expectFitsNarrowWindow(page);
    expect(foreign).toEqual([]);
  });

  it('grades from an empty form, closes with an outcome, then hides the forms a closed report cannot take; the history reads in words', async () => {
    const inv = await createStaff(e2e().app, 'INVESTIGATOR', 'SO12');
    const call = await triagedSO12Call(2);
    const app = e2e().app;
    const claimed = await app.gql(Q.claim, { id: call.id }, inv.token);
    expect(claimed.errors).toBeUndefined();
    let v = claimed.data.claimReport.version as number;
    for (const [to, reason] of [['UNDER_RESEARCH', ''], ['ACTIONED', 'Warrant executed by the borough team']]) {
      const res = await app.gql(Q.transition, { id: call.id, to, reason, v }, inv.token);
      expect(res.errors).toBeUndefined();
      v = res.data.transitionReport.version;
    }

    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await page.goto(`/reports/${call.id}`);
    await page.getByRole('heading', { name: `Report ${call.reference}` }).waitFor();

    // Grading starts empty: nothing is sent until each part is chosen.
    for (const label of ['Source evaluation', 'Intelligence assessment', 'Handling code']) expect(await page.getByLabel(label).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Save grading' }).click();
    await page.getByText('Choose the source evaluation.').waitFor();
    expect((await findReport(app, call.id)).grading).toBeNull();
    await page.getByLabel('Source evaluation').selectOption('S2');
    await page.getByLabel('Intelligence assessment').selectOption('B');
    await page.getByLabel('Handling code').selectOption('P');
    await page.getByRole('button', { name: 'Save grading' }).click();
    await page.getByText('S2 / B / P', { exact: true }).waitFor();

    // Closing needs an outcome.
    await page.getByLabel('Reason').fill('Charged and remanded; nothing further for the desk');
    const close = page.getByRole('button', { name: 'Move to Closed (reason and outcome needed)' });
    await close.click();
    await page.getByText('Choose what came of the report before closing it.').waitFor();
    expect((await findReport(app, call.id)).status).toBe('ACTIONED');
    await page.getByLabel('Outcome').selectOption({ label: 'Arrest' });
    await close.click();
    await page.getByText('Moved to Closed; outcome: Arrest.').waitFor();
    expect(await findReport(app, call.id)).toMatchObject({ status: 'CLOSED', outcome: 'ARREST' });

    // A closed report takes no workflow step, grading or note: those forms are gone.
    await page.getByText('This report is closed').waitFor();
    for (const gone of ['Save grading', 'Add note', /^Move to /, 'Change priority', 'Release to the queue']) {
      expect(await page.getByRole('button', { name: gone }).count(), String(gone)).toBe(0);
    }
    expect(await page.getByRole('heading', { name: 'Move the report on' }).count()).toBe(0);
    await page.locator('dl.facts').getByText('Arrest', { exact: true }).waitFor();

    // The history in words: usernames and plain sentences, no ids or field names.
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Status changed; status from Actioned to Closed; outcome: Arrest').waitFor();
    await history.getByText(`Claimed; status from Triaged to Assigned; holder from nobody to ${inv.username}`).waitFor();
    await history.getByText('Graded; grading from none to S2 / B / P').waitFor();
    const text = (await history.locator('table').textContent()) ?? '';
    expect(text).not.toMatch(UUID);
    expect(text).not.toMatch(/assignee|status_changed|"status"/);
    await page.getByText(/History verified: \d+ entries, chain intact/).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'report-closed');
    await expectFitsNarrowWindow(page);
    expect(foreign).toEqual([]);
  });
});
