/**
 * The London picture (/statistics/london) in Debian's Chromium: a supervisor
 * sees exact counts per borough tile, the unusual rises in words and by a
 * marker, changes the colouring to change-against-previous, reads a tile by
 * keyboard, and the same figures in the table; an OVERSIGHT user sees the
 * published, suppressed figures. Accessible (axe), no CSP violation, fits
 * 390 px. Screenshots: docs/screenshots/statistics-london*.png.
 */
import { describe, expect, it } from 'vitest';
import { createStaff } from '../support/factories.js';
import { join } from 'node:path';
import { expectAccessible, expectFitsNarrowWindow, screenshot, SCREENSHOTS, signIn, useE2E } from './support/browser.js';
import { londonPeriod, seedLondon, watchCsp } from './support/statistics.js';

describe('the London picture', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  it('shows a supervisor the tiles, the rises in words, the change colouring and the table', async () => {
    const { app } = e2e();
    await seedLondon(app);
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const { page } = await e2e().newPage();
    const violations = await watchCsp(page);
    await signIn(page, supervisor.username);
    await page.goto(`/statistics/london?${londonPeriod().query}`);
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
    await page.goto(`/statistics/london?${londonPeriod().query}`);
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
