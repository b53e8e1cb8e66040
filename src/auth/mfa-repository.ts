/**
 * The only code touching the `mfa` collection (one document per user, keyed
 * by the user id, the one lookup FerretDB indexes) and `mfa_claims`. Every
 * change is a single guarded write; a code's use is first claimed by an
 * insert under a unique `_id`, so two racing uses of one code or one
 * recovery code cannot both succeed.
 */
import type { Binary, Db } from 'mongodb';

export interface MfaDoc {
  /** The user id. */
  _id: string;
  /** The TOTP seed, sealed (src/crypto/secret-box.ts, bound to the user id); never stored in clear. */
  secret: Binary;
  /** Null until the user proved the authenticator works with a first code. */
  confirmedAt: Date | null;
  /** The last TOTP time step accepted: a code of this step or an earlier one is a replay. */
  lastStep: number;
  /** Keyed hash of each recovery code → false while unused, the time of use after. */
  recoveryCodes: Record<string, false | Date>;
  createdAt: Date;
}

/** One use of a one-time code: its `_id` names the user, the seed, and the step or recovery code. */
interface MfaClaimDoc {
  _id: string;
  at: Date;
}

export type MfaRepository = ReturnType<typeof createMfaRepository>;

export function createMfaRepository(db: Db) {
  const mfa = db.collection<MfaDoc>('mfa');
  const claims = db.collection<MfaClaimDoc>('mfa_claims');

  /**
   * Claims one use; false when it was claimed already. FerretDB applies a
   * conditional update as read-then-write, so 20 racing sign-ins let up to 13
   * through the guarded update alone (tests/integration/adversary/one-time-codes.test.ts);
   * a unique `_id` admits one. On MongoDB the guarded update alone would be atomic.
   */
  async function claim(id: string, at: Date): Promise<boolean> {
    try {
      await claims.insertOne({ _id: id, at });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  return {
    find: (userId: string) => mfa.findOne({ _id: userId }),
    /**
     * Stores a new, unconfirmed seed, replacing an earlier unconfirmed one;
     * false when the user already has a confirmed one (reset it first).
     */
    async putPending(doc: MfaDoc): Promise<boolean> {
      try {
        await mfa.replaceOne({ _id: doc._id, confirmedAt: null }, doc, { upsert: true });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },
    /** Confirms the pending seed the caller verified (not one replaced meanwhile). */
    async confirm(pending: Pick<MfaDoc, '_id' | 'createdAt'>, step: number, recoveryCodes: Record<string, false>, at: Date) {
      const r = await mfa.updateOne({ _id: pending._id, confirmedAt: null, createdAt: pending.createdAt }, { $set: { confirmedAt: at, lastStep: step, recoveryCodes } });
      return r.modifiedCount === 1;
    },
    /**
     * Records `step` as used, only if it is later than the last one used (the replay guard) and no racing
     * sign-in claimed it first. `seed` is the second factor's creation time: a new seed's steps are new codes.
     */
    async useStep(userId: string, seed: Date, step: number) {
      if (!(await claim(`${userId}:${seed.getTime()}:step:${step}`, new Date()))) return false;
      const r = await mfa.updateOne({ _id: userId, confirmedAt: { $ne: null }, lastStep: { $lt: step } }, { $set: { lastStep: step } });
      return r.modifiedCount === 1;
    },
    /** Marks one recovery code used, only if it is still unused and no racing sign-in claimed it first. */
    async useRecoveryCode(userId: string, hash: string, at: Date) {
      if (!(await claim(`${userId}:recovery:${hash}`, at))) return false;
      const r = await mfa.updateOne({ _id: userId, confirmedAt: { $ne: null }, [`recoveryCodes.${hash}`]: false }, { $set: { [`recoveryCodes.${hash}`]: at } });
      return r.modifiedCount === 1;
    },
    /** Every second factor (key rotation; one small document per enrolled user, so a scan). */
    all: () => mfa.find({}).toArray(),
    /** Re-seals the seed under the current master key (after a master key rotation). */
    async reseal(doc: Pick<MfaDoc, '_id' | 'createdAt'>, secret: Binary) {
      await mfa.updateOne({ _id: doc._id, createdAt: doc.createdAt }, { $set: { secret } });
    },
    async remove(userId: string) {
      const r = await mfa.deleteOne({ _id: userId });
      return r.deletedCount === 1;
    },
  };
}
