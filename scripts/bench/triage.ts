/**
 * Triage alone: the backlog phase of `npm run bench` (backlog.ts) on a stack of its own, with the worker's store
 * commands counted (store-counts.ts) over the drain. With triage paused, `--calls` ordinary calls (default 300) are
 * recorded over HTTP at 16 connections, triage resumes, one imminent-threat call follows; the figures are the
 * worker's routed/s over the drain (the backlog routed ÷ resume → queue empty), the imminent call's time to
 * TRIAGED, and the worker's store commands per routed report. Measured, never asserted.
 *
 * Runnable alone, starting its own FerretDB and Redis, an API and a worker as deployed:
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/triage.ts [--calls=300]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createQueueFactory } from '../../src/queue/factory.js';
import { TRIAGE_QUEUE } from '../../src/triage/queue.js';
import { freePort, startServices } from '../stack/services.js';
import { runBacklog } from './backlog.js';
import type { StoreCounts } from './store-counts.js';
import { createUser, findPid, signIn, startProcess, withCpu, type Child, runIfMain, stopAlone } from './support.js';

/** Commands by name between two readings, most frequent first. */
function diff(before: StoreCounts | null, after: StoreCounts | null): { command: string; n: number }[] {
  if (!before || !after) return [];
  return Object.entries(after)
    .map(([command, n]) => ({ command, n: n - (before[command] ?? 0) }))
    .filter((d) => d.n > 0)
    .sort((a, b) => b.n - a.n);
}

async function main() {
  const calls = Number(process.argv.find((a) => a.startsWith('--calls='))?.slice('--calls='.length) ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-triage-'));
  const say = (line: string) => process.stderr.write(`bench triage: ${line}\n`);
  const services = await startServices({ dataDir: dir, appendOnly: true });
  const children: Child[] = [];
  let client: MongoClient | undefined;
  const factory = createQueueFactory({ url: services.redisUrl }, 'benchtriage');
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_triage', QUEUE_PREFIX: 'benchtriage',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
    };
    say('starting the API and the worker');
    const api = await startProcess('api', { env, port });
    children.push(api);
    const worker = await startProcess('worker', { env });
    children.push(worker);
    const url = `http://127.0.0.1:${port}/graphql`;
    const handlerId = await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    const token = await signIn(url, 'bench.handler');
    client = await new MongoClient(services.mongoUri).connect();
    const db = client.db(env.MONGODB_DB);
    await factory.ready(10_000);
    const triageQueue = factory.create(TRIAGE_QUEUE);
    const pids = { ferretdb: findPid(`--listen-addr=127.0.0.1:${services.mongo.port}`), redis: findPid(`--port ${services.redis.port}`), api: api.process.pid, worker: worker.process.pid };
    say(`${calls} ordinary calls with triage paused, then triage resumed and one imminent-threat call`);
    const before = await worker.storeCounts();
    const { result, cores } = await withCpu(pids, () => runBacklog({ url, token, db, handlerId, triageQueue, calls, connections: 16, drainTimeoutMs: 600_000 }));
    const after = await worker.storeCounts();
    const commands = diff(before, after);
    const routed = result.reports - result.untriaged;
    const total = commands.reduce((s, d) => s + d.n, 0);
    const per = (n: number) => (routed ? Math.round((n / routed) * 100) / 100 : NaN);
    const summary = {
      calls: result.calls,
      routed,
      drainSeconds: result.drainSeconds,
      routedPerSecond: Math.round((result.calls / result.drainSeconds) * 10) / 10,
      imminentToTriagedMs: result.imminent.toTriagedMs,
      routedAhead: result.imminent.routedAhead,
      lost: result.lost,
      untriaged: result.untriaged,
      workerCommandsPerRouted: per(total),
      top: commands.slice(0, 12).map((d) => ({ command: d.command, perRouted: per(d.n) })),
      cores,
    };
    process.stdout.write(
      `triage alone: ${summary.calls} calls drained in ${summary.drainSeconds} s = ${summary.routedPerSecond} routed/s; imminent call ${summary.imminentToTriagedMs} ms to TRIAGED (${summary.routedAhead} routed ahead); ` +
        `${summary.workerCommandsPerRouted} worker store commands a routed report (${summary.top.map((t) => `${t.command} ${t.perRouted}`).join(', ')})\n`,
    );
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await stopAlone({ children, closing: [client, factory], services, dir });
  }
}

runIfMain(import.meta.url, main);
