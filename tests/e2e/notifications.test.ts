/**
 * Notifications in a real browser: the bell in the header counts unread
 * notifications live (a supervisor's reassignment, then a new report linked
 * by the triage worker to the one the investigator holds); the list shows
 * them newest first; one is marked read, opening the other shows its report
 * and marks it read.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

const REASSIGN = `mutation($id: ID!, $to: String!, $reason: String!) { reassignReport(id: $id, toUsername: $to, reason: $reason) { id } }`;

describe('notifications', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  /** Records a call the rules send to SO13 whose only linkable value is its vehicle; returns id and reference. */
  async function recordSO13Call(token: string, i: number, registration: string) {
    const input = hotlineCall(i, { categories: ['HOSTILE_RECONNAISSANCE'], subjects: [], locations: [], vehicles: [{ registration }] });
    const res = await e2e().app.gql(RECORD_CALL, { input }, token);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordHotlineCall.id as string;
    await waitForStatus(e2e().app, id, 'TRIAGED');
    return { id, reference: res.data.recordHotlineCall.reference as string };
  }

  const bell = (page: Page) => page.getByRole('link', { name: /^Notifications, / });

  it('counts unread notifications live in the header, lists them, marks read and opens the report', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR', 'SO13');
    const inv = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const held = await recordSO13Call(handler.token, 1, 'NB21 XYZ');

    const { page, foreign } = await e2e().newPage();
    const stream = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().headers()['accept'] ?? '').includes('text/event-stream'));
    await signIn(page, inv.username);
    await stream;
    await expect(bell(page).getAttribute('aria-label')).resolves.toBe('Notifications, none unread');

    // A supervisor gives the report to the investigator: the bell counts it without a reload.
    expect((await app.gql(REASSIGN, { id: held.id, to: inv.username, reason: 'Knows this vehicle' }, supervisor.token)).errors).toBeUndefined();
    await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor();
    // A new call sharing the vehicle is linked to it by the triage worker: a second one.
    const later = await recordSO13Call(handler.token, 2, 'nb21xyz');
    expect(later.id).not.toBe(held.id);
    await page.getByRole('link', { name: 'Notifications, 2 unread' }).waitFor();

    await bell(page).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const items = page.getByRole('listitem').filter({ hasText: held.reference });
    await items.nth(1).waitFor();
    await expect(items.count()).resolves.toBe(2);
    // Newest first: the link, then the reassignment.
    const texts = await page.locator('ul.notifications li').allInnerTexts();
    expect(texts[0]).toContain(`A new report was linked to ${held.reference}`);
    expect(texts[1]).toContain(`You were given ${held.reference}`);
    await expectAccessible(page);
    await screenshot(page, 'notifications');

    // Mark the reassignment read: one unread left.
    await page.getByRole('listitem').filter({ hasText: 'You were given' }).getByRole('button', { name: `Mark read: ${held.reference}` }).click();
    await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor();
    await page.getByRole('checkbox', { name: 'Show unread only' }).check();
    await page.getByRole('listitem').filter({ hasText: 'You were given' }).waitFor({ state: 'detached' });
    await page.getByRole('listitem').filter({ hasText: 'A new report was linked to' }).waitFor();
    await expect(page.locator('ul.notifications li').count()).resolves.toBe(1);

    // Opening the other shows the report and marks it read.
    await page.getByRole('link', { name: held.reference }).click();
    await page.waitForURL(`**/reports/${held.id}`);
    await page.getByText(held.reference).first().waitFor();
    await page.getByRole('link', { name: 'Notifications, none unread' }).waitFor();

    // At a narrow width the header and list still fit.
    await page.goto('/notifications');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    expect(foreign).toEqual([]);
  });

  it('gives call handlers no bell (their submissions view is coarse)', async () => {
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    const { page } = await e2e().newPage();
    await signIn(page, handler.username);
    await expect(page.getByRole('link', { name: /^Notifications/ }).count()).resolves.toBe(0);
  });
});
