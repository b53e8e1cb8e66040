/**
 * The only code touching the `role_grants` collection (one document per
 * request, each change a single-document write) and `role_grant_decisions`
 * (one claim per decided request).
 *
 * A decision is claimed by inserting `{ _id: <request id> }` into
 * `role_grant_decisions` first: a unique `_id` insert is the one write
 * the local store makes atomic (it applies a conditional update as read-then-write,
 * so two admins deciding at once could both "win" a `status: 'pending'`
 * update). On MongoDB the conditional update alone would do. A process that
 * stops between the claim and the update leaves the request listed as
 * pending but no longer decidable (CONFLICT); an admin asks again.
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../db/errors.js';
import type { RoleGrantDoc } from './types.js';

export type RoleGrantRepository = ReturnType<typeof createRoleGrantRepository>;

interface DecisionClaim {
  _id: string;
  status: 'approved' | 'rejected';
  by: NonNullable<RoleGrantDoc['decidedBy']>;
  at: Date;
}

export function createRoleGrantRepository(db: Db) {
  const grants = db.collection<RoleGrantDoc>('role_grants');
  const decisions = db.collection<DecisionClaim>('role_grant_decisions');
  return {
    async insert(grant: RoleGrantDoc) {
      await grants.insertOne(grant);
      return grant;
    },
    findById: (id: string) => grants.findOne({ _id: id }),
    /** Few at any time: an admin's to-do list. */
    listPending: () => grants.find({ status: 'pending' }).sort({ requestedAt: 1 }).toArray(),
    /** Decides a pending request once; null when it was decided already (another admin first, even at the same instant). */
    async decide(id: string, status: 'approved' | 'rejected', by: NonNullable<RoleGrantDoc['decidedBy']>, at: Date) {
      if (!(await insertIfAbsent(decisions, { _id: id, status, by, at }))) return null;
      return grants.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { status, decidedBy: by, decidedAt: at } }, { returnDocument: 'after' });
    },
  };
}
