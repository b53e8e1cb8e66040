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
 * The period the statistics tests open (in the address): the 4 whole ISO weeks, Monday to Sunday, that end on the
 * last Sunday before today (UTC). Whole weeks, so OVERSIGHT's published tables (whole weeks only) count the same
 * days as a supervisor's exact figures; the screens' default (the 28 days ending yesterday) holds 4 whole weeks on
 * Mondays only, and these tests passed on a Monday and failed on the Tuesday after.
 */
export function londonPeriod(now = Date.now()): { from: string; to: string; query: string } {
  const yesterday = Math.floor(now / DAY_MS) - 1;
  const sunday = yesterday - new Date(yesterday * DAY_MS).getUTCDay();
  const [from, to] = [dayOf(sunday - 27), dayOf(sunday)];
  return { from, to, query: `from=${from}&to=${to}` };
}

/**
 * 40 weeks of figures, one day a week (each Wednesday): a steady London, and in the 4 weeks of `londonPeriod`
 * Camden's storage reports up from 6 to 20 a week. Returns nothing: the screens read them.
 */
export async function seedLondon(app: TestApp, now = Date.now()) {
  const yesterday = Math.floor(now / DAY_MS) - 1;
  const sunday = yesterday - new Date(yesterday * DAY_MS).getUTCDay();
  const wednesday = sunday - 4;
  for (let w = 0; w < 40; w++) {
    const n = wednesday - 7 * w;
    const day = dayOf(n);
    const recent = w < 4;
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

