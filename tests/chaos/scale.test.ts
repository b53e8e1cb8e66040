/**
 * Horizontal scale: two API processes and two workers on one database and
 * one Redis. Concurrent intake through both APIs, then many investigators
 * claiming from their desk queues at once through both APIs: no report is
 * claimed twice, each claimed report is held by exactly the investigator
 * who was told they got it, and the audit chain is unbroken afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { verifyHistory } from '../../src/reports/model/history.js';
import { clusterEnv, createCluster, type Cluster } from '../support/chaos-cluster.js';
import { endpointPool, postGraphQL, runLoad, type Job } from '../support/chaos-client.js';
import { seedPrincipals, type SeededPartner, type SeededStaff } from '../support/chaos-seed.js';
import { verifyRun, waitForQuiescence } from '../support/chaos-verify.js';
import { testIntegrity } from '../support/integrity.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';

const REPORTS = Number(process.env.SCALE_REPORTS ?? 60);
const PER_DESK = 4;
const CLAIM_NEXT = `mutation($desk: Desk!) { claimNextReport(desk: $desk) { id assignee status desk } }`;

let dir: string;
let cluster: Cluster;
let mongo: MongoClient;
let handlers: SeededStaff[];
let partners: SeededPartner[];
let investigators: SeededStaff[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-scale-'));
  const env = clusterEnv(inject('mongoUri'), inject('redisUrl'), { OUTBOX_SWEEP_MS: '500', OUTBOX_STALE_MS: '300' });
  const seeded = await seedPrincipals(env, {
    staff: [
      { role: 'CALL_HANDLER', count: 2 },
      { role: 'INVESTIGATOR', desk: 'SO12', count: PER_DESK },
      { role: 'INVESTIGATOR', desk: 'SO13', count: PER_DESK },
    ],
    partners: 1,
  });
  handlers = seeded.staff.CALL_HANDLER!;
  partners = seeded.partners;
  investigators = [...seeded.staff['INVESTIGATOR:SO12']!, ...seeded.staff['INVESTIGATOR:SO13']!];
  cluster = createCluster(env, dir);
  await Promise.all([cluster.startApi('api-a'), cluster.startApi('api-b'), cluster.startWorker('worker-1'), cluster.startWorker('worker-2')]);
  mongo = new MongoClient(env.MONGODB_URI!, { serverSelectionTimeoutMS: 10_000 });
  await mongo.connect();
});

afterAll(async () => {
  await cluster?.stop();
  await mongo?.db(cluster?.env.MONGODB_DB).dropDatabase().catch(() => {});
  await mongo?.close();
  if (dir && !process.env.KEEP_CHAOS_DIR) rmSync(dir, { recursive: true, force: true });
});

const RUN = Math.random().toString(36).slice(2, 8);
/** Distinct subjects: the claims race on many reports, not on a few linked ones. */
const subjects = (i: number) => [{ name: `Scale ${RUN}-${i}`, approximateAge: '40s' }];

function intakeJobs(n: number): Job[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 !== 2) {
      const h = handlers[i % handlers.length]!;
      // Every fourth call describes an imminent threat, so both desks get work.
      const input = hotlineCall(i, { subjects: subjects(i), imminentThreat: i % 4 === 0 });
      return { kind: 'call', query: RECORD_CALL, variables: { input }, token: h.token, scopedKey: `${h.id}:${input.idempotencyKey}` };
    }
    const p = partners[0]!;
    const input = partnerReferral(i, { subjects: subjects(i) });
    return { kind: 'referral', query: SUBMIT_REFERRAL, variables: { input }, token: p.apiKey, scopedKey: `${p.id}:${input.idempotencyKey}` };
  });
}

describe('two APIs and two workers on one database and one Redis', () => {
  it('takes concurrent intake through both APIs and never hands a report to two investigators', async () => {
    const db = mongo.db(cluster.env.MONGODB_DB);
    const urls = cluster.apis().map((a) => a.url!);
    const jobs = intakeJobs(REPORTS);

    // 1. Concurrent intake: every submission at once, round-robin over both APIs.
    const intake = await runLoad(endpointPool(urls), jobs, jobs.map(() => 0), { deadlineMs: 60_000, perRequestTimeoutMs: 30_000, maxAttempts: 20 });
    const keys = jobs.map((j) => j.scopedKey);
    const quiet = await waitForQuiescence(db, keys, 90_000, cluster.env.HOTLINE_AUDIT_KEY!);
    const v = await verifyRun(db, keys, keys, cluster.env.HOTLINE_AUDIT_KEY!);

    // 2. Every investigator claims through both APIs at once until their desk's queue is empty.
    const claims: { investigator: SeededStaff; id: string; assignee: string; api: string }[] = [];
    const retries: Record<string, number> = {};
    const started = Date.now();
    await Promise.all(
      investigators.map(async (inv, k) => {
        for (let n = 0; n < REPORTS + 20 && Date.now() - started < 90_000; n++) {
          const url = urls[(k + n) % urls.length]!;
          const r = await postGraphQL(url, CLAIM_NEXT, { desk: inv.desk }, inv.token, 30_000);
          if (!r.ok) {
            // 'The queue is busy; try again' (CONFLICT) and the like: a real client retries.
            retries[r.failure!] = (retries[r.failure!] ?? 0) + 1;
            await new Promise((res) => setTimeout(res, 50 + Math.random() * 200));
            continue;
          }
          const got = r.data.claimNextReport;
          if (!got) return;
          claims.push({ investigator: inv, id: got.id, assignee: got.assignee, api: url });
        }
      }),
    );
    const claimMs = Date.now() - started;

    const ids = claims.map((c) => c.id);
    const distinct = new Set(ids);
    const stored = await db
      .collection<ReportDoc>('reports')
      .find({ _id: { $in: ids } }, { projection: { _id: 1, assignee: 1, status: 1, history: 1 } })
      .toArray();
    const byId = new Map(stored.map((d) => [d._id, d]));
    const wrongHolder = claims.filter((c) => byId.get(c.id)?.assignee !== c.investigator.id || c.assignee !== c.investigator.id);
    const claimEntries = stored.map((d) => d.history.filter((h) => h.action === 'claimed').length);
    const claimAudits = await db
      .collection<{ target: { id: string }; details: { toAssignee?: string } }>('audit')
      .find({ action: 'report.claim', 'target.id': { $in: ids } })
      .toArray();
    const auditsPer = new Map<string, number>();
    for (const a of claimAudits) auditsPer.set(a.target.id, (auditsPer.get(a.target.id) ?? 0) + 1);
    const unclaimed = await db.collection<ReportDoc>('reports').countDocuments({ idempotencyKey: { $in: keys }, status: 'TRIAGED', assignee: null });
    const audit = (await verifyRun(db, keys, keys, cluster.env.HOTLINE_AUDIT_KEY!)).audit;
    const integrity = await testIntegrity(cluster.env.HOTLINE_AUDIT_KEY!);
    const perApi = Object.fromEntries(urls.map((u, i) => [`api-${'ab'[i]}`, claims.filter((c) => c.api === u).length]));
    const perDesk = Object.fromEntries(['SO12', 'SO13'].map((d) => [d, claims.filter((c) => c.investigator.desk === d).length]));

    console.log(
      [
        '── horizontal scale ──',
        `intake: ${intake.acknowledged}/${intake.submitted} acknowledged in ${intake.durationMs} ms (all at once over 2 APIs; ${intake.retried} retried ${JSON.stringify(intake.failuresByKind)}; slowest ${intake.maxAckMs} ms)`,
        `triage: ${v.triaged}/${v.stored} triaged exactly once, quiescent after ${quiet.ms} ms; ${JSON.stringify(v.statuses)}; duplicates ${v.duplicates}, lost ${v.lost}`,
        ...(v.notTriagedOnce.length ? [`not triaged once: ${JSON.stringify(v.notTriagedOnce)}`] : []),
        `claims: ${claims.length} by ${investigators.length} investigators (${PER_DESK} per desk) in ${claimMs} ms; per desk ${JSON.stringify(perDesk)}; per API ${JSON.stringify(perApi)}; retried ${JSON.stringify(retries)}`,
        `distinct claimed: ${distinct.size}; claimed twice: ${ids.length - distinct.size}; wrong holder: ${wrongHolder.length}; left unclaimed: ${unclaimed}`,
        `history: ${stored.filter((d) => verifyHistory(integrity, d.history).valid).length}/${stored.length} verify; report.claim audit entries per claimed report: ${[...new Set([...distinct].map((id) => auditsPer.get(id) ?? 0))].join(',')}`,
        `audit chain: ${audit.valid ? 'valid' : `BROKEN at ${audit.brokenAt} (${audit.reason})`}, ${audit.length} entries`,
      ].join('\n'),
    );

    expect(intake.acknowledged).toBe(REPORTS);
    expect(quiet.settled).toBe(true);
    expect(v.duplicates).toBe(0);
    expect(v.lost).toBe(0);
    expect(v.triaged).toBe(REPORTS);
    expect(ids.length - distinct.size).toBe(0);
    expect(wrongHolder).toEqual([]);
    expect(distinct.size).toBe(REPORTS);
    expect(unclaimed).toBe(0);
    expect(claimEntries.every((n) => n === 1)).toBe(true);
    expect([...distinct].every((id) => auditsPer.get(id) === 1)).toBe(true);
    expect(stored.every((d) => verifyHistory(integrity, d.history).valid)).toBe(true);
    expect(audit.valid).toBe(true);
  });
});
