/**
 * The call handler's aids in a real browser: the 999 hand-off (the time
 * filled in at the tick, the CAD reference), the question prompts beside
 * the narrative, the caller's language (which alone keeps the caller
 * anonymous); and the investigator reading them on the report page, with
 * the language behind the audited reveal.
 */
import { describe, expect, it } from 'vitest';
import { auditEntries, Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const MINE = `{ mySubmissions { id reference } }`;

describe('call handler: the 999 hand-off and the question prompts', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('records the hand-off and the answers, and an investigator of the desk reads them on the report page', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, handler.username);
    await page.getByRole('heading', { name: 'Record a call' }).waitFor();

    await page.getByLabel('Imminent threat: someone may be in danger now').check();
    await page.getByLabel('The call was passed to 999').check();
    // The time is filled in at the tick, 24-hour.
    const time = page.getByLabel('Time passed to 999');
    await expect.poll(() => time.inputValue()).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
    await time.fill('07:05');
    await page.getByLabel('999 / CAD reference').fill('CAD 1187-Heronsgate');
    await page.getByLabel('What the caller said').fill('Two men unloading drums into the lock-up behind Heronsgate Parade.');
    await page.getByLabel('Is anyone in danger now?').fill('Yes: children play in the yard after school');
    await page.getByLabel('Where?').fill('Lock-up 7, behind Heronsgate Parade');
    await page.getByLabel('When?').fill('This morning about seven');
    await page.getByLabel('Who?').fill('Two men in their 40s, one with a limp');
    await page.getByLabel('Vehicles?').fill('Blue Luton van, part plate KD6');
    await page.getByLabel('Weapons?').fill('None seen');
    await page.getByLabel('How does the caller know this?').fill('Saw it from the bus stop opposite');
    // Categories by keyboard: type to narrow, Enter ticks the first match and empties the filter.
    await page.getByLabel('Find a category').focus();
    await page.keyboard.type('stor');
    expect(await page.getByLabel('Travel').isVisible()).toBe(false);
    await page.getByText('1 match: Enter ticks Storage (chemicals, weapons, materials)').waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type('host rec');
    await page.keyboard.press('Enter');
    await page.keyboard.type('trav');
    await page.keyboard.press('Enter');
    await page.keyboard.type('trav');
    await page.keyboard.press('Enter'); // a second Enter on the same match unticks it
    await page.keyboard.press('Escape');
    await page.getByText('2 chosen').waitFor();
    expect(await page.getByLabel('Storage (chemicals, weapons, materials)').isChecked()).toBe(true);
    expect(await page.getByLabel('Hostile reconnaissance').isChecked()).toBe(true);
    expect(await page.getByLabel('Travel').isChecked()).toBe(false);
    expect(await page.getByLabel('Find a category').inputValue()).toBe('');
    await page.getByLabel('Language of the call').fill('Amharic');
    await page.getByLabel('Interpreter used').fill('Language Line 55120');
    await page.getByLabel('May we leave a message?').selectOption('NO');
    await page.getByText('Anonymous caller; the language and contact notes will be recorded (encrypted).').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'record-call-aids');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'record-call-aids-narrow');
    await expectFitsNarrowWindow(page);

    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('.reference').waitFor();
    const reference = (await page.locator('.reference').textContent())!.trim();
    const mine = await app.gql(MINE, {}, handler.token);
    const id = (mine.data.mySubmissions as { id: string; reference: string }[]).find((s) => s.reference === reference)!.id;

    const routed = await waitForStatus(app, id, 'TRIAGED');
    expect(routed.anonymous).toBe(true);
    expect([...routed.categories].sort()).toEqual(['HOSTILE_RECONNAISSANCE', 'STORAGE']);
    const inv = await createStaff(app, 'INVESTIGATOR', routed.desk);
    await app.gql(Q.claim, { id }, inv.token);
    const desk = await e2e().newPage();
    await signIn(desk.page, inv.username);
    await desk.page.goto(`/reports/${id}`);
    await desk.page.getByRole('heading', { name: "Call handler's notes" }).waitFor();
    await desk.page.getByText(/^Passed to 999 at \d\d\/\d\d\/\d{4},? 07:05; 999 \/ CAD reference CAD 1187-Heronsgate$/).waitFor();
    for (const answer of ['Yes: children play in the yard after school', 'Lock-up 7, behind Heronsgate Parade', 'Blue Luton van, part plate KD6', 'Saw it from the bus stop opposite']) {
      await desk.page.getByText(answer, { exact: true }).waitFor();
    }
    // The language is with the caller's details: not on the page until the audited reveal.
    expect(await desk.page.getByText('Amharic').count()).toBe(0);
    await expectAccessible(desk.page);
    await desk.page.getByRole('heading', { name: "Call handler's notes" }).scrollIntoViewIfNeeded();
    await screenshot(desk.page, 'report-call-notes');
    await expectFitsNarrowWindow(desk.page);

    await desk.page.getByRole('button', { name: 'Reveal caller details' }).click();
    await desk.page.getByLabel('Reason for revealing the caller').fill('Booking an Amharic interpreter for the callback');
    await desk.page.getByRole('button', { name: 'Reveal', exact: true }).click();
    await desk.page.getByText('Language Line 55120').waitFor();
    await desk.page.getByRole('dialog').getByText('Amharic', { exact: true }).waitFor();
    expect(await auditEntries(app, 'report.reveal_caller', id)).toHaveLength(1);
    expect(foreign).toEqual([]);
    expect(desk.foreign).toEqual([]);
  });
});
