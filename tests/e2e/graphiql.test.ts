/**
 * GraphiQL (development only) works offline: its script, styles and editor
 * workers come from the service itself, never from a CDN. Loaded in
 * Chromium, the page renders the editor and asks no other origin for anything.
 */
import { describe, expect, it } from 'vitest';
import { screenshot, useE2E } from './support/browser.js';

describe('GraphiQL offline', { timeout: 60_000 }, () => {
  const e2e = useE2E();

  it('renders the editor with no request to another origin', async () => {
    const { page, foreign } = await e2e().newPage();
    const res = await page.goto('/graphql', { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    expect(await page.title()).not.toContain('__TITLE__');
    // The query editor is there and usable.
    await page.locator('.graphiql-query-editor').first().waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'graphiql');
    expect(foreign).toEqual([]);
  });
});
