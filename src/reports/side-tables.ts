/**
 * Small collections kept beside `reports` so that no hot path has to query
 * `reports` by anything but `_id`.
 *
 * Why: FerretDB 1.x on SQLite evaluates only one filter itself,
 * `{ _id: <string> }` (searched by index thanks to the launcher's workaround,
 * scripts/ferretdb-id-index.ts); for any other it reads and decodes every
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
 * - `link_terms`: blind-index term → report ids (sealed: crypto/link-ids.ts, so
 *   the table does not say which reports share a value), as slots `<term>#<n>`
 *   taken by insert: inserting a unique _id is the one write FerretDB makes
 *   atomic, so two reports never take the same slot, and reading a term is
 *   a few lookups by _id, whatever the size of the table. Erasure empties a
 *   report's slots; a slot is never freed for another report. A term whose
 *   slots are all taken (LINK_SHARED_THRESHOLD of them) is "shared by many":
 *   a marker `<term>#many` says so, later reports read only the marker and
 *   file nothing there, so a hot term costs each report one lookup.
 *
 * They are derived from the report and may lag it after a crash; the rule
 * that keeps that safe lives in the repository (queue and outbox entries are
 * added before a change and removed after it, so an entry can be stale,
 * never missing, and a claim reads the report itself and repairs a stale
 * entry it meets; link terms are removed before the change that drops them).
 */
import type { Db } from 'mongodb';
import type { LinkIds } from '../crypto/index.js';
import { insertEachIfAbsent, insertIfAbsent } from '../db/errors.js';
import { createDeskQueues } from './desk-queue.js';

/** A term's slots are read one by one (each a lookup by _id); a term with more reports than this is not a useful link. */
const MAX_SLOTS = 64;

export function createSideTables(db: Db, linkIds?: LinkIds) {
  const queue = createDeskQueues(db);
  const outbox = db.collection<{ _id: string; recordedAt: Date; imminentThreat?: boolean }>('triage_outbox');
  const terms = db.collection<{ _id: string; reportId: unknown }>('link_terms');
  const ids = () => {
    if (!linkIds) throw new Error('link terms need the crypto module');
    return linkIds;
  };
  /** The report id filed in a slot ('' for an emptied slot or a marker). */
  const idIn = (entry: { _id: string; reportId: unknown }) => (entry.reportId === '' ? '' : ids().open(`link_terms/${entry._id}`, entry.reportId));

  return {
    queue,
    outbox,

    async ensureIndexes() {
      await queue.ensureIndexes();
      await outbox.createIndex({ recordedAt: 1 });
    },

    /** Puts a report in the outbox (once: an insert, not an upsert, which on FerretDB is a read and a write). */
    async enterOutbox(id: string, recordedAt: Date, imminentThreat: boolean) {
      // The flag keeps an imminent threat ahead of any backlog when the sweep hands it over.
      await insertIfAbsent(outbox, { _id: id, recordedAt, imminentThreat });
    },

    /** Removes a report's outbox entry, if it has one (most reports never get one; a read is cheaper than a write). */
    async leaveOutbox(id: string) {
      if (await outbox.findOne({ _id: id }, { projection: { _id: 1 } })) await outbox.deleteOne({ _id: id });
    },

    /** Takes a report off its terms (erasure). Its slots stay, emptied: readers stop at the first missing slot. */
    async removeTerms(reportId: string, removed: readonly string[]) {
      await Promise.all(
        removed.map(async (term) => {
          for (let slot = 0; slot < MAX_SLOTS; slot++) {
            const key = `${term}#${slot}`;
            const entry = await terms.findOne({ _id: key });
            if (!entry) return;
            if (idIn(entry) === reportId) await terms.replaceOne({ _id: key }, { reportId: '' });
          }
        }),
      );
    },

    /**
     * The reports filed under `looked` (read only: nothing is filed), other
     * than `reportId`; a term marked shared by many is skipped. For the terms
     * of a previous index key during a rotation (triage/linking.ts).
     */
    async readTerms(reportId: string, looked: readonly string[], sharedThreshold = MAX_SLOTS): Promise<string[]> {
      const found = new Set<string>();
      await Promise.all(
        looked.map(async (term) => {
          if (await terms.findOne({ _id: `${term}#many` })) return;
          for (let slot = 0; slot < Math.min(sharedThreshold, MAX_SLOTS); slot++) {
            const entry = await terms.findOne({ _id: `${term}#${slot}` });
            if (!entry) return;
            const filedId = idIn(entry);
            if (filedId && filedId !== reportId) found.add(filedId);
          }
        }),
      );
      return [...found];
    },

    /**
     * Files a report under each of its terms, in the first free slot, and
     * returns the reports met in the slots before it, by term. Of two
     * reports filed at once under a term, the later one meets the earlier:
     * every pair is seen by one of them. Filing again finds the report's own
     * slot. A term whose `sharedThreshold` slots are taken by others is
     * "shared by many" (`shared`): marked once, not filed, its reports not
     * returned; the cost per term is at most `sharedThreshold` + 2 lookups.
     */
    async fileTerms(reportId: string, filed: readonly string[], sharedThreshold = MAX_SLOTS): Promise<{ met: Map<string, string[]>; shared: string[] }> {
      const limit = Math.min(sharedThreshold, MAX_SLOTS);
      const met = new Map<string, string[]>();
      const shared: string[] = [];
      const full: string[] = [];
      const state = new Map(filed.map((term) => [term, { slot: 0, others: [] as string[] }]));
      let pending = [...filed];
      for (let round = 0; pending.length; round++) {
        // Each term reads forward to its first free slot (slots are read by _id, the one cheap lookup on FerretDB)...
        const candidates: { term: string; key: string }[] = [];
        await Promise.all(
          pending.map(async (term) => {
            const st = state.get(term)!;
            if (round === 0 && (await terms.findOne({ _id: `${term}#many` }))) return void shared.push(term);
            for (; st.slot < limit; st.slot++) {
              const key = `${term}#${st.slot}`;
              const entry = await terms.findOne({ _id: key });
              const filedId = entry ? idIn(entry) : '';
              if (entry && filedId === reportId) return void met.set(term, st.others);
              if (entry) {
                if (filedId) st.others.push(filedId);
                continue;
              }
              return void candidates.push({ term, key });
            }
            full.push(term); // every slot taken by others: the term is weak evidence from now on
          }),
        );
        // ...then every term takes its slot in one unordered insert; a term whose slot another report took first reads on.
        const stored = await insertEachIfAbsent(terms, candidates.map((c) => ({ _id: c.key, reportId: ids().seal(`link_terms/${c.key}`, reportId) })));
        pending = candidates.filter((c, i) => {
          if (stored[i]) met.set(c.term, state.get(c.term)!.others);
          return !stored[i];
        }).map((c) => c.term);
      }
      await insertEachIfAbsent(terms, full.map((term) => ({ _id: `${term}#many`, reportId: '' })));
      shared.push(...full);
      return { met, shared };
    },
  };
}

export type SideTables = ReturnType<typeof createSideTables>;
