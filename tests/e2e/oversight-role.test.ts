/**
 * An OVERSIGHT user in the console (the role sees the published statistics
 * and nothing else): signing in lands on the statistics screen, the
 * navigation offers it and their account only, nothing on the page fails, and
 * a report's address shows no report (tests/e2e/statistics.test.ts reads the
 * figures).
 */
import { describe, expect, it } from 'vitest';
import { createStaff } from '../support/factories.js';
import { expectAccessible, signIn, useE2E } from './support/browser.js';

describe('console for an OVERSIGHT user', { timeout: 120_000 }, () => {
  const e2e = useE2E();

  it('offers the statistics and their account only, without an error anywhere', async () => {
    const { page } = await e2e().newPage();
    const failed: string[] = [];
    page.on('response', async (res) => {
      if (!res.url().endsWith('/graphql')) return;
      const body = await res.json().catch(() => null);
      for (const err of body?.errors ?? []) failed.push(String(err.extensions?.code ?? err.message));
    });
    const oversight = await createStaff(e2e().app, 'OVERSIGHT');
    await signIn(page, oversight.username);
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor();
    // The default period: its figures (or their absence) have loaded, so an error would show.
    await page.getByRole('heading', { name: 'Reports received per week' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Statistics', 'Account']);
    expect(await page.getByRole('alert').count()).toBe(0);
    await expectAccessible(page);
    await page.screenshot({ path: '/tmp/oversight-console.png', fullPage: true });
    await page.goto('/reports/00000000-0000-4000-8000-000000000000');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Report' }).count()).toBe(0);
    expect(failed).toEqual([]);
  });
});
