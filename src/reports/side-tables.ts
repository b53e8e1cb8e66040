/**
 * Small collections kept beside `reports` so that no hot path has to query
 * `reports` by anything but `_id`.
 *
 * Why: FerretDB 1.x on SQLite pushes exactly one kind of filter down to
 * SQLite, `{ _id: <string> }`; every other find, update or count reads and
 * decodes every document of the collection (its indexes only enforce
 * uniqueness). Reports are several KiB each, so a desk-queue read over
 * `reports` took ~2.4 s at 2,000 reports (measured by `npm run bench`). These
 * tables hold a few hundred bytes per entry and only the entries that matter
 * now (queued reports, reports awaiting triage), so scanning them stays cheap,
 * and on MongoDB their indexes make them cheap anyway.
 *
 * - `desk_queue`: one entry per TRIAGED, unclaimed report: what ordering and
 *   SLA sweeps need.
 * - `triage_outbox`: one entry per report whose triage is pending.
 * - `link_terms`: blind-index term → report ids, as insert-only slots
 *   `<term>#<n>` (inserting a unique _id is the one write FerretDB makes
 *   atomic, so two reports never take the same slot).
 *
 * They are derived from the report and may lag it after a crash; the rule
 * that keeps that safe lives in the repository (entries are added before a
 * change and removed after it, so an entry can be stale, never missing; a
 * claim reads the report itself and repairs a stale entry it meets).
 */
import type { Db } from 'mongodb';
import type { Desk } from '../auth/types.js';
import { canonicalJson } from '../audit/canonical.js';
import type { Priority, ReportDoc } from './types.js';

/** What a queue listing shows of a report: everything but content, keys, index terms and history. */
export type QueueSummary = Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'history'>;

export interface QueueEntry {
  _id: string;
  desk: Desk;
  priority: Priority;
  receivedAt: Date;
  dueBy: Date | null;
  escalated: boolean;
  /** The report as listed, so that reading a queue touches nothing but this table. */
  summary: QueueSummary;
}

/** The one definition of "in a desk queue": triaged, on a desk, prioritised, unclaimed. */
export function queueEntryOf(doc: ReportDoc): QueueEntry | null {
  if (doc.status !== 'TRIAGED' || !doc.desk || !doc.priority || doc.assignee) return null;
  const { content: _c, dataKey: _k, bidx: _b, history: _h, ...summary } = doc;
  return { _id: doc._id, desk: doc.desk, priority: doc.priority, receivedAt: doc.receivedAt, dueBy: doc.triage?.dueBy ?? null, escalated: !!doc.escalated, summary };
}

export const sameEntry = (a: QueueEntry | null, b: QueueEntry | null) => a === b || (!!a && !!b && canonicalJson(a) === canonicalJson(b));

/** A term's slots are read one by one; a term with more reports than this is not a useful link. */
const MAX_SLOTS = 64;

const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export function createSideTables(db: Db) {
  const queue = db.collection<QueueEntry>('desk_queue');
  const outbox = db.collection<{ _id: string; recordedAt: Date }>('triage_outbox');
  const terms = db.collection<{ _id: string; reportId: string }>('link_terms');

  return {
    queue,
    outbox,

    async ensureIndexes() {
      await queue.createIndex({ desk: 1, priority: 1, receivedAt: 1, _id: 1 });
      await queue.createIndex({ escalated: 1, dueBy: 1 });
      await outbox.createIndex({ recordedAt: 1 });
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

    /** Takes a report off a term (erasure). The slot stays, emptied: readers stop at the first missing slot. */
    async removeTerm(term: string, reportId: string) {
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const key = `${term}#${slot}`;
        const entry = await terms.findOne({ _id: key });
        if (!entry) return;
        if (entry.reportId === reportId) await terms.replaceOne({ _id: key }, { reportId: '' });
      }
    },

    /** Report ids filed under a term, in slot order. */
    async reportsWithTerm(term: string): Promise<string[]> {
      const ids: string[] = [];
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const entry = await terms.findOne({ _id: `${term}#${slot}` });
        if (!entry) break;
        if (entry.reportId) ids.push(entry.reportId);
      }
      return ids;
    },

    /** Files a report under a term (once; a second call finds it there). */
    async addTerm(term: string, reportId: string) {
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const key = `${term}#${slot}`;
        const entry = await terms.findOne({ _id: key });
        if (entry?.reportId === reportId) return;
        if (entry) continue;
        try {
          await terms.insertOne({ _id: key, reportId });
          return;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Another report took this slot between our read and our insert: try the next one.
        }
      }
    },
  };
}

export type SideTables = ReturnType<typeof createSideTables>;
