/**
 * The console as a police desktop sees it, in Debian's Chromium (playwright-core
 * with executablePath, as the e2e tests) against the bench's own API process:
 *
 * - first load: a fresh browser context per run (cold HTTP cache, no cookie),
 *   from navigating to `/` until the sign-in page's "Sign in" button is visible;
 * - record a call: signed in as a call handler, the form filled minimally
 *   (narrative and one category), from pressing "Record the call" until the
 *   ATH- reference is visible; then "Record another call" for the next run;
 * - the gzipped JavaScript and CSS a first visit loads, from the build's
 *   size.json (scripts/print/web-size.mjs; target JS under 250 KB).
 *
 * Each measured loop starts with one unmeasured run (the server's first read of
 * the assets, the first intake's code paths). Timings are measured, never asserted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config.js';
import { latency, type Latency } from './support.js';

export interface ConsoleBenchOptions {
  /** http://127.0.0.1:<port> of the API serving the console. */
  origin: string;
  /** A call handler's credentials (a user of its own, so the intake phase's accounting is untouched). */
  username: string;
  password: string;
  runs: number;
}

export interface ConsoleBenchResult {
  chromium: string;
  /** Navigation to `/` → "Sign in" visible, fresh context each run; ms. */
  firstLoad: Latency;
  /** Of which: until DOMContentLoaded (HTML fetched, module scripts fetched and run), by the page's own clock; ms. */
  firstLoadDomContentLoaded: Latency;
  /** "Record the call" pressed → ATH- reference visible; ms. */
  recordCall: Latency;
  /** What a first visit loads, gzipped (null when the build wrote no size.json). */
  size: { jsGzipBytes: number; cssGzipBytes: number } | null;
  /** The same for the partner portal's own bundle (dist/partner, PARTNER_WEB_DIR; target JS under 150 KB). */
  partnerSize?: { jsGzipBytes: number; cssGzipBytes: number } | null;
  /** Reports the record-a-call loop stored (warm-up included). */
  recorded: number;
}

const NARRATIVE = 'The caller says a van has been parked outside the station for three nights and the driver photographs the entrances.';

/** The Chromium the e2e tests use: CHROMIUM_PATH (set by `npm run bench`) or Debian's default path. */
export function chromiumPath(): string | null {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  return existsSync(path) ? path : null;
}

/** The built console's size.json, from the folder the API serves (CONSOLE_DIR, default dist/web); with `partner`, the partner portal's (PARTNER_WEB_DIR, default dist/partner). */
export function readConsoleSize(which: 'console' | 'partner' = 'console'): ConsoleBenchResult['size'] {
  const dir = which === 'partner' ? process.env.PARTNER_WEB_DIR || join(PROJECT_ROOT, 'dist', 'partner') : process.env.CONSOLE_DIR || join(PROJECT_ROOT, 'dist', 'web');
  try {
    const s = JSON.parse(readFileSync(join(dir, 'size.json'), 'utf8')) as { jsGzipBytes: number; cssGzipBytes: number };
    return { jsGzipBytes: s.jsGzipBytes, cssGzipBytes: s.cssGzipBytes };
  } catch {
    return null;
  }
}

export async function runConsoleBench(o: ConsoleBenchOptions): Promise<ConsoleBenchResult> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found: `npm run bench` installs Debian\'s chromium (or set CHROMIUM_PATH)');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const first = await measureFirstLoad(browser, o);
    const record = await measureRecordCall(browser, o);
    return { chromium: browser.version(), firstLoad: first.visible, firstLoadDomContentLoaded: first.domContentLoaded, recordCall: record.latency, size: readConsoleSize(), partnerSize: readConsoleSize('partner'), recorded: record.recorded };
  } finally {
    await browser.close().catch(() => {});
  }
}

async function measureFirstLoad(browser: Browser, o: ConsoleBenchOptions): Promise<{ visible: Latency; domContentLoaded: Latency }> {
  const times: number[] = [];
  const dcl: number[] = [];
  for (let i = 0; i <= o.runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${o.origin}/`, { waitUntil: 'commit' });
      await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible', timeout: 30_000 });
      const ms = performance.now() - t0;
      const domContentLoaded = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd);
      if (i > 0) {
        times.push(ms);
        dcl.push(domContentLoaded);
      }
    } finally {
      await context.close();
    }
  }
  return { visible: latency(times), domContentLoaded: latency(dcl) };
}

async function measureRecordCall(browser: Browser, o: ConsoleBenchOptions): Promise<{ latency: Latency; recorded: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const times: number[] = [];
  let recorded = 0;
  try {
    const page = await context.newPage();
    await page.goto(`${o.origin}/`);
    await page.getByLabel('Username').fill(o.username);
    await page.getByLabel('Password').fill(o.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
    for (let i = 0; i <= o.runs; i++) {
      await page.getByLabel('What the caller said').fill(`${NARRATIVE} (${i})`);
      await page.getByLabel('Suspicious item').check();
      const reference = page.locator('.reference').filter({ hasText: /^\s*ATH-/ });
      // Focus first, then a bare Enter (as a keyboard user submits): the timing leaves out Playwright's click checks.
      await page.getByRole('button', { name: 'Record the call' }).focus();
      const t0 = performance.now();
      await page.keyboard.press('Enter');
      await reference.waitFor({ state: 'visible', timeout: 30_000 });
      const ms = performance.now() - t0;
      recorded++;
      if (i > 0) times.push(ms);
      await page.getByRole('button', { name: 'Record another call' }).click();
      await page.getByLabel('What the caller said').waitFor();
    }
  } finally {
    await context.close();
  }
  return { latency: latency(times), recorded };
}
