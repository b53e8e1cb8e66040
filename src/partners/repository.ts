/** The only code touching the `partners` collection. */
import type { Db } from 'mongodb';
import type { PartnerDoc } from '../auth/types.js';

export type PartnerRepository = ReturnType<typeof createPartnerRepository>;

export function createPartnerRepository(db: Db) {
  const partners = db.collection<PartnerDoc>('partners');
  return {
    async ensureIndexes() {
      await partners.createIndex({ name: 1 }, { unique: true });
      await partners.createIndex({ keyHash: 1 }, { unique: true });
    },
    findByKeyHash: (keyHash: string) => partners.findOne({ keyHash }),
    list: () => partners.find({}, { projection: { keyHash: 0 } }).sort({ name: 1 }).toArray(),
    async insert(p: PartnerDoc) {
      await partners.insertOne(p);
      return p;
    },
    revoke: (name: string, at: Date) =>
      partners.findOneAndUpdate({ name, revokedAt: null }, { $set: { revokedAt: at } }, { returnDocument: 'after' }),
  };
}
