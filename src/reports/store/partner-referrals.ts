/**
 * `partner_referrals`: one small entry per partner referral, so an organisation's "Our referrals" list never
 * scans `reports` (on FerretDB any filter but `_id` reads and decodes every report). Each entry names the
 * organisation, the minute the referral was passed on (never finer: partner time is kept to the minute) and the
 * receipt sealed under the report's own data key (reports/content/vault.ts `sealReceipt`), so only the service
 * holding the master key can show it back and an erased report's receipt cannot be opened. No caseworker, no
 * content, no status (read from the report itself). Written after the referral is stored (a retry writes the same
 * entry: insert-only); dropped with the report's content at erasure.
 */
import type { Binary, Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';

export interface PartnerReferralEntry {
  /** The report's id. */
  _id: string;
  partnerId: string;
  /** The minute it was passed on. */
  passedOnAt: Date;
  /** The receipt, sealed under the report's data key. */
  receipt: Binary;
}

export function createPartnerReferrals(db: Db) {
  const entries = db.collection<PartnerReferralEntry>('partner_referrals');
  return {
    note: (entry: PartnerReferralEntry) => insertIfAbsent(entries, entry),

    /**
     * One organisation's entries, newest first (then by id), `limit` of them after the cursor's entry; the cursor
     * is the last entry's (passedOnAt, id), so a page boundary inside one minute neither repeats nor skips.
     */
    async page(partnerId: string, after: { at: Date; id: string } | null, limit: number): Promise<PartnerReferralEntry[]> {
      const filter = after ? { partnerId, $or: [{ passedOnAt: { $lt: after.at } }, { passedOnAt: after.at, _id: { $lt: after.id } }] } : { partnerId };
      return entries.find(filter).sort({ passedOnAt: -1, _id: -1 }).limit(limit).toArray();
    },

    /** Every entry of an organisation (ids only), for the count of questions waiting; at most `limit`. */
    async idsOf(partnerId: string, limit: number): Promise<string[]> {
      return (await entries.find({ partnerId }, { projection: { _id: 1 } }).sort({ passedOnAt: -1, _id: -1 }).limit(limit).toArray()).map((e) => e._id);
    },

    /** Erasure: the entry goes with the report's content. */
    async forget(reportId: string) {
      await entries.deleteOne({ _id: reportId });
    },

    async ensureIndexes() {
      await entries.createIndex({ partnerId: 1, passedOnAt: -1, _id: -1 });
    },
  };
}
