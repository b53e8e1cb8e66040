/**
 * Claims at a scale this machine affords, to find why `claimNextReport` was slow at 10,000 reports in every full
 * run (FerretDB busy, the processes idle) and fast at 100,000. Records `--calls` real calls (the backlog phase,
 * backlog.ts, triaged by the worker), seeds copies up to `--total` reports as the desk phase does (desk.ts
 * seedReports), then claims `--claims` times as an SO12 investigator over HTTP, one at a time, printing for each
 * claim its time, whether it took a seeded copy or a real report, and the API's store commands for it
 * (store-counts.ts); then reads `myReports` as the investigator (holding what it claimed) and `mySubmissions` as
 * the handler (who recorded every call) `--list-reads` times each, with the same figures. Measured, never asserted.
 *
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/claims.ts [--calls=300] [--total=10000] [--claims=60] [--list-reads=20]`
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createIntegrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { createEnvelopeMac } from '../../src/reports/model/envelope-mac.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { createQueueFactory } from '../../src/queue/factory.js';
import { TRIAGE_QUEUE } from '../../src/triage/queue.js';
import { freePort, startServices } from '../stack/services.js';
import { runBacklog } from './backlog.js';
import { seedReports } from './desk.js';
import type { StoreCounts } from './store-counts.js';
import { createUser, gql, signIn, startProcess, type Child, runIfMain, stopAlone } from './support.js';

const CLAIM_NEXT = 'mutation($desk: Desk!) { claimNextReport(desk: $desk) { id reference status assignee version } }';
const MY_REPORTS = '{ myReports { id reference status } }';
const MY_SUBMISSIONS = '{ mySubmissions { id reference status } }';
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

function diff(before: StoreCounts | null, after: StoreCounts | null): [string, number][] {
  if (!before || !after) return [];
  return Object.entries(after)
    .map(([k, n]) => [k, n - (before[k] ?? 0)] as [string, number])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

async function main() {
  const calls = arg('calls', 300);
  const total = arg('total', 10_000);
  const claims = arg('claims', 60);
  const listReads = arg('list-reads', 20);
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-claims-'));
  const say = (line: string) => process.stderr.write(`bench claims: ${line}\n`);
  const services = await startServices({ dataDir: dir, appendOnly: true });
  const children: Child[] = [];
  let client: MongoClient | undefined;
  const factory = createQueueFactory({ url: services.redisUrl }, 'benchclaims');
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_claims', QUEUE_PREFIX: 'benchclaims',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
    };
    const traceDir = process.argv.includes('--trace') ? mkdtempSync(join(tmpdir(), 'hotline-claims-trace-')) : null;
    const api = await startProcess('api', { env, port, ...(traceDir ? { traceFile: join(traceDir, 'api.json') } : {}) });
    children.push(api);
    const worker = await startProcess('worker', { env, ...(traceDir ? { traceFile: join(traceDir, 'worker.json') } : {}) });
    children.push(worker);
    const url = `http://127.0.0.1:${port}/graphql`;
    const handlerId = await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    await createUser(env, 'bench.investigator', 'INVESTIGATOR', 'SO12');
    const token = await signIn(url, 'bench.handler');
    const investigator = await signIn(url, 'bench.investigator');
    client = await new MongoClient(services.mongoUri).connect();
    const db = client.db(env.MONGODB_DB);
    await factory.ready(10_000);
    const triageQueue = factory.create(TRIAGE_QUEUE);
    say(`${calls} real calls, triaged by the worker`);
    const backlog = await runBacklog({ url, token, db, handlerId, triageQueue, calls, connections: 16, drainTimeoutMs: 600_000 });
    const template = await db.collection<ReportDoc>('reports').findOne({ status: 'TRIAGED', assignee: null, links: { $size: 0 } }, { sort: { recordedAt: 1 } });
    if (!template) throw new Error('no triaged report to copy');
    const envelope = createEnvelopeMac(createIntegrity(await loadSodium(), Buffer.from(env.HOTLINE_AUDIT_KEY!, 'base64')));
    say(`seeding up to ${total} reports`);
    const seedSeconds = await seedReports(db, template, 0, Math.max(0, total - backlog.reports), (d) => envelope.seal(d));
    say(`seeded in ${seedSeconds} s; ${claims} claims`);
    await triageQueue.pause();
    const workerBefore = await worker.storeCounts();
    const rows: { ms: number; seeded: boolean; commands: [string, number][] }[] = [];
    for (let i = 0; i < claims; i++) {
      const before = await api.storeCounts();
      const t = performance.now();
      const r = await gql(url, CLAIM_NEXT, { desk: 'SO12' }, investigator);
      const ms = performance.now() - t;
      const after = await api.storeCounts();
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      const ref = (r.data?.claimNextReport as { reference?: string } | null)?.reference ?? 'none';
      rows.push({ ms, seeded: ref.startsWith('SEED-'), commands: diff(before, after) });
      process.stdout.write(`claim ${i + 1}: ${ms.toFixed(0)} ms ${ref} ${diff(before, after).map(([k, n]) => `${k}×${n}`).join(' ')}\n`);
    }
    process.stdout.write(`the worker's store commands during the claims: ${diff(workerBefore, await worker.storeCounts()).map(([k, n]) => `${k}×${n}`).join(' ') || 'none'}\n`);
    // The lists people wait on, read as their owners: the investigator holds what it just claimed, the handler recorded
    // every call of the backlog. The first read of each settles the rows written since its last read (one lookup each).
    for (const [name, query, who] of [['myReports', MY_REPORTS, investigator], ['mySubmissions', MY_SUBMISSIONS, token]] as const) {
      const times: number[] = [];
      const perRead: number[] = [];
      for (let i = 0; i < listReads; i++) {
        const before = await api.storeCounts();
        const t = performance.now();
        const r = await gql(url, query, {}, who);
        const ms = performance.now() - t;
        const cmds = diff(before, await api.storeCounts());
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const rows = (r.data?.[name] as unknown[] | undefined)?.length ?? 0;
        times.push(ms);
        perRead.push(cmds.reduce((n, [, k]) => n + k, 0));
        process.stdout.write(`${name} ${i + 1}: ${ms.toFixed(0)} ms ${rows} rows ${cmds.map(([k, n]) => `${k}×${n}`).join(' ')}\n`);
      }
      const sorted = [...times].sort((a, b) => a - b);
      const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0);
      process.stdout.write(`${name}: ${listReads} reads, p50 ${pick(0.5)} ms, p99 ${pick(0.99)} ms (first ${times[0]!.toFixed(0)} ms); store commands a read: first ${perRead[0]}, then p50 ${[...perRead.slice(1)].sort((a, b) => a - b)[Math.floor((perRead.length - 1) / 2)] ?? '-'}, max ${Math.max(...perRead.slice(1), 0)}\n`);
    }
    if (traceDir) process.stdout.write(`per-shape store timings (written at exit): ${traceDir}\n`);
    const p50 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0) : '-');
    const seededMs = rows.filter((r) => r.seeded).map((r) => r.ms);
    const realMs = rows.filter((r) => !r.seeded).map((r) => r.ms);
    const p99 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!.toFixed(0) : '-');
    const perClaim = rows.map((r) => r.commands.reduce((n, [, k]) => n + k, 0));
    const scans = rows.map((r) => r.commands.filter(([k]) => k.startsWith('find desk_queue_SO')).reduce((n, [, k]) => n + k, 0));
    process.stdout.write(`claims: p99 ${p99(rows.map((r) => r.ms))} ms; store commands a claim p50 ${p50(perClaim)}, max ${Math.max(...perClaim)}; finds on the queue tables (desk_queue_SO*) a claim p50 ${p50(scans)}, max ${Math.max(...scans)}\n`);
    process.stdout.write(`claims at ${total} reports: p50 ${p50(rows.map((r) => r.ms))} ms; seeded copies ${seededMs.length} (p50 ${p50(seededMs)} ms), real reports ${realMs.length} (p50 ${p50(realMs)} ms)\n`);
  } finally {
    await stopAlone({ children, closing: [client, factory], services, dir });
  }
}

runIfMain(import.meta.url, main);
