/**
 * The `statistics` query at scale: per-day documents for two years of a
 * hotline taking 1,000,000 reports in that time (about 1,370 a day, each
 * received, most triaged, claimed and closed) are seeded straight into
 * `statistics_days` (the roll-up's output: src/reports/store/statistics.ts),
 * then supervisors' and OVERSIGHT's queries over the two years are timed over
 * HTTP. Measured, not asserted.
 *
 * A phase of `npm run bench` (index.ts), and runnable alone, starting its own
 * FerretDB, Redis and API: `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/statistics.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { BOROUGHS, INTAKE_CHANNELS, THREAT_CATEGORIES } from '../../src/reports/model/types.js';
import { CLOSE_OUTCOMES } from '../../src/reports/model/outcomes.js';
import { figuresOf, utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { slicesOf, type SliceDoc } from '../../src/reports/store/statistics.js';
import { freePort, startServices } from '../stack/services.js';
import { createUser, gql, latency, signIn, startProcess, type Latency } from './support.js';

export interface StatisticsBenchResult {
  days: number;
  reports: number;
  /** Mean size of a day document (JSON), bytes. */
  dayDocBytes: number;
  seedSeconds: number;
  /** Queries that failed, by kind (not in the latencies). */
  errors: Record<string, number>;
  /** Every query, and each kind on its own. */
  all: Latency;
  kinds: Record<string, Latency>;
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
 * Seeds `days` day documents, as the roll-up writes them, ending 8 days before today (UTC): inside `npm run bench` a
 * worker is running, and its roll-up (today) and nightly reconciliation (the last 7 days) write the recent days' documents.
 */
export async function seedStatistics(db: Db, days: number, reports: number): Promise<{ dayDocBytes: number; seedSeconds: number; from: string; to: string }> {
  const started = Date.now();
  const templates = Array.from({ length: 7 }, (_, i) => figuresOf(templateDay(i + 1, Math.round(reports / days))));
  const lastDay = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 8 * 86_400_000;
  const docs = Array.from({ length: days }, (_, i) => ({ _id: utcDay(new Date(lastDay - (days - 1 - i) * 86_400_000)), rolledAt: new Date(), ...templates[i % 7]! }));
  // As the roll-up writes them (reports/store/statistics.ts writeDay): a day's slices, then its manifest.
  const slices = db.collection<SliceDoc>('statistics_slices');
  const manifests = db.collection<{ _id: string; rolledAt: Date; events: number; digest: string; slices: string[] }>('statistics_days');
  for (const doc of docs) {
    const cut = slicesOf(doc);
    await slices.insertMany(cut);
    await manifests.insertOne({ _id: doc._id, rolledAt: doc.rolledAt, events: doc.events, digest: '', slices: cut.map((x) => x._id) });
  }
  const dayDocBytes = Math.round(templates.reduce((a, t) => a + JSON.stringify(t).length, 0) / templates.length);
  return { dayDocBytes, seedSeconds: (Date.now() - started) / 1000, from: docs[0]!._id, to: docs.at(-1)!._id };
}

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
    errors,
    all: latency(Object.values(times).flat()),
    kinds: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, latency(v)])),
  };
}

/** The phase's lines for the bench's table. */
export function statisticsLines(s: StatisticsBenchResult): string[] {
  const line = (name: string, l: Latency) => `  ${name.padEnd(40)} p50 ${String(l.p50).padStart(7)} ms  p99 ${String(l.p99).padStart(7)} ms  (n=${l.n})`;
  return [
    `statistics: ${s.days} days of figures (slices by measure and dimension set) for ${s.reports.toLocaleString('en-GB')} reports (1,000,000 in two years) (${Math.round(s.dayDocBytes / 1024)} KB a day in all, seeded in ${s.seedSeconds.toFixed(1)} s), over HTTP`,
    line('all queries', s.all),
    ...Object.entries(s.kinds).map(([k, l]) => line(k, l) + (s.errors[k] ? `  ${s.errors[k]} failed` : '')),
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
