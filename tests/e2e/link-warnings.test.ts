/**
 * What linking did not compare, in the console: a report whose vehicle was
 * already filed by more reports than LINK_SHARED_THRESHOLD (1 here) says so
 * in its view, in plain words, below its linked reports.
 */
import { describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { expectAccessible, screenshot, signIn, useE2E } from './support/browser.js';

describe('link warnings in the report view', { timeout: 120_000 }, () => {
  const e2e = useE2E({ LINK_SHARED_THRESHOLD: '1' });

  it('shows "vehicle shared by more than 1 reports" on a report whose van two earlier reports named', async () => {
    const handler = await createStaff(e2e().app, 'CALL_HANDLER');
    const van = { registration: 'LK21 BNF', make: 'Ford', model: 'Transit', colour: 'white' };
    const refs: { id: string; reference: string }[] = [];
    for (const i of [1, 2, 3]) {
      const res = await e2e().app.gql(RECORD_CALL, { input: hotlineCall(i, { categories: ['FINANCE'], vehicles: [van], subjects: [], locations: [] }) }, handler.token);
      expect(res.errors).toBeUndefined();
      refs.push(res.data.recordHotlineCall);
      await waitForStatus(e2e().app, refs.at(-1)!.id, 'TRIAGED');
    }
    const inv = await createStaff(e2e().app, 'INVESTIGATOR', 'SO12');
    const { page, foreign } = await e2e().newPage();
    await signIn(page, inv.username);
    await page.goto(`/reports/${refs[2]!.id}`);
    const note = page.getByRole('note', { name: 'What linking did not compare' });
    await note.waitFor();
    await expect(note.textContent()).resolves.toBe('vehicle shared by more than 1 reports: the 1 most recent were compared; search finds the others');
    // The most recent one is linked, and readable by this desk.
    await page.getByRole('link', { name: refs[1]!.reference }).waitFor();
    await expectAccessible(page);
    await note.scrollIntoViewIfNeeded();
    await screenshot(page, 'report-link-warnings');
    expect(foreign).toEqual([]);
  });
});
