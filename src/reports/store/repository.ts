/**
 * The report store's door: with the rest of this folder (freshness.ts: the
 * version claims in `report_versions`; side-tables.ts and links.ts: the tables that index reports and the link
 * edges), the only code touching the `reports`, `counters` and
 * `report_versions` collections: it hands out no collection. What a report
 * is filed under (search terms, its reference claim, its recorder's recent
 * submissions, the intake tally) is filed here too, by `insert` and by
 * `applyChange` (`filings`), and erasure removes it here: no caller files a
 * side table itself.
 * Every change is one single-document update guarded by the
 * version the caller read (FerretDB has no transactions, and its conditional
 * updates are not atomic: see applyChange), and appends its history
 * entries in the same update.
 */
import type { Db, Filter, UpdateFilter } from 'mongodb';
import type { Desk } from '../../auth/types.js';
import { insertIfAbsent } from '../../db/errors.js';
import { nextHistoryEntries, type HistoryInput } from '../model/history.js';
import { createFreshness, STALE_CLAIM_MS, type FreshnessDeps, type FreshnessIntegrity, type VersionClaim } from './freshness.js';
import { matchesFilter } from './match.js';
import { queueEntryOf, sameEntry, summaryOf, type QueueCandidate, type QueueCursor, type QueueSummary } from './desk-queue.js';
import { createLinkStore, type LinkCrypto, type LinkEdge, type EdgesSeen } from './links.js';
import { createSideTables } from './side-tables.js';
import { createSearchIndex } from './search-index.js';
import { createHoldings, HELD_STATUSES, holderOf } from './holdings.js';
import { createSubmissions, SUBMISSIONS_WINDOW_MS } from './submissions.js';
import { createPersonLists, type ListRow } from './person-lists.js';
import { createReportCards } from './cards.js';
import type { ReportCard } from '../model/card.js';
import { HELD, listKey, PEOPLE_LISTS, settledRow, SUBMITTED, type PeopleList, type SubmittedRow } from './people-rows.js';
import { createPartnerReferrals, type PartnerReferralEntry } from './partner-referrals.js';
import { createIntakeTally } from './intake-tally.js';
import { createAttachmentChunks } from './attachment-chunks.js';
import { createStatisticsStore, STATISTICS_SOURCE_PROJECTION, type StatisticsSource } from './statistics.js';
import { createSupervisorWatch, needsSupervisor } from './supervisor-watch.js';
import { afterChange, createEnvelopeMac, ReportIntegrityError } from '../model/envelope-mac.js';
import type { Priority, ReportDoc, ReportLink, ReportStatus } from '../model/types.js';
import { createGroupCommit, withGroupCommit } from '../../db/group-commit.js';
import { isPartnerSourced, timesFor } from '../rules/partner-time.js';
import { toMinute } from '../../time.js';
import { createReportCache } from './report-cache.js';

export type ReportRepository = ReturnType<typeof createReportRepository>;

/** Reference numbers a process reserves at a time. */
const REFERENCE_BLOCK = 20;

export { STALE_CLAIM_MS } from './freshness.js';

/** Fields a listing needs: no content, no history, no keys, no index terms, no attachment records. */
export const SUMMARY_PROJECTION = { content: 0, history: 0, dataKey: 0, bidx: 0, auditPending: 0, envelopeParts: 0, attachments: 0 } as const;

/** What a person's list reads of a report whose row is pending: a summary with its attachment records (people-rows.ts). */
const LIST_PROJECTION = { content: 0, history: 0, dataKey: 0, bidx: 0, auditPending: 0, envelopeParts: 0 } as const;

export type { QueueCursor } from './desk-queue.js';

/** A new report before its reference is known: `insert` claims the reference, then completes it. */
export type ReportDraft = Omit<ReportDoc, 'reference' | 'auditPending'>;

/**
 * What a new report is filed under besides itself (repository `insert`): its search terms, a reference from the
 * series `referencePrefix`, and the audit events it carries, which name the reference it gets.
 */
export interface NewReportFilings {
  searchTerms: readonly string[];
  referencePrefix: string;
  auditPending(reference: string): ReportDoc['auditPending'];
}

/** One of the link chart's reports: read whole (a kept copy or a fresh read), or its card. */
export type ChartRead = { doc: ReportDoc; card?: undefined } | { card: ReportCard; doc?: undefined } | null;

/**
 * What a change files besides the report (repository `applyChange`), before its update: the report's search terms
 * when its indexed content changed (a follow-up, a re-index), and a follow-up call's entry in its recorder's
 * recent submissions. An entry may be stale (search and the list check the report), never missing.
 */
export interface ChangeFilings {
  searchTerms?: readonly string[];
  followUp?: { addendumId: string; by: string; recordedAt: Date };
}

/**
 * `integrity` keys the history chains (src/reports/model/history.ts) and the version claims and tombstones (freshness.ts);
 * `linkCrypto` seals the link graph (links.ts, side-tables.ts): without it the repository cannot link;
 * `freshness` reads the audit chain and raises the alarm when a report was rolled back (without it, a
 * rollback by exactly one version cannot be told from a writer that died: src/deps.ts always passes it).
 */
export function createReportRepository(store: Db, integrity: FreshnessIntegrity, linkCrypto?: LinkCrypto, freshnessDeps?: FreshnessDeps) {
  /**
   * The store's insert-only writes from this process (search terms, reference claims, recent submissions, intake
   * tally, link terms and slots, outbox entries, statistics entries, version claims, the reports themselves) ride one
   * group commit (src/db/group-commit.ts): on the local store each commit is the price, so concurrent intakes and
   * triage jobs share them. A caller alone goes at once.
   */
  const group = createGroupCommit();
  const db = withGroupCommit(store, group);
  const reports = db.collection<ReportDoc>('reports');
  const counters = db.collection<{ _id: string; seq: number }>('counters');
  const versions = db.collection<VersionClaim>('report_versions');
  /** Is a report as read its current version (not rolled back, not brought back after erasure)? freshness.ts. */
  const freshness = createFreshness(db, integrity, freshnessDeps);
  /** Documents `findById` checked with `assertCurrent` and handed out, for `applyChange`'s `checkedAtRead` (by identity: no copy counts). */
  const checkedAtRead = new WeakSet<ReportDoc>();
  /** Reports the link chart, linking, search, entity pages and link values read and found current, for their next read of them (report-cache.ts): this process's own. */
  const kept = createReportCache();
  /**
   * Documents `throughKept` handed out, every one found current as it was handed out (a kept copy by its freshness
   * records, a fresh read by its reader's check), so `currentOrNull` does not check one of them again within the same
   * request (search's deconfliction, given another desk's candidate as a kept copy). By identity, like `checkedAtRead`.
   */
  const foundCurrent = new WeakSet<ReportDoc>();
  /**
   * Reports by id, in their order (null: none, or left out by `readFresh`), through the kept copies (report-cache.ts):
   * a copy whose freshness records say it is unchanged is used as it is; the others are read by `readFresh`, with that
   * reader's own freshness check (a failure thrown or alarmed as the reader does), and those it returns are kept.
   * Kept copies are checked while the others are read; a copy found changed is read like the others.
   */
  async function throughKept(ids: readonly string[], readFresh: (ids: readonly string[]) => Promise<(ReportDoc | null)[]>): Promise<(ReportDoc | null)[]> {
    const found = new Map<string, ReportDoc | null>();
    const read = async (some: readonly string[]) => {
      if (!some.length) return;
      const docs = await readFresh(some);
      some.forEach((id, i) => found.set(id, docs[i] ? kept.put(docs[i]!) : null));
    };
    const copies = ids.map((id) => kept.get(id)).filter((d): d is ReportDoc => !!d);
    const copied = new Set(copies.map((d) => d._id));
    const [still] = await Promise.all([copies.length ? freshness.unchangedSince(copies) : new Set<string>(), read(ids.filter((id) => !copied.has(id)))]);
    for (const doc of copies) if (still.has(doc._id)) found.set(doc._id, doc);
    const changed = copies.filter((d) => !still.has(d._id)).map((d) => d._id);
    for (const id of changed) kept.drop(id);
    await read(changed);
    return ids.map((id) => {
      const doc = found.get(id) ?? null;
      if (doc) foundCurrent.add(doc);
      return doc;
    });
  }
  /**
   * `findById` of several reports, in their order (null: no such report), `atOnce` lookups sent together; then
   * their freshness checked together (freshness.ts `assertAllCurrent`: the tombstones read once for all while
   * they are few): DATA_INTEGRITY (alarmed) when any is not its current version, as `findById`. For the link chart:
   * a report this process read here before and kept (report-cache.ts) is not read again while its freshness records
   * say it has not changed since; the copies handed out are frozen.
   */
  const findManyById = (ids: readonly string[], atOnce: number) =>
    throughKept(ids, async (some) => {
      const docs: (ReportDoc | null)[] = [];
      for (let i = 0; i < some.length; i += atOnce) docs.push(...(await Promise.all(some.slice(i, i + atOnce).map((_id) => reports.findOne({ _id })))));
      await freshness.assertAllCurrent(docs.filter((d): d is ReportDoc => d !== null));
      return docs;
    });
  /** Reports by id through the kept copies, each read checked to be its report's current version (null, alarmed, when not: freshness.ts `currentOrNull`). */
  const findCurrent = (ids: readonly string[]) => throughKept(ids, (some) => Promise.all(some.map(async (_id) => freshness.currentOrNull(await reports.findOne({ _id })))));
  /** Every write of a report sets its envelope MAC (reports/model/envelope-mac.ts), keyed like the history chains. */
  const envelope = createEnvelopeMac(integrity);

  /**
   * Claims a version transition. A claim left behind by a writer that died
   * between claiming and updating is taken over once it is old and the
   * report is still at the version it was claimed from, unless the change
   * it claimed was made (the report was rolled back under it: freshness.ts),
   * which is DATA_INTEGRITY rather than a takeover that would bless it.
   */
  async function claimVersion(claimId: string, doc: Pick<ReportDoc, '_id' | 'version' | 'source' | 'status'>): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      // A partner report's claim is dated to the next whole minute: nothing finer is kept, and it never looks staler than it is.
      const at = isPartnerSourced(doc) ? toMinute(new Date(Date.now() + 60_000)) : new Date();
      if (await insertIfAbsent(versions, { _id: claimId, at })) return true;
      const claim = await versions.findOne({ _id: claimId });
      if (!claim || Date.now() - claim.at.getTime() < STALE_CLAIM_MS) return false;
      const current = await reports.findOne({ _id: doc._id }, { projection: { version: 1 } });
      if (current?.version !== doc.version) return false;
      if (!(await freshness.mayTakeOver(doc._id, doc.version + 1))) throw await freshness.fail(doc._id, 'rolled back');
      await versions.deleteOne({ _id: claimId, at: claim.at });
    }
    return false;
  }
  const side = createSideTables(db, linkCrypto);
  const links = createLinkStore(db, linkCrypto);
  const search = createSearchIndex(db, linkCrypto?.linkIds);
  const holdings = createHoldings(db);
  const submissions = createSubmissions(db);
  const people = createPersonLists(db);
  const partnerReferrals = createPartnerReferrals(db);
  const supervisorWatch = createSupervisorWatch(db);
  const intakeTally = createIntakeTally(db);
  const attachmentChunks = createAttachmentChunks(db);
  const cards = createReportCards(db, integrity);
  /** Cards the link chart read and found current, kept like the reports (report-cache.ts) for the next chart of them. */
  const keptCards = createReportCache<ReportCard>();
  const statistics = createStatisticsStore(db, integrity);
  const blocks = new Map<string, { next: number; end: number }>();
  const reserving = new Map<string, Promise<{ next: number; end: number }>>();

  /** Reserves the next free block of reference numbers of a series. */
  async function reserveBlock(series: string) {
    const hint = await counters.findOne({ _id: series });
    for (let k = Math.max(0, Math.floor((hint?.seq ?? 0) / REFERENCE_BLOCK)); ; k++) {
      if (!(await insertIfAbsent(counters, { _id: `${series}#${k}`, seq: k * REFERENCE_BLOCK }))) continue;
      // Only a hint for the next reservation (a lost race here costs a few duplicate-key retries).
      await counters.updateOne({ _id: series }, { $max: { seq: (k + 1) * REFERENCE_BLOCK } }, { upsert: true }).catch(() => undefined);
      return { next: Math.max(1, k * REFERENCE_BLOCK), end: (k + 1) * REFERENCE_BLOCK };
    }
  }

  async function nextReference(prefix: string, at: Date) {
    const series = `${prefix}-${at.getUTCFullYear()}`;
    let block = blocks.get(series);
    if (!block || block.next >= block.end) {
      const reserved = (reserving.get(series) ?? reserveBlock(series)).finally(() => reserving.delete(series));
      reserving.set(series, reserved);
      block = await reserved;
      // Another caller of this process may have taken a fresh block meanwhile: use whichever has numbers left.
      const current = blocks.get(series);
      if (current && current !== block && current.next < current.end) block = current;
      blocks.set(series, block);
    }
    const seq = block.next++;
    return `${series}-${String(seq).padStart(6, '0')}`;
  }

  /** After a collision (a reference stored outside this scheme): moves on to a fresh block. */
  async function skipReferenceBlock(prefix: string, at: Date) {
    blocks.delete(`${prefix}-${at.getUTCFullYear()}`);
  }

  /**
   * Makes the side tables agree with a report as stored. `doc` may be stale by the time this writes (a claim's
   * repair, a duplicate triage job): a change that began meanwhile put its queue entry BEFORE its update
   * (applyChange), and the drop below would take that entry away for good (the change does not put it again). So a
   * drop that removed anything looks for the next version's claim afterwards, and puts back what it removed if a
   * change began: at worst a stale entry stays, which the next claim that reads it repairs; never a queued report
   * missing from its queue.
   */
  async function syncSideTables(doc: ReportDoc) {
    const entry = queueEntryOf(doc);
    if (entry) await side.queue.put(entry);
    const dropped = await side.queue.dropElsewhere(doc._id, entry);
    if (dropped.length && (await versions.findOne({ _id: `${doc._id}:${doc.version + 1}` }, { projection: { _id: 1 } }))) await side.queue.restore(dropped);
    if (!doc.triagePending) await side.leaveOutbox(doc._id);
    const holder = holderOf(doc);
    if (holder) await holdings.put(holder, doc._id);
    if (needsSupervisor(doc)) await supervisorWatch.put(doc);
    await settleLists(doc);
  }

  /** Appends each list's settled row of `doc` for its owner (person-lists.ts): a repair. */
  async function settleLists(doc: ReportDoc) {
    const now = Date.now();
    await Promise.all(
      PEOPLE_LISTS.map((list) => {
        const owner = list.owner(doc, now);
        return owner ? people.append(listKey(list, owner), [settledRow(list, doc, now)], list.policy) : null;
      }),
    );
  }

  /**
   * The rows of a person's list that `select` keeps (it sorts and cuts them), their pending ones checked against
   * their reports (one lookup each, by `_id`: only rows written since the list was last read) and written back
   * settled or removed, so no later read looks them up again. A pending row whose change is still under way (the
   * report not yet at its version) stays pending, and is shown as the report stands when it is the person's.
   */
  async function readList<Row>(list: PeopleList<Row>, person: string, select: (rows: ListRow[]) => ListRow[]): Promise<Row[]> {
    const key = listKey(list, person);
    const { rows } = await people.read(key, list.policy);
    const shown = select(rows.filter((r) => !r.x));
    const isPending = (r: ListRow) => !!r.p || r.s === undefined;
    const pending = shown.filter(isPending);
    const found = await Promise.all(pending.map((r) => reports.findOne({ _id: r.id }, { projection: LIST_PROJECTION })));
    const now = Date.now();
    const back: ListRow[] = [];
    const fromReports = new Map<string, ReportDoc>();
    pending.forEach((r, i) => {
      const doc = found[i];
      if (doc?.status === 'ERASED') return; // its erasure takes every row of it out (people.forget): none is written back
      const mine = !!doc && list.owner(doc, now) === person;
      if (mine) fromReports.set(r.id, doc);
      if (doc && doc.version >= r.v) back.push(mine ? settledRow(list, doc, now) : { id: r.id, v: doc.version, t: r.t, w: now, x: 1 });
      else if (!doc && r.w < now - STALE_CLAIM_MS) back.push({ id: r.id, v: r.v, t: r.t, w: now, x: 1 });
    });
    if (back.length) {
      await people.append(key, back, list.policy).catch(() => undefined);
      // A report erased between its lookup above and this write: its erasure's `forget` may have run before the
      // write, so the row would name it again. Looked at once more after the write: erased now, its rows go.
      // (Erasure marks the report ERASED before its forget, so a row written after that forget is seen here.)
      const after = await Promise.all(back.map((r) => reports.findOne({ _id: r.id }, { projection: { status: 1 } })));
      await Promise.all(back.map((r, i) => (after[i]?.status === 'ERASED' ? people.forget(r.id) : undefined)));
    }
    return shown.flatMap((r) => {
      if (!isPending(r)) return [list.parse(r.s!)];
      const doc = fromReports.get(r.id);
      return doc ? [list.parse(list.listing(doc))] : [];
    });
  }

  return {
    /**
     * The find tables' reads (search-index.ts): a term's count and slots, a reference's report, whether a report is
     * filed, a term's routed floor. Their writes are this repository's (`insert`, `applyChange`, `fileSearchTerms`),
     * but for the routed floor, which only a search learns (`raiseFloor`: a hint, never a filing).
     */
    search: { count: search.count, read: search.read, idOfReference: search.idOfReference, isFiled: search.isFiled, routedFloor: search.routedFloor, raiseFloor: search.raiseFloor },
    /** What triage counts a report's sound-alike terms from (search-index.ts `filedSlots`, `countFrom`). */
    searchFilings: { filedSlots: search.filedSlots, countFrom: search.countFrom },
    /**
     * Files a stored report under exactly `terms` outside a change (`addOnly`: adds what is missing, removes nothing):
     * the migrations that file reports stored before the search table existed (src/migrations/0002-search-terms.ts) or
     * before it held name parts (src/migrations/0003-name-parts.ts) or scripted skeleton codes
     * (src/migrations/0004-skeleton-scripts.ts) add only, since a change committed after their
     * read of a report has filed its own terms, which an exact filing from the older read would blank.
     * Answers how many terms were newly filed (0: it was filed so already).
     */
    fileSearchTerms: (id: string, terms: readonly string[], opts: { addOnly?: boolean } = {}) => search.sync(id, terms, opts),
    /**
     * Takes a stored report out of `retired` terms, codes no longer filed nor looked up (store migration 4 removes
     * the bare skeleton codes: src/migrations/0004-skeleton-scripts.ts). Answers how many slots it left.
     */
    unfileSearchTerms: (id: string, retired: readonly string[]) => search.unfile(id, retired),
    /** Every report, whole, in store order (a scan: the key rotation re-indexes and re-seals what is not under the current keys). */
    async *scanAll(): AsyncGenerator<ReportDoc> {
      for await (const doc of reports.find({})) yield doc;
    },
    /** Up to `limit` whole reports after `_id` `after` (null: from the start), in `_id` order (a migration's resumable batches). */
    pageAfter: (after: string | null, limit: number) =>
      reports
        .find(after === null ? {} : { _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray(),
    /** Whether no report is stored at all (a new store: migrations). */
    isEmpty: async () => !(await reports.findOne({}, { projection: { _id: 1 } })),
    /** Reports closed on or before `closedBefore`, oldest first, at most `limit` (the retention review: a scan on the local store, rare). */
    closedBefore: (closedBefore: Date, limit: number) =>
      reports
        .find({ status: 'CLOSED', closedAt: { $lte: closedBefore } }, { projection: { _id: 1, reference: 1, closedAt: 1 } })
        .sort({ closedAt: 1 })
        .limit(limit)
        .toArray() as Promise<Pick<ReportDoc, '_id' | 'reference' | 'closedAt'>[]>,
    /** Attached files' encrypted chunks and in-flight uploads (attachment-chunks.ts). */
    attachmentChunks,
    /** The statistics entries and day figures (statistics.ts). */
    statistics,
    /**
     * Reports with a history entry since `since`, without content (the statistics reconciliation:
     * a scan of `reports` on FerretDB, nightly only; on MongoDB an index on `history.at` would serve it).
     */
    statisticsSources: (since: Date): AsyncIterable<StatisticsSource> =>
      reports.find({ 'history.at': { $gte: since } }, { projection: STATISTICS_SOURCE_PROJECTION }) as unknown as AsyncIterable<StatisticsSource>,

    async ensureIndexes() {
      await side.ensureIndexes();
      await attachmentChunks.ensureIndexes();
      await reports.createIndex({ reference: 1 }, { unique: true });
      await reports.createIndex({ idempotencyKey: 1 }, { unique: true });
      await reports.createIndex({ desk: 1, status: 1, priority: 1, receivedAt: 1, _id: 1 });
      await reports.createIndex({ triagePending: 1, recordedAt: 1 });
      await reports.createIndex({ status: 1, closedAt: 1 });
      await reports.createIndex({ 'recordedBy.id': 1, recordedAt: -1 });
      await reports.createIndex({ escalated: 1, status: 1 });
      await search.backfillReferences(reports.find({}, { projection: { _id: 1, reference: 1 } }));
      await holdings.ensureIndexes();
      await holdings.backfill(reports.find({ status: { $in: [...HELD_STATUSES] } }, { projection: { _id: 1, status: 1, assignee: 1 } }));
      await supervisorWatch.backfill(
        reports.find({ $or: [{ status: 'TRIAGE_FAILED' }, { escalated: true }] }, { projection: { _id: 1, receivedAt: 1, status: 1, escalated: 1, assignee: 1 } }),
      );
      await submissions.ensureIndexes();
      await submissions.backfill(
        reports.find({ recordedAt: { $gte: new Date(Date.now() - SUBMISSIONS_WINDOW_MS) } }, { projection: { _id: 1, recordedBy: 1, recordedAt: 1 } }),
      );
      // The lists people wait on, filed once from the tables they replace (person-lists.ts): pending rows, checked by their first read.
      if (!(await people.isFiledOnce())) {
        people.forgetSlots();
        const now = Date.now();
        const filing = new Map<string, { list: PeopleList<unknown>; rows: ListRow[] }>();
        const file = (list: PeopleList<unknown>, person: string, row: ListRow) => {
          const key = listKey(list, person);
          filing.set(key, { list, rows: [...(filing.get(key)?.rows ?? []), row] });
        };
        for (const h of await holdings.all(100_000)) file(HELD, h.holder, { id: h.reportId, v: 0, t: 0, w: now, p: 1 });
        for (const e of await submissions.entriesSince(new Date(now - SUBMISSIONS_WINDOW_MS))) file(SUBMITTED, e.by, { id: e._id, v: 0, t: e.recordedAt.getTime(), w: now, p: 1 });
        for (const [key, { list, rows }] of filing) await people.append(key, rows, list.policy);
        await people.markFiled();
      }
      await intakeTally.ensureIndexes();
      await partnerReferrals.ensureIndexes();
      await statistics.ensureIndexes();
      await intakeTally.backfill(reports.find({ recordedAt: { $gte: new Date(Date.now() - 2 * 24 * 3600_000) } }, { projection: { _id: 1, channel: 1, recordedAt: 1, status: 1 } }));
    },

    /**
     * Human-readable, unique, per year: ATH-2026-000123. Numbers are handed
     * out from blocks of REFERENCE_BLOCK that a process reserves by
     * inserting `<prefix>-<year>#<block>` into `counters` (a unique insert:
     * the one write FerretDB makes atomic; its `$inc` is not, and racing
     * increments handed the same number to several intakes, each then
     * retrying). So references are unique but not in time order across
     * processes, and a restart leaves the rest of a block unused.
     */
    nextReference,

    /** After a collision (a reference stored outside this scheme): moves on to a fresh block. */
    skipReferenceBlock,

    /**
     * Stores a new report with everything it is filed under: its search terms, its recorder's recent submissions
     * (staff only) and today's intake tally, filed first (an entry may be stale, never missing: readers check the
     * report), while the next reference of `filings.referencePrefix` is claimed in `report_refs` (unique, found by
     * `_id`); then the report, sealed (envelope MAC), in one insert. Its id is derived from the submission, so a
     * retry collides on `_id`: `existing` is then the report stored first (the caller checks it is the same
     * submission), with `stored` false. A reference taken outside the block scheme moves on to the next block.
     *
     * It goes to triage by the queue; only when the queue does not take it does it get an outbox entry
     * (`markPending`), and a report left with neither (a process killed in between) is found by `findUnrouted`.
     * On the local store every write waits for the one writer, so an outbox entry for every report cost two writes
     * of about a dozen.
     */
    async insert(draft: ReportDraft, filings: NewReportFilings): Promise<{ stored: true; doc: ReportDoc } | { stored: false; existing: ReportDoc }> {
      const id = draft._id;
      const filing = Promise.all([
        search.sync(id, filings.searchTerms, { fresh: true }),
        // Pending in its recorder's "my submissions" (person-lists.ts): the first read settles it from the report.
        draft.recordedBy.type === 'user'
          ? people.append(listKey(SUBMITTED, draft.recordedBy.id), [{ id, v: draft.version, t: SUBMITTED.sortTime(draft), w: Date.now(), p: 1 }], SUBMITTED.policy)
          : null,
        // Today's intake by channel for the supervisor overview (intake-tally.ts): one insert, never a scan of `reports` to count.
        intakeTally.note(id, draft.channel, draft.recordedAt),
      ]);
      filing.catch(() => undefined); // awaited below: this only keeps a failed reference claim from leaving it unhandled
      for (let attempt = 0; ; attempt++) {
        const reference = await nextReference(filings.referencePrefix, draft.recordedAt);
        if (!(await search.claimReference(reference, id))) {
          await skipReferenceBlock(filings.referencePrefix, draft.recordedAt);
          if (attempt >= 50) throw new Error('no free reference after 50 attempts');
          continue;
        }
        const doc = { ...draft, reference, auditPending: filings.auditPending(reference) } as ReportDoc;
        await filing;
        Object.assign(doc, envelope.seal(doc));
        // Through the group commit: a key taken (the same submission stored first, or the reference) is false.
        if (await insertIfAbsent(reports, doc)) return { stored: true, doc };
        // Two copies of the same submission raced: the first one stored wins.
        const existing = await reports.findOne({ _id: id });
        if (existing) await freshness.assertCurrent(existing);
        if (existing) return { stored: false, existing };
        // Otherwise the reference was taken (the counter is only a hint): take the next one.
        await skipReferenceBlock(filings.referencePrefix, draft.recordedAt);
        if (attempt >= 50) throw new Error('no free reference after 50 attempts');
      }
    },

    /** Puts a stored report in the outbox: its hand-off to the queue failed. */
    markPending: (doc: Pick<ReportDoc, '_id' | 'recordedAt' | 'imminentThreat'> & Partial<Pick<ReportDoc, 'source'>>) => side.enterOutbox(doc._id, doc.recordedAt, doc.imminentThreat, doc.source === 'PARTNER_REFERRAL'),

    /** Reports still pending triage, recorded before `recordedBefore` (a scan of reports on FerretDB: rare use only). */
    findUnrouted: async (recordedBefore: Date, limit: number) =>
      reports.find({ triagePending: true, recordedAt: { $lte: recordedBefore } }, { projection: { _id: 1, imminentThreat: 1, source: 1 } }).limit(limit).toArray(),

    /**
     * The report, or null; DATA_INTEGRITY (alarmed) when the document is not
     * its current version: rolled back, or put back after erasure (freshness.ts).
     * Every reader that trusts a report's state reads it here or through the
     * finders below, and so does every writer (applyChange checks again).
     */
    /** Every report's id, streamed in `_id` order (a scan: backup:verify reads each one through the vault). */
    async *allIds(batchSize = 500): AsyncGenerator<string> {
      for await (const doc of reports.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).batchSize(batchSize)) yield doc._id;
    },

    async findById(id: string) {
      const doc = await reports.findOne({ _id: id });
      if (doc) await freshness.assertCurrent(doc);
      if (doc) checkedAtRead.add(doc);
      return doc;
    },
    /** Several reports by id, through the kept copies, each checked current (above). */
    findManyById,
    /**
     * The link chart's reports (reports/desk/neighbourhood.ts), in their order (null: no such report): a report kept
     * here (report-cache.ts) as `findManyById` has it; else its card (reports/model/card.ts: a small document FerretDB
     * decodes in a fraction of a report's time; one read here within the minute is kept like a report) when its MAC
     * verifies and it is its report's current version (the version claims and tombstones, as for a kept copy); else
     * the report read whole, with `findManyById`'s check.
     * A card that does not verify is told to `forged` and its report read whole. The caller files the cards of what
     * it read whole (`fileCards`).
     */
    async findForChart(ids: readonly string[], atOnce: number, forged: (id: string) => void): Promise<ChartRead[]> {
      const copied = ids.filter((id) => kept.get(id) !== undefined);
      const others = ids.filter((id) => !copied.includes(id));
      const cardsKept = others.map((id) => keptCards.get(id)).filter((c): c is ReportCard => !!c);
      const cardKept = new Set(cardsKept.map((c) => c._id));
      const unkept = others.filter((id) => !cardKept.has(id));
      const [copies, found] = await Promise.all([copied.length ? findManyById(copied, atOnce) : [], cards.read(unkept, atOnce, forged)]);
      const present = [...cardsKept, ...found.filter((c): c is ReportCard => c !== null)];
      const current = present.length ? await freshness.unchangedSince(present) : new Set<string>();
      for (const c of present) if (current.has(c._id)) keptCards.put(c);
      else keptCards.drop(c._id);
      const usable = new Map(present.filter((c) => current.has(c._id)).map((c) => [c._id, c]));
      const whole = others.filter((id) => !usable.has(id));
      const read = whole.length ? await findManyById(whole, atOnce) : [];
      const docs = new Map<string, ReportDoc | null>([...copied.map((id, i) => [id, copies[i] ?? null] as const), ...whole.map((id, i) => [id, read[i] ?? null] as const)]);
      return ids.map((id) => {
        const card = usable.get(id);
        if (card) return { card };
        const doc = docs.get(id);
        return doc ? { doc } : null;
      });
    },
    /**
     * Files cards (cards.ts: not those this process filed at the same version), then looks for the tombstone of each
     * report whose card it wrote: a report erased meanwhile (its erasure deleted its card before this one was written)
     * loses the card again, so none outlives its report. Cards are made only from reports read current and decrypted
     * by their caller (the terms come from the values).
     */
    async fileCards(list: readonly ReportCard[]): Promise<void> {
      const written = await cards.file(list);
      if (!written.length) return;
      const erased = await freshness.buried(written);
      if (erased.size) await cards.forget([...erased]);
    },
    /** Key rotation: every card goes (their terms are under the index key being retired); reports are carded again as they are linked and charted. */
    clearCards: () => cards.clear(),
    /** Throws ReportRollbackError (DATA_INTEGRITY, alarmed) unless `doc` is its report's current version (freshness.ts): for readers by scan (key rotation). */
    assertCurrent: (doc: Pick<ReportDoc, '_id' | 'version' | 'status'>) => freshness.assertCurrent(doc),
    /** Why a report as read is not its current version, or null (verifyReportHistory: freshness.ts). */
    stalenessOf: (doc: Pick<ReportDoc, '_id' | 'version' | 'status'>) => freshness.staleness(doc),
    /**
     * A report to decrypt its indexed values (search's deconfliction, an entity page, a link's shared values) if it is
     * its report's current version, else null (alarmed): through the kept copies like linking's candidates
     * (report-cache.ts), so a report opened again within a minute costs its freshness lookups, not a read.
     */
    findForConfirming: async (id: string) => (await findCurrent([id]))[0] ?? null,
    /**
     * A search page's candidates, in their order (null: none, or not current), through the kept copies like the
     * chart's (report-cache.ts: a crowded term's newest reports are every search's first candidates). One that
     * `checked` accepts (the viewer may read it) is checked to be its report's current version (`currentOrNull`,
     * freshness.ts: two lookups by `_id`; null, alarmed, when not) and kept; any other is returned as read, unchecked
     * and not kept: nothing of it is trusted but that it is not the viewer's to read (a version put back cannot move a
     * report awaiting triage to a desk: it never had one), and the deconfliction checks it before decrypting it. A
     * kept copy is current, whoever may read it. Read whole, not without history: a copy the chart is given next must
     * hold it, and FerretDB decodes the whole document for any projection.
     */
    async findCandidates(ids: readonly string[], checked: (doc: ReportDoc) => boolean): Promise<(ReportDoc | null)[]> {
      const unchecked = new Map<string, ReportDoc>();
      const docs = await throughKept(ids, (some) =>
        Promise.all(
          some.map(async (_id) => {
            const doc = await reports.findOne({ _id });
            if (!doc || checked(doc)) return freshness.currentOrNull(doc);
            unchecked.set(doc._id, doc);
            return null;
          }),
        ),
      );
      return ids.map((id, i) => docs[i] ?? unchecked.get(id) ?? null);
    },
    /**
     * The candidate if it is its report's current version; null (alarmed) if not (freshness.ts `currentOrNull`). A
     * document this repository handed out through the kept copies was found current then, and is not checked again.
     */
    currentOrNull: <T extends Pick<ReportDoc, '_id' | 'version' | 'status'>>(doc: T | null) => (doc && foundCurrent.has(doc as unknown as ReportDoc) ? Promise.resolve(doc) : freshness.currentOrNull(doc)),
    /** The report holding `reference` (through report_refs: a lookup by _id, never a scan), or null. */
    async findByReference(reference: string) {
      const id = await search.idOfReference(reference);
      const doc = id ? await reports.findOne({ _id: id }) : null;
      if (doc?.reference !== reference) return null;
      await freshness.assertCurrent(doc);
      return doc;
    },

    /**
     * Every report holding audit events of changes made between `since` and `staleBefore`, streamed `batchSize` at a
     * time (one scan on FerretDB, however many: recovery only). All of them, not a first batch: a report keeps its
     * last change's events, chained or not, until its next change, so a first batch would be the same reports run
     * after run once that many changed in the window, and an unchained event beyond them never looked at.
     * FerretDB 1.24 answers `$elemMatch` with nothing, so the range is on the array path (any element; on MongoDB: `$elemMatch`).
     */
    auditPendingReports: (staleBefore: Date, since: Date, batchSize: number): AsyncIterable<Pick<ReportDoc, '_id' | 'auditPending'>> =>
      reports.find({ 'auditPending.at': { $lte: staleBefore, $gte: since } }, { projection: { _id: 1, auditPending: 1 } }).batchSize(batchSize),
    findSummary: (id: string) => reports.findOne({ _id: id }, { projection: SUMMARY_PROJECTION }),
    /** A report's attachment records alone (none: an empty list), for the partner's status and the upload sweep. */
    attachmentsOf: async (id: string) => (await reports.findOne({ _id: id }, { projection: { _id: 1, attachments: 1 } }))?.attachments ?? [],
    /** Id → reference for the given ids (an erased report's tombstone keeps its reference): the audit screen names reports by reference. */
    async referencesOf(ids: readonly string[]): Promise<Map<string, string>> {
      if (!ids.length) return new Map();
      const docs = await reports.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, reference: 1 } }).toArray();
      return new Map(docs.map((d) => [d._id, d.reference]));
    },
    /** What history verification needs: the chain and where the report sits, no content. */
    findHistory: (id: string) => reports.findOne({ _id: id }, { projection: { _id: 1, desk: 1, reference: 1, status: 1, version: 1, history: 1 } }),

    /**
     * Applies one change to the report `doc` as read (the whole document),
     * only if nobody changed it since (same version) and `where` holds for
     * it. Returns the updated document, or null when the precondition failed
     * (the caller decides between CONFLICT and a retry).
     *
     * FerretDB (SQLite) applies updates as read, modify, write without a
     * lock, so two conditional updates can both "win"; and every filter but
     * `{ _id }` is evaluated by decoding the whole collection. The only write
     * it makes atomic is an insert against a unique _id, so the move from
     * version v to v+1 is claimed by inserting `<report id>:<v+1>` into
     * `report_versions`: exactly one writer gets it. A claim that was used is
     * never given back, so holding it proves the report is still at version
     * v, as read (every writer of a report goes through here); the update
     * then names the report by `_id` alone. A claim left by a writer that
     * died is taken over once stale, after checking the version and that the
     * change it claimed was never made (freshness.ts).
     *
     * Freshness: `doc` must be the report's current version (freshness.ts:
     * not rolled back, not put back after erasure), or DATA_INTEGRITY; an
     * erasure leaves a keyed tombstone and removes the report's claims.
     *
     * The side tables follow the report: queue and outbox entries are added
     * before the update and removed after it, so a crash leaves at worst a
     * stale entry, never a missing one (the rows of the lists people wait on
     * likewise: a pending row before a change that makes or ends a person's
     * membership, the settled or removed row after it, person-lists.ts); link terms the change drops (erasure)
     * are removed before it, so an erased value is never findable afterwards.
     *
     * The envelope MAC: `doc` as read must pass its check, so a change never
     * blesses a tampered report (ReportIntegrityError, DATA_INTEGRITY); with
     * `onTampered: 'keepFlagged'` (recording a triage failure, erasure) the
     * change lands and the report keeps failing (its MAC is not renewed and
     * the version moves on). The same update sets the MAC of the report as
     * the change leaves it: the version claim makes `doc` exactly the report
     * being updated.
     */
    async applyChange(
      doc: ReportDoc,
      change: {
        where?: Filter<ReportDoc>;
        set?: Partial<ReportDoc>;
        history: HistoryInput[];
        push?: Record<string, unknown>;
        onTampered?: 'keepFlagged';
        filings?: ChangeFilings;
        /**
         * `doc` is the very object `findById` returned (checked then): only its tombstone is looked up again, not its
         * next version's claim, which the claim below settles (the triage worker and desk changes, reports/desk/change.ts
         * applyOnce: one lookup fewer a change).
         */
        checkedAtRead?: boolean;
      },
    ) {
      const tampered = envelope.problems(doc);
      if (tampered && change.onTampered !== 'keepFlagged') throw new ReportIntegrityError(doc._id, tampered);
      // Never a change on a rolled-back or un-erased report, erasure included (it would bless it): key rotation reads reports by scan.
      // A document `findById` checked (and handed out, once): a later change holds the next version's claim, so
      // claimVersion below fails on it; an erasure since deletes the claims, so its tombstone is still looked up.
      if (change.checkedAtRead && checkedAtRead.delete(doc)) await freshness.assertNotErased(doc);
      else await freshness.assertCurrent(doc);
      if (!matchesFilter(doc, change.where ?? {})) return null;
      // A partner report's times are kept to the minute (reports/rules/partner-time.ts).
      change = { ...change, set: timesFor(doc, change.set), history: timesFor(doc, change.history), push: timesFor(doc, change.push) };
      const claimId = `${doc._id}:${doc.version + 1}`;
      if (!(await claimVersion(claimId, doc))) return null;
      const next = { ...doc, ...(change.set ?? {}), version: doc.version + 1 } as ReportDoc;
      const before = queueEntryOf(doc);
      const entry = queueEntryOf(next);
      if (entry && !sameEntry(entry, before)) await side.queue.put(entry);
      if (next.triagePending && !doc.triagePending) await side.enterOutbox(doc._id, doc.recordedAt, doc.imminentThreat, isPartnerSourced(doc));
      // The people's lists (holdings.ts, supervisor-watch.ts) gain their entry before the change, lose it after.
      const [heldBefore, heldNext] = [holderOf(doc), holderOf(next)];
      const watchNext = needsSupervisor(next) && !needsSupervisor(doc);
      if (watchNext) await supervisorWatch.put(doc);
      // The lists people wait on (person-lists.ts): a change that makes or ends a membership leaves a pending row first.
      // Erasure writes none: it takes the report's rows out of every list instead (below), so none names it afterwards.
      const erasing = !!doc.content && !!change.set && 'content' in change.set && !change.set.content;
      const now = Date.now();
      const owners = PEOPLE_LISTS.map((list) => (erasing ? [null, null] : [list.owner(doc, now), list.owner(next, now)]) as readonly [string | null, string | null]);
      await Promise.all([
        heldNext && heldNext !== heldBefore ? holdings.put(heldNext, doc._id) : null,
        ...PEOPLE_LISTS.flatMap((list, i) => {
          const [was, will] = owners[i]!;
          if (was === will) return [];
          return [was, will].filter((o): o is string => !!o).map((o) => people.append(listKey(list, o), [{ id: doc._id, v: next.version, t: list.sortTime(doc), w: now, p: 1 }], list.policy));
        }),
      ]);
      // What the change is filed under (ChangeFilings), before it: findable by its new values, listed, never missing.
      if (change.filings) {
        const { searchTerms, followUp } = change.filings;
        await Promise.all([
          searchTerms ? search.sync(doc._id, searchTerms) : null,
          followUp ? submissions.noteFollowUp(doc._id, followUp.addendumId, followUp.by, followUp.recordedAt) : null,
        ]);
      }
      // Terms a change drops (erasure) leave the link index before the report changes: never findable after.
      await side.removeTerms(doc._id, (doc.bidx ?? []).filter((term) => !(next.bidx ?? []).includes(term)));
      if (doc.content && change.set && 'content' in change.set && !change.set.content) {
        // Erasure: never findable after, and the reference table keeps the claim on the reference but not the id.
        await search.remove(doc._id);
        await search.releaseReference(doc.reference, doc._id);
        await submissions.forget(doc._id);
        await people.forget(doc._id);
        await intakeTally.forget(doc._id);
        await partnerReferrals.forget(doc._id);
      }
      const update: UpdateFilter<ReportDoc> = {
        $inc: { version: 1 },
        $push: { history: { $each: nextHistoryEntries(integrity, doc.history, change.history) }, ...(change.push ?? {}) } as never,
      };
      const set = tampered ? { ...change.set } : { ...change.set, ...envelope.seal(afterChange(doc, change.set, change.push)) };
      if (Object.keys(set).length) update.$set = set;
      // If this throws, whether it landed is unknown: the claim stays, and a later
      // takeover finds out from the version (see claimVersion).
      const updated = await reports.findOneAndUpdate({ _id: doc._id }, update, { returnDocument: 'after' });
      if (!updated) {
        if (heldNext && heldNext !== heldBefore) await holdings.drop(heldNext, doc._id);
        if (watchNext) await supervisorWatch.drop(doc._id);
        return null;
      }
      if (updated.version !== doc.version + 1) throw new Error(`report ${doc._id} was written outside applyChange`);
      // Erased now (or a later change of an erased report, e.g. a re-seal): the tombstone, and no claim names it any more.
      if (updated.status === 'ERASED') {
        await freshness.bury(doc._id, updated.version);
        await cards.forget([doc._id]); // after the tombstone: a card filed after this is found buried by its filer (`fileCards`)
      }
      // Only the writes the change needs: on FerretDB even a delete that matches nothing waits for the one writer.
      const after = queueEntryOf(updated);
      if (after && !sameEntry(after, entry)) await side.queue.refresh(after, entry);
      await side.queue.dropOutside(after, [before, entry]);
      if (doc.triagePending && !updated.triagePending) await side.leaveOutbox(doc._id);
      if (heldBefore && heldBefore !== holderOf(updated)) await holdings.drop(heldBefore, doc._id);
      if (needsSupervisor(doc) && !needsSupervisor(updated)) await supervisorWatch.drop(doc._id);
      // The lists: the owner's new row (unless a change left it as listed), then a removal for an owner it left.
      const at = Date.now();
      await Promise.all(
        PEOPLE_LISTS.flatMap((list, i) => {
          const was = owners[i]![0];
          const is = erasing ? null : list.owner(updated, at);
          const writes: Promise<void>[] = [];
          if (is && (is !== was || list.listing(updated) !== list.listing(doc))) writes.push(people.append(listKey(list, is), [settledRow(list, updated, at)], list.policy));
          if (was && was !== is) writes.push(people.append(listKey(list, was), [{ id: doc._id, v: updated.version, t: list.sortTime(doc), w: at, x: 1 }], list.policy));
          return writes;
        }),
      );
      // Erasure: its rows out again, in case a list's reader folded them into a snapshot meanwhile, and its id out of the queue heads.
      if (erasing) await Promise.all([people.forget(doc._id), side.queue.forgetInHeads(doc._id)]);
      return updated;
    },

    /** Outbox: reports recorded but not yet routed, oldest first (ids only; `route` confirms against the report). */
    findPendingTriage: (recordedBefore: Date, limit: number) =>
      side.outbox.find({ recordedAt: { $lte: recordedBefore } }).sort({ recordedAt: 1, _id: 1 }).limit(limit).toArray(),

    /** Makes the side tables agree with a report as stored (repairs what a crash left stale). */
    syncSideTables,
    findPendingEntry: (id: string) => side.outbox.findOne({ _id: id }),
    /** Drops an outbox entry whose report does not exist. */
    dropOrphanOutboxEntry: (id: string) => side.leaveOutbox(id),

    /** A desk's unclaimed, triaged reports by priority then age; keyset pagination; no content. */
    async deskQueue(desk: Desk, first: number, after: QueueCursor | null) {
      const { entries, hasNextPage } = await side.queue.page(desk, first, after);
      const docs: QueueSummary[] = entries.map(summaryOf);
      return { docs, hasNextPage };
    },

    /** A desk's unclaimed P1 and imminent-threat reports, most urgent first (the urgent alerts); no content. */
    urgentQueued: async (desk: Desk, limit: number): Promise<QueueSummary[]> => (await side.queue.urgent(desk, limit)).map(summaryOf),

    /** The report as its desk's queue lists it, or null when it is not waiting there (claimed, moved, closed). */
    queuedOn: async (desk: Desk, id: string): Promise<QueueSummary | null> => {
      const entry = await side.queue.findOn(desk, id);
      return entry ? summaryOf(entry) : null;
    },

    /** The ids of the top unclaimed reports of a desk, from the queue tables' heads: read the report before acting (desk-queue.ts). */
    claimCandidates: (desk: Desk, limit: number) => side.queue.candidates(desk, limit),
    /** Candidates a claim is done with (taken, or found no longer queued there and repaired): out of their heads. */
    passedCandidates: (done: readonly QueueCandidate[]) => side.queue.passed(done),

    /** Triaged, unclaimed, not yet escalated, past their deadline (the SLA safety net); ids only. */
    findOverdue: (now: Date, limit: number) => side.queue.overdue(now, limit),

    /**
     * Files a report under its blind-index terms, so later reports find it;
     * returns per term the `want` most recent reports filed there before it,
     * and the terms filed by more (`crowded`: filed all the same, left to search).
     */
    fileLinkTerms: (id: string, terms: readonly string[], want?: number, crowdedWant?: number) => side.fileTerms(id, terms, want, crowdedWant),
    /** The most recent reports filed under some terms, filing nothing (a previous index key's terms, during a rotation). */
    readLinkTerms: (id: string, terms: readonly string[], want?: number) => side.readTerms(id, terms, want),
    /** Every report filed under a term, newest first, a page at a time (search; link-terms.ts). */
    linkTermEntries: (term: string, limit: number, below?: number | null) => side.termEntries(term, limit, below),

    /** Those of `ids` in one of `statuses`: link candidates only, to confirm by decryption. Reads at most `limit` reports. */
    async findLinkCandidates(candidateIds: readonly string[], statuses: readonly ReportStatus[], limit = 50) {
      // One lookup by _id each: FerretDB pushes down nothing else (an $in of ids decodes the whole collection).
      // A candidate that is not its report's current version is left out (alarmed), like one failing its envelope.
      // Through the kept copies (report-cache.ts): a hot term's newest reports are every next report's candidates.
      const ids = [...new Set(candidateIds)].slice(0, limit);
      const docs = await findCurrent(ids);
      return docs.filter((d): d is ReportDoc => !!d && statuses.includes(d.status));
    },

    /** Records a link between two reports as its own edge (links.ts), filed under both ends. */
    recordLink: (edge: LinkEdge) => links.record(edge),
    /** Erasure: the report's edges, both directions (links.ts). Its link terms leave with its `bidx` (applyChange). */
    eraseLinksOf: (id: string) => links.eraseLinksOf(id),

    /**
     * A report's links in both directions: those it found at its triage
     * (embedded in it) and those later reports recorded to it (edges filed
     * under it), once each. Lookups by _id only: one when nothing was filed.
     */
    async linksOf(doc: Pick<ReportDoc, '_id' | 'links'>): Promise<ReportLink[]> {
      const own = doc.links ?? []; // embedded by reports triaged before links were sealed
      const filed = (await links.of(doc._id)).filter((l) => !own.some((o) => o.reportId === l.reportId));
      return [...own, ...filed];
    },
    /**
     * `linksOf` of several reports at once, in their order: each edge read once however many of them it joins, and
     * not again in a later call given the same `seen` (the link chart, links.ts `ofMany`).
     */
    async linksOfMany(docs: readonly Pick<ReportDoc, '_id' | 'links'>[], seen?: EdgesSeen): Promise<ReportLink[][]> {
      const filed = await links.ofMany(docs.map((d) => d._id), seen);
      return docs.map((doc, i) => {
        const own = doc.links ?? [];
        return [...own, ...filed[i]!.filter((l) => !own.some((o) => o.reportId === l.reportId))];
      });
    },
    /** Key rotation: re-keys link edges not yet under the current keys (links.ts). */
    rekeyLinkEdges: (sealedUnderCurrent: (where: string, sealed: unknown) => boolean, limit: number) => links.rekeyEdges(sealedUnderCurrent, limit),
    /** A supervisor's manual link (links.ts recordManual). */
    recordManualLink: (edge: LinkEdge) => links.recordManual(edge),
    /** A supervisor's unlink, or a possible link flagged wrong (`by`): the edge becomes a tombstone (links.ts dismiss); false when the pair has no edge. */
    dismissLink: (a: string, b: string, at: Date, by?: string) => links.dismiss(a, b, at, by),
    /** One link edge by the ids of its ends, or null. */
    findLinkEdge: (a: string, b: string) => links.find(a, b),

    /** Key rotation: reports whose data key is wrapped by another master key (whole: the re-wrap checks and renews the envelope MAC). */
    findWrappedByOtherKeys: (currentKeyId: string, limit: number) =>
      reports
        .find({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } })
        .limit(limit)
        .toArray(),
    countWrappedByOtherKeys: (currentKeyId: string) => reports.countDocuments({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } }),

    /** Current desk and status of some reports (e.g. the targets of links); nothing else. */
    async findDesks(ids: string[]) {
      const docs = await Promise.all(ids.map((id) => reports.findOne<Pick<ReportDoc, '_id' | 'desk' | 'status'>>({ _id: id }, { projection: { _id: 1, desk: 1, status: 1 } })));
      return docs.filter((d) => d !== null);
    },

    /**
     * What needs a supervisor: triage failures and escalated reports nobody
     * has claimed (the watch table, supervisor-watch.ts), and reports still
     * waiting for triage since before `stuckBefore`: among those in the
     * outbox and `waiting` (the triage queue's unfinished jobs). Each is
     * checked against the report; never a scan of `reports`. A report in
     * neither (its process killed mid-hand-off) shows once the worker's
     * reconciliation has put it in the outbox.
     */
    async supervisorQueue(stuckBefore: Date, limit: number, waiting: readonly string[] = []) {
      const [watched, outboxed] = await Promise.all([supervisorWatch.ids(limit), side.outbox.find({ recordedAt: { $lte: stuckBefore } }, { projection: { _id: 1 } }).limit(limit).toArray()]);
      const ids = [...new Set([...watched, ...outboxed.map((o) => o._id), ...waiting])];
      const docs = await Promise.all(ids.map((id) => reports.findOne({ _id: id }, { projection: SUMMARY_PROJECTION })));
      const stuck = (d: ReportDoc) => d.status === 'RECEIVED' && d.recordedAt.getTime() <= stuckBefore.getTime();
      return docs
        .filter((d): d is ReportDoc => !!d && (needsSupervisor(d) || stuck(d)))
        .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a._id.localeCompare(b._id))
        .slice(0, limit);
    },

    /**
     * The reports `userId` holds now, as summaries (no content): from the
     * holdings table (holdings.ts), each checked against the report. Never a
     * scan of `reports`.
     */
    async findHeldBy(userId: string, limit = 1_000) {
      const ids = await holdings.heldBy(userId, limit);
      const docs = await Promise.all(ids.map((id) => reports.findOne({ _id: id }, { projection: SUMMARY_PROJECTION })));
      // A stale entry is left alone: it may belong to a claim about to commit (its entry is written first).
      return docs.filter((d): d is ReportDoc => !!d && holderOf(d) === userId);
    },

    /**
     * A member of staff's own follow-up calls since `since`, newest first:
     * the reference and when, for each follow-up that was stored (its
     * addendum is in the report) and whose report is not erased.
     */
    async findRecentFollowUpsBy(principalId: string, since: Date, limit: number): Promise<{ reference: string; recordedAt: Date }[]> {
      const found = await submissions.followUpsSince(principalId, since, limit);
      const docs = await Promise.all(found.map((e) => reports.findOne({ _id: e.reportId }, { projection: { reference: 1, status: 1, 'content.addenda.id': 1 } })));
      return found.flatMap((e, i) => {
        const doc = docs[i];
        if (!doc || doc.status === 'ERASED' || !doc.content?.addenda?.some((a) => a.id === e.addendumId)) return [];
        return [{ reference: doc.reference, recordedAt: e.recordedAt }];
      });
    },
    /** After a partner referral is stored (partner-referrals.ts): the organisation's list, without a scan of `reports`. */
    notePartnerReferral: (entry: PartnerReferralEntry) => partnerReferrals.note(entry),
    /** One page of an organisation's referrals, newest first (partner-referrals.ts). */
    partnerReferralPage: (partnerId: string, after: { at: Date; id: string } | null, limit: number) => partnerReferrals.page(partnerId, after, limit),
    /** The ids of an organisation's referrals, newest first, at most `limit`. */
    partnerReferralIds: (partnerId: string, limit: number) => partnerReferrals.idsOf(partnerId, limit),
    /** How many reports each channel brought on a London day (intake-tally.ts). */
    intakeOn: (day: string) => intakeTally.countsOn(day),
    /** The worker's periodic prune of `recent_submissions` and `intake_tally` (both short-lived). */
    pruneSubmissions: async () => (await submissions.prune()) + (await intakeTally.prune()) + (await people.prune()),

    /**
     * The reports held now, with their holders (the supervisor overview and
     * the reassignment list): every entry of the holdings table (holdings.ts),
     * each checked against the report by `_id`; never a scan of `reports`.
     */
    async holdingsNow(limit = 2_000) {
      const entries = await holdings.all(limit);
      const docs = await Promise.all(entries.map((e) => reports.findOne({ _id: e.reportId }, { projection: SUMMARY_PROJECTION })));
      return entries.flatMap((e, i) => {
        const doc = docs[i];
        return doc && holderOf(doc) === e.holder ? [{ holder: e.holder, doc }] : [];
      });
    },

    /** A desk's first unclaimed reports in queue order, as summaries (desk-queue.ts): the P1 table first. */
    unclaimedOf: async (desk: Desk, limit: number) => (await side.queue.page(desk, limit, null)).entries.map(summaryOf),
    /** Escalated unclaimed reports, every desk, as summaries (the desk queue tables' `escalated` flag). */
    escalatedUnclaimed: async (limit: number) => (await side.queue.escalated(limit)).map(summaryOf),

    /** Desk queue depth and oldest entry per desk and priority (metrics, read at scrape time). */
    queueStats: () => side.queue.stats(),
    /** Unclaimed reports per desk and priority, and how many escalated (the supervisor overview, from the desk queue tables). */
    queueCounts: () => side.queue.counts(),
    /** Entries in the triage outbox (metrics). */
    outboxSize: () => side.outbox.countDocuments(),
    /** The group commit's batches so far (src/db/group-commit.ts): commands sent, documents they carried, the largest. */
    groupCommitStats: () => group.stats(),

    /**
     * A member of staff's own submissions since `since`, newest first, at most `limit`, as listed (people-rows.ts
     * SubmittedRow: the files they attached included): their list in `person_lists` (person-lists.ts), a handful
     * of lookups by `_id` whatever the store holds, plus one per pending row (a report recorded since the last read).
     */
    async recentSubmissionsOf(principalId: string, since: Date, limit: number): Promise<SubmittedRow[]> {
      // Sorted by recording time, which a row's pending and settled forms share (SUBMITTED.sortTime).
      return readList(SUBMITTED, principalId, (rows) => rows.filter((r) => r.t >= since.getTime()).sort((a, b) => b.t - a.t).slice(0, limit));
    },

    /**
     * The reports `userId` holds now, as summaries (no content): their list in `person_lists` (person-lists.ts),
     * the rows carrying the listing, so a handful of lookups by `_id` plus one per pending row. Never a scan.
     */
    async heldListOf(userId: string, limit = 1_000): Promise<QueueSummary[]> {
      return readList(HELD, userId, (rows) => rows.slice(0, limit));
    },
  };
}
