/**
 * `recent_submissions`: one small entry per follow-up call a member of staff
 * recorded, kept a day and a bit, so that their follow-ups list never scans
 * `reports` (on FerretDB any filter but `_id` reads and decodes every report:
 * about a minute at 100,000). On MongoDB it would be the index on
 * `recordedBy.id, recordedAt` that the reports collection already has.
 *
 * Until December 2026 it held an entry per report too, read by "my
 * submissions"; that list is now its recorder's list in `person_lists`
 * (person-lists.ts), filed once at start-up from this table's entries of the
 * day (repository.ts ensureIndexes), which new intakes no longer write here.
 *
 * Written before the follow-up (an entry may name a follow-up whose write
 * then failed: readers look each one up; never one missing), pruned by the
 * worker. Partners' submissions are not listed here: an organisation's own
 * list is `partner_referrals` (partner-referrals.ts), kept to the minute.
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';
import type { ReportDoc } from '../model/types.js';

/** How far back "my submissions" looks. */
export const SUBMISSIONS_WINDOW_MS = 24 * 3600_000;
/** Entries are kept this much longer than the window before the prune drops them. */
const PRUNE_SLACK_MS = 3600_000;

interface Submission {
  _id: string;
  by: string;
  recordedAt: Date;
  /** A follow-up call (`_id` is `follow-up:<addendum id>`): the report it was added to. Absent on a report's own entry. */
  followUpOf?: string;
}

/** A follow-up call a member of staff recorded, as listed: the report and the addendum, never anything of the report's state. */
export interface FollowUpEntry {
  reportId: string;
  addendumId: string;
  recordedAt: Date;
}

const FOLLOW_UP_PREFIX = 'follow-up:';

export function createSubmissions(db: Db) {
  const entries = db.collection<Submission>('recent_submissions');

  return {
    /** Every report's entry since `since` (start-up: the one-time filing of the lists people wait on, person-lists.ts). */
    entriesSince: (since: Date) => entries.find({ recordedAt: { $gte: since }, followUpOf: { $exists: false }, by: { $ne: '' } }).toArray(),

    /** Before a follow-up call is appended (reports/desk/follow-ups.ts): like a report's entry, one may name a follow-up whose write then failed (readers check). */
    noteFollowUp: (reportId: string, addendumId: string, by: string, recordedAt: Date) =>
      insertIfAbsent(entries, { _id: `${FOLLOW_UP_PREFIX}${addendumId}`, by, recordedAt, followUpOf: reportId }),

    /** The follow-up calls `by` recorded since `since`, newest first. */
    async followUpsSince(by: string, since: Date, limit: number): Promise<FollowUpEntry[]> {
      const found = await entries.find({ by, recordedAt: { $gte: since }, followUpOf: { $exists: true } }).sort({ recordedAt: -1 }).limit(limit).toArray();
      return found.map((e) => ({ reportId: e.followUpOf!, addendumId: e._id.slice(FOLLOW_UP_PREFIX.length), recordedAt: e.recordedAt }));
    },

    /** Erasure: the entries say who recorded the report, or a follow-up on it, and when; they go with the report's content. */
    async forget(reportId: string) {
      await entries.deleteMany({ $or: [{ _id: reportId }, { followUpOf: reportId }] });
    },

    /** Drops entries past the window (the worker, periodically); returns how many. */
    async prune(now = Date.now()): Promise<number> {
      return (await entries.deleteMany({ recordedAt: { $lt: new Date(now - SUBMISSIONS_WINDOW_MS - PRUNE_SLACK_MS) } })).deletedCount;
    },

    /** Files the window's staff submissions recorded before this table existed, once (a scan of `reports` at start-up). */
    async backfill(recent: AsyncIterable<Pick<ReportDoc, '_id' | 'recordedBy' | 'recordedAt'>>) {
      if (await entries.findOne({ _id: '#backfilled' })) return;
      for await (const doc of recent) if (doc.recordedBy.type === 'user') await insertIfAbsent(entries, { _id: doc._id, by: doc.recordedBy.id, recordedAt: doc.recordedAt });
      // Dated at the end of time, so the prune never drops the marker (it names nobody).
      await insertIfAbsent(entries, { _id: '#backfilled', by: '', recordedAt: new Date(8.64e15) });
    },

    async ensureIndexes() {
      await entries.createIndex({ by: 1, recordedAt: -1 });
    },
  };
}
