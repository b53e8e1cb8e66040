/**
 * The `statistics` query at scale: per-day figures for two years of a
 * hotline taking 1,000,000 reports in that time (about 1,370 a day, each
 * received, most triaged, claimed and closed), and the weeks and months
 * summed from them, are seeded straight into `statistics_slices` as the
 * roll-up writes them (src/reports/store/statistics.ts), one month is rebuilt
 * from its days through the store (timed), then supervisors' and OVERSIGHT's
 * queries over the whole span are timed over HTTP. Measured, not asserted.
 *
 * A phase of `npm run bench` (index.ts), and runnable alone, starting its own
 * FerretDB, Redis and API: `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/statistics.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { BOROUGHS, INTAKE_CHANNELS, THREAT_CATEGORIES } from '../../src/reports/model/types.js';
import { CLOSE_OUTCOMES } from '../../src/reports/model/outcomes.js';
import { figuresOf, utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { addFigures, createStatisticsStore, encodeFigures, slicesOf, spanRange, spanSlicesOf, spansOfDay, SPAN_SETTLE_DAYS, type SliceDoc } from '../../src/reports/store/statistics.js';
import { freePort, startServices } from '../stack/services.js';
import { createUser, gql, latency, signIn, startProcess, type Latency, runIfMain } from './support.js';

export interface StatisticsBenchResult {
  days: number;
  reports: number;
  /** Mean size of a day document (JSON), bytes. */
  dayDocBytes: number;
  seedSeconds: number;
  /** Weeks and months seeded as built spans. */
  spans: number;
  /** One month rebuilt from its days' slices through the store, as the roll-up does once a month is settled, seconds. */
  monthBuildSeconds: number | null;
  /** Queries that failed, by kind (not in the latencies). */
  errors: Record<string, number>;
  /** Every query, and each kind on its own. */
  all: Latency;
  kinds: Record<string, Latency>;
  /**
   * Each kind's first answer, ms: the API's cache of built spans (reports/store/statistics.ts) is empty then, as
   * after a restart or after the roll-up registers spans under a new token; later rounds are answered from it.
   */
  first: Record<string, number>;
}

const QUERY = `query($period: StatisticsPeriod!, $measure: StatisticsMeasure, $groupBy: [StatisticsDimension!], $interval: StatisticsInterval) {
  statistics(period: $period, measure: $measure, groupBy: $groupBy, interval: $interval) { rows { start count display median { fromMinutes } } }
}`;

/** A deterministic day of events for `reportsPerDay` reports (a few such days are reused across the two years). */
export function templateDay(seed: number, reportsPerDay: number): Omit<StatisticsEvent, 'key'>[] {
  let s = seed * 2654435761;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() ** 1.5 * xs.length)]!;
  const out: Omit<StatisticsEvent, 'key'>[] = [];
  for (let i = 0; i < reportsPerDay; i++) {
    const partner = rand() < 0.1;
    const base = {
      day: '', status: 'RECEIVED' as const, channel: partner ? ('PARTNER_ORGANISATION' as const) : pick(INTAKE_CHANNELS.slice(0, 5)),
      source: partner ? ('PARTNER_REFERRAL' as const) : ('HOTLINE_CALL' as const), partner: partner ? `partner-${Math.floor(rand() * 40)}` : null,
      categories: [pick(THREAT_CATEGORIES)], borough: pick(BOROUGHS), desk: null, priority: null, imminentThreat: rand() < 0.02, outcome: null, bucket: null, sla: null,
    };
    out.push({ ...base, measure: 'RECEIVED' });
    const routed = { ...base, desk: rand() < 0.6 ? ('SO12' as const) : ('SO13' as const), priority: pick(['P1', 'P2', 'P3', 'P4'] as const) };
    if (rand() < 0.97) out.push({ ...routed, measure: 'TRIAGED', status: 'TRIAGED', bucket: Math.floor(rand() * 3) });
    if (rand() < 0.9) out.push({ ...routed, measure: 'CLAIMED', status: 'ASSIGNED', bucket: 2 + Math.floor(rand() * 6), sla: rand() < 0.9 ? 'MET' : 'MISSED' });
    if (rand() < 0.8) out.push({ ...routed, measure: 'OTHER_STATUS', status: 'UNDER_RESEARCH' });
    if (rand() < 0.7) out.push({ ...routed, measure: 'CLOSED', status: 'CLOSED', outcome: pick(CLOSE_OUTCOMES), bucket: 7 + Math.floor(rand() * 6) });
  }
  return out;
}

/**
 * Seeds `days` days of figures, as the roll-up writes them, ending 8 days before today (UTC): inside `npm run bench` a
 * worker is running, and its roll-up (today) and nightly reconciliation (the last 7 days) write the recent days' documents.
 * Then every month and ISO week lying whole in the span, summed from its days and cut as the roll-up's span step cuts
 * them (reports/store/statistics.ts: the days are settled, as SPAN_SETTLE_DAYS wants), registered as built. Inserted in
 * batches of a few thousand documents (one insert per document took minutes at two years).
 */
export async function seedStatistics(db: Db, days: number, reports: number): Promise<{ dayDocBytes: number; seedSeconds: number; from: string; to: string; spans: string[] }> {
  const started = Date.now();
  const templates = Array.from({ length: 7 }, (_, i) => figuresOf(templateDay(i + 1, Math.round(reports / days))));
  const lastDay = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - SPAN_SETTLE_DAYS * 86_400_000;
  const docs = Array.from({ length: days }, (_, i) => ({ _id: utcDay(new Date(lastDay - (days - 1 - i) * 86_400_000)), rolledAt: new Date(), ...templates[i % 7]! }));
  const slices = db.collection<SliceDoc>('statistics_slices');
  type Manifest = { _id: string; rolledAt: Date; events: number; digest: string; slices: string[]; all?: string };
  const batched = async <T extends object>(coll: { insertMany(d: T[], o: { ordered: boolean }): Promise<unknown> }, all: T[]) => {
    for (let i = 0; i < all.length; i += 2_000) await coll.insertMany(all.slice(i, i + 2_000), { ordered: false });
  };
  // As the roll-up writes them (reports/store/statistics.ts writeDay): a day's slices, then its manifest.
  const dayCuts = docs.map((doc) => ({ doc, cut: slicesOf(doc) }));
  await batched(slices, dayCuts.flatMap((x) => x.cut));
  await batched(db.collection<Manifest>('statistics_days'), dayCuts.map(({ doc, cut }) => ({ _id: doc._id, rolledAt: doc.rolledAt, events: doc.events, digest: '', slices: cut.map((x) => x._id), all: encodeFigures(doc) })));
  // Every month and ISO week lying whole in the seeded days, as the span step writes them.
  const byDay = new Map(docs.map((d) => [d._id, d]));
  const spans = [...new Set(docs.flatMap((d) => spansOfDay(d._id)))].filter((span) => spanRange(span).every((d) => byDay.has(d)));
  const spanCuts = spans.map((span) => {
    const [first, last] = spanRange(span);
    const sum = addFigures(docs.filter((d) => d._id >= first && d._id <= last));
    return { span, events: sum.events, cut: spanSlicesOf(span, sum, new Date()) };
  });
  await batched(slices, spanCuts.flatMap((x) => x.cut));
  await batched(db.collection<Manifest>('statistics_spans'), spanCuts.map(({ span, events, cut }) => ({ _id: span, rolledAt: new Date(), events, digest: '', slices: cut.map((x) => x._id) })));
  await seedingStore(db).markBuilt(spans);
  const dayDocBytes = Math.round(templates.reduce((a, t) => a + JSON.stringify(t).length, 0) / templates.length);
  return { dayDocBytes, seedSeconds: (Date.now() - started) / 1000, from: docs[0]!._id, to: docs.at(-1)!._id, spans };
}

/** The statistics store over the bench's database, for what the seeding does through it (no entry is written: no key needed). */
const seedingStore = (db: Db) =>
  createStatisticsStore(db, {
    mac: () => { throw new Error('the bench writes no statistics entry'); },
    macAll: () => { throw new Error('the bench writes no statistics entry'); },
  });

/** The two-year queries timed, `rounds` of each kind: supervisors' views and OVERSIGHT's weekly published tables. */
export async function runStatisticsBench(o: {
  url: string;
  supervisorToken: string;
  oversightToken: string;
  db: Db;
  days?: number;
  reports?: number;
  rounds?: number;
  progress?: (line: string) => void;
}): Promise<StatisticsBenchResult> {
  const days = o.days ?? 730;
  // The same daily volume whatever the span: 1,000,000 reports over two years.
  const reports = o.reports ?? Math.round((1_000_000 * days) / 730);
  const seeded = await seedStatistics(o.db, days, reports);
  const month = seeded.spans.filter((x) => x.startsWith('M')).at(-1);
  const t0 = performance.now();
  if (month) await seedingStore(o.db).rebuildSpan(month);
  const monthBuildSeconds = month ? (performance.now() - t0) / 1000 : null;
  o.progress?.(`seeded ${days} days and ${seeded.spans.length} spans in ${seeded.seedSeconds.toFixed(1)} s; ${month ? `${month} rebuilt from its days in ${monthBuildSeconds!.toFixed(1)} s` : 'no whole month'}`);
  // OVERSIGHT asks whole weeks: the Monday on or after the first day to the last Sunday.
  const first = new Date(`${seeded.from}T00:00:00Z`);
  const monday = utcDay(new Date(first.getTime() + ((8 - (first.getUTCDay() || 7)) % 7) * 86_400_000));
  const last = new Date(`${seeded.to}T00:00:00Z`);
  const sunday = utcDay(new Date(last.getTime() - ((last.getUTCDay() || 7) % 7) * 86_400_000));
  const period = { from: seeded.from, to: seeded.to };
  const kinds: Record<string, { token: string; variables: Record<string, unknown> }> = {
    'received by channel, whole span': { token: o.supervisorToken, variables: { period, groupBy: ['CHANNEL'] } },
    'received by week (trend)': { token: o.supervisorToken, variables: { period, interval: 'WEEK' } },
    'borough x category, whole span': { token: o.supervisorToken, variables: { period, groupBy: ['BOROUGH', 'CATEGORY'] } },
    'claimed desk x priority + durations': { token: o.supervisorToken, variables: { period, measure: 'CLAIMED', groupBy: ['DESK', 'PRIORITY'] } },
    'oversight: received by borough, weekly': { token: o.oversightToken, variables: { period: { from: monday, to: sunday }, groupBy: ['BOROUGH'] } },
  };
  const rounds = o.rounds ?? 20;
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const errors: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, k] of Object.entries(kinds)) {
      const t0 = performance.now();
      const res = await gql(o.url, QUERY, k.variables, k.token);
      // A query that fails (past REQUEST_TIMEOUT_MS, say) is counted, not fatal: the figures are reported, never asserted.
      if (res.errors?.length) {
        errors[name] = (errors[name] ?? 0) + 1;
        o.progress?.(`${name}: failed after ${Math.round(performance.now() - t0)} ms (${res.errors[0]!.message})`);
        continue;
      }
      times[name]!.push(performance.now() - t0);
      o.progress?.(`${name}: ${Math.round(performance.now() - t0)} ms`);
    }
  }
  return {
    days,
    reports,
    dayDocBytes: seeded.dayDocBytes,
    seedSeconds: seeded.seedSeconds,
    spans: seeded.spans.length,
    monthBuildSeconds,
    errors,
    all: latency(Object.values(times).flat()),
    kinds: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, latency(v)])),
    first: Object.fromEntries(Object.entries(times).filter(([, v]) => v.length).map(([k, v]) => [k, Math.round(v[0]! * 10) / 10])),
  };
}

/** The phase's lines for the bench's table. */
export function statisticsLines(s: StatisticsBenchResult): string[] {
  const line = (name: string, l: Latency) => `  ${name.padEnd(40)} p50 ${String(l.p50).padStart(7)} ms  p99 ${String(l.p99).padStart(7)} ms  (n=${l.n})`;
  return [
    `statistics: ${s.days} days of figures (slices by measure and dimension set) for ${s.reports.toLocaleString('en-GB')} reports (1,000,000 in two years) (${Math.round(s.dayDocBytes / 1024)} KB a day in all) and ${s.spans} built weeks and months, seeded in ${s.seedSeconds.toFixed(1)} s; queries over the whole span over HTTP`,
    `  a month built from its days' slices: ${s.monthBuildSeconds === null ? 'no whole month seeded' : `${s.monthBuildSeconds.toFixed(1)} s`}`,
    line('all queries', s.all),
    ...Object.entries(s.kinds).map(([k, l]) => line(k, l) + (s.first?.[k] !== undefined ? `  first ${s.first[k]} ms` : '') + (s.errors[k] ? `  ${s.errors[k]} failed` : '')),
  ];
}

/** Alone: its own FerretDB, Redis and API process (no worker: nothing rolls up, the days are seeded). */
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-statistics-'));
  const services = await startServices({ dataDir: dir });
  let api: Awaited<ReturnType<typeof startProcess>> | undefined;
  const client = new MongoClient(services.mongoUri);
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_statistics', QUEUE_PREFIX: 'benchstats',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port),
    };
    await createUser(env, 'bench.supervisor', 'SUPERVISOR', null);
    await createUser(env, 'bench.oversight', 'OVERSIGHT', null);
    api = await startProcess('api', { env, port });
    const url = `http://127.0.0.1:${port}/graphql`;
    await client.connect();
    // STATISTICS_BENCH_DAYS / _ROUNDS: a shorter span or fewer rounds (the day documents read grow with the span).
    const days = Number(process.env.STATISTICS_BENCH_DAYS ?? 730);
    const rounds = Number(process.env.STATISTICS_BENCH_ROUNDS ?? 20);
    const result = await runStatisticsBench({
      url, db: client.db(env.MONGODB_DB), days, rounds, progress: (line) => process.stderr.write(`${line}\n`),
      supervisorToken: await signIn(url, 'bench.supervisor'), oversightToken: await signIn(url, 'bench.oversight'),
    });
    for (const l of statisticsLines(result)) process.stdout.write(`${l}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await client.close().catch(() => {});
    await api?.stop().catch(() => {});
    await services.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, main);
