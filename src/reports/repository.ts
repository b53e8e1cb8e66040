/**
 * The only code touching the `reports`, `counters` and `report_versions`
 * collections. Every change is one single-document update guarded by the
 * version the caller read (FerretDB has no transactions, and its conditional
 * updates are not atomic: see applyChange), and appends its history
 * entries in the same update.
 */
import type { Db, Filter, UpdateFilter } from 'mongodb';
import type { Desk } from '../auth/types.js';
import { nextHistoryEntries, type HistoryInput } from './history.js';
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
  return {
    collection: reports,

    async ensureIndexes() {
      await reports.createIndex({ reference: 1 }, { unique: true });
      await reports.createIndex({ idempotencyKey: 1 }, { unique: true });
      await reports.createIndex({ receiptHash: 1 });
      await reports.createIndex({ desk: 1, status: 1, priority: 1, receivedAt: 1, _id: 1 });
      await reports.createIndex({ bidx: 1 });
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

    async insert(doc: ReportDoc) {
      await reports.insertOne(doc);
      return doc;
    },

    findById: (id: string) => reports.findOne({ _id: id }),
    findSummary: (id: string) => reports.findOne({ _id: id }, { projection: SUMMARY_PROJECTION }),
    /** What history verification needs: the chain and where the report sits, no content. */
    findHistory: (id: string) => reports.findOne({ _id: id }, { projection: { _id: 1, desk: 1, reference: 1, status: 1, version: 1, history: 1 } }),
    findByIdempotencyKey: (key: string) => reports.findOne({ idempotencyKey: key }),
    findByReceipt: (partnerId: string, receiptHash: string) => reports.findOne({ receiptHash, 'recordedBy.id': partnerId }, { projection: SUMMARY_PROJECTION }),

    /**
     * Applies one change to the report `doc` as read, only if nobody changed
     * it since (same version) and `where` still holds. Returns the updated
     * document, or null when the precondition failed (the caller decides
     * between CONFLICT and a retry).
     *
     * Atomicity does not rest on findOneAndUpdate alone: FerretDB (SQLite)
     * applies updates as read, modify, write without a lock, so two
     * conditional updates can both "win". The only write it makes atomic is
     * an insert against a unique _id, so each version transition is first
     * claimed by inserting `<report id>:<next version>` into `report_versions`:
     * exactly one writer gets it, and only that writer updates the report.
     */
    async applyChange(
      doc: Pick<ReportDoc, '_id' | 'version' | 'history'>,
      change: { where?: Filter<ReportDoc>; set?: Partial<ReportDoc>; history: HistoryInput[]; push?: Record<string, unknown>; unset?: string[] },
    ) {
      const claimId = `${doc._id}:${doc.version + 1}`;
      if (!(await claimVersion(claimId, doc))) return null;
      const entries = nextHistoryEntries(doc.history, change.history);
      const update: UpdateFilter<ReportDoc> = {
        $inc: { version: 1 },
        $push: { history: { $each: entries }, ...(change.push ?? {}) } as never,
      };
      if (change.set && Object.keys(change.set).length) update.$set = change.set;
      if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((k) => [k, ''])) as never;
      let updated: ReportDoc | null;
      try {
        updated = await reports.findOneAndUpdate({ _id: doc._id, version: doc.version, ...(change.where ?? {}) } as Filter<ReportDoc>, update, {
          returnDocument: 'after',
        });
      } catch (err) {
        // Whether the write landed is unknown; if it did not, the version must be claimable again.
        await versions.deleteOne({ _id: claimId }).catch(() => undefined);
        throw err;
      }
      // The precondition did not hold: give the version back so others can proceed.
      if (!updated) await versions.deleteOne({ _id: claimId });
      return updated;
    },

    /** Outbox: reports recorded but not yet routed, oldest first. */
    findPendingTriage: (recordedBefore: Date, limit: number) =>
      reports
        .find({ triagePending: true, recordedAt: { $lte: recordedBefore } }, { projection: { _id: 1 } })
        .sort({ recordedAt: 1 })
        .limit(limit)
        .toArray(),

    /** A desk's unclaimed, triaged reports by priority then age; keyset pagination. */
    async deskQueue(desk: Desk, first: number, after: QueueCursor | null) {
      const base: Filter<ReportDoc> = { desk, status: 'TRIAGED', assignee: null };
      const filter: Filter<ReportDoc> = after
        ? {
            ...base,
            $or: [
              { priority: { $gt: after.priority } },
              { priority: after.priority, receivedAt: { $gt: after.receivedAt } },
              { priority: after.priority, receivedAt: after.receivedAt, _id: { $gt: after.id } },
            ],
          }
        : base;
      const docs = await reports
        .find(filter, { projection: SUMMARY_PROJECTION })
        .sort({ priority: 1, receivedAt: 1, _id: 1 })
        .limit(first + 1)
        .toArray();
      return { docs: docs.slice(0, first), hasNextPage: docs.length > first };
    },

    /** The top unclaimed reports of a desk, with what a claim needs to append history. */
    claimCandidates: (desk: Desk, limit: number) =>
      reports
        .find({ desk, status: 'TRIAGED', assignee: null }, { projection: { _id: 1, version: 1, history: 1, status: 1, desk: 1 } })
        .sort({ priority: 1, receivedAt: 1, _id: 1 })
        .limit(limit)
        .toArray(),

    /** Open reports sharing a blind-index term: candidates only, to confirm by decryption. */
    findLinkCandidates: (id: string, terms: string[], statuses: readonly ReportStatus[], limit = 50) =>
      terms.length
        ? reports.find({ _id: { $ne: id }, bidx: { $in: terms }, status: { $in: [...statuses] } }).limit(limit).toArray()
        : Promise.resolve([]),

    /** Key rotation: reports whose data key is wrapped by another master key. */
    findWrappedByOtherKeys: (currentKeyId: string, limit: number) =>
      reports
        .find({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } }, { projection: { _id: 1, dataKey: 1, version: 1, history: 1 } })
        .limit(limit)
        .toArray(),
    countWrappedByOtherKeys: (currentKeyId: string) => reports.countDocuments({ dataKey: { $ne: null }, 'dataKey.masterKeyId': { $ne: currentKeyId } }),

    /** Triaged, unclaimed, not yet escalated, past their deadline (the SLA safety net). */
    findOverdue: (now: Date, limit: number) =>
      reports
        .find({ status: 'TRIAGED', assignee: null, escalated: false, 'triage.dueBy': { $lte: now } }, { projection: SUMMARY_PROJECTION })
        .limit(limit)
        .toArray(),

    /** Current desk and status of some reports (e.g. the targets of links); nothing else. */
    findDesks: (ids: string[]) =>
      ids.length
        ? reports.find({ _id: { $in: ids } }, { projection: { _id: 1, desk: 1, status: 1 } }).toArray()
        : Promise.resolve([] as Pick<ReportDoc, '_id' | 'desk' | 'status'>[]),

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
