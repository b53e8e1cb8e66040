/**
 * The only code touching the `reports`, `counters` and `report_versions`
 * collections (and, through side-tables.ts, the tables that index them). Every change is one single-document update guarded by the
 * version the caller read (FerretDB has no transactions, and its conditional
 * updates are not atomic: see applyChange), and appends its history
 * entries in the same update.
 */
import type { Db, Filter, UpdateFilter } from 'mongodb';
import type { Desk } from '../auth/types.js';
import { nextHistoryEntries, type HistoryInput } from './history.js';
import { matches, projected } from './match.js';
import { createSideTables, queueEntryOf, sameEntry, type QueueEntry } from './side-tables.js';
import type { Priority, ReportDoc, ReportStatus } from './types.js';

export type ReportRepository = ReturnType<typeof createReportRepository>;

/** After this long, an unfinished version claim is presumed abandoned by a dead writer. */
export const STALE_CLAIM_MS = 30_000;

/** Fields a listing needs: no content, no history, no keys. */
export const SUMMARY_PROJECTION = { content: 0, history: 0, dataKey: 0, bidx: 0 } as const;

export interface QueueCursor {
  priority: Priority;
  receivedAt: Date;
  id: string;
}

export function createReportRepository(db: Db) {
  const reports = db.collection<ReportDoc>('reports');
  const counters = db.collection<{ _id: string; seq: number }>('counters');
  const versions = db.collection<{ _id: string; at: Date }>('report_versions');

  /**
   * Claims a version transition. A claim left behind by a writer that died
   * between claiming and updating is taken over once it is old and the
   * report is still at the version it was claimed from.
   */
  async function claimVersion(claimId: string, doc: Pick<ReportDoc, '_id' | 'version'>): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await versions.insertOne({ _id: claimId, at: new Date() });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
      const claim = await versions.findOne({ _id: claimId });
      if (!claim || Date.now() - claim.at.getTime() < STALE_CLAIM_MS) return false;
      const current = await reports.findOne({ _id: doc._id }, { projection: { version: 1 } });
      if (current?.version !== doc.version) return false;
      await versions.deleteOne({ _id: claimId, at: claim.at });
    }
    return false;
  }
  const side = createSideTables(db);

  /** Makes the side tables agree with a report as stored. */
  async function syncSideTables(doc: ReportDoc) {
    await side.setQueueEntry(doc._id, queueEntryOf(doc));
    if (!doc.triagePending) await side.setPending(doc._id, doc.recordedAt, false);
  }

  /**
   * The report behind a queue entry, if it really is queued as the entry
   * says; otherwise the entry is repaired from the report and null returned.
   */
  async function confirmQueued(entry: QueueEntry, projection: Record<string, 0 | 1>): Promise<ReportDoc | null> {
    const doc = await reports.findOne({ _id: entry._id });
    const actual = doc ? queueEntryOf(doc) : null;
    if (sameEntry(actual, entry)) return projected(doc!, projection);
    await side.setQueueEntry(entry._id, actual);
    return null;
  }

  return {
    collection: reports,

    async ensureIndexes() {
      await side.ensureIndexes();
      await reports.createIndex({ reference: 1 }, { unique: true });
      await reports.createIndex({ idempotencyKey: 1 }, { unique: true });
      await reports.createIndex({ desk: 1, status: 1, priority: 1, receivedAt: 1, _id: 1 });
      await reports.createIndex({ triagePending: 1, recordedAt: 1 });
      await reports.createIndex({ status: 1, closedAt: 1 });
      await reports.createIndex({ 'recordedBy.id': 1, recordedAt: -1 });
      await reports.createIndex({ escalated: 1, status: 1 });
    },

    /** Human-readable, unique, per year: ATH-2026-000123. */
    async nextReference(prefix: string, at: Date) {
      const year = at.getUTCFullYear();
      for (let attempt = 0; ; attempt++) {
        try {
          const c = await counters.findOneAndUpdate({ _id: `${prefix}-${year}` }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
          return `${prefix}-${year}-${String(c!.seq).padStart(6, '0')}`;
        } catch (err) {
          // Two first-of-the-year upserts raced: the counter exists now, so increment it.
          if ((err as { code?: number }).code !== 11000 || attempt >= 3) throw err;
        }
      }
    },

    /** After a collision: moves the counter past a reference known to be taken (the counter is a hint). */
    async raiseReferenceHint(prefix: string, at: Date, taken: string) {
      const seq = Number(taken.split('-').at(-1));
      if (Number.isFinite(seq)) await counters.updateOne({ _id: `${prefix}-${at.getUTCFullYear()}` }, { $max: { seq } });
    },

    /**
     * Stores a new report. Its outbox entry goes first: should the process die
     * in between, the sweep finds an entry without a report and drops it;
     * the other way round a report could wait for triage unseen.
     */
    async insert(doc: ReportDoc) {
      if (doc.triagePending) await side.setPending(doc._id, doc.recordedAt, true);
      await reports.insertOne(doc);
      return doc;
    },

    findById: (id: string) => reports.findOne({ _id: id }),
    findSummary: (id: string) => reports.findOne({ _id: id }, { projection: SUMMARY_PROJECTION }),
    /** What history verification needs: the chain and where the report sits, no content. */
    findHistory: (id: string) => reports.findOne({ _id: id }, { projection: { _id: 1, desk: 1, reference: 1, status: 1, version: 1, history: 1 } }),

    /**
     * Applies one change to the report `doc` as read, only if nobody changed
     * it since (same version) and `where` still holds. Returns the updated
     * document, or null when the precondition failed (the caller decides
     * between CONFLICT and a retry).
     *
     * Atomicity does not rest on findOneAndUpdate: FerretDB (SQLite) applies
     * updates as read, modify, write without a lock, so two conditional
     * updates can both "win", and a filter on anything but `_id` scans the
     * whole collection. The only write it makes atomic is an insert against a
     * unique _id, so each version transition is first claimed by inserting
     * `<report id>:<next version>` into `report_versions`: exactly one writer
     * gets it. The holder re-reads the report by `_id`, checks the version
     * and `where` itself, and updates by `_id` alone. Every writer of a
     * report goes through here, so nothing can change it in between.
     *
     * The side tables follow the report: entries are added before the update
     * and removed after it, so a crash leaves at worst a stale entry (which
     * readers confirm against the report), never a missing one.
     */
    async applyChange(
      doc: Pick<ReportDoc, '_id' | 'version' | 'history'>,
      change: { where?: Filter<ReportDoc>; set?: Partial<ReportDoc>; history: HistoryInput[]; push?: Record<string, unknown>; unset?: string[] },
    ) {
      const claimId = `${doc._id}:${doc.version + 1}`;
      if (!(await claimVersion(claimId, doc))) return null;
      let updated: ReportDoc | null = null;
      try {
        const current = await reports.findOne({ _id: doc._id });
        if (!current || current.version !== doc.version || !matches(current, change.where ?? {})) {
          // The precondition did not hold: give the version back so others can proceed.
          await versions.deleteOne({ _id: claimId });
          return null;
        }
        const next = { ...current, ...(change.set ?? {}) } as ReportDoc;
        for (const k of change.unset ?? []) delete (next as unknown as Record<string, unknown>)[k];
        const entry = queueEntryOf(next);
        if (entry && !sameEntry(entry, queueEntryOf(current))) await side.setQueueEntry(current._id, entry);
        if (next.triagePending && !current.triagePending) await side.setPending(current._id, current.recordedAt, true);
        // Terms a change drops (erasure) leave the link index before the report changes: never findable after.
        for (const term of current.bidx ?? []) if (!(next.bidx ?? []).includes(term)) await side.removeTerm(term, current._id);
        const entries = nextHistoryEntries(doc.history, change.history);
        const update: UpdateFilter<ReportDoc> = {
          $inc: { version: 1 },
          $push: { history: { $each: entries }, ...(change.push ?? {}) } as never,
        };
        if (change.set && Object.keys(change.set).length) update.$set = change.set;
        if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((k) => [k, ''])) as never;
        updated = await reports.findOneAndUpdate({ _id: doc._id }, update, { returnDocument: 'after' });
      } catch (err) {
        // Whether the write landed is unknown; if it did not, the version must be claimable again
        // (if it did, the version check above turns a late claimant away).
        await versions.deleteOne({ _id: claimId }).catch(() => undefined);
        throw err;
      }
      if (updated) await syncSideTables(updated);
      return updated;
    },

    /** Outbox: reports recorded but not yet routed, oldest first (ids only; confirm against the report). */
    findPendingTriage: (recordedBefore: Date, limit: number) =>
      side.outbox.find({ recordedAt: { $lte: recordedBefore } }).sort({ recordedAt: 1, _id: 1 }).limit(limit).toArray(),

    /** Makes the side tables agree with a report as stored (repairs what a crash left stale). */
    syncSideTables,
    /** Drops an outbox entry whose report was never stored (an intake that died half-way). */
    dropOrphanOutboxEntry: (id: string) => side.setPending(id, new Date(0), false),

    /** A desk's unclaimed, triaged reports by priority then age; keyset pagination; no content. */
    async deskQueue(desk: Desk, first: number, after: QueueCursor | null) {
      const docs: ReportDoc[] = [];
      let cursor = after;
      for (;;) {
        const wanted = first + 1 - docs.length;
        const filter: Filter<QueueEntry> = cursor
          ? {
              desk,
              $or: [
                { priority: { $gt: cursor.priority } },
                { priority: cursor.priority, receivedAt: { $gt: cursor.receivedAt } },
                { priority: cursor.priority, receivedAt: cursor.receivedAt, _id: { $gt: cursor.id } },
              ],
            }
          : { desk };
        const batch = await side.queue.find(filter).sort({ priority: 1, receivedAt: 1, _id: 1 }).limit(wanted).toArray();
        const confirmed = await Promise.all(batch.map((e) => confirmQueued(e, SUMMARY_PROJECTION)));
        for (const doc of confirmed) if (doc) docs.push(doc);
        // A short batch is the end of the queue; a full one with stale entries in it needs another look.
        if (docs.length > first || batch.length < wanted) break;
        const last = batch.at(-1)!;
        cursor = { priority: last.priority, receivedAt: last.receivedAt, id: last._id };
      }
      return { docs: docs.slice(0, first), hasNextPage: docs.length > first };
    },

    /** The top unclaimed reports of a desk, with what a claim needs to append history. */
    async claimCandidates(desk: Desk, limit: number) {
      const batch = await side.queue.find({ desk }).sort({ priority: 1, receivedAt: 1, _id: 1 }).limit(limit).toArray();
      const docs = await Promise.all(batch.map((e) => confirmQueued(e, { _id: 1, version: 1, history: 1, status: 1, desk: 1, assignee: 1, priority: 1, receivedAt: 1, triage: 1, escalated: 1 })));
      return docs.filter((d): d is ReportDoc => d !== null);
    },

    /** Triaged, unclaimed, not yet escalated, past their deadline (the SLA safety net). */
    async findOverdue(now: Date, limit: number) {
      const batch = await side.queue.find({ escalated: false, dueBy: { $lte: now } }).limit(limit).toArray();
      const docs = await Promise.all(batch.map((e) => confirmQueued(e, SUMMARY_PROJECTION)));
      return docs.filter((d): d is ReportDoc => d !== null && !d.escalated);
    },

    /** Files a report under its blind-index terms, so later reports find it. */
    async fileLinkTerms(id: string, terms: readonly string[]) {
      for (const term of terms) await side.addTerm(term, id);
    },

    /** Reports in one of `statuses` sharing a blind-index term: candidates only, to confirm by decryption. */
    async findLinkCandidates(id: string, terms: readonly string[], statuses: readonly ReportStatus[], limit = 50) {
      const ids = new Set<string>();
      for (const term of terms) for (const other of await side.reportsWithTerm(term)) if (other !== id) ids.add(other);
      const docs = await Promise.all([...ids].slice(0, limit * 2).map((other) => reports.findOne({ _id: other })));
      return docs.filter((d): d is ReportDoc => !!d && statuses.includes(d.status)).slice(0, limit);
    },

    /** Key rotation: reports whose data key is wrapped by another master key. */
    findWrappedByOtherKeys: (currentKeyId: string, limit: number) =>
      reports
        .find({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } }, { projection: { _id: 1, dataKey: 1, version: 1, history: 1 } })
        .limit(limit)
        .toArray(),
    countWrappedByOtherKeys: (currentKeyId: string) => reports.countDocuments({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } }),

    /** Current desk and status of some reports (e.g. the targets of links); nothing else. */
    async findDesks(ids: string[]) {
      const docs = await Promise.all(ids.map((id) => reports.findOne<Pick<ReportDoc, '_id' | 'desk' | 'status'>>({ _id: id }, { projection: { _id: 1, desk: 1, status: 1 } })));
      return docs.filter((d) => d !== null);
    },

    /**
     * What needs a supervisor: triage failures, escalated reports nobody has
     * claimed, and reports still waiting for triage since before `stuckBefore`.
     */
    supervisorQueue: (stuckBefore: Date, limit: number) =>
      reports
        .find(
          {
            $or: [
              { status: 'TRIAGE_FAILED' },
              { escalated: true, assignee: null, status: { $in: ['RECEIVED', 'TRIAGED'] } },
              { status: 'RECEIVED', recordedAt: { $lte: stuckBefore } },
            ],
          },
          { projection: SUMMARY_PROJECTION },
        )
        .sort({ receivedAt: 1, _id: 1 })
        .limit(limit)
        .toArray(),

    findByStatus: (statuses: ReportStatus[], limit: number) =>
      reports.find({ status: { $in: statuses } }, { projection: SUMMARY_PROJECTION }).sort({ receivedAt: 1 }).limit(limit).toArray(),

    findRecentBy: (principalId: string, since: Date, limit: number) =>
      reports
        .find({ 'recordedBy.id': principalId, recordedAt: { $gte: since } }, { projection: SUMMARY_PROJECTION })
        .sort({ recordedAt: -1 })
        .limit(limit)
        .toArray(),
  };
}
