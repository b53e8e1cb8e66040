/**
 * The `statistics` query (src/reports/desk/statistics.ts) over HTTP: a
 * supervisor's exact figures, grouped and filtered, by day, week or period,
 * with durations; OVERSIGHT's published tables only, by whole weeks, small
 * counts suppressed; partner figures by whole weeks only; and an OVERSIGHT
 * user who can reach no report, search or queue, and whose console shows
 * nothing but the statistics screens and their account; the national threat
 * level over the period (levels and times, never the reason), for both.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedOperations } from '../../src/auth/policy.js';
import { figuresOf, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';

const Q = `query($period: StatisticsPeriod!, $measure: StatisticsMeasure, $groupBy: [StatisticsDimension!], $filter: [StatisticsFilter!], $interval: StatisticsInterval) {
  statistics(period: $period, measure: $measure, groupBy: $groupBy, filter: $filter, interval: $interval) {
    measure from to interval table
    rows { start end group { dimension value label } count display suppression median { fromMinutes toMinutes } p90 { fromMinutes toMinutes } }
  }
}`;
const WEEK = { from: '2026-01-05', to: '2026-01-11' }; // Monday to Sunday

let app: TestApp;
let sup: Awaited<ReturnType<typeof createStaff>>;
let oversight: Awaited<ReturnType<typeof createStaff>>;
let investigator: Awaited<ReturnType<typeof createStaff>>;
/** The referring partner organisation: its id is what the counts hold, its name what people are shown. */
let partnerId: string;
const PARTNER_NAME = 'Brent Community Safety Forum';

const event = (day: string, over: Partial<StatisticsEvent> = {}): Omit<StatisticsEvent, 'key'> => ({
  day, measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', partner: null, categories: ['STORAGE'], borough: 'CAMDEN',
  desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null, ...over,
});
const times = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

beforeAll(async () => {
  app = await bootApp();
  [sup, oversight, investigator] = await Promise.all([createStaff(app, 'SUPERVISOR'), createStaff(app, 'OVERSIGHT'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
  partnerId = (await createPartner(app, PARTNER_NAME)).partner.id;
  // Monday: 20 hotline calls, 3 online (a small count), 6 from a partner; Tuesday: 10 hotline calls; claims with their times.
  const monday = [
    ...times(20, () => event('2026-01-05')),
    ...times(3, () => event('2026-01-05', { channel: 'ONLINE', borough: 'BRENT' })),
    ...times(6, () => event('2026-01-05', { channel: 'PARTNER_ORGANISATION', source: 'PARTNER_REFERRAL', partner: partnerId, borough: 'BRENT' })),
    ...times(12, (i) => event('2026-01-05', { measure: 'CLAIMED', status: 'ASSIGNED', desk: 'SO12', priority: 'P2', bucket: i < 8 ? 2 : 5, sla: i < 11 ? 'MET' : 'MISSED' })),
  ];
  const tuesday = times(10, () => event('2026-01-06'));
  for (const [day, events] of [['2026-01-05', monday], ['2026-01-06', tuesday]] as const) {
    await app.deps.reports.statistics.writeDay({ _id: day, rolledAt: new Date(), ...figuresOf(events) });
  }
}, 60_000);
afterAll(async () => app?.close());

const ask = (token: string, variables: Record<string, unknown>) => app.gql(Q, variables, token);
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe('statistics for a supervisor: exact', () => {
  it('counts a measure over the period, grouped', async () => {
    const res = await ask(sup.token, { period: WEEK, groupBy: ['CHANNEL'] });
    expect(res.errors).toBeUndefined();
    const rows = res.data.statistics.rows;
    expect(rows[0]).toMatchObject({ group: [], count: 39, display: '39' });
    expect(rows.map((r: any) => [r.group[0]?.value ?? 'total', r.count])).toEqual([['total', 39], ['ANTI_TERRORIST_HOTLINE', 30], ['PARTNER_ORGANISATION', 6], ['ONLINE', 3]]);
  });

  it('gives day rows, and one grouped and one filtered dimension', async () => {
    const days = await ask(sup.token, { period: WEEK, interval: 'DAY' });
    expect(days.data.statistics.rows.map((r: any) => r.count)).toEqual([29, 10, 0, 0, 0, 0, 0]);
    const res = await ask(sup.token, { period: WEEK, groupBy: ['CHANNEL'], filter: [{ dimension: 'BOROUGH', value: 'BRENT' }] });
    expect(res.data.statistics.rows.map((r: any) => [r.group[0]?.value ?? 'total', r.count])).toEqual([['total', 9], ['PARTNER_ORGANISATION', 6], ['ONLINE', 3]]);
  });

  it('gives time to claim as the buckets of its median and 90th percentile, and SLA met or missed', async () => {
    const res = await ask(sup.token, { period: WEEK, measure: 'CLAIMED', groupBy: ['DESK', 'PRIORITY'] });
    expect(res.errors).toBeUndefined();
    const [total, cell] = res.data.statistics.rows;
    expect(total).toMatchObject({ count: 12, median: { fromMinutes: 5, toMinutes: 15 }, p90: { fromMinutes: 60, toMinutes: 120 } });
    expect(cell).toMatchObject({ group: [{ dimension: 'DESK', value: 'SO12' }, { dimension: 'PRIORITY', value: 'P2' }], count: 12, median: { fromMinutes: 5, toMinutes: 15 } });
    const sla = await ask(sup.token, { period: WEEK, measure: 'CLAIMED', groupBy: ['SLA'] });
    expect(sla.data.statistics.rows.map((r: any) => [r.group[0]?.value ?? 'total', r.count])).toEqual([['total', 12], ['MET', 11], ['MISSED', 1]]);
  });

  it('gives partner figures by whole weeks only', async () => {
    const weekly = await ask(sup.token, { period: WEEK, groupBy: ['PARTNER'], interval: 'WEEK' });
    expect(weekly.errors).toBeUndefined();
    expect(weekly.data.statistics.rows.map((r: any) => [r.group[0]?.value ?? 'total', r.count])).toEqual([['total', 39], [partnerId, 6]]);
    // The organisation by its name: the value stays its id (to filter by), the label is what a person reads.
    expect(weekly.data.statistics.rows[1].group[0]).toEqual({ dimension: 'PARTNER', value: partnerId, label: PARTNER_NAME });
    for (const r of weekly.data.statistics.rows) for (const g of r.group) expect(g.label).not.toBe(partnerId);
    expect(codeOf(await ask(sup.token, { period: WEEK, groupBy: ['PARTNER'], interval: 'DAY' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(sup.token, { period: { from: '2026-01-05', to: '2026-01-07' }, groupBy: ['PARTNER'] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(sup.token, { period: WEEK, filter: [{ dimension: 'PARTNER', value: partnerId }], interval: 'DAY' }))).toBe('BAD_USER_INPUT');
  });

  it('refuses bad periods and more than two dimensions', async () => {
    for (const variables of [
      { period: { from: '2026-01-11', to: '2026-01-05' } },
      { period: { from: '2026-02-30', to: '2026-03-01' } },
      { period: { from: '2020-01-01', to: '2026-01-01' } },
      { period: WEEK, groupBy: ['CHANNEL', 'BOROUGH', 'DESK'] },
      { period: WEEK, groupBy: ['CHANNEL', 'CHANNEL'] },
      { period: WEEK, groupBy: ['CHANNEL', 'BOROUGH'], filter: [{ dimension: 'DESK', value: 'SO12' }] },
    ]) expect(codeOf(await ask(sup.token, variables)), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
  });
});

describe('statistics for OVERSIGHT: the published tables, suppressed', () => {
  it('shows a count from 1 to 4 as "fewer than 5" and hides one more so no total gives it away', async () => {
    const res = await ask(oversight.token, { period: WEEK, groupBy: ['CHANNEL'] });
    expect(res.errors).toBeUndefined();
    const s = res.data.statistics;
    expect(s).toMatchObject({ table: 'received-by-channel', interval: 'WEEK' });
    const byValue = Object.fromEntries(s.rows.map((r: any) => [r.group[0]?.value ?? 'total', r]));
    expect(byValue.ONLINE).toMatchObject({ count: null, display: 'fewer than 5', suppression: 'FEWER_THAN_5' });
    expect(byValue.PARTNER_ORGANISATION).toMatchObject({ count: null, display: 'suppressed', suppression: 'SUPPRESSED' });
    expect(byValue.total.count).toBe(39);
    expect(byValue.ANTI_TERRORIST_HOTLINE.count).toBe(30);
  });

  it('publishes received by partner organisation (named) within the partner-organisation channel, suppressed with it', async () => {
    const res = await ask(oversight.token, { period: WEEK, groupBy: ['PARTNER'] });
    expect(res.errors).toBeUndefined();
    expect(res.data.statistics).toMatchObject({ table: 'received-by-partner', interval: 'WEEK' });
    // The partner's 6 would give away the channel cell hidden beside "fewer than 5": hidden in turn, named or not.
    expect(res.data.statistics.rows.map((r: any) => [r.group[0]?.label ?? 'total', r.display])).toEqual([['total', '39'], [PARTNER_NAME, 'suppressed']]);
  });

  it('exports the partner table as CSV with the organisation named, never its id, suppressed as published', async () => {
    const EXPORT = `mutation($view: StatisticsView!, $period: LondonPeriod!) { exportStatistics(view: $view, period: $period) { csv rows } }`;
    for (const who of [oversight, sup]) {
      const res = await app.gql(EXPORT, { view: 'PARTNER', period: WEEK }, who.token);
      expect(res.errors).toBeUndefined();
      const csv: string = res.data.exportStatistics.csv;
      expect(csv).toContain(PARTNER_NAME);
      expect(csv).not.toContain(partnerId);
      const lines = csv.trim().split(/\r?\n/);
      expect(lines[0]).toContain('partner');
      // The week's row and the whole period's, each naming the organisation, each suppressed as published.
      expect(lines.filter((l) => l.includes(`"${PARTNER_NAME}"`)).map((l) => l.split(',').at(-1))).toEqual(['"suppressed"', '"suppressed"']);
    }
  });

  it('refuses free-form grouping, filters and periods that are not whole weeks', async () => {
    expect(codeOf(await ask(oversight.token, { period: WEEK, measure: 'CLAIMED', groupBy: ['DESK', 'PRIORITY'] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(oversight.token, { period: WEEK, groupBy: ['CHANNEL'], filter: [{ dimension: 'BOROUGH', value: 'BRENT' }] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(oversight.token, { period: WEEK }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await ask(oversight.token, { period: { from: '2026-01-05', to: '2026-01-06' }, groupBy: ['CHANNEL'] }))).toBe('BAD_USER_INPUT');
  });

  it('reaches no report, search, queue or other figure, and the console offers nothing but the statistics screens and their account', async () => {
    for (const query of [
      `{ report(id: "x") { __typename } }`,
      `{ searchReports(filter: { phone: "020 7946 0000" }) { __typename } }`,
      `{ deskQueue(desk: SO12) { __typename } }`,
      `{ supervisorOverview { __typename } }`,
      `{ threatLevel { __typename } }`,
      `{ auditLog { __typename } }`,
    ]) expect(codeOf(await app.gql(query, {}, oversight.token)), query).toBe('FORBIDDEN');
    const principal = { kind: 'staff' as const, userId: oversight.user.id, username: oversight.username, roles: ['OVERSIGHT' as const], desk: null, sessionId: 'x' };
    const ops = allowedOperations(principal);
    expect(ops).toContain('statistics');
    const screens = [...readFileSync('src/web/src/routes.tsx', 'utf8').matchAll(/operation: '(\w+)'/g)].map((m) => m[1]!);
    // The statistics screens (the London picture, the export and the committee report) and their account.
    expect([...new Set(screens.filter((op) => (ops as string[]).includes(op)))].sort()).toEqual(['mySessions', 'statistics']);
  });

  it('gives the threat level over the period to both, levels and times only', async () => {
    const reason = 'JTAC raised the level after an attack';
    const set = await app.gql('mutation($reason: String!) { setThreatLevel(level: SEVERE, reason: $reason) { setAt } }', { reason }, sup.token);
    expect(set.errors).toBeUndefined();
    const setAt: string = set.data.setThreatLevel.setAt;
    // The whole ISO week holding the change (OVERSIGHT is given whole weeks).
    const day = new Date(`${setAt.slice(0, 10)}T00:00:00Z`);
    const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
    const week = { from: monday.toISOString().slice(0, 10), to: new Date(monday.getTime() + 6 * 86_400_000).toISOString().slice(0, 10) };
    const TL = `query($period: StatisticsPeriod!) { statistics(period: $period, groupBy: [CHANNEL]) { threatLevels { level since } } }`;
    for (const user of [sup, oversight]) {
      const res = await app.gql(TL, { period: week }, user.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.statistics.threatLevels).toEqual([{ level: 'SUBSTANTIAL', since: null }, { level: 'SEVERE', since: setAt }]);
      expect(JSON.stringify(res.data)).not.toContain('JTAC');
    }
    const before = await app.gql(TL, { period: WEEK }, oversight.token);
    expect(before.data.statistics.threatLevels).toEqual([{ level: 'SUBSTANTIAL', since: null }]);
    const nextWeek = { from: new Date(monday.getTime() + 7 * 86_400_000).toISOString().slice(0, 10), to: new Date(monday.getTime() + 13 * 86_400_000).toISOString().slice(0, 10) };
    const after = await app.gql(TL, { period: nextWeek }, oversight.token);
    expect(after.data.statistics.threatLevels).toEqual([{ level: 'SEVERE', since: setAt }]);
  });

  it('is refused to an investigator', async () => {
    expect(codeOf(await ask(investigator.token, { period: WEEK }))).toBe('FORBIDDEN');
  });
});
