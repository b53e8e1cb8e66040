/**
 * The only code touching the partner side's own collections: `partner_accounts` (caseworkers and partner
 * admins), `partner_sessions` (their portal sessions), `partner_org_keys` (each organisation's wrapped key)
 * and `partner_activity` (each organisation's sealed activity log). Nothing on the police side reads them;
 * nothing in them names a person in clear (src/partners/accounts.ts).
 */
import type { Binary, Db } from 'mongodb';
import { insertIfAbsent } from '../db/errors.js';
import type { WrappedDataKey } from '../crypto/index.js';
import { createSessionStore, findByAnyHash } from '../auth/session-store.js';
import type { PartnerAccountDoc, PartnerSessionDoc } from '../auth/types.js';

/** An organisation's own key, wrapped by the master key like a report's data key (src/crypto/field-cipher.ts). */
export interface PartnerOrgKeyDoc {
  /** The partner organisation's id. */
  _id: string;
  dataKey: WrappedDataKey;
  createdAt: Date;
}

/** One line of an organisation's activity log: who did what is sealed under its key; the time is to the minute. */
export interface PartnerActivityDoc {
  _id: string;
  partnerId: string;
  /** To the minute (toMinute, src/time.ts): never finer. */
  at: Date;
  /** `{ accountId, action, receipt? }` as JSON, sealed under the organisation's key, bound to this entry's id. */
  entry: Binary;
}

export type PartnerAccountRepository = ReturnType<typeof createPartnerAccountRepository>;

export function createPartnerAccountRepository(db: Db) {
  const accounts = db.collection<PartnerAccountDoc>('partner_accounts');
  const sessions = db.collection<PartnerSessionDoc>('partner_sessions');
  const orgKeys = db.collection<PartnerOrgKeyDoc>('partner_org_keys');
  const activity = db.collection<PartnerActivityDoc>('partner_activity');
  return {
    async ensureIndexes() {
      await accounts.createIndex({ usernameHash: 1 }, { unique: true });
      await accounts.createIndex({ partnerId: 1 });
      await sessions.createIndex({ accountId: 1 });
      await sessions.createIndex({ partnerId: 1 });
      await activity.createIndex({ partnerId: 1, at: -1 });
    },
    /** The account under any of the username's keyed hashes (current audit key first). */
    findByUsernameHash: (hashes: readonly string[]) => findByAnyHash(hashes, (h) => accounts.findOne({ usernameHash: h })),
    findById: (id: string) => accounts.findOne({ _id: id }),
    /** An organisation's accounts (a partner has a handful). */
    listOf: (partnerId: string) => accounts.find({ partnerId }).sort({ createdAt: 1 }).toArray(),
    /** Every partner account (audit-key rotation: a few per organisation). */
    all: () => accounts.find({}).toArray(),
    /** False when the username hash is taken (the unique index). */
    insert: (account: PartnerAccountDoc) => insertIfAbsent(accounts, account),
    /** Deletes an admin account still disabled and never signed in (a refused request); false if it is not that. */
    async deleteNeverUsedAdmin(partnerId: string, accountId: string) {
      const r = await accounts.deleteOne({ _id: accountId, partnerId, admin: true, disabled: true, mustChangePassword: true, secondFactor: null });
      return r.deletedCount === 1;
    },
    /** Changes sealed fields and the MAC in one write, only if the record still carries the MAC the caller read. */
    async updateSealed(id: string, expectedMac: string, set: Partial<Pick<PartnerAccountDoc, 'disabled' | 'passwordHash' | 'secondFactor' | 'mustChangePassword' | 'usernameHash'>> & { mac: string }) {
      const r = await accounts.updateOne({ _id: id, mac: expectedMac }, { $set: { ...set, updatedAt: new Date() } });
      return r.modifiedCount === 1;
    },

    ...createSessionStore(sessions),
    async deleteSessionsOf(accountId: string) {
      return (await sessions.deleteMany({ accountId })).deletedCount;
    },
    async deleteSessionsOfPartner(partnerId: string) {
      return (await sessions.deleteMany({ partnerId })).deletedCount;
    },

    findOrgKey: (partnerId: string) => orgKeys.findOne({ _id: partnerId }),
    /** Every organisation key (master-key rotation; one small document per organisation with accounts). */
    allOrgKeys: () => orgKeys.find({}).toArray(),
    /** Replaces a key's wrapping, only if it is still wrapped by the master key the caller read. */
    async rewrapOrgKey(partnerId: string, fromMasterKeyId: string, dataKey: WrappedDataKey) {
      const r = await orgKeys.updateOne({ _id: partnerId, 'dataKey.masterKeyId': fromMasterKeyId }, { $set: { dataKey } });
      return r.modifiedCount === 1;
    },
    /** Stores the organisation's first key; false when another request stored one first (the caller re-reads). */
    insertOrgKey: (doc: PartnerOrgKeyDoc) => insertIfAbsent(orgKeys, doc),

    /** Appends a line; a line of the same id already there (a retried operation) is left as it is. */
    appendActivity: (doc: PartnerActivityDoc) => insertIfAbsent(activity, doc),
    /** Newest first; `before` is the (at, id) of the last line of the previous page. */
    activityOf: (partnerId: string, limit: number, before?: { at: Date; id: string }) =>
      activity
        .find(before ? { partnerId, $or: [{ at: { $lt: before.at } }, { at: before.at, _id: { $lt: before.id } }] } : { partnerId })
        .sort({ at: -1, _id: -1 })
        .limit(limit)
        .toArray(),
  };
}
