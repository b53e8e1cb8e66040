/** The only code touching the `role_grants` collection: one document per request, each change a single-document write. */
import type { Db } from 'mongodb';
import type { RoleGrantDoc } from './types.js';

export type RoleGrantRepository = ReturnType<typeof createRoleGrantRepository>;

export function createRoleGrantRepository(db: Db) {
  const grants = db.collection<RoleGrantDoc>('role_grants');
  return {
    async insert(grant: RoleGrantDoc) {
      await grants.insertOne(grant);
      return grant;
    },
    findById: (id: string) => grants.findOne({ _id: id }),
    /** Few at any time: an admin's to-do list. */
    listPending: () => grants.find({ status: 'pending' }).sort({ requestedAt: 1 }).toArray(),
    /** Decides a pending grant; null when it was no longer pending (another admin decided first). */
    decide: (id: string, status: 'approved' | 'rejected', by: NonNullable<RoleGrantDoc['decidedBy']>, at: Date) =>
      grants.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { status, decidedBy: by, decidedAt: at } }, { returnDocument: 'after' }),
  };
}
