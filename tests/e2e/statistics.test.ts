/**
 * The statistics screen in a real browser, on figures seeded the way the
 * statistics integration tests seed them (day documents written through the
 * statistics store): a supervisor opens it from the navigation, changes the
 * period and reads exact figures that match the seed, against the previous
 * period; an OVERSIGHT user lands on it, sees a small count as "fewer than 5"
 * and the figure that would give it away as "suppressed", has no way to a
 * search or a report (the console offers none; the server refuses them).
 * Both: not one Content-Security-Policy violation (the chart library must not
 * need inline styles), axe clean, keyboard to the period and to a table,
 * screenshots at 1280 and 390 px.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { figuresOf, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { createPartner, createStaff } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

const event = (day: string, over: Partial<StatisticsEvent> = {}): Omit<StatisticsEvent, 'key'> => ({
  day, measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', partner: null, categories: ['STORAGE'], borough: 'CAMDEN',
  desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null, ...over,
});
const times = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

/** Every CSP violation the page reports, from its first script on (an init script runs before the console's own). */
async function watchCsp(page: Page) {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.exposeFunction('reportCspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void (window as unknown as { reportCspViolation(v: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return violations;
}

/** A figure's table (behind its chart's "Show the figures as a table", opened with the keyboard); its rows as text cells. */
async function tableOf(page: Page, figure: string) {
  const group = page.getByRole('group', { name: figure, exact: true });
  await group.getByRole('heading', { name: figure }).waitFor();
  const toggle = group.getByText('Show the figures as a table');
  if (await toggle.count()) {
    await toggle.focus();
    await page.keyboard.press('Enter');
  }
  const rows = group.getByRole('table').getByRole('row');
  await rows.first().waitFor();
  const texts = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.trim())));
  return texts.slice(1);
}

/** Sets the period with the keyboard, as dd/mm/yyyy. */
async function choosePeriod(page: Page, from: string, to: string) {
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('To', { exact: true }).press('Enter');
}

/** The referring partner organisation: counted by its id, shown by its name. */
const PARTNER_NAME = 'Brent Community Safety Forum';
let partnerId = '';

describe('statistics screen', { timeout: 180_000 }, () => {
  const e2e = useE2E();

  beforeAll(async () => {
    const { app } = e2e();
    partnerId = (await createPartner(app, PARTNER_NAME)).partner.id;
    // The week of Monday 05/01/2026: 20 hotline calls, 3 online (a small count), 6 from a partner on Monday, 10 calls on Tuesday;
    // 12 claims on SO12 at P2 (8 within 5 to 15 minutes, 11 in time), 9 routed, 4 closed. The week before: 6 calls on its Monday.
    const monday = [
      ...times(20, () => event('2026-01-05')),
      ...times(3, () => event('2026-01-05', { channel: 'ONLINE', borough: 'BRENT' })),
      ...times(6, () => event('2026-01-05', { channel: 'PARTNER_ORGANISATION', source: 'PARTNER_REFERRAL', partner: partnerId, borough: 'BRENT' })),
      ...times(12, (i) => event('2026-01-05', { measure: 'CLAIMED', status: 'ASSIGNED', desk: 'SO12', priority: 'P2', bucket: i < 8 ? 2 : 5, sla: i < 11 ? 'MET' : 'MISSED' })),
      ...times(9, () => event('2026-01-05', { measure: 'TRIAGED', status: 'TRIAGED', desk: 'SO13', priority: 'P3', bucket: 1 })),
      ...times(4, () => event('2026-01-05', { measure: 'CLOSED', status: 'CLOSED', desk: 'SO13', priority: 'P3', outcome: 'NO_TRACE', bucket: 8 })),
    ];
    const days: [string, Omit<StatisticsEvent, 'key'>[]][] = [
      ['2026-01-05', monday],
      ['2026-01-06', times(10, () => event('2026-01-06'))],
      ['2025-12-29', times(6, () => event('2025-12-29'))],
    ];
    for (const [day, events] of days) await app.deps.reports.statistics.writeDay({ _id: day, rolledAt: new Date(), ...figuresOf(events) });
  });

  it('gives a supervisor exact figures for the period chosen, against the previous one', async () => {
    const { app } = e2e();
    const { page, foreign } = await e2e().newPage();
    const csp = await watchCsp(page);
    const supervisor = await createStaff(app, 'SUPERVISOR');
    await signIn(page, supervisor.username);
    // Supervisors keep the overview as home; the statistics are one link away.
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor();

    await choosePeriod(page, '05/01/2026', '11/01/2026');
    await page.getByText('Showing 05/01/2026 to 11/01/2026 (7 days, UTC days).').waitFor();
    await page.getByText('Exact figures. Each is compared with the previous 7 days: 29/12/2025 to 04/01/2026.').waitFor();
    expect(new URL(page.url()).search).toBe('?from=2026-01-05&to=2026-01-11');

    const trend = await tableOf(page, 'Reports received per day');
    expect(trend.slice(0, 3)).toEqual([
      ['05/01/2026', '29', '6', 'Substantial'],
      ['06/01/2026', '10', '0', 'Substantial'],
      ['07/01/2026', '0', '0', 'Substantial'],
    ]);
    expect((await tableOf(page, 'Received, by channel')).map((r) => r.slice(0, 4))).toEqual([
      ['Total', '39', '6', '+33 (+550%)'],
      ['Anti-Terrorist Hotline', '30', '6', '+24 (+400%)'],
      ['Partner organisation', '6', '0', '+6 (none before)'],
      ['Online', '3', '0', '+3 (none before)'],
    ]);
    expect((await tableOf(page, 'Closed, by outcome'))[1]!.slice(0, 2)).toEqual(['No trace', '4']);
    const claims = await tableOf(page, 'Claimed, by desk and priority');
    expect(claims[1]).toEqual(['SO12 (Special Branch), P2', '12', '0', '+12 (none before)', '5 min to 15 min', '1 h to 2 h', '—']);
    expect(await tableOf(page, 'Claimed within the deadline, by desk')).toEqual([['SO12 (Special Branch)', '11', '1', '92%', 'none claimed']]);
    expect(await tableOf(page, 'Claimed within the deadline, by priority')).toEqual([['P2', '11', '1', '92%', 'none claimed']]);

    // The free breakdown: received by borough and channel.
    await page.getByLabel('By', { exact: true }).selectOption('BOROUGH');
    await page.getByLabel('And by (optional)').selectOption('CHANNEL');
    const own = await tableOf(page, 'Received, by borough and channel');
    expect(own.slice(0, 2).map((r) => r.slice(0, 2))).toEqual([['Total', '39'], ['Camden, Anti-Terrorist Hotline', '30']]);

    // Partner organisations by name, never by id (whole weeks: this period is one).
    const partners = await tableOf(page, 'Received from partner organisations, by organisation');
    expect(partners.map((r) => r.slice(0, 3))).toEqual([['Total', '39', '6'], [PARTNER_NAME, '6', '0']]);
    expect(await page.getByRole('group', { name: 'Received from partner organisations, by organisation', exact: true }).innerText()).not.toContain(partnerId);

    // The trend, the six breakdowns and the two deadline shares are charts (groupings by two dimensions are tables only).
    expect(await page.locator('svg[role="img"]').count()).toBe(9);
    await expectAccessible(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'statistics-supervisor');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(300); // the charts follow their new width
    await screenshot(page, 'statistics-supervisor-390');
    await expectFitsNarrowWindow(page);
    expect(csp).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('lands OVERSIGHT on the published figures, small counts hidden, with no way to a search or a report', async () => {
    const { app } = e2e();
    const { page, foreign } = await e2e().newPage();
    const csp = await watchCsp(page);
    const oversight = await createStaff(app, 'OVERSIGHT');
    await signIn(page, oversight.username);
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/statistics');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Statistics', 'Account']);
    // No free grouping for OVERSIGHT: the published tables only.
    expect(await page.getByLabel('By', { exact: true }).count()).toBe(0);

    // Any days chosen: the published figures are the whole weeks inside them.
    await choosePeriod(page, '04/01/2026', '13/01/2026');
    await page.getByText(/These are the published figures: whole weeks, 05\/01\/2026 to 11\/01\/2026 \(1 week\), each week on its own, beside the week before \(29\/12\/2025 to 04\/01\/2026\)/).waitFor();
    const channels = await tableOf(page, 'Received, by channel');
    expect(channels).toEqual([
      ['Total', '39', '6'],
      ['Anti-Terrorist Hotline', '30', '6'],
      ['Online', 'fewer than 5', '0'],
      ['Partner organisation', 'suppressed', '0'],
    ]);
    const trend = await tableOf(page, 'Reports received per week');
    expect(trend).toEqual([['05/01/2026 to 11/01/2026', '39', '6', 'Substantial']]);
    const claimed = await tableOf(page, 'Claimed, by priority');
    expect(claimed[1]).toEqual(['P2', '12\nmedian 5 min to 15 min; 90% within 1 h to 2 h', '0']);
    expect(await page.getByRole('group', { name: 'Received, by channel', exact: true }).getByText('fewer than 5').count()).toBeGreaterThan(0);
    // The published partner table names the organisation, never its id; suppressed as before.
    const partners = await tableOf(page, 'Received from partner organisations, by organisation');
    expect(partners).toEqual([['Total', '39', '6'], [PARTNER_NAME, 'suppressed', '0']]);
    expect(await page.locator('main').innerText()).not.toContain(partnerId);

    await expectAccessible(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'statistics-oversight');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(300);
    await screenshot(page, 'statistics-oversight-390');
    await expectFitsNarrowWindow(page);

    // No search or report in the console, and the server refuses them to this session.
    for (const path of ['/search', '/reports/00000000-0000-4000-8000-000000000000']) {
      await page.goto(path);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    }
    const codes = await page.evaluate(async () => {
      const ask = async (query: string) => {
        const res = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' }, body: JSON.stringify({ query }) });
        const body = await res.json();
        return body.errors?.[0]?.extensions?.code ?? 'ALLOWED';
      };
      return [await ask('{ searchReports(filter: { phone: "020 7946 0000" }) { __typename } }'), await ask('{ report(id: "00000000-0000-4000-8000-000000000000") { __typename } }')];
    });
    expect(codes).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(csp).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
