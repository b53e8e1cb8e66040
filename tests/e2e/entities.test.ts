/**
 * Entity pages in the console (issue 26): an SO12 investigator opens a
 * report, clicks its subject, lands on the subject's page (an opaque
 * reference in the address, never the name), sees the reports of their desk
 * filed under the name (exactly, by sound, by part) and the SO13 report only
 * as a notice for that desk; axe; screenshots at desktop width and 390 px.
 */
import { describe, expect, it } from 'vitest';
import { findReport, recordCall, waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { expectAccessible, expectFitsNarrowWindow, screenshot, signIn, useE2E } from './support/browser.js';

describe('entity pages', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('an investigator pivots from a subject to its page and sees the other desk only as a placeholder', async () => {
    const app = e2e().app;
    const handler = await createStaff(app, 'CALL_HANDLER');
    const call = async (i: number, name: string, desk: 'SO12' | 'SO13') => {
      const id = await recordCall(app, handler.token, i, { categories: ['FINANCE'], subjects: [{ name }], vehicles: [], locations: [] });
      // The worker routes it; then it is put on the desk this test needs (as a referral would).
      await waitForStatus(app, id, 'TRIAGED');
      const doc = await findReport(app, id);
      if (doc.desk !== desk) await app.deps.reports.applyChange(doc, { set: { desk }, history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'referred', from: { desk: doc.desk }, to: { desk }, reason: 'test' }] });
      return id;
    };
    const older = await call(1, 'Tariq Hassan', 'SO12');
    await call(2, 'Tarik Hasan', 'SO13');
    const source = await call(3, 'Tarik Hasan', 'SO12');
    const refOf = async (id: string) => (await app.deps.reports.findById(id))!.reference;
    const sourceReference = await refOf(source);
    const inv = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await page.goto(`/reports/${source}`);
    await page.getByRole('link', { name: 'Tarik Hasan' }).click();
    await page.getByRole('heading', { level: 1, name: 'Person: Tarik Hasan' }).waitFor();
    expect(page.url()).toContain(`/entities/${source}.name.0`);
    expect(decodeURIComponent(page.url())).not.toContain('Tarik');
    // This desk's reports as rows, the sound-alike one said so; the SO13 one only as a notice for its desk.
    await page.getByRole('link', { name: await refOf(older) }).waitFor();
    await expect(page.getByRole('cell', { name: 'Name: spelling variant (phonetic)' }).count()).resolves.toBe(1);
    const notice = page.getByRole('note', { name: 'Reports on desks you may not read' });
    await expect(notice.textContent()).resolves.toContain('A report on desk SO13 matches one of your terms');
    const text = (await page.textContent('main')) ?? '';
    const rows = await page.getByRole('row').count();
    expect(rows).toBe(3); // the header, the source report and the older one
    expect(text).toContain(sourceReference); // the source's own reference, as a row
    await expectAccessible(page);
    await screenshot(page, 'entity-page');
    await expectFitsNarrowWindow(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'entity-page-narrow');
    expect(foreign).toEqual([]);
  });
});
