/**
 * The hot-term phase's question alone (index.ts: a hot postcode against calls sharing nothing), as a drained
 * backlog so the figure is the worker's alone: `--calls` calls sharing no value (default 300) are recorded with
 * triage paused, triage resumes and the queue drains; then as many calls all naming one postcode, the same way.
 * Printed per phase: routed/s over the drain (resume → queue empty), the ratio hot ÷ unshared, and the worker's
 * store commands per routed report (store-counts.ts; `insert link_terms` above two a report are slots lost to a
 * race). Measured, never asserted.
 *
 * Runnable alone, starting its own FerretDB and Redis, an API and a worker as deployed:
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/hot-term.ts [--calls=300] [--trace=<file> [--hot-only]]` (the worker's
 * store commands by shape and their time, written at its exit: trace-store.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Queue from 'bull';
import { MongoClient } from 'mongodb';
import { createQueueFactory } from '../../src/queue/factory.js';
import { TRIAGE_QUEUE } from '../../src/triage/queue.js';
import { RECORD_CALL } from '../../tests/support/payloads.js';
import { freePort, startServices } from '../stack/services.js';
import { nextCall } from './intake.js';
import { registration } from './payloads.js';
import type { StoreCounts } from './store-counts.js';
import { createUser, findPid, signIn, sleep, startProcess, withCpu, type Child, runIfMain, stopAlone } from './support.js';

const queued = async (q: Queue.Queue) => {
  const c = await q.getJobCounts();
  return c.waiting + c.active + c.delayed + ((c as { paused?: number }).paused ?? 0);
};

function diff(before: StoreCounts | null, after: StoreCounts | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after ?? {})) if (n - (before?.[k] ?? 0) > 0) out[k] = n - (before?.[k] ?? 0);
  return out;
}

async function main() {
  const calls = Number(process.argv.find((a) => a.startsWith('--calls='))?.slice('--calls='.length) ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-hot-'));
  const say = (line: string) => process.stderr.write(`bench hot term: ${line}\n`);
  const services = await startServices({ dataDir: dir, appendOnly: true });
  const children: Child[] = [];
  let client: MongoClient | undefined;
  const factory = createQueueFactory({ url: services.redisUrl }, 'benchhot');
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_hot', QUEUE_PREFIX: 'benchhot',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
    };
    const api = await startProcess('api', { env, port });
    children.push(api);
    const traceFile = process.argv.find((a) => a.startsWith('--trace='))?.slice('--trace='.length);
    const worker = await startProcess('worker', { env, ...(traceFile ? { traceFile } : {}) });
    children.push(worker);
    const url = `http://127.0.0.1:${port}/graphql`;
    await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    const token = await signIn(url, 'bench.handler');
    client = await new MongoClient(services.mongoUri).connect();
    await factory.ready(10_000);
    const triageQueue = factory.create(TRIAGE_QUEUE);

    const pids = { ferretdb: findPid(`--listen-addr=127.0.0.1:${services.mongo.port}`), redis: findPid(`--port ${services.redis.port}`), api: api.process.pid, worker: worker.process.pid };
    let n = 0;
    const record = async (input: ReturnType<typeof nextCall>) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: RECORD_CALL, variables: { input } }) });
      const body = (await res.json()) as { errors?: unknown[] };
      if (res.status !== 200 || body.errors?.length) throw new Error(`a call failed (${res.status})`);
    };
    const phase = async (name: string, call: () => ReturnType<typeof nextCall>) => {
      await triageQueue.pause();
      let left = calls;
      await Promise.all(Array.from({ length: 16 }, async () => { while (left-- > 0) await record(call()); }));
      const before = await worker.storeCounts();
      const resumed = Date.now();
      const { cores } = await withCpu(pids, async () => {
        await triageQueue.resume();
        while ((await queued(triageQueue)) > 0) await sleep(50);
      });
      const seconds = (Date.now() - resumed) / 1000;
      const by = diff(before, await worker.storeCounts());
      const per = (k: string) => Math.round(((by[k] ?? 0) / calls) * 100) / 100;
      const total = Object.values(by).reduce((s, v) => s + v, 0);
      say(`${name}: ${calls} routed in ${seconds.toFixed(1)} s = ${(calls / seconds).toFixed(1)}/s; ${(total / calls).toFixed(1)} worker commands a report (find link_terms ${per('find link_terms')}, insert link_terms ${per('insert link_terms')}, find reports ${per('find reports')}, insert report_link_slots ${per('insert report_link_slots')}); CPU cores ${JSON.stringify(cores)}`);
      return calls / seconds;
    };
    const hotOnly = process.argv.includes('--hot-only'); // with --trace: the worker's trace is the hot term's alone
    const unshared = hotOnly ? NaN : await phase('sharing nothing', () => {
      const input = nextCall();
      return { ...input, vehicles: input.vehicles.map((v) => ({ ...v, registration: registration(5_000_000 + n++) })) };
    });
    const hot = await phase('one postcode', () => {
      const input = nextCall();
      return { ...input, locations: input.locations.map((l) => ({ ...l, postcode: 'N1C 4QP' })) };
    });
    process.stdout.write(`hot term alone: ${hot.toFixed(1)} routed/s against ${unshared.toFixed(1)} sharing nothing (ratio ${(hot / unshared).toFixed(2)})\n`);
  } finally {
    await stopAlone({ children, closing: [client, factory], services, dir });
  }
}

runIfMain(import.meta.url, main);
