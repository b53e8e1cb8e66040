/**
 * `npm run bench [-- --quick] [-- --profile] [-- --trace]`
 *
 * 1. the crypto micro-benchmark (first, on a quiet machine);
 * 2. the console in Chromium, on the still empty store: first load (cold
 *    cache) and record-a-call through the form (console.ts); then passing on
 *    a tip through the partner face as a signed-in caseworker (partner.ts);
 * 3. intake: recordHotlineCall over HTTP at 1, 16 and 64 connections, each
 *    followed by its baseline (plain insertOne + bull add, same documents,
 *    same write concern, same concurrency) and triage latency (worker in its
 *    own process);
 * 4. linking's cost: 16 connections with no value shared by any two calls,
 *    then a hot term (every call names the same postcode), their triage
 *    drain rates next to the mixed 16-connection phase's;
 *    then triage latency at a steady 100 intakes/s;
 * 5. an imminent-threat call recorded while hundreds of ordinary calls wait
 *    for triage (backlog.ts);
 * 6. the desk queue and claims with 10k then 100k reports (2k/10k in quick);
 * 7. `statistics` over two years of day figures and their built weeks and
 *    months seeded at 1,000,000 reports in two years (91 days at that rate
 *    in quick; statistics.ts; also runnable alone);
 * 8. the link chart: a cluster of linked reports recorded and triaged among
 *    ordinary calls, then `reportNeighbourhood` at depth 1 and 2, and the
 *    entity pages of one of its reports (chart.ts; also runnable alone).
 *
 * Every intake phase also counts the store round trips per report: each
 * child counts the MongoDB commands it sends (store-counts.ts), read at the
 * phase's start and end (round-trips.ts); printed in full for one connection
 * and the paced phase, as totals for the others.
 *
 * Starts its own FerretDB and Redis (the tests' launcher, throwaway
 * directory, free ports, 127.0.0.1 only) and the service as deployed: API
 * and worker as separate child processes. Prints a table, then the JSON
 * summary as the last line, also written to bench-results/latest.json.
 * Exits non-zero when a phase fails or the store disagrees with the answers
 * (a lost acknowledged report, errors in responses, reports left untriaged);
 * timings are reported, never asserted. `--profile` also writes V8 CPU
 * profiles of the API and the worker to bench-results/profiles/ and
 * summarises them (profiling slows both: do not quote those figures).
 * `--trace` preloads trace-store.ts into the API and the worker: the store
 * time of each command shape over the whole run, then for each phase from
 * the console on (its wall-clock span noted here; the baselines too) each
 * process's shapes by time waited in it, from per-second figures
 * (phase-trace.ts); and for the claims, the slowest 5 % against the median
 * ones with the commands of both processes that overlapped each claim's own
 * window. Printed, and in the JSON summary as `traces`, `phaseTraces` and
 * `claimTraces`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { PROJECT_ROOT } from '../../src/config.js';
import { createQueueFactory, type QueueFactory } from '../../src/queue/factory.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import { createIntegrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { TRIAGE_QUEUE } from '../../src/triage/queue.js';
import { FERRETDB_VERSION } from '../stack/binaries.mjs';
import { freePort, startServices, type Services } from '../stack/services.js';
import { runBacklog, type BacklogResult } from './backlog.js';
import { runConsoleBench, type ConsoleBenchResult } from './console.js';
import { measurePartnerFace, partnerLine, type PartnerBenchResult } from './partner.js';
import { runCryptoBench, type CryptoBenchResult } from './crypto.js';
import { attachmentLine, runAttachmentBench } from './attachments.js';
import { probePushdown, runDeskQueue, type DeskResult, type PushdownProbe } from './desk.js';
import { runSearch, searchCommandsLine, type SearchResult } from './search.js';
import { runStatisticsBench, statisticsLines, type StatisticsBenchResult } from './statistics.js';
import { chartLines, runChartBench, type ChartBenchResult } from './chart.js';
import { runBaseline, runIntake, runPaced, type BaselineResult, type IntakeResult } from './intake.js';
import { LINK_EVERY } from './payloads.js';
import { BUCKET_MS, compareSlowest, phaseShapes, type Phase, type PhaseShape, type SlowestComparison, type TimedWindow } from './phase-trace.js';
import { readProfile, summariseProfile, type ProfileSummary } from './profile.js';
import { countRoundTrips, roundTripLines, type RoundTrips } from './round-trips.js';
import type { TraceFile } from './trace-store.js';
import { BENCH_PASSWORD, createUser, findPid, signIn, sleep, startProcess, withCpu, type Child, type CpuShares } from './support.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const trace = args.includes('--trace');

/** Every phase is bounded in time; quick must stay under two minutes in all. */
const PLAN = quick
  ? { seconds: 5, concurrency: [1, 16, 64], settleTimeoutMs: 20_000, drainTimeoutMs: 5_000, pacedRate: 100, pacedSeconds: 5, pacedMaxInFlight: 128, backlogCalls: 300, backlogTimeoutMs: 40_000, scales: [2_000, 10_000], queueReads: 100, claims: 20, loopBudgetMs: 2_500, consoleRuns: 5 }
  : { seconds: 10, concurrency: [1, 16, 64], settleTimeoutMs: 120_000, drainTimeoutMs: 30_000, pacedRate: 100, pacedSeconds: 15, pacedMaxInFlight: 128, backlogCalls: 1_000, backlogTimeoutMs: 180_000, scales: [10_000, 100_000], queueReads: 300, claims: 100, loopBudgetMs: 20_000, consoleRuns: 20 };

const RESULTS_DIR = join(PROJECT_ROOT, 'bench-results');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
const TRACE_DIR = join(RESULTS_DIR, 'traces');
const DB_NAME = 'hotline_bench';
const QUEUE_PREFIX = 'bench';
const BASELINE_DB_NAME = 'hotline_bench_baseline';

/** Each intake phase carries its store round trips per report (round-trips.ts). */
type IntakeRow = IntakeResult & { reportsBefore: number; cores: CpuShares; baseline: BaselineResult & { cores: CpuShares }; ratio: number; roundTrips: RoundTrips };
type PacedRow = IntakeResult & { rate: number; late: number; reportsBefore: number; cores: CpuShares; roundTrips: RoundTrips };
type DeskRow = DeskResult & { cores: CpuShares };
type BacklogRow = BacklogResult & { reportsBefore: number; cores: CpuShares };

interface Summary {
  when: string;
  mode: 'quick' | 'full';
  command: string;
  machine: Record<string, string | number>;
  plan: typeof PLAN & { linkEvery: number };
  intake: IntakeRow[];
  /** 16 connections, every call naming one postcode: linking's cost must not grow with a term's frequency. */
  hotTerm: IntakeResult & { reportsBefore: number; cores: CpuShares; roundTrips: RoundTrips };
  /** The linking baseline: 16 connections, no value shared by any two calls. */
  unshared: IntakeResult & { reportsBefore: number; cores: CpuShares; roundTrips: RoundTrips };
  triageAt100: PacedRow;
  /** An imminent-threat call recorded as triage resumes with hundreds of ordinary calls queued. */
  imminentUnderBacklog: BacklogRow;
  desk: DeskRow[];
  /** searchReports after each desk scale (search.ts). */
  search: (SearchResult & { cores: CpuShares })[];
  /** `statistics` over two years of seeded day documents (statistics.ts). */
  statistics: StatisticsBenchResult & { cores: CpuShares };
  /** `reportNeighbourhood` at depth 1 and 2 over a seeded cluster (chart.ts). */
  chart: ChartBenchResult & { cores: CpuShares };
  pushdown: PushdownProbe[];
  crypto: Pick<CryptoBenchResult, 'libsodium' | 'report' | 'reportDecrypt' | 'throughput'>;
  /** The attachments line (scripts/bench/attachments.ts). */
  attachments: string;
  /** The console in Chromium; `error` when it could not be measured (also listed in problems). */
  console: ConsoleBenchResult | { error: string };
  /** Passing on a tip through the partner face in Chromium (partner.ts); `error` when it could not be measured. */
  partnerFace: PartnerBenchResult | { error: string };
  profiles?: Record<string, ProfileSummary>;
  traces?: Record<string, TraceRow[]>;
  /** With `--trace`: each phase's wall-clock span and each process's store shapes by time waited in it (phase-trace.ts). */
  phaseTraces?: PhaseTrace[];
  /** With `--trace`: the slowest claims of each desk scale against the median ones, and the store commands that overlapped them. */
  claimTraces?: ClaimTrace[];
  problems: string[];
  seconds: number;
}

const children: Child[] = [];
let services: Services | undefined;
let cleaning: Promise<void> | undefined;

/** Stops the service's processes, then FerretDB and Redis; safe to call twice. */
function cleanup(dir: string): Promise<void> {
  cleaning ??= (async () => {
    for (const c of children.splice(0).reverse()) await c.stop().catch(() => {});
    await services?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

async function main(): Promise<number> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-'));
  const stopOnSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    void cleanup(dir).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  // Last resort if the bench dies some other way: no child outlives it.
  process.once('exit', () => children.forEach((c) => c.process.kill('SIGKILL')));

  log(`bench (${quick ? 'quick' : 'full'}${profile ? ', profiling' : ''}): crypto micro-benchmark`);
  const crypto = await runCryptoBench({ quick });
  log('attachments: strip and seal a 10 MB photo, secretstream throughput');
  const attachments = attachmentLine(await runAttachmentBench({ quick }));

  let client: MongoClient | undefined;
  let benchQueues: QueueFactory | undefined;
  try {
    log('starting FerretDB and Redis');
    services = await startServices({ dataDir: dir, appendOnly: true });
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      MONGODB_URI: services.mongoUri,
      REDIS_URL: services.redisUrl,
      MONGODB_DB: DB_NAME,
      QUEUE_PREFIX: QUEUE_PREFIX,
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'),
      HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'),
      // Sign-in is not what the bench measures: its staff have no second factor (tests/integration/mfa.test.ts covers it).
      MFA_REQUIRED_ROLES: 'none',
      // As in production: one JSON line per request, drained by the bench.
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    const profileDir = profile ? PROFILE_DIR : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const profilesBefore = new Set(profileDir ? readdirSync(profileDir) : []);

    log('starting the API and the worker (separate processes)');
    const traceFile = (kind: string) => (trace ? join(TRACE_DIR, `${kind}.json`) : undefined);
    if (trace) mkdirSync(TRACE_DIR, { recursive: true });
    const api = await startProcess('api', { env, port, profileDir, traceFile: traceFile('api') });
    children.push(api);
    const worker = await startProcess('worker', { env, profileDir, traceFile: traceFile('worker') });
    children.push(worker);
    const url = `http://127.0.0.1:${port}/graphql`;
    const handlerId = await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    await createUser(env, 'bench.investigator', 'INVESTIGATOR', 'SO12');
    // The console's call handler is a user of its own: the intake phase counts only bench.handler's reports.
    await createUser(env, 'bench.console', 'CALL_HANDLER', null);
    const handlerToken = await signIn(url, 'bench.handler');
    const investigatorToken = await signIn(url, 'bench.investigator');
    const pids = {
      ferretdb: findPid(`--listen-addr=127.0.0.1:${services.mongo.port}`),
      redis: findPid(`--port ${services.redis.port}`),
      api: api.process.pid,
      worker: worker.process.pid,
    };

    client = await new MongoClient(services.mongoUri, { writeConcern: { w: 'majority', journal: true } }).connect();
    const db = client.db(DB_NAME);
    const baselineDb = client.db(BASELINE_DB_NAME);
    await createReportRepository(baselineDb, createIntegrity(await loadSodium(), randomBytes(32))).ensureIndexes();
    benchQueues = createQueueFactory({ url: services.redisUrl }, QUEUE_PREFIX);
    await benchQueues.ready(10_000);
    // The service's triage queue, seen from the bench: its counts say when the worker has caught up,
    // and a global pause keeps the worker's backlog out of the baseline and desk measurements.
    const triageQueue = benchQueues.create(TRIAGE_QUEUE);
    const baselineQueue = benchQueues.create<{ reportId: string }>('baseline', { removeOnComplete: true });
    const machine = await describeMachine(client, benchQueues);
    /** Each phase's span by wall clock: with `--trace`, the store time of each process in it (phase-trace.ts). */
    const phases: Phase[] = [];
    const inPhase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      const startMs = Date.now();
      try {
        return await run();
      } finally {
        phases.push({ name, startMs, endMs: Date.now() });
      }
    };
    /** With `--trace`: a log of both processes' commands while the claims run, set against each claim's window. */
    const claimTraces: ClaimTrace[] = [];
    const claimsTraced = (reports: number) => ({
      before: async () => {
        await Promise.all([api.traceLog('start'), worker.traceLog('start')]);
      },
      after: async (windows: TimedWindow[]) => {
        const [apiLog, workerLog] = await Promise.all([api.traceLog('stop'), worker.traceLog('stop')]);
        if (windows.length) phases.push({ name: `claims ${reports}`, startMs: windows[0]!.startMs, endMs: windows.at(-1)!.endMs });
        const logs = { ...(apiLog ? { api: apiLog.log } : {}), ...(workerLog ? { worker: workerLog.log } : {}) };
        claimTraces.push({ reports, comparison: compareSlowest(windows, logs, SLOWEST_CLAIMS), dropped: (apiLog?.dropped ?? 0) + (workerLog?.dropped ?? 0), unanswered: [apiLog ? [] : ['api'], workerLog ? [] : ['worker']].flat() });
      },
    });
    const paused = async <T>(run: () => Promise<T>): Promise<T> => {
      await triageQueue.pause();
      try {
        return await run();
      } finally {
        await triageQueue.resume();
      }
    };

    // First, on a store still empty and an idle service: what a person at the console waits for.
    log(`console in Chromium: ${PLAN.consoleRuns} first loads (fresh context each), then ${PLAN.consoleRuns} calls recorded through the form`);
    const consoleResult = await inPhase('console', () => runConsoleBench({ origin: `http://127.0.0.1:${port}`, username: 'bench.console', password: BENCH_PASSWORD, runs: PLAN.consoleRuns }).catch(
      (err: Error) => ({ error: err.message.split('\n')[0]! }),
    ));
    log(`partner face in Chromium: ${PLAN.consoleRuns} tips passed on through the form by a signed-in caseworker`);
    const partnerFace = await inPhase('partner face', () => measurePartnerFace(env, PLAN.consoleRuns).catch((err: Error) => ({ error: err.message.split('\n')[0]! })));
    /** Waits (bounded) until the worker has caught up, so the next phase measures only its own reports. */
    const catchUp = async () => {
      const drainBy = Date.now() + PLAN.drainTimeoutMs;
      while (Date.now() < drainBy) {
        const c = await triageQueue.getJobCounts();
        if (c.waiting + c.active + c.delayed === 0) break;
        await sleep(100);
      }
    };
    // Its reports are triaged before the intake phase measures triage latency.
    await catchUp();
    /** Runs an intake phase between two readings of the children's store commands. */
    const queuedNow = async () => {
      const c = await triageQueue.getJobCounts();
      return c.waiting + c.active + c.delayed + ((c as { paused?: number }).paused ?? 0);
    };
    const counted = <T extends IntakeResult>(run: () => Promise<T>) => countRoundTrips({ api, worker }, queuedNow, run);

    const target = { url, token: handlerToken, db, handlerId, triageQueue, api, settleTimeoutMs: PLAN.settleTimeoutMs, drainTimeoutMs: PLAN.drainTimeoutMs };
    let reportsInStore = ('recorded' in consoleResult ? consoleResult.recorded : 0) + ('passedOn' in partnerFace ? partnerFace.passedOn : 0);
    const intake: IntakeRow[] = [];
    for (const connections of PLAN.concurrency) {
      log(`intake: ${connections} connection(s) for ${PLAN.seconds} s, then up to ${PLAN.drainTimeoutMs / 1000} s for triage`);
      const r = await inPhase(`intake ${connections} conn`, () => withCpu(pids, () => counted(() => runIntake({ ...target, connections, seconds: PLAN.seconds }))));
      log(`baseline: ${connections} loop(s) for ${PLAN.seconds} s (triage paused)`);
      const b = await inPhase(`baseline ${connections}`, () => paused(() => withCpu(pids, () => runBaseline({ db: baselineDb, queue: baselineQueue, concurrency: connections, seconds: PLAN.seconds }))));
      intake.push({ ...r.result, reportsBefore: reportsInStore, cores: r.cores, baseline: { ...b.result, cores: b.cores }, ratio: Math.round((r.result.rps / b.result.rps) * 1000) / 1000 });
      reportsInStore += r.result.triage.reports;
    }
    log(`linking baseline: 16 connections for ${PLAN.seconds} s, no value shared by any two calls, then up to ${PLAN.drainTimeoutMs / 1000} s for triage`);
    await catchUp();
    const flat = await inPhase('16 none shared', () => withCpu(pids, () => counted(() => runIntake({ ...target, connections: 16, seconds: PLAN.seconds, distinct: true }))));
    const unshared = { ...flat.result, reportsBefore: reportsInStore, cores: flat.cores };
    reportsInStore += flat.result.triage.reports;
    log(`hot term: 16 connections for ${PLAN.seconds} s, every call naming one postcode, then up to ${PLAN.drainTimeoutMs / 1000} s for triage`);
    await catchUp();
    const hot = await inPhase('16 hot postcode', () => withCpu(pids, () => counted(() => runIntake({ ...target, connections: 16, seconds: PLAN.seconds, postcode: 'N1C 4QP' }))));
    const hotTerm = { ...hot.result, reportsBefore: reportsInStore, cores: hot.cores };
    reportsInStore += hot.result.triage.reports;
    log(`triage at a steady ${PLAN.pacedRate} intakes/s for ${PLAN.pacedSeconds} s, then up to ${PLAN.drainTimeoutMs / 1000} s for triage`);
    const paced = await inPhase(`${PLAN.pacedRate}/s paced`, () => withCpu(pids, () => counted(() => runPaced({ ...target, rate: PLAN.pacedRate, seconds: PLAN.pacedSeconds, maxInFlight: PLAN.pacedMaxInFlight }))));
    const triageAt100: PacedRow = { ...paced.result, reportsBefore: reportsInStore, cores: paced.cores };
    reportsInStore += paced.result.triage.reports;

    log(`imminent-threat call under a backlog: triage paused for ${PLAN.backlogCalls} ordinary calls, resumed, then one imminent-threat call (up to ${PLAN.backlogTimeoutMs / 1000} s to drain)`);
    await catchUp();
    const backlog = await inPhase('backlog', () => withCpu(pids, () => runBacklog({ url, token: handlerToken, db, handlerId, triageQueue, calls: PLAN.backlogCalls, connections: 16, drainTimeoutMs: PLAN.backlogTimeoutMs })));
    const imminentUnderBacklog: BacklogRow = { ...backlog.result, reportsBefore: reportsInStore, cores: backlog.cores };
    reportsInStore += backlog.result.reports;

    const pushdown = await probePushdown(db);
    const desk: DeskRow[] = [];
    const search: Summary['search'] = [];
    let seeded = 0;
    let findableSeeded = 0;
    for (const total of PLAN.scales) {
      log(`desk queue: seeding up to ${total} reports, then up to ${PLAN.queueReads} reads and ${PLAN.claims} claims (each loop at most ${PLAN.loopBudgetMs / 1000} s; triage paused)`);
      const d = await inPhase(`desk ${total}`, () =>
        paused(() =>
          withCpu(pids, () =>
            runDeskQueue({ url, token: investigatorToken, db, reportsBefore: reportsInStore, seededBefore: seeded, total, queueReads: PLAN.queueReads, claims: PLAN.claims, loopBudgetMs: PLAN.loopBudgetMs, auditKey: Buffer.from(env.HOTLINE_AUDIT_KEY!, 'base64'), handler: { token: handlerToken, id: handlerId }, ...(trace ? { claimsTraced: claimsTraced(total) } : {}) }),
          ),
        ),
      );
      desk.push({ ...d.result, cores: d.cores });
      reportsInStore = d.result.reports;
      seeded = d.result.seeded;
      const findable = Math.floor(total / 50);
      log(`search: ${findable} findable reports with real content, then up to ${quick ? 50 : 200} searchReports by subject name (at most ${PLAN.loopBudgetMs / 1000} s; triage paused)`);
      const f = await inPhase(`search ${total}`, () => paused(() => withCpu(pids, () => runSearch({ url, token: investigatorToken, db, env, reportsBefore: reportsInStore, findableBefore: findableSeeded, findable, searches: quick ? 50 : 200, loopBudgetMs: PLAN.loopBudgetMs, api }))));
      search.push({ ...f.result, cores: f.cores });
      reportsInStore = f.result.reports;
      findableSeeded = f.result.findable;
    }

    log(`statistics: ${quick ? '91 days' : 'two years'} of figures at 1,000,000 reports in two years, then supervisors' and oversight queries over HTTP`);
    await createUser(env, 'bench.supervisor', 'SUPERVISOR', null);
    await createUser(env, 'bench.oversight', 'OVERSIGHT', null);
    const stats = await inPhase('statistics', () =>
      withCpu(pids, async () =>
        runStatisticsBench({ url, db, supervisorToken: await signIn(url, 'bench.supervisor'), oversightToken: await signIn(url, 'bench.oversight'), rounds: quick ? 5 : 20, days: quick ? 91 : 730 }),
      ),
    );
    const statistics = { ...stats.result, cores: stats.cores };

    log(`link chart: a cluster of linked reports among ${quick ? 200 : 1_000} ordinary calls, recorded and triaged, then reportNeighbourhood at depth 1 and 2 and entity pages`);
    const charted = await inPhase('chart', () =>
      withCpu(pids, async () =>
        runChartBench({ url, db, api, worker, pids, handlerToken, viewerToken: await signIn(url, 'bench.supervisor'), filler: quick ? 200 : 1_000, rounds: quick ? 3 : 10 }),
      ),
    );
    const chart = { ...charted.result, cores: charted.cores };

    await benchQueues.close();
    benchQueues = undefined;
    await client.close();
    client = undefined;
    log('stopping');
    await cleanup(dir);

    const summary: Summary = {
      when: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
      machine,
      plan: { ...PLAN, linkEvery: LINK_EVERY },
      intake,
      hotTerm,
      unshared,
      triageAt100,
      imminentUnderBacklog,
      desk,
      search,
      statistics,
      chart,
      pushdown,
      crypto: { libsodium: crypto.libsodium, report: crypto.report, reportDecrypt: crypto.reportDecrypt, throughput: crypto.throughput },
      attachments,
      console: consoleResult,
      partnerFace,
      problems: [...problemsOf(intake, triageAt100, desk), ...hotTermProblems(hotTerm), ...hotTermProblems(unshared).map((p) => p.replace('hot term', 'none shared')), ...backlogProblems(imminentUnderBacklog), ...('error' in consoleResult ? [`console: ${consoleResult.error}`] : []), ...('error' in partnerFace ? [`partner face: ${partnerFace.error}`] : [])],
      seconds: Math.round((Date.now() - started) / 1000),
    };
    if (profileDir) summary.profiles = summariseNewProfiles(profileDir, profilesBefore);
    if (trace) {
      const files = { api: readTrace('api'), worker: readTrace('worker') };
      summary.traces = printTraces(files);
      summary.phaseTraces = printPhaseTraces(files, phases);
      summary.claimTraces = printClaimTraces(claimTraces);
    }
    printTables(summary);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const p of summary.problems) console.error(`bench problem: ${p}`);
    console.log(JSON.stringify(summary));
    return summary.problems.length ? 1 : 0;
  } catch (err) {
    for (const c of children) process.stderr.write(`--- last output of ${c.name} ---\n${c.output().slice(-4_000)}\n`);
    throw err;
  } finally {
    await benchQueues?.close().catch(() => {});
    await client?.close().catch(() => {});
    await cleanup(dir);
  }
}

function log(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function describeMachine(client: MongoClient, queues: QueueFactory): Promise<Record<string, string | number>> {
  const build = await client.db('admin').command({ buildInfo: 1 });
  const redisInfo = await queues.redis.info('server');
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    store: `FerretDB ${build.ferretdbVersion ?? FERRETDB_VERSION} (SQLite backend), wire version ${build.version}`,
    redis: `Redis ${/redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?'}`,
  };
}

/** What makes the run a failure: wrong answers, never slow ones (a backlog left untriaged is reported, not failed). */
function problemsOf(intake: IntakeRow[], paced: PacedRow, desk: DeskRow[]): string[] {
  const problems: string[] = [];
  for (const r of [...intake, paced]) {
    const label = r.concurrency ? `intake at ${r.concurrency} connection(s)` : `intake at ${paced.rate}/s`;
    const e = r.errors;
    if (e.lost) problems.push(`${label}: ${e.lost} acknowledged report(s) missing from the store`);
    if (e.unexplained) problems.push(`${label}: ${e.unexplained} stored report(s) never acknowledged`);
    if (e.non2xx || e.graphql || e.transport) problems.push(`${label}: ${e.non2xx} non-2xx, ${e.graphql} GraphQL errors, ${e.transport} transport errors`);
    if (!r.ok) problems.push(`${label}: no request succeeded`);
  }
  for (const r of intake) if (r.baseline.errors) problems.push(`baseline at ${r.baseline.concurrency}: ${r.baseline.errors} errors`);
  for (const d of desk) if (d.claimNextReportHttp.empty) problems.push(`desk at ${d.reports}: ${d.claimNextReportHttp.empty} claim(s) found the queue empty`);
  return problems;
}

/** The hot-term phase fails on wrong answers like any intake phase. */
function hotTermProblems(r: IntakeResult): string[] {
  const e = r.errors;
  const problems: string[] = [];
  if (e.lost) problems.push(`hot term: ${e.lost} acknowledged report(s) missing from the store`);
  if (e.unexplained) problems.push(`hot term: ${e.unexplained} stored report(s) never acknowledged`);
  if (e.non2xx || e.graphql || e.transport) problems.push(`hot term: ${e.non2xx} non-2xx, ${e.graphql} GraphQL errors, ${e.transport} transport errors`);
  if (!r.ok) problems.push('hot term: no request succeeded');
  return problems;
}

function backlogProblems(b: BacklogRow): string[] {
  const problems: string[] = [];
  if (b.lost) problems.push(`backlog: ${b.lost} acknowledged report(s) missing from the store`);
  if (b.errors) problems.push(`backlog: ${b.errors} request(s) failed`);
  return problems;
}

function summariseNewProfiles(dir: string, before: Set<string>): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f))) {
    const s = summariseProfile(readProfile(join(dir, file)), 15);
    out[file] = s;
    console.log(`\nCPU profile ${join('bench-results/profiles', file)}: ${(s.totalMs / 1000).toFixed(1)} s sampled`);
    console.table(s.byPackage.slice(0, 10));
    console.table(s.oursInclusive.slice(0, 10));
  }
  return out;
}

interface TraceRow {
  shape: string;
  count: number;
  totalMs: number;
  maxMs: number;
}

interface PhaseTrace extends Phase {
  /** The phase widened to whole buckets, as its figures cover it. */
  seconds: number;
  /** Each process's shapes by store time waited in the phase, the most first. */
  api: PhaseShape[];
  worker: PhaseShape[];
}

interface ClaimTrace {
  reports: number;
  comparison: SlowestComparison | null;
  /** Commands left out of the logs once full (trace-store.ts). */
  dropped: number;
  /** Processes that did not answer with a log. */
  unanswered: string[];
}

/** The slowest 5 % of the claims (at least one) are set against as many around the median. */
const SLOWEST_CLAIMS = 0.05;
/** Shapes printed per process and phase (the JSON summary keeps twice as many). */
const PHASE_TOP = 5;

/** A process's trace file (trace-store.ts); a file of the earlier form (only the totals) has no buckets. */
function readTrace(kind: string): TraceFile | null {
  try {
    const parsed = JSON.parse(readFileSync(join(TRACE_DIR, `${kind}.json`), 'utf8')) as TraceFile | TraceRow[];
    return Array.isArray(parsed) ? { shapes: parsed, bucketMs: BUCKET_MS, buckets: [] } : parsed;
  } catch {
    return null;
  }
}

/** The store commands each process spent most time waiting on over the whole run (written by trace-store.ts at its exit). */
function printTraces(files: Record<string, TraceFile | null>): Record<string, TraceRow[]> {
  const out: Record<string, TraceRow[]> = {};
  for (const [kind, file] of Object.entries(files)) {
    if (!file) continue;
    const rows = file.shapes;
    out[kind] = rows.slice(0, 15);
    console.log(`\nStore commands of the ${kind}, by total time waited (bench-results/traces/${kind}.json)`);
    for (const r of rows.slice(0, 15)) console.log(`${String(r.count).padStart(7)} × ${num(r.totalMs / r.count, 8)} ms avg ${num(r.maxMs, 8, 0)} max  ${r.shape}`);
  }
  return out;
}

/** For each phase in run order, the shapes each process waited on most during it. */
function printPhaseTraces(files: Record<'api' | 'worker', TraceFile | null>, phases: readonly Phase[]): PhaseTrace[] {
  const bucketMs = files.api?.bucketMs ?? files.worker?.bucketMs ?? BUCKET_MS;
  const widened = (p: Phase) => (Math.ceil(p.endMs / bucketMs) - Math.floor(p.startMs / bucketMs)) * (bucketMs / 1000);
  const out = [...phases]
    .sort((a, b) => a.startMs - b.startMs)
    .map((p) => ({
      ...p,
      seconds: widened(p),
      api: files.api ? phaseShapes(files.api.buckets, p, bucketMs).slice(0, PHASE_TOP * 2) : [],
      worker: files.worker ? phaseShapes(files.worker.buckets, p, bucketMs).slice(0, PHASE_TOP * 2) : [],
    }));
  const lines = [
    '',
    `Store time by phase (--trace): each process's top ${PHASE_TOP} command shapes by time waited in the phase (s; a command spanning a phase boundary split across it),`,
    `and how many of them started in it (n); per ${bucketMs / 1000} s of wall clock, so a phase's figures cover it widened to whole seconds (the claims: a sub-phase of its desk phase)`,
  ];
  for (const p of out) {
    lines.push(`${p.name} (${new Date(p.startMs).toISOString().slice(11, 19)}, ${num((p.endMs - p.startMs) / 1000, 1, 1)} s; traced ${p.seconds} s)`);
    for (const kind of ['api', 'worker'] as const) {
      const rows = p[kind].slice(0, PHASE_TOP);
      if (!rows.length) lines.push(`  ${kind.padEnd(6)}      -`);
      rows.forEach((r, i) => lines.push(`  ${(i ? '' : kind).padEnd(6)} ${num(r.ms / 1000, 7, 2)} s ${String(r.count).padStart(7)} ×  ${r.shape}`));
    }
  }
  console.log(lines.join('\n'));
  return out;
}

/** The slowest claims of each desk scale against the median ones: what each process's store did during their windows. */
function printClaimTraces(traces: readonly ClaimTrace[]): ClaimTrace[] {
  const lines = ['', `Slowest claims (--trace): the slowest ${SLOWEST_CLAIMS * 100} % of claimNextReport (at least one) against as many around the median, with the store commands`, 'of each process that started during those claims (n per claim) and the store time overlapping them (ms per claim, commands already running included)'];
  for (const t of traces) {
    const c = t.comparison;
    const notes = [t.dropped ? `${t.dropped} command(s) left out of full logs` : '', t.unanswered.length ? `no log from ${t.unanswered.join(', ')}` : ''].filter(Boolean).join('; ');
    if (!c) {
      lines.push(`claims at ${t.reports} reports: fewer than two claims, nothing to compare${notes ? ` (${notes})` : ''}`);
      continue;
    }
    lines.push(`claims at ${t.reports} reports: slowest ${c.slowest.claims} of ${c.claims} (mean ${num(c.slowest.meanMs, 1, 1)} ms) vs ${c.median.claims} around the median (mean ${num(c.median.meanMs, 1, 1)} ms)${notes ? `; ${notes}` : ''}`);
    for (const kind of Object.keys(c.slowest.byProcess)) {
      const slow = c.slowest.byProcess[kind]!;
      const median = c.median.byProcess[kind]!;
      lines.push(`  ${kind.padEnd(6)} slowest: ${num(slow.commandsPerClaim, 1, 1)} commands, ${num(slow.msPerClaim, 1, 1)} ms of store time a claim | median: ${num(median.commandsPerClaim, 1, 1)} commands, ${num(median.msPerClaim, 1, 1)} ms`);
      const shapes = [...new Set([...slow.shapes.slice(0, 8), ...median.shapes.slice(0, 3)].map((s) => s.shape))];
      for (const shape of shapes) {
        const a = slow.shapes.find((s) => s.shape === shape);
        const b = median.shapes.find((s) => s.shape === shape);
        lines.push(`         n ${num(a?.startedPerClaim ?? 0, 5, 1)} ${num(a?.msPerClaim ?? 0, 8, 1)} ms | n ${num(b?.startedPerClaim ?? 0, 5, 1)} ${num(b?.msPerClaim ?? 0, 8, 1)} ms  ${shape}`);
      }
    }
  }
  console.log(lines.join('\n'));
  return [...traces];
}

const num = (x: number, w = 7, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-').padStart(w);
const ms = (l: { p50: number; p99: number; n: number }, w = 8) => `${num(l.p50, w)} ${num(l.p99, w)} ${String(l.n).padStart(4)}`;
const triageMs = (l: { p50: number; p99: number; atLeast: boolean }) => `${num(l.p50 / 1000, 7, 2)} ${(l.atLeast ? '≥' : ' ') + num(l.p99 / 1000, 6, 2)}`;
const cores = (c: CpuShares) => ['ferretdb', 'api', 'worker', 'redis', 'bench'].map((k) => num(c[k] ?? NaN, 5, 2)).join(' ');

function printTables(s: Summary) {
  const out: string[] = [];
  out.push('', `Hotline bench (${s.mode}): ${s.machine.cores} cores (${s.machine.cpu}), ${s.machine.memoryGiB} GiB, node ${s.machine.node}, ${s.machine.store}, ${s.machine.redis}`);

  out.push('', 'Intake: recordHotlineCall over HTTP (autocannon) vs baseline (insertOne w:majority,j:true + bull add; no HTTP, GraphQL, crypto, audit). Latency in ms.');
  out.push('conn  reports |  intake/s    p50    p95    p99  errors | base/s    p50    p99 | ratio | CPU cores: ferretdb  api worker redis bench');
  for (const r of s.intake) {
    const b = r.baseline;
    out.push(
      `${String(r.concurrency).padStart(4)} ${String(r.reportsBefore).padStart(8)} | ${num(r.rps, 9)} ${num(r.latency.p50, 6)} ${num(r.latency.p95, 6)} ${num(r.latency.p99, 6)} ${String(r.errors.total).padStart(7)} |` +
        ` ${num(b.rps, 6)} ${num(b.latency.p50, 6)} ${num(b.latency.p99, 6)} | ${num(r.ratio, 5, 2)} |            ${cores(r.cores)}`,
    );
  }
  out.push('                                                                         baseline (triage paused):');
  for (const r of s.intake) out.push(`${String(r.concurrency).padStart(4)}${' '.repeat(85)}${cores(r.baseline.cores)}`);

  const p = s.triageAt100;
  out.push('', 'Triage latency, acknowledged intake → TRIAGED, in s (≥: some reports were still untriaged when the bench stopped waiting)');
  out.push('phase           reports untriaged |   p50     p99 | routed/s | queue empty after load (s)');
  const triageRow = (label: string, r: IntakeResult) =>
    `${label.padEnd(15)} ${String(r.triage.reports).padStart(7)} ${String(r.triage.untriaged).padStart(9)} | ${triageMs(r.triage.fromAck)} | ${num(r.triage.routedPerSecond, 8)} | ${r.triage.drained ? num(r.triage.drainSeconds, 6) : `not within ${s.plan.drainTimeoutMs / 1000}`}`;
  for (const r of s.intake) out.push(triageRow(`${r.concurrency} conn`, r));
  out.push(triageRow(`${p.rate}/s paced`, p));
  const mixed = s.intake.find((r) => r.concurrency === 16);
  out.push(triageRow('16 none shared', s.unshared));
  out.push(triageRow('16 hot postcode', s.hotTerm));
  // Linking's cost: the same load with no shared value, one call in LINK_EVERY sharing a vehicle, and every call sharing one postcode
  // (filed every time, the LINK_SHARED_THRESHOLD most recent compared: link-terms.ts).
  out.push(`  linking: routed/s none shared ${num(s.unshared.triage.routedPerSecond, 5, 1)} | mixed 16 conn ${mixed ? num(mixed.triage.routedPerSecond, 5, 1) : '-'} | hot postcode ${num(s.hotTerm.triage.routedPerSecond, 5, 1)} (ratio to none shared ${num(s.hotTerm.triage.routedPerSecond / s.unshared.triage.routedPerSecond, 4, 2)})`);
  if (mixed) {
    const ratio = s.hotTerm.triage.routedPerSecond / mixed.triage.routedPerSecond;
    out.push(`  hot term: routed/s ${num(s.hotTerm.triage.routedPerSecond, 5, 1)} vs mixed 16 conn ${num(mixed.triage.routedPerSecond, 5, 1)} (ratio ${num(ratio, 4, 2)}; target ≥ 0.90), intake ${s.hotTerm.rps}/s; CPU cores ${cores(s.hotTerm.cores)}`);
  }
  const b = s.imminentUnderBacklog;
  out.push(
    `imminent threat  backlog ${String(b.calls).padStart(5)} (queue held ${b.queued}) | acknowledged → TRIAGED ${b.imminent.toTriagedMs === null ? `not within ${s.plan.backlogTimeoutMs / 1000} s` : `${num(b.imminent.toTriagedMs / 1000, 5, 2)} s`}, ` +
      `${b.imminent.routedAhead ?? '-'} report(s) routed ahead of it | backlog drained ${b.drained ? `in ${num(b.drainSeconds, 4)} s` : `not within ${s.plan.backlogTimeoutMs / 1000} s`} after resume (the wait in a FIFO queue)` +
      `${b.untriaged ? `, ${b.untriaged} untriaged` : ''}; CPU cores ${cores(b.cores)}`,
  );
  out.push(
    `  paced run: ${p.ok} intakes in ${p.seconds} s (${p.rps}/s, ${p.late} sent late), intake p50 ${p.latency.p50} ms p99 ${p.latency.p99} ms, ${p.reportsBefore} reports before; CPU cores ${cores(p.cores)}`,
  );
  out.push(
    ...roundTripLines([
      ...s.intake.map((r) => ({ label: `${r.concurrency} conn`, roundTrips: r.roundTrips, detailed: r.concurrency === 1 })),
      { label: '16 none shared', roundTrips: s.unshared.roundTrips, detailed: false },
      { label: '16 hot postcode', roundTrips: s.hotTerm.roundTrips, detailed: false },
      { label: `${p.rate}/s paced`, roundTrips: p.roundTrips, detailed: true },
    ]),
  );

  out.push('', 'Desk queue as an SO12 investigator, sequential; ms (p50 p99 n)');
  out.push('reports  SO12 queued | deskQueue HTTP        | repo deskQueue        | claimNextReport HTTP  | repo claimCandidates  | repo findById         | seed s | CPU cores: ferretdb  api worker redis bench');
  for (const d of s.desk) {
    out.push(
      `${String(d.reports).padStart(7)} ${String(d.so12Queued).padStart(12)} | ${ms(d.deskQueueHttp)} | ${ms(d.deskQueueRepository)} | ${ms(d.claimNextReportHttp)} | ${ms(d.claimCandidatesRepository)} | ${ms(d.findByIdRepository)} | ${num(d.seedSeconds, 6)} |            ${cores(d.cores)}`,
    );
  }

  out.push('', 'Lists people wait on, from their own tables (myReports and mySubmissions over HTTP, the supervisor queue through the repository); ms (p50 p99 n), and the scan of reports each replaced, timed once');
  out.push('reports | myReports HTTP        | mySubmissions HTTP    | repo supervisorQueue  | scans replaced: myReports mySubmissions supervisorQueue');
  for (const d of s.desk) {
    const l = d.lists;
    out.push(`${String(d.reports).padStart(7)} | ${ms(l.myReportsHttp)} | ${l.mySubmissionsHttp ? ms(l.mySubmissionsHttp) : '-'.padStart(21)} | ${ms(l.supervisorQueueRepository)} | ${num(l.scanMs.myReports, 24)} ${num(l.scanMs.mySubmissions ?? 0, 14)} ${num(l.scanMs.supervisorQueue, 15)}`);
  }

  out.push('', 'searchReports by subject name (exact + phonetic, every candidate confirmed by decryption and audited) as an SO12 investigator over HTTP, sequential; ms (p50 p99 n)');
  out.push('reports findable | searchReports HTTP    | hits/search | seed s | CPU cores: ferretdb  api worker redis bench');
  for (const f of s.search) {
    out.push(`${String(f.reports).padStart(7)} ${String(f.findable).padStart(8)} | ${ms(f.searchHttp)} | ${num(f.hitsPerSearch, 11, 1)} | ${num(f.seedSeconds, 6)} |            ${cores(f.cores)}`);
    out.push(searchCommandsLine(f));
  }

  out.push('', 'Store pushdown (explain): false = the store reads and decodes every document of the collection for this query');
  for (const q of s.pushdown) out.push(`  filter ${String(q.filterPushdown).padEnd(5)} sort ${String(q.sortPushdown).padEnd(5)}  ${q.source}`);

  const w = s.console;
  out.push('', 'Console in Chromium, ms (p50 p95 n): first load = fresh context, `/` until "Sign in" is visible; record a call = "Record the call" until the ATH- reference is visible');
  if ('error' in w) out.push(`  not measured: ${w.error}`);
  else {
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    out.push(
      `  first load ${num(w.firstLoad.p50)} ${num(w.firstLoad.p95)} ${String(w.firstLoad.n).padStart(3)} (DOMContentLoaded ${num(w.firstLoadDomContentLoaded.p50, 1)} ${num(w.firstLoadDomContentLoaded.p95, 1)}) | record a call ${num(w.recordCall.p50)} ${num(w.recordCall.p95)} ${String(w.recordCall.n).padStart(3)} | ` +
        (w.size ? `first visit loads ${kb(w.size.jsGzipBytes)} JS + ${kb(w.size.cssGzipBytes)} CSS gzipped (target JS < 250 KB)` : 'no size.json in the build') +
        ` | Chromium ${w.chromium}`,
    );
    out.push(`  partner portal: ${w.partnerSize ? `first visit loads ${kb(w.partnerSize.jsGzipBytes)} JS + ${kb(w.partnerSize.cssGzipBytes)} CSS gzipped (its own bundle; target JS < 150 KB)` : 'no size.json in dist/partner'}`);
  }
  out.push(`  ${'error' in s.partnerFace ? `partner face: not measured: ${s.partnerFace.error}` : partnerLine(s.partnerFace)}`);


  out.push('', ...statisticsLines(s.statistics), `  CPU cores: ${cores(s.statistics.cores)}`);
  out.push('', ...chartLines(s.chart), `  CPU cores: ${cores(s.chart.cores)}`);

  const c = s.crypto;
  out.push(
    '',
    `Crypto (libsodium ${c.libsodium}): encrypt + index a typical report ${c.report.usPerOp} µs (${c.report.fields} fields, ${c.report.storedBytes} B, ${c.report.terms} terms); decrypt ${c.reportDecrypt.usPerOp} µs`,
    `  ${c.throughput.map((t) => `${t.bytes / 1024} KiB field: ours ${t.oursMBps} MB/s, bare AEAD ${t.bareMBps} MB/s (${t.overhead}x)`).join('; ')}`,
    s.attachments,
    '',
    `${s.seconds} s in all${s.problems.length ? `; ${s.problems.length} problem(s), see above` : ''}`,
    '',
  );
  console.log(out.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
