/**
 * The only code touching the `mfa` collection (and the partner side's `partner_mfa`) (one document per user, keyed
 * by the user id, the one lookup the local store indexes) and `mfa_claims` (`partner_mfa_claims`). Every
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
  /**
   * Keyed MAC binding the document to its user, its seed and its set of recovery codes (src/auth/seal.ts).
   * The user record names which seed is theirs (`secondFactor.seedCreatedAt`, under the user's MAC).
   */
  seal?: string;
}

/** One use of a one-time code: its `_id` names the user, the seed, and the step or recovery code. */
interface MfaClaimDoc {
  _id: string;
  at: Date;
}

export type MfaRepository = ReturnType<typeof createMfaRepository>;

/** `collections`: staff second factors by default; partner caseworkers' live in their own pair (wired in src/deps.ts). */
export function createMfaRepository(db: Db, collections: { factors: string; claims: string } = { factors: 'mfa', claims: 'mfa_claims' }) {
  const mfa = db.collection<MfaDoc>(collections.factors);
  const claims = db.collection<MfaClaimDoc>(collections.claims);

  /**
   * Claims one use; false when it was claimed already. The local store applies a
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
     * Stores a new, unconfirmed seed in place of whatever document the user has. The caller has checked, on
     * the user's sealed record, that they have no enrolled second factor: a document there is then a left-over
     * (an enrolment that never completed, a reset interrupted, or one a database writer put back), never theirs.
     */
    async putPending(doc: MfaDoc): Promise<void> {
      await mfa.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },
    /** Confirms the pending seed the caller verified (not one replaced meanwhile), with its new MAC. */
    async confirm(pending: Pick<MfaDoc, '_id' | 'createdAt'>, step: number, recoveryCodes: Record<string, false>, at: Date, seal: string) {
      const r = await mfa.updateOne({ _id: pending._id, confirmedAt: null, createdAt: pending.createdAt }, { $set: { confirmedAt: at, lastStep: step, recoveryCodes, seal } });
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
    /**
     * Re-seals the seed under the current master key (after a master key rotation) and/or the document's MAC
     * under the current audit key, only if the document is still the one the caller checked (its MAC).
     */
    async reseal(doc: Pick<MfaDoc, '_id' | 'createdAt' | 'seal'>, set: { secret?: Binary; seal: string }) {
      const r = await mfa.updateOne({ _id: doc._id, createdAt: doc.createdAt, seal: doc.seal === undefined ? { $exists: false } : doc.seal }, { $set: set });
      return r.modifiedCount === 1;
    },
    async remove(userId: string) {
      const r = await mfa.deleteOne({ _id: userId });
      return r.deletedCount === 1;
    },
  };
}
