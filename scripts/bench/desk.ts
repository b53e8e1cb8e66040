/**
 * The desk queue at scale. Seeds reports straight into `reports` (and the
 * queue entries of those left unclaimed into the desk queues, 2 % of them) with
 * bulk insertMany until the collection holds `total`, then
 * times, as an SO12 investigator over HTTP, `deskQueue(desk: SO12, first: 20)`
 * and `claimNextReport(desk: SO12)`, and the repository functions behind
 * them (`deskQueue`, `claimCandidates`) called directly, which tells the
 * store's share from the API's.
 *
 * Seeded content: each seed is a copy of one real report stored by the
 * intake phase (real envelopes, data key and history, so documents have
 * their real size, ~5–8 kB of BSON), with its own id, reference, keys,
 * desk (SO12/SO13 alternately), priority (P1 5 %, P2 15 %, P3 40 %, P4 40 %),
 * receivedAt spread over the last 30 days, and blind-index terms of the
 * same shape that can match no real term (`s` prefix), so that the worker
 * never takes a copy for a link candidate: the copies' envelopes stay bound
 * to the template's id and would not decrypt. Queue and claim read no
 * content. (Encrypting 100k distinct reports would cost ~0.7 ms of CPU each,
 * over a minute, for no difference in what is measured.)
 *
 * Every timed loop is bounded in count and in time (at least one sample).
 * On FerretDB's SQLite backend any query but `{ _id }` scans its whole
 * collection (see probePushdown), which is why the queue is read from the
 * desk queue tables (src/reports/store/desk-queue.ts), never from `reports`: its
 * cost follows the number of queued reports of the priorities read, not the
 * size of the database.
 *
 * With `--trace`, the bench is told each claim's time window (claimsTraced),
 * to name what the store did during the slowest claims (index.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { createEnvelopeMac } from '../../src/reports/model/envelope-mac.js';
import { createReportRepository } from '../../src/reports/store/repository.js';
import { createIntegrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { queueCollectionName, queueEntryOf, type QueueEntry } from '../../src/reports/store/desk-queue.js';
import type { Priority, ReportDoc, ReportStatus } from '../../src/reports/model/types.js';
import type { TimedWindow } from './phase-trace.js';
import { gql, latency, type Latency } from './support.js';

export interface DeskResult {
  /** Documents in `reports` when measured. */
  reports: number;
  /** Seeded so far, of which waiting in SO12's queue (as many again in SO13's). */
  seeded: number;
  so12Queued: number;
  seedSeconds: number;
  deskQueueHttp: Latency;
  deskQueueRepository: Latency;
  claimNextReportHttp: Latency & { empty: number };
  claimCandidatesRepository: Latency;
  /** `findById` of a report: on FerretDB a scan unless the launcher's `_id` index is there (scripts/stack/ferretdb-id-index.ts). */
  findByIdRepository: Latency;
  /**
   * The lists people wait on, read from their own small tables, and once each
   * the scan of `reports` each replaced (the same filter the repository used
   * to send, one sample): myReports (the investigator, holding the reports it
   * just claimed) and mySubmissions (the bench's call handler) over HTTP, the
   * supervisor queue through the repository.
   */
  lists: {
    myReportsHttp: Latency;
    mySubmissionsHttp: Latency | null;
    supervisorQueueRepository: Latency;
    scanMs: { myReports: number; mySubmissions: number | null; supervisorQueue: number };
  };
}

const DESK_QUEUE = `query($desk: Desk!, $first: Int) {
  deskQueue(desk: $desk, first: $first) {
    edges { cursor node { id reference status priority receivedAt categories borough imminentThreat escalated dueBy } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CLAIM_NEXT = 'mutation($desk: Desk!) { claimNextReport(desk: $desk) { id reference status assignee version } }';
const MY_REPORTS = '{ myReports { id reference status } }';
const MY_SUBMISSIONS = '{ mySubmissions { id reference status } }';
/** Samples of each list read (bounded by the loop budget too). */
const LIST_READS = 20;
const BATCH = 1000;
/**
 * Of each QUEUE_EVERY seeds, two wait in a queue (one per desk): a desk with
 * 2 % of all reports unclaimed is a desk under heavy load. The rest are in
 * the states worked reports are in.
 */
export const QUEUE_EVERY = 50;
const SETTLED = [
  { status: 'CLOSED', assignee: null },
  { status: 'CLOSED', assignee: null },
  { status: 'NO_FURTHER_ACTION', assignee: null },
  { status: 'UNDER_RESEARCH', assignee: 'seed-investigator' },
  { status: 'ASSIGNED', assignee: 'seed-investigator' },
  { status: 'REFERRED', assignee: null },
];
const DAY = 86_400_000;

/** P1 5 %, P2 15 %, P3 40 %, P4 40 %, from a number in [0, 1). */
function priorityFor(x: number): Priority {
  return x < 0.05 ? 'P1' : x < 0.2 ? 'P2' : x < 0.6 ? 'P3' : 'P4';
}

/** A term shaped like the template's (`v:1a2b` → `sv:93c0`) that no real term can equal. */
function inertTerm(like: string): string {
  const [prefix, hex = ''] = like.split(':');
  return `s${prefix}:${randomBytes(Math.ceil(hex.length / 2)).toString('hex').slice(0, hex.length)}`;
}

/**
 * Adds `count` copies of a triaged report (numbered from `from`); returns
 * how long it took. Counting the collection would itself be a scan.
 */
export async function seedReports(db: Db, template: ReportDoc, from: number, count: number, seal: (doc: ReportDoc) => Partial<ReportDoc>): Promise<number> {
  const reports = db.collection<ReportDoc>('reports');
  const total = from + count;
  const started = performance.now();
  const now = Date.now();
  const dueBy = new Date(now + 30 * DAY); // far enough that the SLA sweep leaves seeds alone during the run
  for (let i = from; i < total; i += BATCH) {
    const batch: ReportDoc[] = [];
    const entries: QueueEntry[] = [];
    for (let j = i; j < Math.min(i + BATCH, total); j++) {
      // Every QUEUE_EVERY-th seed waits in a queue; the rest were claimed and worked on.
      const queued = j % QUEUE_EVERY === 0 || j % QUEUE_EVERY === 1;
      const receivedAt = new Date(now - Math.floor(Math.random() * 30 * DAY));
      batch.push({
        ...template,
        _id: `seed-${j}-${randomBytes(4).toString('hex')}`,
        reference: `SEED-${j}`,
        idempotencyKey: `seed:${j}:${randomBytes(6).toString('hex')}`,
        fingerprint: randomBytes(16).toString('hex'),
        desk: j % 2 ? 'SO12' : 'SO13',
        priority: priorityFor(Math.random()),
        ...(queued ? { status: 'TRIAGED', assignee: null } : (SETTLED[j % SETTLED.length] as { status: ReportStatus; assignee: string | null })),
        escalated: false,
        triagePending: false,
        triage: template.triage ? { ...template.triage, dueBy } : null,
        receivedAt,
        recordedAt: receivedAt,
        links: [],
        bidx: template.bidx.map(inertTerm),
      });
      // Sealed with the service's audit key, as the repository seals every write: a claim checks the envelope first.
      Object.assign(batch.at(-1)!, seal(batch.at(-1)!));
    }
    for (const d of batch) {
      const e = queueEntryOf(d);
      if (e) entries.push(e);
    }
    // As the repository would: the queue entry first, then the report.
    const byTable = new Map<string, QueueEntry[]>();
    for (const e of entries) byTable.set(queueCollectionName(e.desk, e.priority), [...(byTable.get(queueCollectionName(e.desk, e.priority)) ?? []), e]);
    for (const [name, group] of byTable) await db.collection<QueueEntry>(name).insertMany(group, { ordered: false });
    await reports.insertMany(batch, { ordered: false });
  }
  // The seeds' entries went into the tables without the repository's `put`, which drops a table's head (the claims'
  // first entries, src/reports/store/desk-queue.ts) that a new entry belongs in: drop them all, as `put` would have.
  await db.collection('desk_queue_heads').deleteMany({});
  return Math.round((performance.now() - started) / 100) / 10;
}

/** Runs `run` sequentially up to `count` times or until `budgetMs` has passed (at least once); returns each duration. */
async function timeEach(count: number, budgetMs: number, run: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  for (let i = 0; i < count && (i === 0 || performance.now() < end); i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times;
}

export interface DeskPlan {
  url: string;
  token: string;
  db: Db;
  /** Reports in the collection before seeding (tracked by the bench: counting would scan). */
  reportsBefore: number;
  /** Seeds added by earlier scales. */
  seededBefore: number;
  total: number;
  queueReads: number;
  claims: number;
  /** Time bound of each of the four timed loops. */
  loopBudgetMs: number;
  /** The service's HOTLINE_AUDIT_KEY: seeds are sealed with it, as the repository seals every report. */
  auditKey: Uint8Array;
  /** The bench's call handler, whose submissions `mySubmissions` lists (left out when absent). */
  handler?: { token: string; id: string };
  /**
   * With `--trace`: called before the first claim and after the last, with each claim's window (ms since the epoch,
   * sub-ms: `performance.timeOrigin + performance.now()`, as trace-store.ts logs the commands).
   */
  claimsTraced?: { before(): Promise<void>; after(windows: TimedWindow[]): Promise<void> };
}

/** Seeds up to `total`, then times the queue and claims (sequentially: one investigator's latency). */
export async function runDeskQueue(o: DeskPlan): Promise<DeskResult> {
  const reports = o.db.collection<ReportDoc>('reports');
  const integrity = createIntegrity(await loadSodium(), o.auditKey);
  const repo = createReportRepository(o.db, integrity);
  const envelope = createEnvelopeMac(integrity);
  const template = await reports.findOne({ status: 'TRIAGED', assignee: null, links: { $size: 0 } }, { sort: { recordedAt: 1 } });
  if (!template) throw new Error('no triaged report to copy (the intake phases store them)');
  const count = Math.max(0, o.total - o.reportsBefore);
  const seedSeconds = await seedReports(o.db, template, o.seededBefore, count, (d) => envelope.seal(d));
  const seeded = o.seededBefore + count;

  // One untimed round, so the first timed call does not pay for connections.
  await gql(o.url, DESK_QUEUE, { desk: 'SO12', first: 20 }, o.token);

  const httpQueue = await timeEach(o.queueReads, o.loopBudgetMs, async () => {
    const r = await gql(o.url, DESK_QUEUE, { desk: 'SO12', first: 20 }, o.token);
    if (r.errors || r.data?.deskQueue?.edges?.length !== 20) throw new Error(`deskQueue failed: ${JSON.stringify(r.errors ?? r.data)}`);
  });
  const repoQueue = await timeEach(o.queueReads, o.loopBudgetMs, async () => {
    await repo.deskQueue('SO12', 20, null);
  });
  const repoCandidates = await timeEach(o.queueReads, o.loopBudgetMs, async () => {
    await repo.claimCandidates('SO12', 5);
  });
  // Ids from every SO12 queue table (any one of them can be empty at the quick bench's 2k reports).
  const someIds: { _id: string }[] = [];
  for (const priority of ['P4', 'P3', 'P2', 'P1'] as const) {
    if (someIds.length >= 50) break;
    someIds.push(...(await o.db.collection<QueueEntry>(queueCollectionName('SO12', priority)).find({}, { projection: { _id: 1 } }).limit(50 - someIds.length).toArray()));
  }
  if (someIds.length === 0) throw new Error('no SO12 report is queued: nothing to look up by id');
  let k = 0;
  const byId = await timeEach(o.queueReads, o.loopBudgetMs, async () => {
    if (!(await repo.findById(someIds[k++ % someIds.length]!._id))) throw new Error('findById found nothing');
  });
  let empty = 0;
  let investigatorId: string | null = null;
  const windows: TimedWindow[] = [];
  const now = () => performance.timeOrigin + performance.now();
  await o.claimsTraced?.before();
  const claims = await timeEach(o.claims, o.loopBudgetMs, async () => {
    const startMs = now();
    const r = await gql(o.url, CLAIM_NEXT, { desk: 'SO12' }, o.token);
    windows.push({ startMs, endMs: now() });
    if (r.errors) throw new Error(`claimNextReport failed: ${JSON.stringify(r.errors)}`);
    if (!r.data?.claimNextReport) empty++;
    investigatorId ??= r.data?.claimNextReport?.assignee ?? null;
  });
  await o.claimsTraced?.after(windows);
  const lists = await timeLists(o, repo, investigatorId);
  return {
    reports: o.reportsBefore + count,
    seeded,
    so12Queued: Math.floor(seeded / QUEUE_EVERY),
    seedSeconds,
    deskQueueHttp: latency(httpQueue),
    deskQueueRepository: latency(repoQueue),
    claimNextReportHttp: { ...latency(claims), empty },
    claimCandidatesRepository: latency(repoCandidates),
    findByIdRepository: latency(byId),
    lists,
  };
}

/** One run of `run`, in ms. */
async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return Math.round(performance.now() - t);
}

async function timeLists(o: DeskPlan, repo: ReturnType<typeof createReportRepository>, investigatorId: string | null): Promise<DeskResult['lists']> {
  const reports = o.db.collection<ReportDoc>('reports');
  const read = (query: string, token: string, field: string) => async () => {
    const r = await gql(o.url, query, {}, token);
    if (r.errors || !Array.isArray(r.data?.[field])) throw new Error(`${field} failed: ${JSON.stringify(r.errors ?? r.data)}`);
  };
  const stuckBefore = new Date(Date.now() - 60_000);
  // One untimed read of each list first: it settles the rows written since its owner last read it (the bench's
  // handler recorded every call before this; person-lists.ts: one lookup of `reports` each, once), as a person who
  // reads their list while they work has. Its cost is in the README, measured by claims.ts.
  await read(MY_REPORTS, o.token, 'myReports')();
  if (o.handler) await read(MY_SUBMISSIONS, o.handler.token, 'mySubmissions')();
  const myReportsHttp = await timeEach(LIST_READS, o.loopBudgetMs, read(MY_REPORTS, o.token, 'myReports'));
  const mySubmissionsHttp = o.handler ? await timeEach(LIST_READS, o.loopBudgetMs, read(MY_SUBMISSIONS, o.handler.token, 'mySubmissions')) : null;
  const supervisorQueueRepository = await timeEach(LIST_READS, o.loopBudgetMs, async () => {
    await repo.supervisorQueue(stuckBefore, 200);
  });
  // The filters the repository sent before these tables existed (git history: findHeldBy, findRecentBy, supervisorQueue).
  const scanMs = {
    myReports: await timeOnce(() => reports.find({ assignee: investigatorId ?? 'nobody', status: { $in: ['ASSIGNED', 'UNDER_RESEARCH'] } }, { projection: { _id: 1 } }).limit(500).toArray()),
    mySubmissions: o.handler
      ? await timeOnce(() => reports.find({ 'recordedBy.id': o.handler!.id, recordedAt: { $gte: new Date(Date.now() - DAY) } }, { projection: { _id: 1 } }).sort({ recordedAt: -1 }).limit(200).toArray())
      : null,
    supervisorQueue: await timeOnce(() =>
      reports
        .find(
          { $or: [{ status: 'TRIAGE_FAILED' }, { escalated: true, assignee: null, status: { $in: ['RECEIVED', 'TRIAGED'] } }, { status: 'RECEIVED', recordedAt: { $lte: stuckBefore } }] },
          { projection: { _id: 1 } },
        )
        .sort({ receivedAt: 1, _id: 1 })
        .limit(200)
        .toArray(),
    ),
  };
  return { myReportsHttp: latency(myReportsHttp), mySubmissionsHttp: mySubmissionsHttp ? latency(mySubmissionsHttp) : null, supervisorQueueRepository: latency(supervisorQueueRepository), scanMs };
}

export interface PushdownProbe {
  /** The repository function (src/) that issues this query. */
  source: string;
  filter: string;
  /** FerretDB's explain: does the store evaluate the filter / sort itself (false: it reads and decodes every document)? null on MongoDB. */
  filterPushdown: boolean | null;
  sortPushdown: boolean | null;
}

/**
 * Asks the store, with `explain`, whether it can evaluate each hot query's
 * filter and sort itself. FerretDB v1's SQLite backend pushes down only a
 * filter that is exactly `{ _id: <string or ObjectId> }`; any other query
 * reads and decodes the whole collection, then filters and sorts in Go.
 */
export async function probePushdown(db: Db): Promise<PushdownProbe[]> {
  const id = 'probe-id';
  const shapes: { source: string; collection: string; filter: Record<string, unknown>; sort?: Record<string, 1 | -1>; limit?: number }[] = [
    { source: 'reports/store/repository.ts findById (indexed by the launcher: scripts/stack/ferretdb-id-index.ts)', collection: 'reports', filter: { _id: id } },
    { source: 'reports/store/side-tables.ts link term slot (every triage; indexed likewise)', collection: 'link_terms', filter: { _id: 'v:0000#0' } },
    { source: 'reports/store/desk-queue.ts a desk and priority\'s queue (deskQueue; claims only to rebuild a head)', collection: queueCollectionName('SO12', 'P1'), filter: {}, sort: { receivedAt: 1, _id: 1 }, limit: 21 },
    { source: 'reports/store/side-tables.ts triage_outbox (sweep; small table)', collection: 'triage_outbox', filter: { recordedAt: { $lte: new Date() } }, sort: { recordedAt: 1, _id: 1 }, limit: 500 },
    { source: 'reports/store/submissions.ts a handler\'s day (follow-ups; mySubmissions before December 2026)', collection: 'recent_submissions', filter: { by: 'u', recordedAt: { $gte: new Date() } }, sort: { recordedAt: -1 }, limit: 200 },
    { source: 'reports/store/holdings.ts the reports one holds (desk moves; myReports before December 2026)', collection: 'report_holdings', filter: { holder: 'u' }, limit: 1000 },
    { source: 'audit/repository.ts tip register (every audit append; small table)', collection: 'audit_tips', filter: {}, sort: { _id: -1 }, limit: 1 },
  ];
  const out: PushdownProbe[] = [];
  for (const s of shapes) {
    const r = await db.command({ explain: { find: s.collection, filter: s.filter, ...(s.sort ? { sort: s.sort } : {}), ...(s.limit ? { limit: s.limit } : {}) }, verbosity: 'queryPlanner' });
    out.push({
      source: s.source,
      filter: JSON.stringify(s.filter),
      filterPushdown: typeof r.filterPushdown === 'boolean' ? r.filterPushdown : null,
      sortPushdown: typeof r.sortPushdown === 'boolean' ? r.sortPushdown : null,
    });
  }
  return out;
}
