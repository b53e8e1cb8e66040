/**
 * Fault injection with real processes. Own FerretDB and Redis (append-only,
 * so kill -9 keeps queued jobs), two API processes and two workers. A bounded
 * load of hotline calls and partner referrals, each retried with the same
 * idempotency key as a real client would, runs while Redis, the database, a
 * busy worker and one API are killed with SIGKILL at spaced moments. Then:
 * every acknowledged report is stored exactly once, triaged exactly once, its
 * history verifies, and the audit chain verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type Services } from '../../scripts/stack/services.js';
import { clusterEnv, createCluster, type Cluster } from '../support/chaos-cluster.js';
import { endpointPool, runLoad, type Job } from '../support/chaos-client.js';
import { seedPrincipals, type SeededPartner, type SeededStaff } from '../support/chaos-seed.js';
import { verifyRun, waitForQuiescence } from '../support/chaos-verify.js';
import { distinctName, hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';

const N = Number(process.env.CHAOS_SUBMISSIONS ?? 150);
/** Submissions are spread over this long (~2 a second): within what FerretDB on two cores sustains (see docs/reliability.md). */
const LOAD_MS = Number(process.env.CHAOS_LOAD_MS ?? 70_000);
/** Which faults to inject (all by default); e.g. CHAOS_FAULTS=db,worker to investigate one. */
const FAULTS = new Set((process.env.CHAOS_FAULTS ?? 'redis,db,worker,api').split(','));
const VERBOSE = Boolean(process.env.CHAOS_VERBOSE);
/**
 * Long enough for the worst case as it was designed until 2026-12-07: a partner's audit event held back past its
 * minute was claimed for 180 s, and when the worker holding that claim was the one killed (27 s in), the recovery
 * could chain the event only once the claim had expired, about 210 s in (CI's run of 2026-12-07 21:33 stopped waiting
 * at 215 s with two such events still unchained). Such a claim is now taken 10 s before the hold ends and lasts 60 s
 * (src/audit/chainer.ts HELD_CLAIM_LEAD_MS); the wait is kept, since it ends as soon as the run is quiescent.
 */
const QUIESCENCE_MS = 210_000;
/** The test's own time limit (vitest.chaos.config.ts): the quiescence wait ends early enough for the figures to be printed. */
const TEST_LIMIT_MS = 300_000;
const REPORT_MARGIN_MS = 25_000;

let dir: string;
let services: Services;
let cluster: Cluster;
let handlers: SeededStaff[];
let partners: SeededPartner[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-faults-'));
  services = await startServices({ dataDir: dir, appendOnly: true });
  const env = clusterEnv(services.mongoUri, services.redisUrl, {
    OUTBOX_SWEEP_MS: process.env.CHAOS_SWEEP_MS ?? '500',
    OUTBOX_STALE_MS: '300',
    ...(process.env.CHAOS_MAX_CONCURRENT ? { MAX_CONCURRENT_REQUESTS: process.env.CHAOS_MAX_CONCURRENT } : {}),
  });
  const seeded = await seedPrincipals(env, { staff: [{ role: 'CALL_HANDLER', count: 3 }], partners: 2 });
  handlers = seeded.staff.CALL_HANDLER!;
  partners = seeded.partners;
  cluster = createCluster(env, dir);
  await Promise.all([cluster.startApi('api-a'), cluster.startApi('api-b'), cluster.startWorker('worker-1'), cluster.startWorker('worker-2')]);
});

afterAll(async () => {
  await cluster?.stop();
  await services?.stop();
  if (dir && !process.env.KEEP_CHAOS_DIR) rmSync(dir, { recursive: true, force: true });
  else if (dir) console.log(`chaos data and logs kept in ${dir}`);
});

/**
 * A subject per submission, shared by every tenth with the one before it:
 * some reports link (so triage also updates older reports), most do not.
 * (The stock payloads cycle through seven names, so every report would link
 * to a seventh of all others: a cost that grows with the data, not a fault.)
 */
const subjectsFor = (i: number) => [{ name: distinctName(i % 10 === 9 ? i - 1 : i), approximateAge: '30s', description: 'Tall, short dark hair' }];

/** Half hotline calls from three handlers, half referrals from two partners, interleaved. */
function jobs(n: number): Job[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 0) {
      const h = handlers[i % handlers.length]!;
      const input = hotlineCall(i, { imminentThreat: i % 10 === 0, subjects: subjectsFor(i) });
      return { kind: 'call', query: RECORD_CALL, variables: { input }, token: h.token, scopedKey: `${h.id}:${input.idempotencyKey}` };
    }
    const p = partners[i % partners.length]!;
    const input = partnerReferral(i, { subjects: subjectsFor(i) });
    return { kind: 'referral', query: SUBMIT_REFERRAL, variables: { input }, token: p.apiKey, scopedKey: `${p.id}:${input.idempotencyKey}` };
  });
}

/**
 * When each submission starts: evenly paced over `spanMs`, except a burst of
 * 20 at `burstAtMs` (when a worker is killed, so that it is certainly busy).
 */
function schedule(n: number, spanMs: number, burstAtMs: number) {
  const burst = Math.min(20, Math.floor(n / 8));
  const even = n - burst;
  const offsets = Array.from({ length: even }, (_, i) => Math.round((i * spanMs) / even));
  for (let k = 0; k < burst; k++) offsets.push(burstAtMs + k * 10);
  return offsets.sort((a, b) => a - b);
}

describe('fault injection with real processes', () => {
  it('loses and duplicates nothing while Redis, the database, a worker and an API are killed', async () => {
    const t0 = Date.now();
    const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
    const since = () => ((Date.now() - t0) / 1000).toFixed(1);
    const events: string[] = [];
    const note = (s: string) => {
      events.push(`t=${since()}s ${s}`);
      if (VERBOSE) console.log(events.at(-1));
    };
    const REDIS_KILL_AT = 6_000;
    const DB_KILL_AT = 16_000;
    const WORKER_KILL_AT = 26_000;
    const API_KILL_AT = 36_000;

    /** Kills `kill`, waits `downMs`, restarts; notes how long the restart took. */
    const outage = async (name: string, kill: () => Promise<void>, downMs: number, restart: () => Promise<unknown>) => {
      await kill();
      note(`${name} killed (SIGKILL)`);
      await sleep(downMs);
      const started = Date.now();
      await restart();
      note(`${name} restarted (start took ${Date.now() - started} ms)`);
    };

    /** Waits (bounded) until more than 8 triage jobs are active: with TRIAGE_CONCURRENCY's default of 8 per worker, both workers are busy. */
    const busyWorkers = async () => {
      const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      await redis.connect();
      const activeKey = `${cluster.env.QUEUE_PREFIX}:triage:active`;
      let active = 0;
      for (const deadline = Date.now() + 8_000; Date.now() < deadline; await sleep(2)) {
        active = await redis.llen(activeKey);
        if (active > 8) break;
      }
      redis.disconnect();
      return active;
    };

    const faults = (async () => {
      await at(REDIS_KILL_AT);
      if (FAULTS.has('redis')) await outage('redis', () => services.redis.kill('SIGKILL'), 3_000, () => services.redis.start());
      await at(DB_KILL_AT);
      if (FAULTS.has('db')) await outage('ferretdb', () => services.mongo.kill('SIGKILL'), 3_000, () => services.mongo.start());
      await at(WORKER_KILL_AT);
      if (FAULTS.has('worker')) {
        const active = await busyWorkers();
        await cluster.workers().find((w) => w.name === 'worker-1')!.kill('SIGKILL');
        note(`worker-1 killed (SIGKILL) with ${active} triage jobs active across workers`);
        const started = Date.now();
        await cluster.startWorker('worker-3');
        note(`worker-3 started (took ${Date.now() - started} ms)`);
      }
      await at(API_KILL_AT);
      if (FAULTS.has('api')) {
        await cluster.apis().find((a) => a.name === 'api-a')!.kill('SIGKILL');
        note('api-a killed (SIGKILL); clients fail over to api-b');
      }
    })();

    const all = jobs(N);
    const pool = endpointPool(cluster.apis().map((a) => a.url!));
    let finished = 0;
    const monitor = VERBOSE ? setInterval(() => console.log(`t=${since()}s ${finished}/${N} submissions finished`), 3_000) : undefined;
    const load = await runLoad(pool, all, schedule(N, LOAD_MS, WORKER_KILL_AT), { deadlineMs: 90_000, perRequestTimeoutMs: 20_000, maxAttempts: 60 }, () => finished++).finally(() =>
      clearInterval(monitor),
    );
    note(`load finished: ${load.acknowledged}/${load.submitted} acknowledged`);
    await faults;

    const acknowledged = load.outcomes.filter((o) => o.acknowledged).map((o) => o.job.scopedKey);
    const allKeys = all.map((j) => j.scopedKey);
    const client = new MongoClient(services.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.connect();
      const db = client.db(cluster.env.MONGODB_DB);
      // Bounded by what is left of the test's limit, so that a slow run still prints what it saw rather than only "timed out".
      const quiet = await waitForQuiescence(db, allKeys, Math.min(QUIESCENCE_MS, t0 + TEST_LIMIT_MS - REPORT_MARGIN_MS - Date.now()), cluster.env.HOTLINE_AUDIT_KEY!);
      note(`quiescence ${quiet.settled ? 'reached' : 'NOT reached'} after ${quiet.ms} ms`);
      const v = await verifyRun(db, allKeys, acknowledged, cluster.env.HOTLINE_AUDIT_KEY!);

      const survivors = cluster.nodes.filter((n) => n.alive).map((n) => n.name);
      const apiB = cluster.apis().find((a) => a.name === 'api-b')!;
      const healthy = (await fetch(`${apiB.root}/healthz`)).status === 200;
      const internal = cluster.grep(/"msg":"unexpected error"/);

      console.log(
        [
          '── fault injection ──',
          ...events,
          `submitted:    ${load.submitted} (${all.filter((j) => j.kind === 'call').length} hotline calls, ${all.filter((j) => j.kind === 'referral').length} partner referrals)`,
          `acknowledged: ${load.acknowledged}`,
          `retried:      ${load.retried} submissions needed more than one attempt (${load.attempts} attempts in all; gave up: ${load.gaveUp})`,
          `failures:     ${JSON.stringify(load.failuresByKind)}`,
          `slowest ack:  ${load.maxAckMs} ms; load ran ${load.durationMs} ms`,
          `stored:       ${v.stored}`,
          `triaged:      ${v.triaged} (exactly once: one 'triaged' history entry and one report.triage audit entry each)`,
          `duplicates:   ${v.duplicates}`,
          `lost:         ${v.lost}`,
          `statuses:     ${JSON.stringify(v.statuses)}`,
          `triage latency: p50 ${v.triageLatencyMs.p50} ms, max ${v.triageLatencyMs.max} ms`,
          `histories:    ${v.stored - v.brokenHistories.length}/${v.stored} verify`,
          `audit chain:  ${v.audit.valid ? 'valid' : `BROKEN at ${v.audit.brokenAt} (${v.audit.reason})`}, ${v.audit.length} entries`,
          `report.create audit entries not exactly one: ${v.createAuditMismatches.length}${v.createAuditMismatches.length ? ` ${JSON.stringify(v.createAuditMismatches.slice(0, 5))}` : ''}`,
          `not triaged exactly once: ${v.notTriagedOnce.length}${v.notTriagedOnce.length ? ` ${JSON.stringify(v.notTriagedOnce.slice(0, 5))}` : ''}`,
          `internal errors logged: ${internal.length}`,
          `processes alive: ${survivors.join(', ')}`,
        ].join('\n'),
      );

      expect(v.duplicates).toBe(0);
      expect(v.lost).toBe(0);
      expect(load.gaveUp).toBe(0);
      expect(v.stored).toBe(load.submitted);
      expect(v.notTriagedOnce).toEqual([]);
      expect(v.triaged).toBe(v.stored);
      expect(v.brokenHistories).toEqual([]);
      expect(v.audit.valid).toBe(true);
      expect(healthy).toBe(true);
      // Nothing but the processes killed on purpose died.
      expect(cluster.nodes.filter((n) => !n.alive).map((n) => n.name).sort()).toEqual([
        ...(FAULTS.has('api') ? ['api-a'] : []),
        ...(FAULTS.has('worker') ? ['worker-1'] : []),
      ].sort());
    } finally {
      await client.close();
    }
  });
});
