/**
 * The bench's intake phase alone (`npm run bench` runs it among the others):
 * recordHotlineCall over HTTP at the given connections, each followed by its
 * raw baseline (scripts/bench/intake.ts runIntake, runBaseline), with the
 * store commands per acknowledged intake and per triaged report, write
 * commands apart (round-trips.ts). For a quick before/after of a change to
 * the store's write path, at a small scale:
 *
 *   node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/intake-alone.ts [seconds] [connections,...]
 *
 * Starts its own FerretDB and Redis (throwaway directory), the API and the
 * worker as separate processes, as `npm run bench` does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createQueueFactory } from '../../src/queue/factory.js';
import { createIntegrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import { TRIAGE_QUEUE } from '../../src/triage/queue.js';
import { freePort, startServices } from '../stack/services.js';
import { runBaseline, runIntake } from './intake.js';
import { countRoundTrips, roundTripLines } from './round-trips.js';
import { createUser, signIn, sleep, startProcess, type Child } from './support.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = (process.argv[3] ?? '1,16').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'hotline-intake-alone-'));
const services = await startServices({ dataDir: dir, appendOnly: true });
const children: Child[] = [];
try {
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    MONGODB_URI: services.mongoUri,
    REDIS_URL: services.redisUrl,
    MONGODB_DB: 'hotline_bench',
    QUEUE_PREFIX: 'bench',
    HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'),
    HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'),
    HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
    HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'),
    MFA_REQUIRED_ROLES: 'none',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const api = await startProcess('api', { env, port });
  children.push(api);
  const worker = await startProcess('worker', { env });
  children.push(worker);
  const url = `http://127.0.0.1:${port}/graphql`;
  const handlerId = await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
  const token = await signIn(url, 'bench.handler');
  const client = await new MongoClient(services.mongoUri, { writeConcern: { w: 'majority', journal: true } }).connect();
  const db = client.db('hotline_bench');
  const baselineDb = client.db('hotline_bench_baseline');
  await createReportRepository(baselineDb, createIntegrity(await loadSodium(), randomBytes(32))).ensureIndexes();
  const queues = createQueueFactory({ url: services.redisUrl }, 'bench');
  await queues.ready(10_000);
  const triageQueue = queues.create(TRIAGE_QUEUE);
  const baselineQueue = queues.create<{ reportId: string }>('baseline', { removeOnComplete: true });
  const queuedNow = async () => {
    const c = await triageQueue.getJobCounts();
    return c.waiting + c.active + c.delayed + ((c as { paused?: number }).paused ?? 0);
  };
  const catchUp = async () => {
    for (const until = Date.now() + 30_000; Date.now() < until && (await queuedNow()) > 0; ) await sleep(100);
  };
  const target = { url, token, db, handlerId, triageQueue, api, settleTimeoutMs: 60_000, drainTimeoutMs: 30_000 };
  const rows: string[] = [];
  const trips: Parameters<typeof roundTripLines>[0] = [];
  for (const n of connections) {
    await catchUp();
    const r = await countRoundTrips({ api, worker }, queuedNow, () => runIntake({ ...target, connections: n, seconds }));
    await triageQueue.pause();
    const b = await runBaseline({ db: baselineDb, queue: baselineQueue, concurrency: n, seconds }).finally(() => triageQueue.resume());
    rows.push(
      `| ${n} | ${r.rps.toFixed(1)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors.total ?? 0} | ${b.rps.toFixed(0)} | ${(r.rps / b.rps).toFixed(2)} | ` +
        `${r.roundTrips.intake?.perReport ?? '-'} (${r.roundTrips.intake?.writesPerReport ?? '-'}) | ${r.roundTrips.triage?.perReport ?? '-'} (${r.roundTrips.triage?.writesPerReport ?? '-'}) |`,
    );
    trips.push({ label: `intake ${n}`, roundTrips: r.roundTrips, detailed: true });
  }
  console.log(`intake alone, ${seconds} s a phase, at ${new Date().toISOString()}`);
  console.log('| connections | intake/s | p50 | p99 | errors | baseline/s | ratio | store commands per intake (writes) | per triage (writes) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  for (const line of roundTripLines(trips)) console.log(line);
  await queues.close();
  await client.close();
} finally {
  for (const c of children.reverse()) await c.stop().catch(() => {});
  await services.stop();
  rmSync(dir, { recursive: true, force: true });
}
