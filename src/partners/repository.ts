/** The only code touching the `partners` collection. */
import type { Binary, Db } from 'mongodb';
import type { PartnerDoc } from '../auth/types.js';

export type PartnerRepository = ReturnType<typeof createPartnerRepository>;

export function createPartnerRepository(db: Db) {
  const partners = db.collection<PartnerDoc>('partners');
  return {
    async ensureIndexes() {
      await partners.createIndex({ name: 1 }, { unique: true });
      await partners.createIndex({ keyHash: 1 }, { unique: true });
    },
    /** The partner whose key has any of these keyed hashes (current audit key first, then keys being rotated out). */
    findByKeyHash: (keyHashes: readonly string[]) =>
      partners.findOne({ $or: [{ keyHash: { $in: [...keyHashes] } }, { 'previousKey.keyHash': { $in: [...keyHashes] } }] }),
    findActiveByName: (name: string) => partners.findOne({ name, revokedAt: null }),
    /** The partner record by id, whole (its seal is checked by the caller: src/partners/accounts.ts). */
    findById: (id: string) => partners.findOne({ _id: id }),
    /** Id → organisation name for the given ids (revoked partners included): the audit screen names partners, not ids. */
    async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
      if (!ids.length) return new Map();
      const docs = await partners.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, name: 1 } }).toArray();
      return new Map(docs.map((d) => [d._id, d.name]));
    },
    list: () => partners.find({}, { projection: { keyHash: 0, seal: 0, previousKey: 0, webhook: 0 } }).sort({ name: 1 }).toArray(),
    async insert(p: PartnerDoc) {
      await partners.insertOne(p);
      return p;
    },
    /** Replaces the active key of the record the caller read (same key hash), keeping the old one as `previousKey`. */
    rotateKey: (id: string, oldKeyHash: string, set: Pick<PartnerDoc, 'keyHash' | 'keyHint' | 'seal' | 'previousKey'>) =>
      partners.findOneAndUpdate({ _id: id, keyHash: oldKeyHash, revokedAt: null }, { $set: set }, { returnDocument: 'after' }),
    /** Sets (or, with null, clears) the organisation's webhook, if it is not revoked; false when it is. */
    setWebhook: async (id: string, webhook: PartnerDoc['webhook']) => (await partners.updateOne({ _id: id, revokedAt: null }, { $set: { webhook: webhook ?? null } })).matchedCount === 1,
    /** Organisations with a webhook set (a scan: a key rotation's, rare). */
    withWebhooks: () => partners.find({ webhook: { $ne: null } }).toArray(),
    /** Moves a webhook secret to the current master key, if the record still holds the one read. */
    resealWebhookSecret: async (id: string, was: Binary, secret: Binary) =>
      (await partners.updateOne({ _id: id, 'webhook.secret': was }, { $set: { 'webhook.secret': secret } })).modifiedCount === 1,
    /** Every organisation, whole (audit-key rotation: a few dozen records). */
    all: () => partners.find({}).toArray(),
    /** Replaces the record's seal, if it still carries the one the caller read (audit-key rotation). */
    reseal: async (id: string, was: string, seal: string) => (await partners.updateOne({ _id: id, seal: was }, { $set: { seal } })).modifiedCount === 1,
    /** Revokes the key and re-seals the record in one write, if it is still the active record the caller read. */
    revoke: (id: string, at: Date, seal: string) =>
      partners.findOneAndUpdate({ _id: id, revokedAt: null }, { $set: { revokedAt: at, seal } }, { returnDocument: 'after' }),
  };
}
