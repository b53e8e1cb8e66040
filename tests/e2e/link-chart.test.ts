/**
 * The link chart in the console (issue 26 items 4 and 5): an SO13
 * investigator opens the chart from a report, sees the SO12 report it is
 * linked to only as "held by SO12", moves through the drawing with the
 * keyboard, reads the table view, exports a PNG (the download arrives and
 * the export is in the audit log) and opens the timeline, filtered by a
 * shared vehicle. No CSP violation on the way (Cytoscape would inject a
 * <style> if let: screens/chart/Graph.tsx), axe clean, desktop and 390 px.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditEntries, Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { buildChartWorld, SHARED } from '../support/neighbourhood.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

/** Every CSP violation the page reports, from before its first script runs. */
async function recordViolations(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

describe('the link chart', { timeout: 240_000 }, () => {
  const e2e = useE2E();

  it('opens from a report, shows the other desk as a placeholder, has a table view, exports a PNG and a timeline', async () => {
    const { app } = e2e();
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const world = await buildChartWorld(app, { handler: handler.token, supervisor: supervisor.token }, 3, (id) => waitForStatus(app, id, 'TRIAGED'));
    // A status change for the timeline: A claimed and put under research.
    const claimed = await app.gql(Q.claim, { id: world.ids.A }, so13.token);
    expect(claimed.errors).toBeUndefined();
    const moved = await app.gql(Q.transition, { id: world.ids.A, to: 'UNDER_RESEARCH', reason: 'Looking into the van', v: claimed.data.claimReport.version }, so13.token);
    expect(moved.errors).toBeUndefined();

    const { page, foreign } = await e2e().newPage();
    const violations = await recordViolations(page);
    await signIn(page, so13.username);
    await page.goto(`/reports/${world.ids.A}`);
    await page.getByRole('link', { name: 'Open link chart' }).click();
    await page.getByRole('heading', { name: `Link chart of ${world.refs.A}` }).waitFor();
    await page.waitForURL(new RegExp(`/reports/${world.ids.A}/chart$`));

    // Depth 2: B, D and the shared name appear; the SO12 report only as its desk.
    await page.getByLabel('Depth').selectOption('2');
    await page.waitForURL(/depth=2/);
    const canvas = page.getByTestId('chart-canvas');
    await canvas.locator('canvas').first().waitFor();
    await page.getByText('3 reports you may read and 2 shared values', { exact: false }).waitFor();

    // The keyboard: the drawing is one tab stop; arrows move the selection, said in words.
    await canvas.focus();
    await page.keyboard.press('Home');
    await expect(page.locator('#chart-selected').textContent()).resolves.toContain(`Report ${world.refs.A}`);
    await page.keyboard.press('ArrowRight');
    const second = (await page.locator('#chart-selected').textContent()) ?? '';
    expect(second).toMatch(/^Report ATH-/);
    await expectAccessible(page);
    await screenshot(page, 'link-chart');

    // Export PNG: the file arrives, and the export is on record.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`link-chart-${world.refs.A}-depth-2.png`);
    const bytes = await readFile((await file.path())!);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    await page.getByText('The export was recorded in the audit log.', { exact: false }).waitFor();
    const exports = await auditEntries(app, 'report.chart_export', world.ids.A);
    expect(exports[0]).toMatchObject({ actor: { name: so13.username }, details: { depth: 2, reference: world.refs.A } });

    // Enter opens the selected report.
    await canvas.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => /\/reports\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith(world.ids.A));
    await page.goBack();
    await page.getByRole('heading', { name: `Link chart of ${world.refs.A}` }).waitFor();

    // The table view: the same items, the SO12 report as "held by SO12" and nothing of it.
    await page.getByRole('tab', { name: 'Table view' }).click();
    const items = page.getByRole('table', { name: /Items/ });
    await items.waitFor();
    await items.getByRole('rowheader', { name: 'Reports held by SO12' }).waitFor();
    for (const ref of [world.refs.A, world.refs.B, world.refs.D]) await items.getByRole('link', { name: ref }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    for (const hidden of [world.refs.C, world.refs.E, world.hidden.nameC, world.hidden.plateC, world.hidden.postcodeCE]) expect(text).not.toContain(hidden);
    await page.getByRole('table', { name: /Connections/ }).getByText('linked to a report held by SO12').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'link-chart-table');

    // The timeline, then only the reports holding the shared van.
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const events = page.getByRole('list', { name: 'Events, oldest first' });
    await events.getByText('Status changed to Under Research').waitFor();
    expect(await events.getByText('Report received').count()).toBe(3);
    expect(await events.textContent()).toMatch(/\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}/);
    await page.getByLabel('Show the events of').selectOption({ label: `Vehicle: ${SHARED.PLATE_AB}` });
    await expect.poll(() => events.getByText('Report received').count()).toBe(2);
    expect(await events.getByRole('link', { name: world.refs.D }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'link-chart-timeline');

    // A 390 px window: the drawing and the timeline fit.
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'link-chart-timeline-narrow');
    await page.getByRole('tab', { name: 'Chart' }).click();
    await canvas.locator('canvas').first().waitFor();
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'link-chart-narrow');

    expect(await violations()).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
