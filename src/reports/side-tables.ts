/**
 * Small collections kept beside `reports` so that no hot path has to query
 * `reports` by anything but `_id`.
 *
 * Why: FerretDB 1.x on SQLite reads and decodes every document of a
 * collection for any filter (even `{ _id }`: its `_id` index is on another
 * JSON expression than the one its queries use, so SQLite cannot use it;
 * other indexes only enforce uniqueness). Reports are several KiB each, so a
 * desk-queue read over `reports` took ~2.4 s at 2,000 reports (measured by
 * `npm run bench`). These tables hold a few hundred bytes per entry and only
 * the entries that matter now (queued reports, reports awaiting triage), so
 * one scan of them stays cheap, and on MongoDB their indexes make them cheap
 * anyway.
 *
 * - `desk_queue`: one entry per TRIAGED, unclaimed report: what ordering and
 *   SLA sweeps need.
 * - `triage_outbox`: one entry per report pending triage that the queue did
 *   not take (Redis down) or that was sent back to triage.
 * - `link_terms`: one entry `<term>#<report id>` per blind-index term of a
 *   report, so filing is plain inserts (a second filing collides on `_id`)
 *   and finding the reports of all a report's terms is one query.
 *
 * They are derived from the report and may lag it after a crash; the rule
 * that keeps that safe lives in the repository (entries are added before a
 * change and removed after it, so an entry can be stale, never missing; a
 * claim reads the report itself and repairs a stale entry it meets).
 */
import { BSON, type Db } from 'mongodb';
import type { Desk } from '../auth/types.js';
import { canonicalJson } from '../audit/canonical.js';
import type { Priority, ReportDoc } from './types.js';

const { EJSON } = BSON;

/** What a queue listing shows of a report: everything but content, keys, index terms and history. */
export type QueueSummary = Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'history'>;

export interface QueueEntry {
  _id: string;
  desk: Desk;
  priority: Priority;
  receivedAt: Date;
  dueBy: Date | null;
  escalated: boolean;
  /**
   * The report as listed (Extended JSON of a QueueSummary), so that reading a
   * queue touches nothing but this table. A string, not a sub-document:
   * FerretDB decodes every field of every row it scans, and a nested summary
   * made a scan ~4x slower per row (measured: 0.37 against 0.10 ms a row).
   */
  summary: string;
}

/** The listing of a report, from its queue entry. */
export const summaryOf = (entry: Pick<QueueEntry, 'summary'>): QueueSummary => EJSON.parse(entry.summary, { relaxed: false }) as QueueSummary;

/** The one definition of "in a desk queue": triaged, on a desk, prioritised, unclaimed. */
export function queueEntryOf(doc: ReportDoc): QueueEntry | null {
  if (doc.status !== 'TRIAGED' || !doc.desk || !doc.priority || doc.assignee) return null;
  const { content: _c, dataKey: _k, bidx: _b, history: _h, ...summary } = doc;
  return {
    _id: doc._id,
    desk: doc.desk,
    priority: doc.priority,
    receivedAt: doc.receivedAt,
    dueBy: doc.triage?.dueBy ?? null,
    escalated: !!doc.escalated,
    summary: EJSON.stringify(summary, { relaxed: false }),
  };
}

export const sameEntry = (a: QueueEntry | null, b: QueueEntry | null) => a === b || (!!a && !!b && canonicalJson(a) === canonicalJson(b));

/** A term shared by more reports than this is not a useful link: only its first reports are returned. */
const MAX_PER_TERM = 64;

const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export function createSideTables(db: Db) {
  const queue = db.collection<QueueEntry>('desk_queue');
  const outbox = db.collection<{ _id: string; recordedAt: Date }>('triage_outbox');
  const terms = db.collection<{ _id: string; term: string; reportId: string; at: Date }>('link_terms');

  return {
    queue,
    outbox,

    async ensureIndexes() {
      await queue.createIndex({ desk: 1, priority: 1, receivedAt: 1, _id: 1 });
      await queue.createIndex({ escalated: 1, dueBy: 1 });
      await outbox.createIndex({ recordedAt: 1 });
      await terms.createIndex({ term: 1, at: 1 });
      await terms.createIndex({ reportId: 1 });
    },

    /** Makes the queue entry of a report match `entry` (null: not queued). */
    async setQueueEntry(id: string, entry: QueueEntry | null) {
      if (entry) await queue.replaceOne({ _id: id }, entry, { upsert: true });
      else await queue.deleteOne({ _id: id });
    },

    async setPending(id: string, recordedAt: Date, pending: boolean) {
      if (pending) {
        // An insert, not an upsert: on FerretDB an upsert is a read and a write.
        try {
          await outbox.insertOne({ _id: id, recordedAt });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      else await outbox.deleteOne({ _id: id });
    },

    /** Removes a report's outbox entry, if it has one (most reports never get one; a read is cheaper than a write). */
    async leaveOutbox(id: string) {
      if (await outbox.findOne({ _id: id }, { projection: { _id: 1 } })) await outbox.deleteOne({ _id: id });
    },

    /** Takes a report off its terms (erasure): never findable by them again. */
    async removeTerms(reportId: string, removed: readonly string[]) {
      if (removed.length) await terms.deleteMany({ _id: { $in: removed.map((t) => `${t}#${reportId}`) } });
    },

    /** Report ids filed under any of `wanted` (at most MAX_PER_TERM per term, the first filed). */
    async reportsWithTerms(wanted: readonly string[]): Promise<string[]> {
      if (!wanted.length) return [];
      const entries = await terms.find({ term: { $in: [...wanted] } }, { projection: { term: 1, reportId: 1, at: 1 } }).sort({ at: 1, _id: 1 }).toArray();
      const perTerm = new Map<string, number>();
      const ids = new Set<string>();
      for (const e of entries) {
        const n = perTerm.get(e.term) ?? 0;
        if (n >= MAX_PER_TERM) continue;
        perTerm.set(e.term, n + 1);
        ids.add(e.reportId);
      }
      return [...ids];
    },

    /** Files a report under its terms; filing twice is harmless (the ids collide). */
    async addTerms(reportId: string, filed: readonly string[]) {
      if (!filed.length) return;
      const at = new Date();
      try {
        await terms.insertMany(filed.map((term) => ({ _id: `${term}#${reportId}`, term, reportId, at })), { ordered: false });
      } catch (err) {
        const writeErrors = (err as { writeErrors?: { code?: number }[] }).writeErrors;
        if (!writeErrors?.length || writeErrors.some((e) => e.code !== 11000)) throw err;
      }
    },
  };
}

export type SideTables = ReturnType<typeof createSideTables>;
