/**
 * Urgent alerts in a real browser. An SO13 investigator reading a report
 * they hold (not the queue) sees a banner within 2 s of an imminent-threat
 * report being routed to SO13 by the real triage worker, with its
 * reference, priority and desk and nothing of its content; the tab title
 * carries a badge; a browser notification (permission granted) and the
 * sound are raised; the desk queue highlights the report; a supervisor
 * sees it too and the banner takes them to that desk's queue; an SO12
 * investigator sees nothing; a claim by someone else clears the banner and
 * the badge live. Account turns the sound off (a preference in
 * localStorage, the only thing stored), and the next alert still shows,
 * silently.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findReport, Q, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, SCREENSHOTS, signIn, useE2E } from './support/browser.js';

const NARRATIVE = 'The caller saw a man loading gas cylinders into a van outside the community hall and heard him say tonight.';

/** Before any script: counts browser notifications and generated tones, so the test can see them raised. */
const SPIES = () => {
  const w = window as unknown as { __notifications: string[]; __tones: number; Notification: typeof Notification };
  w.__notifications = [];
  w.__tones = 0;
  const Real = w.Notification;
  if (Real) {
    class Spy extends Real {
      constructor(title: string, options?: NotificationOptions) {
        w.__notifications.push(`${title} | ${options?.body ?? ''}`);
        super(title, options);
      }
    }
    w.Notification = Spy;
  }
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    w.__tones++;
    return create.call(this);
  };
};

/** Resolves once the page's urgentAlertChanged stream has opened. */
const alertStream = (page: Page) =>
  page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('urgentAlertChanged') && (r.request().headers()['accept'] ?? '').includes('text/event-stream'));

describe('urgent alerts', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('puts an imminent threat routed to the desk in a banner and the title on every screen, for that desk only, until it is claimed', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const inv13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const inv12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const supervisor = await createStaff(app, 'SUPERVISOR');

    // A report the SO13 investigator is working on (hostile reconnaissance: SO13, P2), claimed.
    const held = await app.gql(RECORD_CALL, { input: hotlineCall(1, { categories: ['HOSTILE_RECONNAISSANCE'] }) }, handler.token);
    expect(held.errors).toBeUndefined();
    const heldId = held.data.recordHotlineCall.id as string;
    await waitForStatus(app, heldId, 'TRIAGED');
    expect((await app.gql(Q.claim, { id: heldId }, inv13.token)).errors).toBeUndefined();

    const a = await e2e().newPage();
    await a.context.grantPermissions(['notifications']);
    await a.page.addInitScript(SPIES);
    // Which subscriptions page A opens (browsers allow six connections to a host, shared by every tab).
    const streams = new Set<string>();
    a.page.on('request', (r) => {
      if ((r.headers()['accept'] ?? '').includes('text/event-stream')) streams.add(/subscription (\w+)/.exec(r.postData() ?? '')?.[1] ?? 'unnamed');
    });
    const b = await e2e().newPage();

    await signIn(a.page, inv13.username);
    let stream = alertStream(a.page);
    await a.page.goto(`/reports/${heldId}`);
    await stream;
    await a.page.getByRole('heading', { name: `Report ${held.data.recordHotlineCall.reference}` }).waitFor();
    await a.page.locator('body').click({ position: { x: 5, y: 300 } }); // a first click: browsers allow sound after one
    const titleBefore = await a.page.title();

    await signIn(b.page, inv12.username);
    stream = alertStream(b.page);
    await b.page.goto('/desk');
    await stream;

    const c = await e2e().newPage();
    await signIn(c.page, supervisor.username);
    stream = alertStream(c.page);
    await c.page.goto('/supervisor');
    await stream;
    await a.page.waitForTimeout(300); // the server registers each subscription just after its stream opens

    // When the banner first appears, by the page's clock (the same machine as the server's).
    await a.page.evaluate(() => {
      const w = window as unknown as { __bannerAt?: number };
      new MutationObserver((_m, obs) => {
        if (document.querySelector('.urgent-banner')) {
          w.__bannerAt = Date.now();
          obs.disconnect();
        }
      }).observe(document.body, { subtree: true, childList: true });
    });

    // An imminent threat: the real worker routes it to SO13 at P1.
    const res = await app.gql(RECORD_CALL, { input: hotlineCall(2, { imminentThreat: true, categories: ['SUSPICIOUS_ITEM'], narrative: NARRATIVE }) }, handler.token);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordHotlineCall.id as string;
    const reference = res.data.recordHotlineCall.reference as string;
    const routed = await waitForStatus(app, id, 'TRIAGED');
    expect([routed.desk, routed.priority]).toEqual(['SO13', 'P1']);

    const banner = a.page.getByRole('region', { name: 'Urgent reports waiting to be claimed' });
    await banner.waitFor({ timeout: 5_000 });
    const shownAt = await a.page.evaluate(() => (window as unknown as { __bannerAt: number }).__bannerAt);
    expect(shownAt - routed.triage!.decidedAt.getTime()).toBeLessThan(2_000);
    // Still on the report page; the banner names reference, priority and desk, nothing of the content.
    expect(a.page.url()).toContain(`/reports/${heldId}`);
    const text = await banner.innerText();
    expect(text).toContain('1 urgent report is waiting to be claimed');
    expect(text).toContain(`P1 ${reference} on SO13`);
    expect(text).not.toContain('gas cylinders');
    expect(text).not.toMatch(/suspicious/i);
    await expect(a.page.title()).resolves.toBe(`(1) ⚠ P1 — ${titleBefore}`);
    await a.page.getByRole('alert').filter({ hasText: `Urgent: P1 report ${reference} on SO13, waiting to be claimed.` }).waitFor({ state: 'attached' });
    // Notification (permitted here) and sound were raised as well; neither is needed for the above.
    await a.page.waitForFunction(() => (window as unknown as { __notifications: string[] }).__notifications.length > 0);
    const notes = await a.page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications);
    expect(notes).toEqual([`P1 report waiting on SO13 | ${reference}: unclaimed. Open the console to claim it.`]);
    expect(await a.page.evaluate(() => (window as unknown as { __tones: number }).__tones)).toBe(2);

    await expectAccessible(a.page);
    await screenshot(a.page, 'p1-banner');
    // It stays in view when the investigator has scrolled down the report.
    await a.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await a.page.waitForFunction(() => window.scrollY > 500);
    expect((await banner.boundingBox())!.y).toBe(0);
    // At 390 px, the window as the investigator sees it part-way down the report.
    await a.page.setViewportSize({ width: 390, height: 800 });
    await a.page.evaluate(() => window.scrollTo(0, 1200));
    await a.page.screenshot({ path: join(SCREENSHOTS, 'p1-banner-narrow.png') });
    await expectFitsNarrowWindow(a.page);

    // The other desk's investigator: no banner, no badge.
    await b.page.waitForTimeout(1_000);
    await expect(b.page.locator('.urgent-banner').count()).resolves.toBe(0);
    expect(await b.page.title()).not.toContain('⚠');

    // A supervisor (every desk) has it too; the banner's link opens the SO13 queue, not the SO12 one a supervisor starts on.
    const supBanner = c.page.getByRole('region', { name: 'Urgent reports waiting to be claimed' });
    await supBanner.getByText(`${reference} on SO13`).waitFor();
    await supBanner.getByRole('link', { name: 'Go to the SO13 queue' }).click();
    await c.page.getByRole('heading', { name: 'Desk queue: SO13' }).waitFor();
    await c.page.getByRole('row').filter({ hasText: reference }).and(c.page.locator('tr.urgent-row')).waitFor();

    // From the banner to the desk queue: the report's row is highlighted and marked new.
    await banner.getByRole('link', { name: 'Go to the SO13 queue' }).click();
    await a.page.getByRole('heading', { name: 'Desk queue: SO13' }).waitFor();
    const row = a.page.getByRole('row').filter({ hasText: reference });
    await row.waitFor();
    await expect(row.getAttribute('class')).resolves.toBe('urgent-row');
    await row.getByText('New', { exact: true }).waitFor();
    await expectAccessible(a.page);
    await screenshot(a.page, 'p1-queue-row');

    // The desk queue refreshes from the alert stream: no stream of its own beside the bell's and the alerts'.
    expect([...streams].sort()).toEqual(['NotificationAdded', 'UrgentAlertChanged']);

    // Someone else claims it: the banner and the badge go, live.
    expect((await app.gql(Q.claim, { id }, supervisor.token)).errors).toBeUndefined();
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    await supBanner.waitFor({ state: 'detached', timeout: 5_000 });
    await expect(a.page.title()).resolves.not.toContain('⚠');
    expect((await findReport(app, id)).assignee).not.toBeNull();

    // Account turns the sound off; that preference is all the console keeps in the browser.
    await a.page.goto('/account');
    const sound = a.page.getByLabel('Play a sound when an urgent report arrives');
    await expect(sound.isChecked()).resolves.toBe(true);
    await sound.uncheck();
    await expectAccessible(a.page);
    await a.page.getByRole('heading', { name: 'Urgent report alerts' }).scrollIntoViewIfNeeded();
    await screenshot(a.page, 'account-alerts');
    const stored = await a.page.evaluate(() => ({ local: Object.entries(localStorage), session: sessionStorage.length }));
    expect(stored).toEqual({ local: [['hotline-console.alert-sound', 'off']], session: 0 });

    // With the sound off, the next imminent threat still gets the banner and the badge, silently.
    const tonesBefore = await a.page.evaluate(() => (window as unknown as { __tones: number }).__tones);
    const next = await app.gql(RECORD_CALL, { input: hotlineCall(3, { imminentThreat: true }) }, handler.token);
    expect(next.errors).toBeUndefined();
    await banner.getByText(`${next.data.recordHotlineCall.reference as string} on SO13`).waitFor({ timeout: 15_000 });
    await expect(a.page.title()).resolves.toMatch(/^\(1\) ⚠ P1 — /);
    expect(await a.page.evaluate(() => (window as unknown as { __tones: number }).__tones)).toBe(tonesBefore);
    expect(a.foreign).toEqual([]);
    expect(b.foreign).toEqual([]);
    expect(c.foreign).toEqual([]);
  });
});
