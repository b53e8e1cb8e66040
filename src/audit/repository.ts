/**
 * The only code touching the `audit` collection. Appends are correct with
 * many writers and no transactions: entry N+1 is inserted with `_id = N+1`,
 * so the unique `_id` admits exactly one entry per position (no forks) and
 * every entry names its predecessor (no gaps). A small head document caches
 * the last position so an append needs no sort; it may lag behind after a
 * crash, and the next writer that collides with the existing entry heals it.
 */
import type { Db, Filter } from 'mongodb';
import type { AuditEntry, AuditQuery } from './types.js';

interface HeadDoc {
  _id: 'head';
  seq: number;
  hash: string;
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
export type StoredEntry = AuditEntry & { _id: number };

export function createAuditRepository(db: Db) {
  const audit = db.collection<StoredEntry>('audit');
  const heads = db.collection<HeadDoc>('audit_head');

  return {
    async ensureIndexes() {
      await audit.createIndex({ 'actor.id': 1, seq: -1 });
      await audit.createIndex({ 'target.id': 1, seq: -1 });
      await audit.createIndex({ action: 1, seq: -1 });
      await audit.createIndex({ at: 1 });
    },
    head: () => heads.findOne({ _id: 'head' }),
    entryAt: (seq: number) => audit.findOne({ _id: seq }),
    /** Inserts at position `entry.seq`; false when that position is taken. */
    async insertAt(entry: AuditEntry): Promise<boolean> {
      try {
        await audit.insertOne({ _id: entry.seq, ...entry });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },
    /**
     * Inserts consecutive entries in order; returns how many were stored
     * before a position turned out to be taken (0..entries.length).
     */
    async insertRun(entries: AuditEntry[]): Promise<number> {
      try {
        await audit.insertMany(entries.map((e) => ({ _id: e.seq, ...e })), { ordered: true });
        return entries.length;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000 && !String((err as Error).message).includes('E11000')) throw err;
        // Which of ours made it? Check position by position (a backend may store a prefix or nothing).
        let stored = 0;
        for (const e of entries) {
          const found = await audit.findOne({ _id: e.seq }, { projection: { hash: 1 } });
          if (found?.hash !== e.hash) break;
          stored++;
        }
        return stored;
      }
    },
    /** Moves the head forward (never back); losing a race is fine: the head is only a hint. */
    async advanceHead(to: { seq: number; hash: string }) {
      try {
        await heads.updateOne({ _id: 'head', seq: { $lt: to.seq } }, { $set: to }, { upsert: true });
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    },
    /** Entries with seq in (after, after + size], in order: verification streams these. */
    range: (after: number, size: number) =>
      audit
        .find({ _id: { $gt: after, $lte: after + size } })
        .sort({ _id: 1 })
        .toArray(),
    async maxSeq(): Promise<number> {
      const last = await audit.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
      return last[0]?._id ?? 0;
    },
    async query(filter: AuditQuery, first: number, after?: number) {
      const f: Filter<StoredEntry> = {};
      if (filter.actorId) f['actor.id'] = filter.actorId;
      if (filter.targetId) f['target.id'] = filter.targetId;
      if (filter.targetType) f['target.type'] = filter.targetType;
      if (filter.action) f.action = filter.action;
      if (filter.from || filter.to) f.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
      if (after !== undefined) f._id = { $lt: after };
      const docs = await audit.find(f).sort({ _id: -1 }).limit(first + 1).toArray();
      return { entries: docs.slice(0, first), hasNextPage: docs.length > first };
    },
  };
}
