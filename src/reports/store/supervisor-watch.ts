/**
 * `supervisor_watch`: one small entry per report a supervisor must act on
 * that the desk queues do not show: triage failed, or escalated past its
 * deadline and still unclaimed. The supervisor queue reads this table (a
 * scan of these few rows), the triage outbox, and the triage queue's jobs
 * waiting too long, instead of scanning `reports`, which on FerretDB
 * decodes every report (about a minute at 100,000). On MongoDB it would be
 * the `{ escalated, status }` and `{ status }` indexes.
 *
 * Kept by the repository's applyChange like the desk queues: written before
 * the change that puts a report here, removed after the one that takes it
 * away, so an entry may be stale (the reader checks the report), never missing.
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';
import type { ReportDoc } from '../model/types.js';

type Watched = Pick<ReportDoc, 'status' | 'escalated' | 'assignee'>;

/** Whether a supervisor must see the report (besides reports stuck before triage: see the supervisor queue). */
export function needsSupervisor(doc: Watched): boolean {
  return doc.status === 'TRIAGE_FAILED' || (!!doc.escalated && !doc.assignee && (doc.status === 'RECEIVED' || doc.status === 'TRIAGED'));
}

export function createSupervisorWatch(db: Db) {
  const watch = db.collection<{ _id: string; receivedAt: Date }>('supervisor_watch');

  return {
    put: (doc: Pick<ReportDoc, '_id' | 'receivedAt'>) => insertIfAbsent(watch, { _id: doc._id, receivedAt: doc.receivedAt }),
    async drop(reportId: string) {
      await watch.deleteOne({ _id: reportId });
    },
    /** The ids watched, oldest report first. */
    async ids(limit: number): Promise<string[]> {
      return (await watch.find({ _id: { $ne: '#backfilled' } }).sort({ receivedAt: 1, _id: 1 }).limit(limit).toArray()).map((w) => w._id);
    },
    /** Files the reports that needed a supervisor before this table existed, once (a scan of `reports` at start-up). */
    async backfill(candidates: AsyncIterable<Pick<ReportDoc, '_id' | 'receivedAt' | 'status' | 'escalated' | 'assignee'>>) {
      if (await watch.findOne({ _id: '#backfilled' })) return;
      for await (const doc of candidates) if (needsSupervisor(doc)) await insertIfAbsent(watch, { _id: doc._id, receivedAt: doc.receivedAt });
      await insertIfAbsent(watch, { _id: '#backfilled', receivedAt: new Date(8.64e15) });
    },
  };
}
