/**
 * `report_holdings`: one small entry per report an investigator holds, so
 * that who holds what (a desk move's releases, the supervisor overview and
 * the reassignment list) never scans `reports`. On FerretDB any filter but
 * `_id` reads and decodes every report (about a minute at 100,000); this
 * table holds only the reports held now, and is scanned instead. On MongoDB
 * it would be an index on `assignee`. An investigator's own list (myReports)
 * is their list in `person_lists` (person-lists.ts), read by `_id` alone.
 *
 * Like the desk queue tables it is derived from the reports and kept by the
 * repository's applyChange: an entry is written before the change that makes
 * a report held by someone, and removed after the change that ends it, so an
 * entry may be stale (readers check the report itself and drop it), never
 * missing. The entry's id joins holder and report, so a reassignment puts the
 * new holder's entry before it takes the old one's away.
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';
import type { ReportDoc, ReportStatus } from '../model/types.js';

/** The statuses in which a report is held by its assignee (myReports lists these: people-rows.ts HELD). */
export const HELD_STATUSES: readonly ReportStatus[] = ['ASSIGNED', 'UNDER_RESEARCH'];

/** Who holds the report as it stands, or null. */
export function holderOf(doc: Pick<ReportDoc, 'status' | 'assignee'>): string | null {
  return doc.assignee && HELD_STATUSES.includes(doc.status) ? doc.assignee : null;
}

interface Holding {
  _id: string;
  holder: string;
  reportId: string;
}

export function createHoldings(db: Db) {
  const holdings = db.collection<Holding>('report_holdings');
  const idOf = (holder: string, reportId: string) => `${holder}:${reportId}`;

  return {
    /** Before a change that makes `holder` hold the report (an insert: on FerretDB an upsert is a read and a write). */
    put: (holder: string, reportId: string) => insertIfAbsent(holdings, { _id: idOf(holder, reportId), holder, reportId }),

    /** After a change that ended `holder`'s hold, or when a reader finds the entry stale. */
    async drop(holder: string, reportId: string) {
      await holdings.deleteOne({ _id: idOf(holder, reportId) });
    },

    /** The ids of the reports `holder` may hold (check each against the report): a scan of this small table. */
    async heldBy(holder: string, limit: number): Promise<string[]> {
      return (await holdings.find({ holder }, { projection: { reportId: 1 } }).limit(limit).toArray()).map((h) => h.reportId);
    },

    /** Every entry (holder and report id), up to `limit`: a scan of this small table (the supervisor overview). */
    async all(limit: number): Promise<{ holder: string; reportId: string }[]> {
      return (await holdings.find({ _id: { $ne: '#backfilled' } }, { projection: { holder: 1, reportId: 1 } }).limit(limit).toArray()).map((h) => ({ holder: h.holder, reportId: h.reportId }));
    },

    /**
     * Files the reports held before this table existed, once (a scan of
     * `reports` at start-up; a marker records that it ran).
     */
    async backfill(held: AsyncIterable<Pick<ReportDoc, '_id' | 'status' | 'assignee'>>) {
      if (await holdings.findOne({ _id: '#backfilled' })) return;
      for await (const doc of held) {
        const holder = holderOf(doc);
        if (holder) await insertIfAbsent(holdings, { _id: idOf(holder, doc._id), holder, reportId: doc._id });
      }
      await insertIfAbsent(holdings, { _id: '#backfilled', holder: '', reportId: '' });
    },

    async ensureIndexes() {
      await holdings.createIndex({ holder: 1 });
    },
  };
}

