/**
 * Redis failover under Sentinel, with real processes: own FerretDB, a Redis
 * primary (append-only), one replica and three sentinels; one API and two
 * workers configured with REDIS_SENTINELS only (no REDIS_URL). A bounded load
 * of hotline calls runs while the primary is killed with SIGKILL. Then: the
 * sentinels promote the replica, every process reaches it by itself (the API
 * is ready again, a call recorded after the failover is triaged), every
 * acknowledged report is stored once and triaged exactly once (one 'triaged'
 * history entry, one report.triage audit entry), the audit chain verifies,
 * and the time to recover is printed. Last, the old primary comes back and
 * is made a replica of the new master. Intakes Redis did not take meanwhile
 * wait in the triage outbox; jobs the primary took but had not yet passed to
 * the replica (not forced here: on one machine the replica is never behind)
 * would be found again by the reconciliation (docs/reliability.md §6).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type Services } from '../../scripts/stack/services.js';
import { clusterEnv, createCluster, until, type Cluster, type NodeProcess } from '../support/chaos-cluster.js';
import { endpointPool, postGraphQL, runLoad, type Job } from '../support/chaos-client.js';
import { seedPrincipals, type SeededStaff } from '../support/chaos-seed.js';
import { verifyRun, waitForQuiescence } from '../support/chaos-verify.js';
import { distinctName, hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { DOWN_AFTER_MS, startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js';

const N = Number(process.env.CHAOS_SUBMISSIONS ?? 60);
/** Submissions spread over this long (~2.5 a second), the primary killed a third of the way in. */
const LOAD_MS = 24_000;
const KILL_AT_MS = 8_000;
/** Bounds on recovery: the sentinels decide in about DOWN_AFTER_MS plus an election; the clients retry every 2 s at most. */
const RECOVER_WITHIN_MS = 30_000;
const QUIESCENCE_MS = 120_000;
/** A call recorded once the API is ready again is triaged within this (through the new master, while the load goes on). */
const PROBE_TRIAGED_WITHIN_MS = 30_000;

let dir: string;
let services: Services;
let group: SentinelGroup;
let cluster: Cluster;
let api: NodeProcess;
let handlers: SeededStaff[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ready = async (node: NodeProcess) => (await fetch(`${node.root}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null))?.status === 200;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-sentinel-'));
  // The launcher's Redis is the primary; append-only as in production (a restarted node keeps its jobs).
  services = await startServices({ dataDir: dir, appendOnly: true });
  group = await startSentinelGroup(dir, services.redis.port);
  const env = clusterEnv(services.mongoUri, '', {
    REDIS_SENTINELS: group.sentinelsEnv,
    REDIS_SENTINEL_MASTER: group.masterName,
    OUTBOX_SWEEP_MS: '500',
    OUTBOX_STALE_MS: '300',
    // The chaos default is 2 s; CHAOS_RECONCILE_MS=900000 (production's) shows what the outbox covers without it.
    ...(process.env.CHAOS_RECONCILE_MS ? { OUTBOX_RECONCILE_MS: process.env.CHAOS_RECONCILE_MS } : {}),
  });
  const seeded = await seedPrincipals(env, { staff: [{ role: 'CALL_HANDLER', count: 2 }] });
  handlers = seeded.staff.CALL_HANDLER!;
  cluster = createCluster(env, dir);
  [api] = await Promise.all([cluster.startApi('api'), cluster.startWorker('worker-1'), cluster.startWorker('worker-2')]);
});

afterAll(async () => {
  await cluster?.stop();
  await group?.stop();
  await services?.stop();
  if (dir && !process.env.KEEP_CHAOS_DIR) rmSync(dir, { recursive: true, force: true });
  else if (dir) console.log(`chaos data and logs kept in ${dir}`);
});

const RUN = Math.random().toString(36).slice(2, 8);

function jobs(n: number): Job[] {
  return Array.from({ length: n }, (_, i) => {
    const h = handlers[i % handlers.length]!;
    const input = hotlineCall(i, { imminentThreat: i % 10 === 0, subjects: [{ name: distinctName(i), approximateAge: '30s', description: 'Tall, short dark hair' }] });
    return { kind: 'call', query: RECORD_CALL, variables: { input }, token: h.token, scopedKey: `${h.id}:${input.idempotencyKey}` };
  });
}

describe('Redis failover under Sentinel', () => {
  it('promotes the replica; the service carries on and loses or duplicates no report', async () => {
    const primaryPort = services.redis.port;
    expect(await group.masterPort()).toBe(primaryPort);
    expect(await group.role(group.replicaPort)).toBe('slave');

    const all = jobs(N);
    const offsets = all.map((_, i) => Math.round((i * LOAD_MS) / N));
    const pool = endpointPool([api.url!]);
    const t0 = Date.now();
    const loading = runLoad(pool, all, offsets, { deadlineMs: 90_000, perRequestTimeoutMs: 20_000, maxAttempts: 60 });

    await sleep(Math.max(0, t0 + KILL_AT_MS - Date.now()));
    const killedAt = Date.now();
    await services.redis.kill('SIGKILL');
    // Timed from the kill, side by side: the sentinels name the replica master; the API's readiness (its Redis
    // ping) fails, then passes again once its clients reach the new master.
    let sawUnready = false;
    const [promotedMs, readyAfterKillMs] = await Promise.all([
      until(async () => (await group.masterPort()) === group.replicaPort, RECOVER_WITHIN_MS, 'the sentinels to promote the replica', 100),
      until(
        async () => {
          const ok = await ready(api);
          sawUnready ||= !ok;
          return ok && sawUnready;
        },
        RECOVER_WITHIN_MS,
        'the API to be unready, then ready again',
        100,
      ),
    ]);
    expect(await group.role(group.replicaPort)).toBe('master');

    // A new intake after recovery: acknowledged at the first attempt, and triaged (through the new master) within a bound.
    const probeHandler = handlers[0]!;
    const probeInput = hotlineCall(N + 1, { subjects: [{ name: `Probe ${RUN}`, approximateAge: '40s', description: 'Probe' }] });
    const probeSentAt = Date.now();
    const probe = await postGraphQL(api.url!, RECORD_CALL, { input: probeInput }, probeHandler.token, 10_000);
    expect(probe.ok, JSON.stringify(probe.errors ?? probe.failure)).toBe(true);
    const probeId: string = probe.data.recordHotlineCall.id;

    const client = new MongoClient(services.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.connect();
      const db = client.db(cluster.env.MONGODB_DB);
      const probeTriagedMs = await until(
        async () => ((await db.collection<{ _id: string; status: string }>('reports').findOne({ _id: probeId }))?.status ?? 'RECEIVED') !== 'RECEIVED',
        PROBE_TRIAGED_WITHIN_MS,
        'the call recorded after the failover to be triaged',
        100,
      ).then(() => Date.now() - probeSentAt);

      const load = await loading;
      const acknowledged = load.outcomes.filter((o) => o.acknowledged).map((o) => o.job.scopedKey);
      const probeKey = `${probeHandler.id}:${probeInput.idempotencyKey}`;
      const allKeys = [...all.map((j) => j.scopedKey), probeKey];
      const ackedAfterKill = load.outcomes.filter((o) => o.ackAt !== null && o.ackAt > killedAt).length;
      const quiet = await waitForQuiescence(db, allKeys, QUIESCENCE_MS, cluster.env.HOTLINE_AUDIT_KEY!);
      const v = await verifyRun(db, allKeys, [...acknowledged, probeKey], cluster.env.HOTLINE_AUDIT_KEY!);
      // The service's connections are on the promoted replica now (the sentinels' own are named sentinel-*).
      const appClients = (await group.clients(group.replicaPort)).filter((l) => !/ name=sentinel-/.test(l) && !/ cmd=client\|list/.test(l));
      const internal = cluster.grep(/"msg":"unexpected error"/);
      // How the gap was covered: intakes Redis did not take (kept in the outbox), and what the outbox sweep and the reconciliation handed over after the kill.
      const logged = (re: RegExp) => cluster.grep(re).map((l) => JSON.parse(l.slice(l.indexOf(': ') + 2)) as { time: string; enqueued?: number });
      const afterKill = (e: { time: string }) => Date.parse(e.time) >= killedAt;
      const outboxed = logged(/triage queue unavailable; the outbox sweep will enqueue/).filter(afterKill).length;
      const enqueuedBy = (msg: string) => logged(new RegExp(`"msg":"${msg}"`)).filter(afterKill).reduce((n, e) => n + (e.enqueued ?? 0), 0);

      console.log(
        [
          '── Redis failover (Sentinel) ──',
          `reconciliation every ${cluster.env.OUTBOX_RECONCILE_MS} ms; primary :${primaryPort} killed (SIGKILL) ${killedAt - t0} ms into the load; replica :${group.replicaPort}; sentinels ${group.sentinelsEnv}; down-after ${DOWN_AFTER_MS} ms`,
          `time to recover: sentinels named the replica master ${promotedMs} ms after the kill; the API (unready meanwhile) was ready again ${readyAfterKillMs} ms after it`,
          `a call recorded ${probeSentAt - killedAt} ms after the kill was triaged ${probeTriagedMs} ms later, through the new master`,
          `submitted:    ${load.submitted}; acknowledged ${load.acknowledged} (${ackedAfterKill} after the kill); retried ${load.retried}; gave up ${load.gaveUp}; failures ${JSON.stringify(load.failuresByKind)}; slowest ack ${load.maxAckMs} ms`,
          `the gap: ${outboxed} intakes kept in the outbox; after the kill the outbox sweep enqueued ${enqueuedBy('outbox sweep')} and the reconciliation ${enqueuedBy('triage reconciliation')} (with repeats: a job already queued is not added twice)`,
          `quiescence ${quiet.settled ? 'reached' : 'NOT reached'} ${quiet.ms} ms after the load`,
          `stored ${v.stored}; triaged exactly once ${v.triaged}; duplicates ${v.duplicates}; lost ${v.lost}; statuses ${JSON.stringify(v.statuses)}`,
          `triage latency (recorded to triaged), whole run: p50 ${v.triageLatencyMs.p50} ms, max ${v.triageLatencyMs.max} ms`,
          `not triaged exactly once: ${v.notTriagedOnce.length}${v.notTriagedOnce.length ? ` ${JSON.stringify(v.notTriagedOnce.slice(0, 5))}` : ''}`,
          `histories: ${v.stored - v.brokenHistories.length}/${v.stored} verify; audit chain ${v.audit.valid ? 'valid' : `BROKEN at ${v.audit.brokenAt} (${v.audit.reason})`}, ${v.audit.length} entries`,
          `service connections on the new master: ${appClients.length}; internal errors logged: ${internal.length}`,
        ].join('\n'),
      );

      expect(promotedMs).toBeLessThan(RECOVER_WITHIN_MS);
      expect(probeTriagedMs).toBeLessThan(PROBE_TRIAGED_WITHIN_MS);
      expect(readyAfterKillMs).toBeLessThan(RECOVER_WITHIN_MS);
      expect(await group.role(group.replicaPort)).toBe('master');
      expect(load.gaveUp).toBe(0);
      expect(ackedAfterKill).toBeGreaterThan(0);
      expect(quiet.settled).toBe(true);
      expect(v.duplicates).toBe(0);
      expect(v.lost).toBe(0);
      expect(v.stored).toBe(N + 1);
      expect(v.notTriagedOnce).toEqual([]);
      expect(v.triaged).toBe(v.stored);
      expect(v.brokenHistories).toEqual([]);
      expect(v.audit.valid).toBe(true);
      // One API and two workers, each with several connections (bull's, the command client, pub/sub).
      expect(appClients.length).toBeGreaterThanOrEqual(6);
      expect(internal).toEqual([]);
      expect(cluster.nodes.every((n) => n.alive)).toBe(true);

      // The old primary comes back (same port, its append-only file): the sentinels make it a replica of the new
      // master, and the service goes on through the new master (a call recorded then is triaged).
      await services.redis.start();
      const demotedMs = await until(async () => (await group.role(primaryPort)) === 'slave', RECOVER_WITHIN_MS, 'the old primary to be made a replica', 200);
      expect(await group.masterPort()).toBe(group.replicaPort);
      const lateInput = hotlineCall(N + 2, { subjects: [{ name: `Late ${RUN}`, approximateAge: '50s', description: 'Late' }] });
      const late = await postGraphQL(api.url!, RECORD_CALL, { input: lateInput }, probeHandler.token, 10_000);
      expect(late.ok, JSON.stringify(late.errors ?? late.failure)).toBe(true);
      const lateId: string = late.data.recordHotlineCall.id;
      const lateTriagedMs = await until(
        async () => ((await db.collection<{ _id: string; status: string }>('reports').findOne({ _id: lateId }))?.status ?? 'RECEIVED') !== 'RECEIVED',
        PROBE_TRIAGED_WITHIN_MS,
        'a call recorded after the old primary came back to be triaged',
        100,
      );
      console.log(`old primary restarted: a replica of the new master ${demotedMs} ms later; a call recorded then was triaged in ${lateTriagedMs} ms`);
      expect(cluster.grep(/"msg":"unexpected error"/)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
