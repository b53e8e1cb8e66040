/**
 * The link chart's neighbourhood query (src/reports/desk/neighbourhood.ts) at
 * a seeded scale: a cluster shaped to fill a depth-2 chart past its 200-node
 * bound is recorded through the API and linked by the real triage worker,
 * among `filler` ordinary bench calls, then `reportNeighbourhood` is timed
 * over HTTP at depth 2 from the cluster's hub once before the API has kept
 * any of its reports (src/reports/store/report-cache.ts: each report drawn
 * from its card, or read whole when it has none), then in rounds at depth 1 and 2, and `entity(ref)` (the
 * entity page, reports/desk/entities.ts) for each value of one cluster report.
 * Measured, not asserted; the store commands of the first chart, of one chart at each depth (in
 * the first round, and in the last) and of one entity page are counted (store-counts.ts): `find report_links` stays
 * at 0 while no hand changed a link of the cluster (a slot carries its edge:
 * src/reports/store/links.ts), and `find reports` is the root and the reports
 * read whole to spell a shared value (`find report_cards` one a report drawn
 * from its card; no desk lookup for a report the viewer may read). Figures, with the load
 * average of each run: README "Performance" (the latest full run) and docs/performance-history.md (earlier ones).
 *
 * The cluster: a hub naming `groups` vehicles (20 at most: intake's list
 * limit); for each vehicle `perGroup` reports naming it (linked to the hub and
 * to each other: below LINK_SHARED_THRESHOLD, so every one is compared), each
 * with a phone shared by one further report (depth 2 from the hub). The
 * viewer is a supervisor: every report readable, so every one is drawn (the
 * most work a chart does; an investigator's chart stops at other desks); the
 * reports met as their cards (filed by triage when it linked them:
 * src/reports/model/card.ts) are decrypted only to spell a shared value.
 *
 * A phase of `npm run bench` (index.ts), and runnable alone, starting its own
 * FerretDB, Redis, API and worker:
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/chart.ts`
 * (CHART_BENCH_FILLER, CHART_BENCH_ROUNDS, CHART_BENCH_PER_GROUP: the ordinary calls around the cluster, the timed
 * rounds (of the charts, and of each entity page), the reports naming each of the hub's vehicles).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { hotlineCall } from '../../tests/support/payloads.js';
import { freePort, startServices } from '../stack/services.js';
import { benchCall, postcode, registration, subjectName } from './payloads.js';
import type { StoreCounts } from './store-counts.js';
import { createUser, findPid, gql, latency, signIn, sleep, startProcess, withCpu, type Child, type CpuShares, type Latency, runIfMain, stopAlone } from './support.js';

export interface ChartBenchResult {
  /** Reports recorded by this phase: the cluster, and ordinary calls around it. */
  cluster: number;
  filler: number;
  /** Seconds to record and triage them. */
  seedSeconds: number;
  /** What the depth-2 chart drew: nodes (at most 200), of them reports, and why more were not shown. */
  nodes: number;
  reportNodes: number;
  truncated: string[];
  errors: number;
  /** ms of the first depth-2 chart of the cluster, before the API kept any of its reports (each read whole), and its store commands. */
  depth2First: number;
  commandsFirst: StoreCounts | null;
  /** CPU cores each process used during the first chart (support.ts `withCpu`; empty without pids): whether it waited on the store's CPU, the API's, or neither. */
  coresFirst: CpuShares;
  /** The worker's store commands during the first chart (null when not counted): what else the store was doing. */
  workerCommandsFirst: StoreCounts | null;
  /** The rounds after it, the reports kept by the API (src/reports/store/report-cache.ts): each checked by its version claim, not read. */
  depth1: Latency;
  depth2: Latency;
  /** `entity(ref)` (the entity page, first 50 hits) for each value of a cluster report: its name, phone, vehicle (held by the hub and its group) and postcode. */
  entity: Latency;
  /** Mean hits per entity page. */
  entityHits: number;
  /** The API's store commands for one entity page (the vehicle's), by command and collection; null when not counted. */
  entityCommands: StoreCounts | null;
  /** The API's store commands for one chart at each depth, by command and collection (store-counts.ts); null when not counted. */
  commands: Record<1 | 2, StoreCounts | null>;
  /**
   * The same for the last round's charts (null with one round): the API then knows each charted report's slot
   * count from the first round (src/reports/store/links.ts `knownSlots`), as it does for every chart after its
   * first of those reports; the first round's is a process that never read them (the worker filed them).
   */
  commandsLast: Record<1 | 2, StoreCounts | null>;
}

const RECORD = `mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { id } }`;
const REFS = `query($id: ID!) { report(id: $id) { entities { kind value ref } } }`;
const ENTITY = `query($ref: ID!) { entity(ref: $ref) { kind value reports { edges { node { reference desk status matches } } pageInfo { hasNextPage } deconfliction { desk } } } }`;
const CHART = `query($id: ID!, $depth: Int) { reportNeighbourhood(id: $id, depth: $depth) { nodes { kind } edges { id } truncated timeline { at } } }`;
/** Values of the cluster, far from the ordinary calls' (which count up from 0). */
const OFFSET = 5_000_000;

/** A call naming exactly these values (no caller: nothing else to link by). */
const clusterCall = (i: number, v: { vehicles: string[]; phone: string | null }) => ({
  ...hotlineCall(i),
  caller: null,
  subjects: [{ name: subjectName(OFFSET + i), approximateAge: '30s', description: 'Seen at the address', ...(v.phone ? { phone: v.phone } : {}) }],
  vehicles: v.vehicles.map((registration) => ({ registration, make: 'Ford', model: 'Transit', colour: 'White' })),
  locations: [{ address: `${i} Example Road, London`, postcode: postcode(OFFSET + i) }],
});

const phoneOf = (i: number) => `07700 ${String(100_000 + i).slice(-6)}`;

export async function runChartBench(o: {
  url: string;
  handlerToken: string;
  viewerToken: string;
  db: Db;
  groups?: number;
  perGroup?: number;
  filler?: number;
  rounds?: number;
  /** The API process, to count the store commands of one chart (its first round). */
  api?: Pick<Child, 'storeCounts'>;
  /** The worker process, to count the store commands it sent during the first chart (`workerCommandsFirst`). */
  worker?: Pick<Child, 'storeCounts'>;
  /** Processes whose CPU use during the first chart is reported (`coresFirst`). */
  pids?: Record<string, number | undefined>;
  progress?: (line: string) => void;
}): Promise<ChartBenchResult> {
  const groups = Math.min(20, o.groups ?? 20);
  const perGroup = o.perGroup ?? 9;
  const filler = o.filler ?? 1_000;
  const rounds = o.rounds ?? 10;
  const started = performance.now();
  const record = async (input: unknown) => {
    const r = await gql(o.url, RECORD, { input }, o.handlerToken);
    if (!r.data?.recordHotlineCall?.id) throw new Error(`recording a chart bench call failed: ${JSON.stringify(r.errors)}`);
    return r.data.recordHotlineCall.id as string;
  };
  // Lookups by _id (the only reads FerretDB answers from an index), not a count over the collection.
  const pending = async (id: string) => (await o.db.collection<{ _id: string; triagePending: boolean }>('reports').findOne({ _id: id }, { projection: { triagePending: 1 } }))?.triagePending !== false;
  const triaged = async (ids: string[]) => {
    let waiting = ids;
    for (let waited = 0; waited < 600_000; waited += 200) {
      waiting = (await Promise.all(waiting.map(async (id) => ((await pending(id)) ? id : null)))).filter((id): id is string => !!id);
      if (!waiting.length) return;
      await sleep(200);
    }
    throw new Error('the chart bench reports were not triaged within 10 minutes');
  };
  /** Records in batches of 8 at once, each batch triaged before the next (so later reports meet earlier ones). */
  const inBatches = async (inputs: unknown[]) => {
    const ids: string[] = [];
    for (let i = 0; i < inputs.length; i += 8) {
      const batch = await Promise.all(inputs.slice(i, i + 8).map(record));
      await triaged(batch);
      ids.push(...batch);
    }
    return ids;
  };

  o.progress?.(`chart: ${filler} ordinary calls, then a cluster of ${1 + 2 * groups * perGroup} reports, recorded and triaged`);
  await inBatches(Array.from({ length: filler }, (_, i) => benchCall(OFFSET * 2 + i)));
  const vehicles = Array.from({ length: groups }, (_, g) => registration(OFFSET + g));
  const [hub] = await inBatches([clusterCall(0, { vehicles, phone: null })]);
  const members = Array.from({ length: groups * perGroup }, (_, k) => clusterCall(1 + k, { vehicles: [vehicles[k % groups]!], phone: phoneOf(k) }));
  const memberIds = await inBatches(members);
  const outer = Array.from({ length: groups * perGroup }, (_, k) => clusterCall(10_000 + k, { vehicles: [registration(OFFSET + 1_000 + k)], phone: phoneOf(k) }));
  await inBatches(outer);
  const seedSeconds = Math.round((performance.now() - started) / 100) / 10;

  // The first chart of the cluster, before the API has kept any of its reports (src/reports/store/report-cache.ts):
  // every report read whole, as every chart was before; the rounds after it chart reports the API has kept.
  let errors = 0;
  const beforeFirst = await o.api?.storeCounts();
  const workerBeforeFirst = await o.worker?.storeCounts();
  const t0First = performance.now();
  const { result: first, cores: coresFirst } = await withCpu(o.pids ?? {}, () => gql(o.url, CHART, { id: hub, depth: 2 }, o.viewerToken));
  const depth2First = Math.round((performance.now() - t0First) * 10) / 10;
  const commandsFirst = beforeFirst ? difference(beforeFirst, await o.api!.storeCounts()) : null;
  const workerCommandsFirst = workerBeforeFirst ? difference(workerBeforeFirst, await o.worker!.storeCounts()) : null;
  if (first.errors?.length) {
    errors++;
    o.progress?.(`chart depth 2 (first): failed (${first.errors[0]!.message})`);
  } else o.progress?.(`chart depth 2 (first, nothing kept): ${Math.round(depth2First)} ms`);
  const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
  let last: { nodes: { kind: string }[]; truncated: string[] } | null = null;
  const commands: Record<1 | 2, StoreCounts | null> = { 1: null, 2: null };
  const commandsLast: Record<1 | 2, StoreCounts | null> = { 1: null, 2: null };
  for (let r = 0; r < rounds; r++) {
    for (const depth of [1, 2] as const) {
      // The first and last rounds' commands are counted (the worker is idle by then: every report is triaged); the reading is outside the timing.
      const before = r === 0 || (r === rounds - 1 && r > 0) ? await o.api?.storeCounts() : null;
      const t0 = performance.now();
      const res = await gql(o.url, CHART, { id: hub, depth }, o.viewerToken);
      const took = performance.now() - t0;
      if (before) (r === 0 ? commands : commandsLast)[depth] = difference(before, await o.api!.storeCounts());
      if (res.errors?.length) {
        errors++;
        o.progress?.(`chart depth ${depth}: failed (${res.errors[0]!.message})`);
        continue;
      }
      times[depth].push(took);
      if (depth === 2) last = res.data.reportNeighbourhood;
      o.progress?.(`chart depth ${depth}: ${Math.round(took)} ms`);
    }
  }

  // The entity pages of the first cluster report's values (read once, untimed: the report's own audited read).
  const refsRes = await gql(o.url, REFS, { id: memberIds[0] }, o.viewerToken);
  const refs = (refsRes.data?.report?.entities ?? []) as { kind: string; ref: string }[];
  if (!refs.length) throw new Error(`the chart bench report has no entity references: ${JSON.stringify(refsRes.errors)}`);
  const entityTimes: number[] = [];
  let entityHits = 0;
  let entityCommands: StoreCounts | null = null;
  for (let r = 0; r < rounds; r++) {
    for (const ref of refs) {
      const counted = r === 0 && ref.kind === 'vehicle';
      const before = counted ? await o.api?.storeCounts() : null;
      const t0 = performance.now();
      const res = await gql(o.url, ENTITY, { ref: ref.ref }, o.viewerToken);
      const took = performance.now() - t0;
      if (before) entityCommands = difference(before, await o.api!.storeCounts());
      if (res.errors?.length) {
        errors++;
        o.progress?.(`entity page (${ref.kind}): failed (${res.errors[0]!.message})`);
        continue;
      }
      entityTimes.push(took);
      entityHits += res.data.entity.reports.edges.length;
      o.progress?.(`entity page (${ref.kind}): ${Math.round(took)} ms, ${res.data.entity.reports.edges.length} reports`);
    }
  }

  return {
    cluster: 1 + 2 * groups * perGroup,
    filler,
    seedSeconds,
    nodes: last?.nodes.length ?? 0,
    reportNodes: last?.nodes.filter((n) => n.kind === 'REPORT').length ?? 0,
    truncated: last?.truncated ?? [],
    errors,
    depth2First,
    commandsFirst,
    coresFirst,
    workerCommandsFirst,
    depth1: latency(times[1]),
    depth2: latency(times[2]),
    entity: latency(entityTimes),
    entityHits: entityTimes.length ? Math.round((entityHits / entityTimes.length) * 10) / 10 : 0,
    entityCommands,
    commands,
    commandsLast,
  };
}

/** Commands sent between two readings, by command and collection; null when either was not counted. */
function difference(before: StoreCounts, after: StoreCounts | null): StoreCounts | null {
  if (!after) return null;
  const out: StoreCounts = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}

/** `1,203 store commands (find report_link_slots 800, ...)`, the largest first. */
function describeCommands(c: StoreCounts | null): string {
  if (!c) return 'store commands not counted';
  const rows = Object.entries(c).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((n, [, v]) => n + v, 0);
  return `${total.toLocaleString('en-GB')} store commands (${rows.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

/** The phase's lines for the bench's table. */
export function chartLines(c: ChartBenchResult): string[] {
  const line = (name: string, l: Latency) => `  ${name.padEnd(40)} p50 ${String(l.p50).padStart(7)} ms  p99 ${String(l.p99).padStart(7)} ms  (n=${l.n})`;
  return [
    `link chart: a cluster of ${c.cluster} linked reports among ${c.filler.toLocaleString('en-GB')} ordinary calls (recorded and triaged in ${c.seedSeconds.toFixed(1)} s), charted by a supervisor over HTTP`,
    `  ${'depth 2, the first chart (nothing kept)'.padEnd(40)} ${String(c.depth2First).padStart(11)} ms`,
    `  the first chart: ${describeCommands(c.commandsFirst)}; CPU cores: ${Object.entries(c.coresFirst).map(([k, v]) => `${k} ${v}`).join(', ') || 'not measured'}`,
    `  the worker meanwhile: ${describeCommands(c.workerCommandsFirst)}`,
    line('depth 1 from the hub', c.depth1),
    line(`depth 2 (${c.nodes} nodes, ${c.reportNodes} reports)`, c.depth2) + (c.errors ? `  ${c.errors} failed` : ''),
    `  the first round's, depth 1: ${describeCommands(c.commands[1])}`,
    `  the first round's, depth 2: ${describeCommands(c.commands[2])}`,
    ...(c.commandsLast[2] ? [`  the last round's, depth 1: ${describeCommands(c.commandsLast[1])}`, `  the last round's, depth 2: ${describeCommands(c.commandsLast[2])}`] : []),
    ...(c.truncated.length ? [`  more not shown: ${c.truncated.join('; ')}`] : []),
    line(`entity page (a cluster report's values)`, c.entity) + `  ${c.entityHits} reports a page on average`,
    `  one entity page (the vehicle's): ${describeCommands(c.entityCommands)}`,
  ];
}

/** Alone: its own FerretDB, Redis, API and worker. */
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-chart-'));
  const services = await startServices({ dataDir: dir });
  const children: Awaited<ReturnType<typeof startProcess>>[] = [];
  const client = new MongoClient(services.mongoUri);
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_chart', QUEUE_PREFIX: 'benchchart',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
    };
    await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    await createUser(env, 'bench.supervisor', 'SUPERVISOR', null);
    const api = await startProcess('api', { env, port, ...(process.env.CHART_BENCH_PROFILE_DIR ? { profileDir: process.env.CHART_BENCH_PROFILE_DIR } : {}) });
    children.push(api);
    children.push(await startProcess('worker', { env })); // waits for its "worker started" line: LOG_LEVEL info
    const url = `http://127.0.0.1:${port}/graphql`;
    await client.connect();
    const result = await runChartBench({
      url, db: client.db(env.MONGODB_DB), handlerToken: await signIn(url, 'bench.handler'), viewerToken: await signIn(url, 'bench.supervisor'),
      api, worker: children[1], pids: { ferretdb: findPid(`--listen-addr=127.0.0.1:${services.mongo.port}`), api: api.process.pid, worker: children[1]!.process.pid }, filler: Number(process.env.CHART_BENCH_FILLER ?? 1_000), rounds: Number(process.env.CHART_BENCH_ROUNDS ?? 10), perGroup: Number(process.env.CHART_BENCH_PER_GROUP ?? 9),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    for (const l of chartLines(result)) process.stdout.write(`${l}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stopAlone({ children, closing: [client], services, dir });
  }
}

runIfMain(import.meta.url, main);
