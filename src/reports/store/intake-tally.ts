/**
 * `intake_tally`: one tiny entry per report received (its channel and the
 * London calendar day it was recorded on, nothing else), kept two days, so
 * that the supervisor overview's "today's intake by channel" never scans
 * `reports` (on FerretDB any filter but `_id` reads and decodes every report:
 * about a minute at 100,000). On MongoDB it would be an index on
 * `recordedAt, channel`.
 *
 * Why one entry per report and not a counter per channel and day: FerretDB's
 * `$inc` is not atomic (racing increments lose counts; see the reference
 * counter in repository.ts), while inserting a unique `_id` is. Keyed by the
 * report id, a retried submission is counted once.
 *
 * Written at intake beside the search and submission filings, before the
 * report is stored: an entry may name a report whose insert then failed (a
 * count one too high, rare), never miss one. The day only, to the day, for
 * partners' referrals as well: coarser than the minute the README promises.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';
import { INTAKE_CHANNELS, type IntakeChannel, type ReportDoc } from '../model/types.js';

/** Entries are kept this long, so that yesterday's are still there at midnight. */
const KEEP_MS = 2 * 24 * 3600_000;

interface TallyEntry {
  _id: string;
  /** The London calendar day, YYYY-MM-DD. */
  day: string;
  channel: IntakeChannel;
  /** `day` as a date (its midnight UTC), for the prune: nothing finer than the day is kept. */
  at: Date;
}

const LONDON_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The London calendar day of `at`, as YYYY-MM-DD (the hotline's day, whatever the server's time zone). */
export const londonDay = (at: Date): string => LONDON_DAY.format(at);

export function createIntakeTally(db: Db) {
  const entries = db.collection<TallyEntry>('intake_tally');
  const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);

  return {
    /** At intake, before the report is stored (idempotent: keyed by the report id). */
    note: (reportId: string, channel: IntakeChannel, recordedAt: Date) => {
      const day = londonDay(recordedAt);
      return insertIfAbsent(entries, { _id: reportId, day, channel, at: dayStart(day) });
    },

    /** How many reports each channel brought on `day` (every channel listed, zero included): a scan of at most two days' entries. */
    async countsOn(day: string): Promise<{ channel: IntakeChannel; count: number }[]> {
      const rows = await entries.find({ day }, { projection: { channel: 1 } }).toArray();
      const counts = new Map<IntakeChannel, number>(INTAKE_CHANNELS.map((c) => [c, 0]));
      for (const r of rows) if (counts.has(r.channel)) counts.set(r.channel, counts.get(r.channel)! + 1);
      return INTAKE_CHANNELS.map((channel) => ({ channel, count: counts.get(channel)! }));
    },

    /**
     * Erasure: nothing may name an erased report but its tombstone and its
     * audit entries, so its entry is filed again under an id naming nothing
     * (the day's count stays: the call was received) and the old one goes.
     */
    async forget(reportId: string) {
      const entry = await entries.findOne({ _id: reportId });
      if (!entry) return;
      await insertIfAbsent(entries, { ...entry, _id: `erased:${randomUUID()}` });
      await entries.deleteOne({ _id: reportId });
    },

    /** Drops entries older than two days (the worker, with the submissions prune); returns how many. */
    async prune(now = Date.now()): Promise<number> {
      return (await entries.deleteMany({ at: { $lt: new Date(now - KEEP_MS) } })).deletedCount;
    },

    /** Files the reports of the last two days recorded before this table existed, once (a scan of `reports` at start-up). */
    async backfill(recent: AsyncIterable<Pick<ReportDoc, '_id' | 'channel' | 'recordedAt' | 'status'>>) {
      if (await entries.findOne({ _id: '#backfilled' })) return;
      for await (const doc of recent) {
        const day = londonDay(doc.recordedAt);
        // An erased report is counted under an id naming nothing, as `forget` files it.
        const _id = doc.status === 'ERASED' ? `erased:${randomUUID()}` : doc._id;
        await insertIfAbsent(entries, { _id, day, channel: doc.channel, at: dayStart(day) });
      }
      // Dated at the end of time, so the prune never drops the marker; its day matches no query.
      await insertIfAbsent(entries, { _id: '#backfilled', day: '', channel: INTAKE_CHANNELS[0], at: new Date(8.64e15) });
    },

    async ensureIndexes() {
      await entries.createIndex({ day: 1 });
      await entries.createIndex({ at: 1 });
    },
  };
}
