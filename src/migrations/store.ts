/**
 * The only code touching the `migrations` collection: one record per applied
 * migration (`_id` its id, with its version, when, and what it did), one
 * progress record per unfinished run (`progress:<id>`: how far it got), and
 * the run lock (`#lock`).
 *
 * The lock is an insert under a unique `_id`, the one write the local store makes
 * atomic (a conditional update is a read then a write there): of several
 * processes starting together exactly one inserts it. Its holder renews
 * `at` at every checkpoint of a migration; a lock whose `at` is older than
 * the stale bound (a holder killed mid-run) is taken over by deleting THAT
 * lock (matched on its holder and `at`, so a lock renewed or taken meanwhile
 * is not deleted) and inserting one's own, which again only one taker wins.
 * A renewal that finds the lock no longer its own stops the run.
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../db/errors.js';
import type { MigrationOutcome } from './types.js';

export const LOCK_ID = '#lock';
const progressId = (id: string) => `progress:${id}`;

export interface AppliedRecord {
  _id: string;
  /** Absent on the marker the credential re-seal wrote before migrations were versioned (it is version 1). */
  version?: number;
  at: Date;
  outcome?: MigrationOutcome;
}
interface ProgressRecord {
  _id: string;
  cursor: string;
  done: number;
  at: Date;
}
export interface LockRecord {
  _id: string;
  holder: string;
  at: Date;
}

export type MigrationStore = ReturnType<typeof createMigrationStore>;

export function createMigrationStore(db: Db) {
  const docs = db.collection<AppliedRecord | ProgressRecord | LockRecord>('migrations');
  const applied = db.collection<AppliedRecord>('migrations');
  const progress = db.collection<ProgressRecord>('migrations');
  const locks = db.collection<LockRecord>('migrations');

  return {
    /** Every applied record (progress records and the lock left out). */
    async applied(): Promise<AppliedRecord[]> {
      const all = await docs.find({}).toArray();
      return all.filter((d): d is AppliedRecord => d._id !== LOCK_ID && !d._id.startsWith('progress:'));
    },
    /** Records a migration as applied (an insert: recording it twice changes nothing). */
    markApplied: (id: string, version: number, outcome: MigrationOutcome) => insertIfAbsent(applied, { _id: id, version, at: new Date(), outcome }),
    progressOf: async (id: string) => (await progress.findOne({ _id: progressId(id) })) ?? null,
    async saveProgress(id: string, cursor: string, done: number) {
      await progress.replaceOne({ _id: progressId(id) }, { cursor, done, at: new Date() }, { upsert: true });
    },
    async clearProgress(id: string) {
      await progress.deleteOne({ _id: progressId(id) });
    },

    lock: {
      /** Takes the lock when nobody holds it, or when its holder has not renewed it for `staleMs`; what stood in the way otherwise. */
      async acquire(holder: string, staleMs: number): Promise<{ acquired: true; tookOverFrom: LockRecord | null } | { acquired: false; heldBy: LockRecord | null }> {
        if (await insertIfAbsent(locks, { _id: LOCK_ID, holder, at: new Date() })) return { acquired: true, tookOverFrom: null };
        const seen = await locks.findOne({ _id: LOCK_ID });
        if (!seen) return this.acquire(holder, staleMs); // released meanwhile: try again
        if (Date.now() - seen.at.getTime() < staleMs) return { acquired: false, heldBy: seen };
        await locks.deleteOne({ _id: LOCK_ID, holder: seen.holder, at: seen.at });
        if (await insertIfAbsent(locks, { _id: LOCK_ID, holder, at: new Date() })) return { acquired: true, tookOverFrom: seen };
        return { acquired: false, heldBy: await locks.findOne({ _id: LOCK_ID }) };
      },
      /** Renews the lock; false when it is no longer this holder's (taken over as stale). */
      async renew(holder: string): Promise<boolean> {
        const res = await locks.updateOne({ _id: LOCK_ID, holder }, { $set: { at: new Date() } });
        return res.matchedCount === 1;
      },
      async release(holder: string) {
        await locks.deleteOne({ _id: LOCK_ID, holder });
      },
      held: () => locks.findOne({ _id: LOCK_ID }),
    },
  };
}
