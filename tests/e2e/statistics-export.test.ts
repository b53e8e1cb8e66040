/**
 * Statistics exports and the committee report in Debian's Chromium: a
 * supervisor and an OVERSIGHT user pick a view and download its CSV (the
 * published, suppressed figures, whole weeks: checked in the file), then open
 * the printable committee report; both are audited. Accessible (axe), no CSP
 * violation, 390 px. Screenshots: docs/screenshots/statistics-export*.png and
 * statistics-report-print.png (print media emulation); the report printed to
 * PDF is one A4 page, its trend chart included, every key whole and none drawn with a CSS gradient.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditEntries } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, SCREENSHOTS, signIn, useE2E } from './support/browser.js';
import { londonPeriod, seedLondon, watchCsp } from './support/statistics.js';

/** Picks a view, downloads its CSV and answers the file's lines. */
async function downloadView(page: Page, label: string): Promise<string[]> {
  await page.getByLabel(label, { exact: false }).first().check();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const text = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
  await page.getByRole('status').filter({ hasText: 'The export is recorded in the audit log' }).waitFor();
  return text.trim().split('\r\n');
}

describe('statistics exports and the committee report', { timeout: 240_000 }, () => {
  const e2e = useE2E();

  it('lets a supervisor download a suppressed CSV and open the committee report, both audited', async () => {
    const { app } = e2e();
    await seedLondon(app);
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const { page } = await e2e().newPage();
    const violations = await watchCsp(page);
    await signIn(page, supervisor.username);
    await page.goto(`/statistics/export?${londonPeriod().query}`);
    await page.getByRole('heading', { name: 'Export statistics', level: 1 }).waitFor();
    // Nothing chosen: the error summary says so.
    await page.getByRole('button', { name: 'Download CSV' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose what to export' }).waitFor();
    await expectAccessible(page);
    const lines = await downloadView(page, 'By borough');
    expect(lines[0]).toBe('"start","end","measure","borough","count"');
    // Hackney's 2 a week are never a number, even for a supervisor.
    const hackney = lines.filter((l) => l.includes('"HACKNEY"'));
    expect(hackney.length).toBeGreaterThan(0);
    for (const l of hackney) expect(l).toMatch(/"(fewer than 5|suppressed)"$/);
    expect(lines.some((l) => l.includes('"CAMDEN","20"'))).toBe(true);
    // Every row starts on a Monday: nothing finer than a week.
    for (const l of lines.slice(1)) expect(new Date(`${l.slice(1, 11)}T00:00:00Z`).getUTCDay()).toBe(1);
    await screenshot(page, 'statistics-export');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'statistics-export-390');
    await expectFitsNarrowWindow(page);
    const entries = await auditEntries(app, 'statistics.export');
    expect(entries.find((e: any) => e.actor.id === supervisor.user.id)).toMatchObject({ details: { view: 'BOROUGH', format: 'CSV' } });

    await page.getByRole('link', { name: 'Open the committee report' }).click();
    // The report reads every published table and 9 periods of the London picture: slow on a loaded 2-core machine.
    await page.getByRole('heading', { name: /statistics for the committee/, level: 1 }).waitFor({ timeout: 90_000 });
    await page.getByRole('heading', { name: 'Key figures' }).waitFor();
    expect(await page.getByRole('table', { name: 'Reports received by channel' }).innerText()).toMatch(/Total\s+\d+/);
    // The trend: the screen's SVG chart, and its figures as a table for screen readers (seeded: 69 a week in the
    // period's 4 weeks, 55 a week before, as seedLondon writes them).
    await page.getByRole('img', { name: /^Reports received per week: line chart/ }).waitFor();
    const trendRows = page.getByRole('table', { name: /^Reports received per week, with the weeks before/ }).locator('tbody tr');
    const weeks = await trendRows.count();
    expect(weeks).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.committee-report svg[role="img"] .trend-point.series-0').count()).toBe(weeks);
    for (let i = 0; i < weeks; i++) {
      expect((await trendRows.nth(i).locator('td').allTextContents()).slice(0, 2)).toEqual(['69', '55']);
    }
    await expectAccessible(page);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Print this report' }).isVisible()).toBe(false);
    expect(await page.locator('header.top').isVisible()).toBe(false);
    // One A4 page at 96 dpi less the 12 mm margins: about 1047 px of page height.
    await page.setViewportSize({ width: 794, height: 1123 });
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    // On paper every key is whole inside the page, and none relies on a CSS gradient: a PDF carries one as a function
    // shading, which Ghostscript (what CUPS prints PDF through on Linux) draws blank (the dashed key and "not published").
    const paper = await page.locator('.committee-report').evaluate((report) => {
      const right = report.getBoundingClientRect().right;
      const keys = [...report.querySelectorAll('.chart-legend li, .tile-legend li')];
      return {
        keys: keys.length,
        cut: keys.filter((li) => li.getBoundingClientRect().right > right + 0.5 || li.scrollWidth > li.clientWidth + 1).map((li) => li.textContent),
        gradients: [...report.querySelectorAll('*')].filter((el) => getComputedStyle(el).backgroundImage.includes('gradient')).length,
      };
    });
    expect(paper.keys).toBeGreaterThanOrEqual(9);
    expect(paper.cut).toEqual([]);
    expect(paper.gradients).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'statistics-report-print.png'), fullPage: true });
    expect(height).toBeLessThan(1123 * 1.6);
    // Printed as Chromium prints it (A4, the stylesheet's @page margins): one page, the trend chart on it.
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    if (process.env.E2E_KEEP_PDF) writeFileSync(process.env.E2E_KEEP_PDF, pdf);
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length).toBe(1);
    await page.emulateMedia({ media: 'screen' });
    const prints = (await auditEntries(app, 'statistics.export')).filter((e: any) => e.actor.id === supervisor.user.id && e.details.format === 'PRINT');
    expect(prints).toHaveLength(1);
    expect((await violations()).join('\n')).toBe('');
  });

  it('lets an OVERSIGHT user download the London picture CSV and open the report', async () => {
    const { app } = e2e();
    await seedLondon(app);
    const oversight = await createStaff(app, 'OVERSIGHT');
    const { page } = await e2e().newPage();
    const violations = await watchCsp(page);
    await signIn(page, oversight.username);
    await page.goto(`/statistics/export?${londonPeriod().query}`);
    const lines = await downloadView(page, 'London picture');
    expect(lines[0]).toBe('"period start","period end","borough","reports received","previous period","change","unusual rise"');
    expect(lines.find((l) => l.includes('"CAMDEN"'))).toMatch(/"80","24","56","80 against a usual 24\.0/);
    expect(lines.find((l) => l.includes('"HACKNEY"'))).toMatch(/"suppressed","suppressed","",/);
    await page.getByRole('link', { name: 'Open the committee report' }).click();
    // The report reads every published table and 9 periods of the London picture: slow on a loaded 2-core machine.
    await page.getByRole('heading', { name: /statistics for the committee/, level: 1 }).waitFor({ timeout: 90_000 });
    await expectAccessible(page);
    const entries = (await auditEntries(app, 'statistics.export')).filter((e: any) => e.actor.id === oversight.user.id);
    expect(entries.map((e: any) => `${e.details.view} ${e.details.format}`).sort()).toEqual(['LONDON CSV', 'REPORT PRINT']);
    expect((await violations()).join('\n')).toBe('');
  });
});
