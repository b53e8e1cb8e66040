/**
 * Weeks and months of statistics (src/reports/store/statistics.ts, the span
 * step of the roll-up and reconciliation): a query over a period spanning
 * months reads built months and ISO weeks where they lie whole in a time
 * bucket and days only at the ends, and every answer equals the answer from
 * the day slices alone and the figures counted from the events themselves:
 * after replays, after a late entry under a built month, after a roll-up
 * killed between its days and its spans, and after the nightly
 * reconciliation put back entries a crash lost. A span step waits for
 * another's (the span lease).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { createStatisticsService, type StatisticsQuery, type StatisticsResult } from '../../src/reports/desk/statistics.js';
import { statisticsEvents, utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootApp, type TestApp } from '../support/app.js';
import { buildReport } from '../support/factories.js';

let app: TestApp;
const store = () => app.deps.reports.statistics;
const supervisor: StaffPrincipal = { kind: 'staff', userId: 'u-spans', username: 'spans.supervisor', roles: ['SUPERVISOR'], desk: null, sessionId: 's-spans' };
const oversight: StaffPrincipal = { ...supervisor, roles: ['OVERSIGHT'] };
/** The query as served (spans where built) and from the day slices alone. */
const served = () => createStatisticsService({ store: store() });
const daysOnly = () => createStatisticsService({ store: { slices: (b, m, d) => store().slices(b, m, d, { daysOnly: true }) } });

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const addDays = (day: string, n: number) => utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

/** Random events on every day from `first` to `last`, keyed uniquely. */
function eventsBetween(first: string, last: string, seed: number): StatisticsEvent[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: StatisticsEvent[] = [];
  for (let day = first, i = 0; day <= last; day = addDays(day, 1)) {
    for (let n = Math.floor(rand() * 8); n > 0; n--, i++) {
      const measure = pick(['RECEIVED', 'RECEIVED', 'CLAIMED', 'CLOSED'] as const);
      out.push({
        key: `span-${seed}-${i}`, day, measure, status: measure === 'RECEIVED' ? 'RECEIVED' : measure === 'CLAIMED' ? 'ASSIGNED' : 'CLOSED',
        channel: pick(['ANTI_TERRORIST_HOTLINE', 'ONLINE', 'CRIMESTOPPERS'] as const), source: 'HOTLINE_CALL', partner: null,
        categories: rand() < 0.3 ? ['STORAGE', 'FINANCE'] : [pick(['STORAGE', 'FINANCE', 'TRAVEL'] as const)], borough: pick(['CAMDEN', 'BRENT', 'NEWHAM', 'UNKNOWN'] as const),
        desk: measure === 'RECEIVED' ? null : pick(['SO12', 'SO13'] as const), priority: measure === 'RECEIVED' ? null : pick(['P1', 'P2', 'P3'] as const),
        imminentThreat: rand() < 0.1, outcome: measure === 'CLOSED' ? pick(['ARREST', 'NO_TRACE'] as const) : null,
        bucket: measure === 'RECEIVED' ? null : Math.floor(rand() * 10), sla: measure === 'CLAIMED' ? pick(['MET', 'MISSED'] as const) : null,
      });
    }
  }
  return out;
}

const q = (over: Partial<StatisticsQuery>): StatisticsQuery => ({ from: '2025-01-25', to: '2025-04-05', measure: 'RECEIVED', groupBy: [], filter: [], interval: 'PERIOD', ...over });
/** Supervisors' and OVERSIGHT's questions over a period spanning months: grouped, paired, filtered, timed, weekly. */
const QUESTIONS: [StaffPrincipal, StatisticsQuery][] = [
  [supervisor, q({ groupBy: ['CHANNEL'] })],
  [supervisor, q({ groupBy: ['BOROUGH', 'CATEGORY'] })],
  [supervisor, q({ groupBy: ['CATEGORY'], filter: [{ dimension: 'BOROUGH', value: 'CAMDEN' }] })],
  [supervisor, q({ measure: 'CLAIMED', groupBy: ['DESK', 'PRIORITY'] })],
  [supervisor, q({ measure: 'CLOSED', groupBy: ['OUTCOME'], interval: 'WEEK' })],
  [supervisor, q({ from: '2025-02-01', to: '2025-03-31', measure: 'CLAIMED', groupBy: ['SLA'] })],
  [supervisor, q({ interval: 'DAY', from: '2025-02-25', to: '2025-03-04' })],
  [oversight, q({ from: '2025-01-27', to: '2025-04-06', groupBy: ['BOROUGH'] })],
  [oversight, q({ from: '2025-01-27', to: '2025-04-06', measure: 'CLOSED', groupBy: ['OUTCOME'] })],
];

/** The same questions answered from the events themselves: counts per bucket and group, summed here. */
function oracle(events: readonly StatisticsEvent[], query: StatisticsQuery, result: StatisticsResult) {
  const out: string[] = [];
  for (const row of result.rows) {
    const n = events.filter((e) => {
      if (e.measure !== query.measure || e.day < row.start || e.day > row.end) return false;
      const has = (dimension: string, value: string) => {
        const values: Record<string, string[]> = {
          CHANNEL: [e.channel], CATEGORY: e.categories, BOROUGH: [e.borough], DESK: e.desk ? [e.desk] : [], PRIORITY: e.priority ? [e.priority] : [],
          OUTCOME: e.outcome ? [e.outcome] : [], SLA: e.sla ? [e.sla] : [],
        };
        return values[dimension]!.includes(value);
      };
      return row.group.every((g) => has(g.dimension, g.value)) && query.filter.every((f) => has(f.dimension, f.value));
    }).length;
    out.push(`${row.start}..${row.end} ${row.group.map((g) => g.value).join('/') || 'total'} ${n}`);
  }
  return out;
}
const counted = (result: StatisticsResult) => result.rows.map((r) => `${r.start}..${r.end} ${r.group.map((g) => g.value).join('/') || 'total'} ${r.count}`);

/** Every question: served (with spans) equals days alone (counts, suppression and duration buckets) and, for exact counts, the events. */
async function expectSameAnswers(events: readonly StatisticsEvent[]) {
  for (const [who, query] of QUESTIONS) {
    const [withSpans, alone] = await Promise.all([served().statistics(who, query), daysOnly().statistics(who, query)]);
    const label = `${who.roles[0]} ${query.measure} by ${query.groupBy.join(' x ') || 'total'} ${query.interval} ${query.from}..${query.to}`;
    expect(withSpans, label).toEqual(alone);
    if (who === supervisor) expect(counted(withSpans), label).toEqual(oracle(events, query, withSpans));
  }
}

let events: StatisticsEvent[] = [];

beforeAll(async () => {
  app = await bootApp();
  events = eventsBetween('2025-01-20', '2025-04-10', 7);
  await store().record(events);
  const run = await store().rollUp({ budgetMs: 600_000 });
  expect(run.spans.built).toBeGreaterThan(10);
}, 300_000);
afterAll(async () => app?.close());

describe('weeks and months', () => {
  it('answers a period spanning months from months, weeks and end days, as the days alone would', async () => {
    const [pieces] = await store().slices([['2025-01-25', '2025-04-05']], 'RECEIVED', [['CHANNEL']]);
    // 25-26 Jan as days (27 Jan's week runs into February, which is whole), February and March as months, then 31 Mar–5 Apr.
    // (A day without a RECEIVED event has no slice, so no piece.)
    const ids = pieces!.map((p) => p.id);
    expect(ids.filter((id) => !/^\d/.test(id))).toEqual(['M2025-02', 'M2025-03']);
    expect(ids.filter((id) => /^\d/.test(id)).every((d) => (d >= '2025-01-25' && d <= '2025-01-31') || (d >= '2025-04-01' && d <= '2025-04-05'))).toBe(true);
    const [weekly] = await store().slices([['2025-02-03', '2025-02-09']], 'RECEIVED', [[]]);
    expect(weekly!.map((p) => p.id)).toEqual(['W2025-02-03']);
    await expectSameAnswers(events);
  }, 180_000);

  it('gives the same answers after every event is replayed and the roll-up runs again', async () => {
    expect(await store().record(events)).toBe(0);
    await store().rollUp();
    await store().rollUp();
    await expectSameAnswers(events);
  }, 180_000);

  it('rebuilds a built month and week when a day under them changes (a late entry)', async () => {
    const late = eventsBetween('2025-02-14', '2025-02-14', 11).map((e) => ({ ...e, key: `late-${e.key}` }));
    expect(late.length).toBeGreaterThan(0);
    await store().record(late);
    const run = await store().rollUp();
    expect(run.spans.rebuilt).toEqual(expect.arrayContaining(['M2025-02', 'W2025-02-10']));
    events = [...events, ...late];
    await expectSameAnswers(events);
  }, 180_000);

  it('is exact again when a roll-up dies between its days and its spans, and runs again', async () => {
    const late = eventsBetween('2025-03-03', '2025-03-04', 12).map((e) => ({ ...e, key: `crash-${e.key}` }));
    await store().record(late);
    await expect(store().rollUp({ failBeforeSpans: true })).rejects.toThrow(/injected/);
    events = [...events, ...late];
    // The days are new and March is not yet: the spans disagree with the days until the next run.
    const march = q({ from: '2025-03-01', to: '2025-03-31' });
    expect((await served().statistics(supervisor, march)).rows[0]!.count).not.toBe((await daysOnly().statistics(supervisor, march)).rows[0]!.count);
    await store().rollUp();
    await expectSameAnswers(events);
  }, 180_000);
});

describe('the reconciliation', () => {
  it('puts back lost entries under a built month and week, and rebuilds them', async () => {
    for (const status of ['CLOSED', 'ASSIGNED', 'RECEIVED'] as const) await buildReport(app, { status, desk: 'SO12', priority: 'P2' });
    await store().rollUp();
    // This month and week built now, as they will be once settled.
    const today = utcDay(new Date());
    await store().buildSpans({ touchedDays: [], now: new Date(Date.now() + 40 * 86_400_000), budgetMs: 600_000 });
    const fromReports: StatisticsEvent[] = [];
    for await (const doc of app.deps.reports.statisticsSources(new Date(Date.now() - 86_400_000))) fromReports.push(...statisticsEvents(doc, doc.history, null));
    const closed = fromReports.find((e) => e.measure === 'CLOSED')!;
    expect((await app.deps.database.db.collection<{ _id: string }>('statistics_entries').deleteOne({ _id: app.deps.crypto.integrity.mac('statisticsEntry', closed.key) })).deletedCount).toBe(1);
    await app.deps.database.db.collection<{ _id: string }>('statistics_meta').deleteOne({ _id: 'watermark' });
    await store().rollUp();
    const month = q({ from: `${today.slice(0, 7)}-01`, to: addDays(`${utcDay(new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1)))}`, -1), measure: 'CLOSED' });
    const [pieces] = await store().slices([[month.from, month.to]], 'RECEIVED', [[]]);
    expect(pieces!.map((p) => p.id)).toEqual([`M${today.slice(0, 7)}`]);
    const closedToday = fromReports.filter((e) => e.measure === 'CLOSED').length;
    expect((await served().statistics(supervisor, month)).rows[0]!.count).toBe(closedToday - 1);
    const result = await store().reconcile(app.deps.reports.statisticsSources(new Date(Date.now() - 7 * 86_400_000)), { windowDays: 7 });
    expect(result).toMatchObject({ entriesAdded: 1, daysChanged: 1 });
    const monday = addDays(today, 1 - (new Date(`${today}T00:00:00Z`).getUTCDay() || 7));
    expect(result.spansRebuilt).toEqual(expect.arrayContaining([`M${today.slice(0, 7)}`, `W${monday}`]));
    expect((await served().statistics(supervisor, month)).rows[0]!.count).toBe(closedToday);
    expect(await served().statistics(supervisor, month)).toEqual(await daysOnly().statistics(supervisor, month));
    await expectSameAnswers(events);
  }, 180_000);
});

describe('the span lease', () => {
  it('a span step waits while another run holds the lease, fails when it waits too long, and takes over a lease whose holder died', async () => {
    const leases = app.deps.database.db.collection<{ _id: string; holder: string; until: Date }>('statistics_meta');
    // Another run (a roll-up, or the reconciliation) is building spans.
    await leases.insertOne({ _id: 'spans-lease', holder: 'other-run', until: new Date(Date.now() + 60_000) });
    let done = false;
    const step = store().buildSpans({ touchedDays: [], now: new Date() }).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(done).toBe(false);
    await leases.deleteOne({ _id: 'spans-lease' }); // the other run finished
    await step;
    expect(done).toBe(true);
    expect(await leases.findOne({ _id: 'spans-lease' })).toBeNull(); // released
    await leases.insertOne({ _id: 'spans-lease', holder: 'other-run', until: new Date(Date.now() + 60_000) });
    await expect(store().buildSpans({ touchedDays: [], now: new Date(), leaseWaitMs: 300 })).rejects.toThrow(/busy/);
    // Its holder died: once expired, the lease is taken over.
    await leases.deleteOne({ _id: 'spans-lease' });
    await leases.insertOne({ _id: 'spans-lease', holder: 'dead-run', until: new Date(Date.now() - 1_000) });
    await store().buildSpans({ touchedDays: [], now: new Date(), leaseWaitMs: 300 });
    expect(await leases.findOne({ _id: 'spans-lease' })).toBeNull();
    // Two at once: both finish, one after the other.
    await Promise.all([store().buildSpans({ touchedDays: [], now: new Date() }), store().buildSpans({ touchedDays: [], now: new Date() })]);
  });
});
