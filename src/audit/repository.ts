/**
 * The only code touching the `audit` collection and its tip register
 * (`audit_tips`). The rules that make appends correct without transactions:
 *
 * - Entry N is stored with `_id = N`. The unique `_id` admits one entry per
 *   position, so two writers can never both append after the same entry
 *   (no forks); a writer only builds entry N+1 from entry N's hash, so no
 *   position is skipped (no gaps). The loser of a race gets a duplicate-key
 *   error and rebuilds its entries after the winner's.
 * - The tip register holds `{ _id: seq, hash }` of recent chain ends. Tips
 *   are only inserted (old ones are pruned from below), so its highest never
 *   moves backwards, and it is small, so reading its highest seq is cheap
 *   everywhere. That matters on the local store,
 *   which pushes no filter on a numeric `_id`, no sort and no range down to
 *   its database: every `sort({ _id: -1 }).limit(1)` or `findOne({ _id: n })` on
 *   the audit collection is a full scan (measured: ~2.5 s at 20,000 entries).
 *   The register is only a hint. A writer that crashed after its insert but
 *   before publishing its tip leaves it behind; the next writer notices that
 *   the position is taken but not published and, after a grace period,
 *   finds the real end of the chain (the one slow query) and publishes it.
 *
 * The entries are the truth: nothing here rewrites or deletes an entry.
 */
import type { Db, Filter, FindCursor } from 'mongodb';
import { insertIfAbsent, isDuplicateKey, storedBeforeDuplicate } from '../db/errors.js';
import { GENESIS_HASH } from '../crypto/hash-chain.js';
import type { AuditEntry, AuditQuery } from './types.js';

export type StoredEntry = AuditEntry & { _id: number };

export interface ChainTip {
  seq: number;
  hash: string;
}

interface TipDoc {
  _id: number;
  hash: string;
}

export const AUDIT_COLLECTION = 'audit';
export const TIPS_COLLECTION = 'audit_tips';
/** Tips kept below the newest when the register is pruned: plenty for readers that lag a little. */
const TIPS_KEPT = 32;


export function createAuditRepository(db: Db) {
  const audit = db.collection<StoredEntry>(AUDIT_COLLECTION);
  const tips = db.collection<TipDoc>(TIPS_COLLECTION);

  return {
    async ensureIndexes(): Promise<void> {
      // One at a time: the local store drops the connection (a server-side panic)
      // when one createIndexes command lists several indexes that already exist.
      await audit.createIndex({ 'actor.id': 1, seq: -1 });
      await audit.createIndex({ 'target.id': 1, seq: -1 });
      await audit.createIndex({ action: 1, seq: -1 });
      await audit.createIndex({ at: 1 });
      await audit.createIndex({ eventKey: 1 });
    },

    /** The highest published chain end; the genesis position when nothing is published. */
    async tip(): Promise<ChainTip> {
      const [top] = await tips.find({}).sort({ _id: -1 }).limit(1).toArray();
      return top ? { seq: top._id, hash: top.hash } : { seq: 0, hash: GENESIS_HASH };
    },

    /** Every tip in the register (a few dozen), for verification. */
    allTips: async (): Promise<ChainTip[]> => (await tips.find({}).toArray()).map((t) => ({ seq: t._id, hash: t.hash })),

    /** Publishes a chain end; publishing one twice is harmless. */
    async publishTip(tip: ChainTip): Promise<void> {
      await insertIfAbsent(tips, { _id: tip.seq, hash: tip.hash });
    },

    /** Drops tips well below `seq`, keeping the register small. */
    async pruneTips(seq: number): Promise<void> {
      await tips.deleteMany({ _id: { $lt: seq - TIPS_KEPT } });
    },

    /**
     * The last entry after position `after`, by a query (slow on the local store: a
     * full scan). Only for repairing a tip register that fell behind.
     */
    async lastEntryAfter(after: number): Promise<ChainTip | null> {
      const [last] = await audit
        .find({ _id: { $gt: after } }, { projection: { _id: 1, hash: 1 } })
        .sort({ _id: -1 })
        .limit(1)
        .toArray();
      return last ? { seq: last._id, hash: last.hash } : null;
    },

    /**
     * Inserts consecutive entries in order and returns how many were stored
     * before a position turned out to be taken (0..entries.length). Other
     * errors are thrown; some entries may then be stored, never a broken run,
     * since an ordered insert stops at its first failure.
     */
    async insertRun(entries: readonly AuditEntry[]): Promise<number> {
      if (entries.length === 0) return 0;
      try {
        await audit.insertMany(
          entries.map((e) => ({ _id: e.seq, ...e })),
          { ordered: true },
        );
        return entries.length;
      } catch (err) {
        if (isDuplicateKey(err) && entries.length === 1) return 0;
        const stored = storedBeforeDuplicate(err);
        if (stored === null) throw err;
        return stored;
      }
    },

    /** The pending-event keys among `keys` that entries carry (a scan on the local store, indexed on MongoDB: recovery only). */
    eventKeysIn: async (keys: readonly string[]): Promise<string[]> =>
      (await audit.find({ eventKey: { $in: [...keys] } }, { projection: { eventKey: 1 } }).toArray()).map((e) => e.eventKey!),

    /** One entry by position (slow on the local store: a full scan). */
    entryAt: (seq: number) => audit.findOne({ _id: seq }),

    /**
     * Every stored document in storage (insertion) order, in batches: no sort,
     * so both MongoDB and the local store stream it without holding the collection.
     */
    scan(batchSize: number): FindCursor<StoredEntry> {
      return audit.find({}, { batchSize });
    },

    /**
     * The id of the report an erasure entry names by this reference, or null. Erasure deletes the reference from
     * report_refs, so the log's own erase entry is what still ties the two (few entries; the action index on MongoDB).
     */
    async erasedReportId(reference: string): Promise<string | null> {
      const doc = await audit.findOne({ action: 'report.erase', outcome: 'success', 'details.reference': reference, 'target.type': 'report' }, { projection: { target: 1 } });
      return doc?.target?.id ?? null;
    },

    /** Newest first, `after` being a seq cursor (exclusive); `from` and `to` are inclusive. */
    async query(filter: AuditQuery, first: number, after?: number): Promise<{ entries: StoredEntry[]; hasNextPage: boolean }> {
      const f: Filter<StoredEntry> = {};
      if (filter.actorId !== undefined) f['actor.id'] = filter.actorId;
      // The local store and MongoDB both answer $or; on MongoDB each branch uses its index (actor.id, target.id).
      if (filter.person !== undefined)
        f.$or = [
          { 'actor.id': filter.person.id },
          { 'target.type': 'user', 'target.id': filter.person.id },
          { action: 'auth.login', 'details.username': filter.person.username },
        ];
      if (filter.targetId !== undefined) f['target.id'] = filter.targetId;
      if (filter.targetType !== undefined) f['target.type'] = filter.targetType;
      // Auditors filter by any text; only known actions can match.
      if (filter.action !== undefined) f.action = filter.action as StoredEntry['action'];
      if (filter.from || filter.to) f.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
      if (after !== undefined) f.seq = { $lt: after };
      const docs = await audit
        .find(f)
        .sort({ seq: -1 })
        .limit(first + 1)
        .toArray();
      return { entries: docs.slice(0, first), hasNextPage: docs.length > first };
    },
  };
}
