/**
 * Shared by the statistics e2e tests (statistics-london.test.ts, statistics-export.test.ts): 40 weeks of seeded
 * figures and a watch on CSP violations.
 */
import type { Page } from 'playwright-core';
import { figuresOf, type StatisticsEvent } from '../../../src/reports/model/statistics.js';
import type { TestApp } from '../../support/app.js';

const DAY_MS = 24 * 3600_000;
const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

const event = (day: string, borough: StatisticsEvent['borough'], categories: StatisticsEvent['categories'] = ['STORAGE']): Omit<StatisticsEvent, 'key'> => ({
  day, measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', partner: null, categories, borough,
  desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null,
});
const times = <T>(n: number, f: () => T) => Array.from({ length: n }, f);

/**
 * 40 weeks of figures, one day a week (each Wednesday): a steady London, and in the last 28 days Camden's storage
 * reports up from 6 to 20 a week. Returns nothing: the screens read them.
 */
export async function seedLondon(app: TestApp) {
  const yesterday = Math.floor(Date.now() / DAY_MS) - 1;
  const wednesday = yesterday - ((new Date(yesterday * DAY_MS).getUTCDay() + 4) % 7);
  for (let w = 0; w < 40; w++) {
    const n = wednesday - 7 * w;
    const day = dayOf(n);
    const recent = yesterday - n < 28;
    const events = [
      ...times(recent ? 20 : 6, () => event(day, 'CAMDEN')),
      ...times(9, () => event(day, 'BRENT', ['FINANCE'])),
      ...times(12, () => event(day, 'ISLINGTON', ['ONLINE_ACTIVITY'])),
      ...times(7, () => event(day, 'NEWHAM', ['TRAVEL'])),
      ...times(6, () => event(day, 'CROYDON')),
      ...times(5, () => event(day, 'WESTMINSTER', ['HOSTILE_RECONNAISSANCE'])),
      ...times(2, () => event(day, 'HACKNEY')),
      ...times(8, () => event(day, 'OUTSIDE_LONDON')),
    ];
    await app.deps.reports.statistics.writeDay({ _id: day, rolledAt: new Date(), ...figuresOf(events) });
  }
}

/**
 * Records every CSP violation on the page (the console's CSP forbids inline styles and scripts) but one: zod 4, in
 * the console's forms, probes once whether it may compile with `Function('')` and, refused, validates without (a
 * `script-src eval` report from the console's own bundle, before and apart from these screens).
 */
export async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  });
  return async () => (await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).filter((v: string) => !/^script-src eval \S+\/assets\/index-[\w-]+\.js:/.test(v));
}

