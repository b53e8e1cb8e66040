/**
 * Exports of the statistics and the committee report
 * (src/reports/desk/statistics-export.ts) on the real stack: every export,
 * a supervisor's included, is the published tables week by week with small
 * counts as "fewer than 5" and secondary suppression, then the whole period
 * as sums of shown weeks; no suppressed cell can be worked out exactly from
 * the exported ones (recomputed here from the CSVs alone); each export and
 * each opening of the report is audited (who, view, period, format).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figuresOf, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

const EXPORT = `mutation($view: StatisticsView!, $period: LondonPeriod!) { exportStatistics(view: $view, period: $period) { view period { from to } filename csv rows } }`;
const REPORT = `mutation($period: LondonPeriod!) { statisticsReport(period: $period) { period { from to } tables { id total { display count } cells { value display count suppression } } london { published tiles { borough display } } weeks { start end count display } previousWeeks { start end count display } threatLevels { level } } }`;
// Two whole weeks, asked with a day either side (cut to Monday 2025-06-02 .. Sunday 2025-06-15).
const ASKED = { from: '2025-06-01', to: '2025-06-16' };
const WEEKS = { from: '2025-06-02', to: '2025-06-15' };

let app: TestApp;
let sup: Awaited<ReturnType<typeof createStaff>>;
let oversight: Awaited<ReturnType<typeof createStaff>>;
let investigator: Awaited<ReturnType<typeof createStaff>>;

const event = (day: string, over: Partial<StatisticsEvent> = {}): Omit<StatisticsEvent, 'key'> => ({
  day, measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', partner: null, categories: ['STORAGE'], borough: 'CAMDEN',
  desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null, ...over,
});
const times = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

beforeAll(async () => {
  app = await bootApp();
  [sup, oversight, investigator] = await Promise.all([createStaff(app, 'SUPERVISOR'), createStaff(app, 'OVERSIGHT'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
  // Week 1: 20 hotline calls in Camden, 3 online in Brent (small), 7 Crimestoppers in Hackney; 12 claims (11 met).
  const week1 = [
    ...times(20, () => event('2025-06-03')),
    ...times(3, () => event('2025-06-03', { channel: 'ONLINE', borough: 'BRENT', categories: ['FINANCE'] })),
    ...times(7, () => event('2025-06-04', { channel: 'CRIMESTOPPERS', borough: 'HACKNEY', categories: ['TRAVEL'] })),
    ...times(12, (i) => event('2025-06-04', { measure: 'CLAIMED', status: 'ASSIGNED', desk: 'SO12', priority: 'P2', bucket: i < 8 ? 2 : 5, sla: i < 11 ? 'MET' : 'MISSED' })),
  ];
  // Week 2: 15 hotline calls in Camden, 9 online in Brent, 6 Crimestoppers in Hackney, 2 in Newham (small).
  const week2 = [
    ...times(15, () => event('2025-06-10')),
    ...times(9, () => event('2025-06-10', { channel: 'ONLINE', borough: 'BRENT', categories: ['FINANCE'] })),
    ...times(6, () => event('2025-06-11', { channel: 'CRIMESTOPPERS', borough: 'HACKNEY', categories: ['TRAVEL'] })),
    ...times(2, () => event('2025-06-11', { borough: 'NEWHAM' })),
  ];
  const all = [...week1, ...week2];
  for (const day of [...new Set(all.map((e) => e.day))]) await app.deps.reports.statistics.writeDay({ _id: day, rolledAt: new Date(), ...figuresOf(all.filter((e) => e.day === day)) });
}, 60_000);
afterAll(async () => app?.close());

/** Parses the CSV the export writes (every cell quoted). */
const parse = (csv: string) => csv.trim().split('\r\n').map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"')));
const exportOf = async (token: string, view: string, period = ASKED) => {
  const res = await app.gql(EXPORT, { view, period }, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.exportStatistics;
};

/** A figure read back: exact, or the range a reader knows ("fewer than 5": 1 to 4; "suppressed": 5 or more). */
const rangeOf = (display: string): [number, number] => (display === 'fewer than 5' ? [1, 4] : display === 'suppressed' ? [5, Infinity] : [Number(display), Number(display)]);

/**
 * Recomputes every hidden cell of a partition table (cells that sum to the total) from what is shown: each hidden
 * cell lies in [rest − Σ others' highs, rest − Σ others' lows] ∩ its own range. Returns the hidden cells found exact.
 */
function exactHidden(total: string, cells: { value: string; display: string }[]): string[] {
  const [tlo, thi] = rangeOf(total);
  const ranges = cells.map((c) => rangeOf(c.display));
  const exact: string[] = [];
  cells.forEach((c, i) => {
    if (!['fewer than 5', 'suppressed'].includes(c.display)) return;
    const othersLo = ranges.reduce((a, r, j) => (j === i ? a : a + r[0]), 0);
    const othersHi = ranges.reduce((a, r, j) => (j === i ? a : a + r[1]), 0);
    const lo = Math.max(ranges[i]![0], tlo - othersHi);
    const hi = Math.min(ranges[i]![1], thi - othersLo);
    if (lo === hi) exact.push(c.value);
  });
  return exact;
}

describe('statistics exports: published and suppressed for everyone', () => {
  it('gives a supervisor the same suppressed CSV as OVERSIGHT, by whole weeks, then the period', async () => {
    const mine = await exportOf(sup.token, 'CHANNEL');
    const theirs = await exportOf(oversight.token, 'CHANNEL');
    expect(mine.csv).toBe(theirs.csv);
    expect(mine.period).toEqual(WEEKS);
    expect(mine.filename).toBe('statistics-channel-2025-06-02-to-2025-06-15.csv');
    const rows = parse(mine.csv);
    expect(rows[0]).toEqual(['start', 'end', 'measure', 'channel', 'count']);
    const at = (start: string, value: string) => rows.find((r) => r[0] === start && r[3] === value)?.[4];
    // Week 1: online 3 is "fewer than 5", and one more figure hidden so the total does not give it away.
    expect(at('2025-06-02', 'total')).toBe('30');
    expect(at('2025-06-02', 'ONLINE')).toBe('fewer than 5');
    expect(at('2025-06-02', 'CRIMESTOPPERS')).toBe('suppressed');
    expect(at('2025-06-02', 'ANTI_TERRORIST_HOTLINE')).toBe('20');
    // Week 2: nothing small by channel.
    expect(at('2025-06-09', 'ONLINE')).toBe('9');
    // The period: sums where every week is shown; hidden where a week is.
    const period = rows.filter((r) => r[0] === WEEKS.from && r[1] === WEEKS.to);
    expect(Object.fromEntries(period.map((r) => [r[3], r[4]]))).toEqual({ total: '62', ANTI_TERRORIST_HOTLINE: '37', ONLINE: 'suppressed', CRIMESTOPPERS: 'suppressed' });
    // No figure finer than a week: every row's start is a Monday.
    for (const r of rows.slice(1)) expect(new Date(`${r[0]}T00:00:00Z`).getUTCDay()).toBe(1);
  });

  it('exports every view, and no suppressed cell of any week can be recomputed from all the exported figures', async () => {
    const csvs: Record<string, string[][]> = {};
    for (const view of ['TRENDS', 'CHANNEL', 'CATEGORY', 'BOROUGH', 'DESK', 'OUTCOME', 'TIME_TO_CLAIM', 'SLA', 'LONDON']) csvs[view] = parse((await exportOf(sup.token, view)).csv);
    expect(csvs.TIME_TO_CLAIM![0]).toEqual(['start', 'end', 'measure', 'priority', 'count', 'median minutes (bucket)', '90th percentile minutes (bucket)']);
    expect(csvs.TIME_TO_CLAIM!.find((r) => r[0] === '2025-06-02' && r[3] === 'P2')).toEqual(['2025-06-02', '2025-06-08', 'CLAIMED', 'P2', '12', '5 to 15', '60 to 120']);
    expect(csvs.SLA!.find((r) => r[0] === '2025-06-02' && r[3] === 'MISSED')?.[4]).toBe('fewer than 5');
    expect(csvs.LONDON![0]).toEqual(['period start', 'period end', 'borough', 'reports received', 'previous period', 'change', 'unusual rise']);
    expect(csvs.LONDON!.find((r) => r[2] === 'NEWHAM')?.[3]).toBe('suppressed');
    // Every partition table (the categories are one a report here, so they partition too), week by week.
    let hidden = 0;
    for (const [view, measure] of [['CHANNEL', 'RECEIVED'], ['BOROUGH', 'RECEIVED'], ['CATEGORY', 'RECEIVED'], ['SLA', 'CLAIMED'], ['TIME_TO_CLAIM', 'CLAIMED']] as const) {
      for (const week of ['2025-06-02', '2025-06-09']) {
        const rows = csvs[view]!.filter((r) => r[0] === week && r[2] === measure);
        const total = rows.find((r) => r[3] === 'total')![4]!;
        // The same week's total in every view of the measure (and the trend) is one figure.
        if (measure === 'RECEIVED') expect(csvs.TRENDS!.find((r) => r[0] === week)![4]).toBe(total);
        const cells = rows.filter((r) => r[3] !== 'total').map((r) => ({ value: r[3]!, display: r[4]! }));
        hidden += cells.filter((c) => !/^\d+$/.test(c.display)).length;
        expect(exactHidden(total, cells), `${view} ${week}`).toEqual([]);
      }
    }
    expect(hidden).toBeGreaterThan(3);
    // The period rows say nothing the weeks do not: a shown period figure is the sum of its shown weeks.
    for (const view of ['CHANNEL', 'BOROUGH']) {
      const rows = csvs[view]!;
      for (const p of rows.filter((r) => r[0] === WEEKS.from && r[1] === WEEKS.to && /^\d+$/.test(r[4]!))) {
        const weeks = rows.filter((r) => r[3] === p[3] && !(r[0] === WEEKS.from && r[1] === WEEKS.to));
        expect(weeks).toHaveLength(2);
        expect(weeks.every((w) => /^\d+$/.test(w[4]!)), `${view} ${p[3]}`).toBe(true);
        expect(weeks.reduce((a, w) => a + Number(w[4]), 0)).toBe(Number(p[4]));
      }
    }
  });

  it('audits each export: who, which view, which period, which format', async () => {
    await exportOf(sup.token, 'BOROUGH');
    const entries = await auditEntries(app, 'statistics.export');
    const mine = entries.find((e: any) => e.actor.id === sup.user.id && e.details.view === 'BOROUGH');
    expect(mine).toMatchObject({ outcome: 'success', actor: { type: 'user', name: sup.username }, details: { view: 'BOROUGH', from: WEEKS.from, to: WEEKS.to, format: 'CSV' } });
  });

  it('gives the committee report as published period tables and audits its opening for print', async () => {
    const res = await app.gql(REPORT, { period: ASKED }, sup.token);
    expect(res.errors).toBeUndefined();
    const r = res.data.statisticsReport;
    expect(r.period).toEqual(WEEKS);
    const channel = r.tables.find((t: any) => t.id === 'received-by-channel');
    expect(channel.total).toEqual({ display: '62', count: 62 });
    expect(channel.cells.find((c: any) => c.value === 'ONLINE')).toMatchObject({ display: 'suppressed', count: null });
    expect(r.london.published).toBe(true);
    // The trend: each whole week's published total, and as many weeks before; shown weeks add up to the period's total.
    expect(r.weeks.map((w: any) => [w.start, w.end])).toEqual([['2025-06-02', '2025-06-08'], ['2025-06-09', '2025-06-15']]);
    expect(r.previousWeeks.map((w: any) => w.start)).toEqual(['2025-05-19', '2025-05-26']);
    expect(r.weeks.every((w: any) => w.count !== null)).toBe(true);
    expect(r.weeks.reduce((a: number, w: any) => a + w.count, 0)).toBe(62);
    expect(r.threatLevels.length).toBeGreaterThanOrEqual(1);
    const entries = await auditEntries(app, 'statistics.export');
    expect(entries.find((e: any) => e.actor.id === sup.user.id && e.details.format === 'PRINT')).toMatchObject({ details: { view: 'REPORT', from: WEEKS.from, to: WEEKS.to } });
  });

  it('refuses a period without a whole week, and anyone but supervisors and OVERSIGHT', async () => {
    expect(codeOf(await app.gql(EXPORT, { view: 'CHANNEL', period: { from: '2025-06-03', to: '2025-06-08' } }, sup.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(EXPORT, { view: 'CHANNEL', period: ASKED }, investigator.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(REPORT, { period: ASKED }, investigator.token))).toBe('FORBIDDEN');
  });
});
