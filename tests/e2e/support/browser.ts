/**
 * End-to-end support: the real app (API and worker on this run's FerretDB
 * and Redis, serving the built console) and Debian's Chromium driven by
 * Playwright through executablePath. Every page records any request to
 * another origin, so a test can assert there was none.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { PASSWORD } from '../../support/factories.js';

/**
 * Where the tests save their screenshots: docs/screenshots/ (the README shows them) with `npm run screenshots`
 * (HOTLINE_SCREENSHOTS=docs), else a folder of the machine's temporary directory, so that `npm test` leaves the
 * working tree as it found it (every run drew some 70 pictures again, each differing in its times).
 */
export const SCREENSHOTS = process.env.HOTLINE_SCREENSHOTS === 'docs' ? join(PROJECT_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'hotline-screenshots');

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`Chromium not found at ${path}: npm test installs Debian's chromium (or set CHROMIUM_PATH)`);
  return path;
}

export interface E2E {
  app: TestApp;
  /** http://127.0.0.1:<port> */
  origin: string;
  browser: Browser;
  /** The partner face's http://127.0.0.1:<port>, when started with `{ partner: true }`. */
  partnerOrigin: string | null;
  /**
   * A fresh browser context (its own cookies and storage) at 1280×800; `origin` for another base URL (the
   * partner face), `headers` sent with every request (a partner API key before partner accounts exist).
   */
  newPage(opts?: { width?: number; height?: number; origin?: string; headers?: Record<string, string> }): Promise<{ page: Page; context: BrowserContext; foreign: string[] }>;
  close(): Promise<void>;
}

/** Boots the app with its worker (and the partner face with `partner`) and launches Chromium. */
export async function startE2E(env: Record<string, string> = {}, opts: { partner?: boolean } = {}): Promise<E2E> {
  const app = await bootApp({ worker: true, env, partner: opts.partner });
  const origin = new URL(app.url).origin;
  const partnerOrigin = app.partner ? new URL(app.partner.url).origin : null;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const contexts: BrowserContext[] = [];
  return {
    app,
    origin,
    partnerOrigin,
    browser,
    async newPage(opts = {}) {
      const base = opts.origin ?? origin;
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, baseURL: base, extraHTTPHeaders: opts.headers });
      contexts.push(context);
      const page = await context.newPage();
      const foreign: string[] = [];
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
      });
      return { page, context, foreign };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await app.close();
    },
  };
}

/** For a test file: boots the app and Chromium before its tests and closes both after; call the returned function inside tests. */
export function useE2E(env: Record<string, string> = {}, opts: { partner?: boolean } = {}): () => E2E {
  let e2e: E2E | undefined;
  beforeAll(async () => {
    e2e = await startE2E(env, opts);
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });
  return () => {
    if (!e2e) throw new Error('the e2e app did not start');
    return e2e;
  };
}

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves <name>.png in SCREENSHOTS (docs/screenshots/ with `npm run screenshots`). */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page; fails on any serious or critical violation, naming them. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
}

/** At 390×800 nothing but the scrollable tables is wider than the window; back to 1280×800 after. */
export async function expectFitsNarrowWindow(page: Page) {
  await page.setViewportSize({ width: 390, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  // Names what sticks out (outside the tables' own scroll areas), so a failure says where to look.
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap'))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      .slice(0, 5),
  );
  expect({ width, wide }).toEqual({ width: 390, wide: [] });
  await page.setViewportSize({ width: 1280, height: 800 });
}
