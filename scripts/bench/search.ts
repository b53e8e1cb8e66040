/**
 * searchReports at scale. After the desk phase has filled `reports` to a
 * scale, adds `findable` reports with real, distinct encrypted content (each
 * under its own id and data key, stored through the repository, which seals
 * its envelope) filed in `search_terms` as intake files them; their subject
 * names come from a pool where each name is held by about four reports and
 * spelled two ways, so searches meet exact and phonetic matches and the
 * truncated terms' collisions, all confirmed by decryption. Then times, as an
 * SO12 investigator over HTTP, `searchReports(filter: { subjectName }, first: 20)`
 * sequentially (one investigator's latency), bounded in count and time.
 * The desk phase's copies are not filed: their envelopes are bound to the
 * template's id and would not decrypt (desk.ts); search reads `reports` by
 * `_id` only, so their number weighs only on the B-tree depth. The API's
 * store commands are counted (store-counts.ts) for the first timed search and
 * over all of them, read outside the timings.
 *
 * A phase of `npm run bench` (index.ts), and runnable alone, starting its own
 * FerretDB, Redis, API and worker (a few ordinary calls recorded and triaged
 * first: the seeded reports copy one):
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/search.ts`
 * (SEARCH_BENCH_FINDABLE, SEARCH_BENCH_SEARCHES: the reports seeded with real content, the timed searches).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { createCrypto } from '../../src/crypto/index.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { createEnvelopeMac } from '../../src/reports/model/envelope-mac.js';
import { createUser, gql, latency, signIn, sleep, startProcess, type Child, type Latency, runIfMain, stopAlone } from './support.js';
import { createContentSeal } from '../../src/reports/content/vault.js';
import { freePort, startServices } from '../stack/services.js';
import { benchCall } from './payloads.js';
import type { StoreCounts } from './store-counts.js';

export interface SearchResult {
  reports: number;
  findable: number;
  seedSeconds: number;
  searchHttp: Latency;
  /** Mean hits per search (exact + phonetic, confirmed). */
  hitsPerSearch: number;
  /** The API's store commands for the first timed search, by command and collection; null when not counted. */
  firstSearchCommands?: StoreCounts | null;
  /** The API's store commands per timed search (audit writes included): mean, median and largest; null when not counted. */
  commandsPerSearch?: number | null;
  commandsMedian?: number | null;
  commandsMax?: number | null;
}

const SEARCH = `query($filter: ReportSearchInput!) { searchReports(filter: $filter, first: 20) { edges { node { reference desk matches } } pageInfo { hasNextPage } deconfliction { desk } } }`;
const FIRST = ['Mohammed', 'Muhammad', 'Jon', 'John', 'Stephen', 'Steven', 'Catherine', 'Katherine', 'Sean', 'Shaun'];

/** The i-th name of the pool: a family name per pair of reports, a first name spelled two ways. */
const nameOf = (i: number, pool: number) => `${FIRST[i % FIRST.length]} Surname${(i >> 1) % pool}`;

export async function runSearch(o: { url: string; token: string; db: Db; env: Record<string, string>; reportsBefore: number; findableBefore: number; findable: number; searches: number; loopBudgetMs: number; api?: Pick<Child, 'storeCounts'> }): Promise<SearchResult> {
  const key = (name: string) => Buffer.from(o.env[name]!, 'base64');
  const crypto = await createCrypto({ masterKey: key('HOTLINE_MASTER_KEY'), indexKey: key('HOTLINE_INDEX_KEY'), auditKey: key('HOTLINE_AUDIT_KEY') });
  const repo = createReportRepository(o.db, crypto.integrity, crypto);
  const envelope = createEnvelopeMac(crypto.integrity);
  const seal = createContentSeal(crypto);
  const template = await o.db.collection<ReportDoc>('reports').findOne({ status: 'TRIAGED', links: { $size: 0 } }, { sort: { recordedAt: 1 } });
  if (!template) throw new Error('no triaged report to copy (the intake phases store them)');
  const pool = Math.max(1, Math.floor((o.findableBefore + o.findable) / 4));
  const started = performance.now();
  const seeded = o.findableBefore + o.findable;
  for (let i = o.findableBefore; i < seeded; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, seeded - i) }, async (_, j) => {
        const n = i + j;
        const id = `search-${n}-${randomBytes(4).toString('hex')}`;
        const content = { narrative: `Bench report ${n}`, subjects: [{ name: nameOf(n, pool), phone: `0207946${String(n % 10_000).padStart(4, '0')}` }], vehicles: [{ registration: `BX${n % 100} ${String.fromCharCode(65 + (n % 26))}QR` }], locations: [{ postcode: `E${1 + (n % 20)} 6AN` }], researchNotes: [] };
        const { searchTerms, ...encrypted } = seal.sealNew(id, content); // as intake seals a report (reports/content/vault.ts)
        await repo.fileSearchTerms(id, searchTerms);
        const receivedAt = new Date(Date.now() - Math.floor(Math.random() * 30 * 86_400_000));
        const doc = { ...template, ...encrypted, _id: id, reference: `SRCH-${n}`, idempotencyKey: `search:${id}`, fingerprint: randomBytes(16).toString('hex'), desk: n % 2 ? 'SO12' : 'SO13', status: n % 3 ? 'CLOSED' : 'UNDER_RESEARCH', assignee: null, receivedAt, recordedAt: receivedAt, links: [], auditPending: [] } as ReportDoc;
        // Sealed as the repository seals a report (its envelope MAC), stored directly: a seeded copy, not an intake.
        await o.db.collection<ReportDoc>('reports').insertOne({ ...doc, ...envelope.seal(doc) });
      }),
    );
  }
  const seedSeconds = Math.round((performance.now() - started) / 100) / 10;
  await gql(o.url, SEARCH, { filter: { subjectName: nameOf(0, pool) } }, o.token); // untimed: connections
  const times: number[] = [];
  let hits = 0;
  // Read outside the timings: before the loop and after each search.
  const before = (await o.api?.storeCounts()) ?? null;
  let afterFirst: StoreCounts | null = null;
  let previous = before;
  const perSearch: number[] = [];
  const total = (c: StoreCounts) => Object.values(c).reduce((a, b) => a + b, 0);
  const end = performance.now() + o.loopBudgetMs;
  for (let i = 0; i < o.searches && (i === 0 || performance.now() < end); i++) {
    const t = performance.now();
    const r = await gql(o.url, SEARCH, { filter: { subjectName: nameOf(Math.floor(Math.random() * seeded), pool) } }, o.token);
    times.push(performance.now() - t);
    if (r.errors) throw new Error(`searchReports failed: ${JSON.stringify(r.errors)}`);
    hits += r.data?.searchReports?.edges?.length ?? 0;
    const now = previous ? ((await o.api!.storeCounts()) ?? null) : null;
    if (previous && now) perSearch.push(total(difference(previous, now)));
    if (i === 0) afterFirst = now;
    previous = now;
  }
  const firstSearchCommands = before && afterFirst ? difference(before, afterFirst) : null;
  const counted = perSearch.length === times.length && perSearch.length > 0;
  const sorted = [...perSearch].sort((a, b) => a - b);
  const commandsPerSearch = counted ? Math.round(perSearch.reduce((a, b) => a + b, 0) / perSearch.length) : null;
  const commandsMedian = counted ? sorted[Math.floor(sorted.length / 2)]! : null;
  const commandsMax = counted ? sorted.at(-1)! : null;
  return { reports: o.reportsBefore + o.findable, findable: seeded, seedSeconds, searchHttp: latency(times), hitsPerSearch: Math.round((hits / times.length) * 10) / 10, firstSearchCommands, commandsPerSearch, commandsMedian, commandsMax };
}

/** Commands sent between two readings, by command and collection. */
function difference(before: StoreCounts, after: StoreCounts): StoreCounts {
  const out: StoreCounts = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}

/** The store commands of a search as a line: `mean 123, median 100, max 400; the first 140 (find search_terms 80, ...)`. */
export function searchCommandsLine(f: SearchResult): string {
  if (f.commandsPerSearch == null || !f.firstSearchCommands) return '  store commands not counted';
  const rows = Object.entries(f.firstSearchCommands).sort((a, b) => b[1] - a[1]);
  const first = rows.reduce((n, [, v]) => n + v, 0);
  return `  store commands per search: mean ${f.commandsPerSearch}, median ${f.commandsMedian}, max ${f.commandsMax}; the first ${first} (${rows.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

/** Alone: its own FerretDB, Redis, API and worker; a few calls recorded and triaged, then `findable` reports seeded and searched. */
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-search-'));
  const services = await startServices({ dataDir: dir });
  const children: Child[] = [];
  const client = new MongoClient(services.mongoUri);
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_search', QUEUE_PREFIX: 'benchsearch',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port),
    };
    await createUser(env, 'bench.handler', 'CALL_HANDLER', null);
    await createUser(env, 'bench.investigator', 'INVESTIGATOR', 'SO12');
    const api = await startProcess('api', { env, port });
    children.push(api);
    const worker = await startProcess('worker', { env });
    children.push(worker);
    const url = `http://127.0.0.1:${port}/graphql`;
    await client.connect();
    const db = client.db(env.MONGODB_DB);
    const handler = await signIn(url, 'bench.handler');
    const calls = 10;
    for (let i = 0; i < calls; i++) {
      const r = await gql(url, 'mutation($input: HotlineCallInput!) { recordHotlineCall(input: $input) { id } }', { input: benchCall(900_000 + i) }, handler);
      if (!r.data?.recordHotlineCall?.id) throw new Error(`recording a call failed: ${JSON.stringify(r.errors)}`);
    }
    for (let waited = 0; !(await db.collection('reports').findOne({ status: 'TRIAGED', links: { $size: 0 } })); waited += 200) {
      if (waited > 120_000) throw new Error('no call was triaged within two minutes');
      await sleep(200);
    }
    await worker.stop(); // the bench pauses triage while it searches
    children.pop();
    const result = await runSearch({
      url, token: await signIn(url, 'bench.investigator'), db, env, reportsBefore: calls, findableBefore: 0,
      findable: Number(process.env.SEARCH_BENCH_FINDABLE ?? 240), searches: Number(process.env.SEARCH_BENCH_SEARCHES ?? 30), loopBudgetMs: 60_000, api,
    });
    const l = result.searchHttp;
    process.stdout.write(`searchReports at ${result.reports} reports (${result.findable} findable), ${result.hitsPerSearch} hits a search: p50 ${l.p50} ms, p99 ${l.p99} ms (n=${l.n})\n`);
    process.stdout.write(`${searchCommandsLine(result)}\n${JSON.stringify(result)}\n`);
  } finally {
    await stopAlone({ children, closing: [client], services, dir });
  }
}

runIfMain(import.meta.url, main);
