/**
 * The only code touching the `mfa` collection: one document per user, keyed
 * by the user id (the one lookup FerretDB indexes). Every change is a single
 * guarded write, so two racing uses of one code or one recovery code cannot
 * both succeed.
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

export type MfaRepository = ReturnType<typeof createMfaRepository>;

export function createMfaRepository(db: Db) {
  const mfa = db.collection<MfaDoc>('mfa');
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
    /** Records `step` as used, only if it is later than the last one used (the replay guard). */
    async useStep(userId: string, step: number) {
      const r = await mfa.updateOne({ _id: userId, confirmedAt: { $ne: null }, lastStep: { $lt: step } }, { $set: { lastStep: step } });
      return r.modifiedCount === 1;
    },
    /** Marks one recovery code used, only if it is still unused. */
    async useRecoveryCode(userId: string, hash: string, at: Date) {
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
