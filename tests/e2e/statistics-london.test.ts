/**
 * The London picture (/statistics/london) in Debian's Chromium: a supervisor
 * sees exact counts per borough tile, the unusual rises in words and by a
 * marker, changes the colouring to change-against-previous, reads a tile by
 * keyboard, and the same figures in the table; an OVERSIGHT user sees the
 * published, suppressed figures. Accessible (axe), no CSP violation, fits
 * 390 px. Screenshots: docs/screenshots/statistics-london*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { figuresOf, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { createStaff } from '../support/factories.js';
import { join } from 'node:path';
import { expectAccessible, expectFitsNarrowWindow, screenshot, SCREENSHOTS, signIn, useE2E } from './support/browser.js';
import type { TestApp } from '../support/app.js';

const DAY_MS = 24 * 3600_000;
const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

const event = (day: string, borough: StatisticsEvent['borough'], categories: StatisticsEvent['categories'] = ['STORAGE']): Omit<StatisticsEvent, 'key'> => ({
  day, measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', partner: null, categories, borough,
  desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null,
});
const times = <T>(n: number, f: () => T) => Array.from({ length: n }, f);

/**
 * 40 weeks of figures, one day a week (each Wednesday): a steady London, and in the last 28 days Camden's storage
 * reports up from 6 to 20 a week. Returns nothing: the screens read them.
 */
export async function seedLondon(app: TestApp) {
  const yesterday = Math.floor(Date.now() / DAY_MS) - 1;
  const wednesday = yesterday - ((new Date(yesterday * DAY_MS).getUTCDay() + 4) % 7);
  for (let w = 0; w < 40; w++) {
    const n = wednesday - 7 * w;
    const day = dayOf(n);
    const recent = yesterday - n < 28;
    const events = [
      ...times(recent ? 20 : 6, () => event(day, 'CAMDEN')),
      ...times(9, () => event(day, 'BRENT', ['FINANCE'])),
      ...times(12, () => event(day, 'ISLINGTON', ['ONLINE_ACTIVITY'])),
      ...times(7, () => event(day, 'NEWHAM', ['TRAVEL'])),
      ...times(6, () => event(day, 'CROYDON')),
      ...times(5, () => event(day, 'WESTMINSTER', ['HOSTILE_RECONNAISSANCE'])),
      ...times(2, () => event(day, 'HACKNEY')),
      ...times(8, () => event(day, 'OUTSIDE_LONDON')),
    ];
    await app.deps.reports.statistics.writeDay({ _id: day, rolledAt: new Date(), ...figuresOf(events) });
  }
}

/**
 * Records every CSP violation on the page (the console's CSP forbids inline styles and scripts) but one: zod 4, in
 * the console's forms, probes once whether it may compile with `Function('')` and, refused, validates without (a
 * `script-src eval` report from the console's own bundle, before and apart from these screens).
 */
export async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  });
  return async () => (await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).filter((v: string) => !/^script-src eval \S+\/assets\/index-[\w-]+\.js:/.test(v));
}

describe('the London picture', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  it('shows a supervisor the tiles, the rises in words, the change colouring and the table', async () => {
    const { app } = e2e();
    await seedLondon(app);
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const { page } = await e2e().newPage();
    const violations = await watchCsp(page);
    await signIn(page, supervisor.username);
    await page.goto('/statistics/london');
    await page.getByRole('heading', { name: 'London picture', level: 1 }).waitFor();
    const camden = page.getByRole('button', { name: /^Camden: 80 reports, 24 in the previous period.*unusual rise/ });
    await camden.waitFor();
    const rises = page.getByRole('region', { name: 'Unusual rises' });
    expect(await rises.getByRole('listitem').allInnerTexts()).toEqual([expect.stringMatching(/Camden: all categories: 80 reports against a usual 24\.0; Storage \(chemicals, weapons, materials\): 80 reports against a usual 24\.0/)]);
    // By keyboard: focus the tile, press Enter, read its figures.
    await camden.focus();
    await page.keyboard.press('Enter');
    expect(await camden.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.tile-detail').innerText()).toMatch(/^Camden: 80 reports/);
    const table = page.getByRole('table', { name: /Reports received by borough/ });
    expect(await table.getByRole('row', { name: /Brent/ }).innerText()).toMatch(/Brent\s+36\s+36\s+0\s+No/);
    await expectAccessible(page);
    await screenshot(page, 'statistics-london');
    await page.getByLabel('Change against the previous period').check();
    expect(await page.locator('.tile.c3.r2').getAttribute('class')).toContain('chg-up2');
    await expectAccessible(page);
    await screenshot(page, 'statistics-london-change');
    await page.setViewportSize({ width: 390, height: 800 });
    // At 390 px the table reflows into one card per borough (a long page): the picture is the map's section.
    await page.locator('section[aria-labelledby="london-map-heading"]').screenshot({ path: join(SCREENSHOTS, 'statistics-london-390.png') });
    await expectFitsNarrowWindow(page);
    expect((await violations()).join('\n')).toBe('');
  });

  it('shows an OVERSIGHT user the published figures only', async () => {
    const { app } = e2e();
    await seedLondon(app);
    const oversight = await createStaff(app, 'OVERSIGHT');
    const { page } = await e2e().newPage();
    const violations = await watchCsp(page);
    await signIn(page, oversight.username);
    await page.goto('/statistics/london');
    await page.getByRole('heading', { name: 'London picture', level: 1 }).waitFor();
    await page.getByText('Published figures: whole weeks only').waitFor();
    // Hackney's 2 a week are "fewer than 5": the tile says so and gives no number.
    await page.getByRole('button', { name: /^Hackney: (fewer than 5|suppressed) reports/ }).waitFor();
    const table = page.getByRole('table', { name: /Reports received by borough/ });
    expect(await table.getByRole('row', { name: /Hackney/ }).innerText()).toMatch(/fewer than 5|suppressed/);
    expect((await violations()).join('\n')).toBe('');
    await expectAccessible(page);
    await screenshot(page, 'statistics-london-oversight');
  });
});
