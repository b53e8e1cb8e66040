/**
 * Small collections kept beside `reports` so that no hot path has to query
 * `reports` by anything but `_id`.
 *
 * Why: FerretDB 1.x on SQLite evaluates only one filter itself,
 * `{ _id: <string> }` (searched by index thanks to the launcher's workaround,
 * scripts/stack/ferretdb-id-index.ts); for any other it reads and decodes every
 * document of the collection (~0.1 ms a row for a small flat one, ~0.4 ms
 * for a nested one). A desk-queue read over `reports` took ~2.4 s at 2,000
 * reports (measured by `npm run bench`). These tables hold only the entries
 * that matter now (queued reports, reports the queue did not take) or are
 * read by `_id` alone (link terms), and on MongoDB their indexes make them
 * cheap anyway.
 *
 * - the desk queues (desk-queue.ts): one entry per TRIAGED, unclaimed
 *   report, what ordering and SLA sweeps need.
 * - `triage_outbox`: one entry per report pending triage that the queue did
 *   not take (Redis down) or that was sent back to triage.
 * - `link_terms` (link-terms.ts): blind-index term → the reports filed under
 *   it, sealed, as slots `<term>#<n>` claimed by insert (inserting a unique
 *   _id is the one write FerretDB makes atomic), with no cap on how many: a
 *   hot term is read newest first up to a bound, and the report says what
 *   was left unread (triage/linking.ts) instead of dropping it.
 *
 * They are derived from the report and may lag it after a crash; the rule
 * that keeps that safe lives in the repository (queue and outbox entries are
 * added before a change and removed after it, so an entry can be stale,
 * never missing, and a claim reads the report itself and repairs a stale
 * entry it meets; link terms are removed before the change that drops them).
 */
import type { Db } from 'mongodb';
import type { Crypto } from '../../crypto/index.js';
import { insertIfAbsent } from '../../db/errors.js';
import { createDeskQueues } from './desk-queue.js';
import { createLinkTerms } from './link-terms.js';

export function createSideTables(db: Db, linkCrypto?: Pick<Crypto, 'integrity' | 'linkIds'>) {
  const queue = createDeskQueues(db);
  const outbox = db.collection<{ _id: string; recordedAt: Date; imminentThreat?: boolean; partner?: boolean }>('triage_outbox');
  const linkTerms = createLinkTerms(db, linkCrypto);

  return {
    queue,
    outbox,

    async ensureIndexes() {
      await queue.ensureIndexes();
      await outbox.createIndex({ recordedAt: 1 });
    },

    /** Puts a report in the outbox (once: an insert, not an upsert, which on FerretDB is a read and a write). */
    async enterOutbox(id: string, recordedAt: Date, imminentThreat: boolean, partner = false) {
      // The flag keeps an imminent threat ahead of any backlog when the sweep hands it over; `partner` keeps a partner's job times to the minute.
      await insertIfAbsent(outbox, { _id: id, recordedAt, imminentThreat, ...(partner ? { partner } : {}) });
    },

    /** Removes a report's outbox entry, if it has one (most reports never get one; a read is cheaper than a write). */
    async leaveOutbox(id: string) {
      if (await outbox.findOne({ _id: id }, { projection: { _id: 1 } })) await outbox.deleteOne({ _id: id });
    },

    // Link terms (link-terms.ts): unlimited filings per term, read newest first at a bounded cost.
    fileTerms: linkTerms.fileTerms,
    readTerms: linkTerms.readTerms,
    termEntries: linkTerms.entries,
    removeTerms: linkTerms.removeTerms,
  };
}

