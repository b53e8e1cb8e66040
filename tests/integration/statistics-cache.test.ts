/**
 * The cache of built spans (src/reports/store/statistics.ts, `slices`): a
 * repeated `statistics` question, over HTTP, reads the span register and its
 * end days only (counted with the driver's command monitoring, switched on
 * through the connection string), and a cached answer changes as soon as a
 * roll-up rebuilds a span under it (the register's fresh token), equal to the
 * answer from the day slices alone and to the events themselves. While the
 * register says a run is building spans, nothing is served from the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { createStatisticsService, type StatisticsQuery } from '../../src/reports/desk/statistics.js';
import { utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';

const Q = `query($period: StatisticsPeriod!, $measure: StatisticsMeasure, $groupBy: [StatisticsDimension!], $interval: StatisticsInterval) {
  statistics(period: $period, measure: $measure, groupBy: $groupBy, interval: $interval) { rows { start end group { dimension value } count } }
}`;
type Rows = { start: string; end: string; group: { dimension: string; value: string }[]; count: number }[];

let app: TestApp;
let sup: Awaited<ReturnType<typeof createStaff>>;
let commands: string[] = [];
const store = () => app.deps.reports.statistics;
const principal: StaffPrincipal = { kind: 'staff', userId: 'u-cache', username: 'cache.supervisor', roles: ['SUPERVISOR'], desk: null, sessionId: 's-cache' };
/** The same question answered from the day slices alone (no span, no cache). */
const daysOnly = () => createStatisticsService({ store: { slices: (b, m, d) => store().slices(b, m, d, { daysOnly: true }) } });
const addDays = (day: string, n: number) => utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

/** `per` RECEIVED events a day from `first` to `last`, on three channels in turn, keyed under `tag`. */
function received(first: string, last: string, per: number, tag: string): StatisticsEvent[] {
  const out: StatisticsEvent[] = [];
  const channels = ['ANTI_TERRORIST_HOTLINE', 'ONLINE', 'CRIMESTOPPERS'] as const;
  for (let day = first, i = 0; day <= last; day = addDays(day, 1)) {
    for (let n = 0; n < per; n++, i++) {
      out.push({
        key: `${tag}-${i}`, day, measure: 'RECEIVED', status: 'RECEIVED', channel: channels[i % 3]!, source: 'HOTLINE_CALL', partner: null,
        categories: ['STORAGE'], borough: 'CAMDEN', desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null,
      });
    }
  }
  return out;
}

/** Asks over HTTP as the supervisor; returns the rows and the store reads the API sent meanwhile, by collection. */
async function ask(query: Pick<StatisticsQuery, 'from' | 'to' | 'groupBy'>) {
  commands = [];
  const res = await app.gql<{ statistics: { rows: Rows } }>(Q, { period: { from: query.from, to: query.to }, groupBy: query.groupBy }, sup.token);
  expect(res.errors).toBeUndefined();
  const seen = [...commands];
  return { rows: res.data!.statistics.rows, reads: (collection: string) => seen.filter((c) => c === `find ${collection}`).length };
}
const counts = (rows: Rows) => rows.map((r) => `${r.start}..${r.end} ${r.group.map((g) => g.value).join('/') || 'total'} ${r.count}`);
async function alone(query: Pick<StatisticsQuery, 'from' | 'to' | 'groupBy'>) {
  return counts((await daysOnly().statistics(principal, { measure: 'RECEIVED', filter: [], interval: 'PERIOD', ...query })).rows as Rows);
}

beforeAll(async () => {
  app = await bootMonitored((e) => commands.push(commandOf(e)));
  sup = await createStaff(app, 'SUPERVISOR');
  await store().record(received('2025-01-20', '2025-04-10', 3, 'base'));
  const run = await store().rollUp({ budgetMs: 600_000 });
  expect(run.spans.built).toBeGreaterThan(10);
}, 300_000);
afterAll(async () => app?.close());

describe('the cache of built spans', () => {
  it('answers a repeated question from the register and its end days, reading no span again', async () => {
    // 25-31 Jan as days, February and March as months, then 1-5 Apr as days: 12 day pieces, 2 spans.
    const question = { from: '2025-01-25', to: '2025-04-05', groupBy: ['CHANNEL'] as StatisticsQuery['groupBy'] };
    const first = await ask(question);
    const again = await ask(question);
    expect(counts(again.rows)).toEqual(counts(first.rows));
    expect(counts(again.rows)).toEqual(await alone(question));
    expect(again.rows[0]!.count).toBe(71 * 3); // 7 + 28 + 31 + 5 days, 3 a day
    const [pieces] = await store().slices([[question.from, question.to]], 'RECEIVED', [['CHANNEL']]);
    const dayPieces = pieces!.filter((p) => /^\d/.test(p.id)).length;
    expect(pieces!.map((p) => p.id).filter((id) => !/^\d/.test(id))).toEqual(['M2025-02', 'M2025-03']);
    expect(dayPieces).toBe(12);
    // A day gives its by-channel slice and its total slice; a month one bundle holding both. First asked: every piece
    // read; asked again: the register once and each end day's two slices, no month.
    expect(first.reads('statistics_slices')).toBe(2 * dayPieces + 2);
    expect(again.reads('statistics_slices')).toBe(2 * dayPieces);
    expect(again.reads('statistics_meta')).toBe(1);
    // Whole months only: nothing but the register.
    const months = { from: '2025-02-01', to: '2025-03-31', groupBy: ['CHANNEL'] as StatisticsQuery['groupBy'] };
    await ask(months);
    const cached = await ask(months);
    expect(cached.reads('statistics_slices')).toBe(0);
    expect(cached.reads('statistics_meta')).toBe(1);
    expect(counts(cached.rows)).toEqual(await alone(months));
  }, 120_000);

  it('changes a cached answer as soon as a roll-up rebuilds a span under it', async () => {
    const march = { from: '2025-03-01', to: '2025-03-31', groupBy: ['CHANNEL'] as StatisticsQuery['groupBy'] };
    await ask(march);
    const before = await ask(march);
    expect(before.reads('statistics_slices')).toBe(0); // served from the cache
    expect(before.rows[0]!.count).toBe(31 * 3);
    // A late entry under the built month: the roll-up recomputes the day and rebuilds March and its week, under a fresh token.
    await store().record(received('2025-03-12', '2025-03-12', 5, 'late'));
    const run = await store().rollUp();
    expect(run.spans.rebuilt).toEqual(expect.arrayContaining(['M2025-03', 'W2025-03-10']));
    const after = await ask(march);
    expect(after.rows[0]!.count).toBe(31 * 3 + 5);
    expect(counts(after.rows)).toEqual(await alone(march));
    expect(after.reads('statistics_slices')).toBe(1); // March read again, once
    expect((await ask(march)).reads('statistics_slices')).toBe(0);
  }, 120_000);

  it('serves nothing from the cache while the register says a run is building spans', async () => {
    const feb = { from: '2025-02-01', to: '2025-02-28', groupBy: ['CHANNEL'] as StatisticsQuery['groupBy'] };
    await ask(feb);
    expect((await ask(feb)).reads('statistics_slices')).toBe(0);
    // As a run that wrote its first, `building` register and then died would leave it (same token: only the flag).
    const meta = app.deps.database.db.collection<{ _id: string; building?: boolean }>('statistics_meta');
    await meta.updateOne({ _id: 'spans' }, { $set: { building: true } });
    expect((await ask(feb)).reads('statistics_slices')).toBe(1);
    expect((await ask(feb)).reads('statistics_slices')).toBe(1);
    // The next run that writes spans ends with the register settled again (a late entry under February).
    await store().record(received('2025-02-11', '2025-02-11', 2, 'late-feb'));
    await store().rollUp();
    const settled = await ask(feb);
    expect(settled.rows[0]!.count).toBe(28 * 3 + 2);
    expect(counts(settled.rows)).toEqual(await alone(feb));
    expect((await ask(feb)).reads('statistics_slices')).toBe(0);
  }, 120_000);
});
