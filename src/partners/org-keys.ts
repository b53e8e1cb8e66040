/**
 * Each partner organisation's own key: a random 32-byte key per organisation, stored only wrapped by the
 * master key exactly as a report's data key is (src/crypto/field-cipher.ts: the envelope binds it to the
 * organisation's id, so it opens for no other), and made on first use by an insert-only claim. Its caseworkers'
 * display names and its activity log are sealed under it, each value bound to its record and field.
 *
 * Only the partner's own session code opens it: src/partners/accounts.ts, answering a signed-in caseworker
 * of that organisation (their name, their admin's list and log). No police-side code path imports this file.
 * Guarded by: tests/unit/partner-org-keys.test.ts (nothing but src/partners/accounts.ts imports it).
 */
import type { Binary } from 'mongodb';
import { toMinute } from '../time.js';
import type { FieldCipher } from '../crypto/index.js';
import type { PartnerAccountRepository } from './account-repository.js';

export type OrgKeys = ReturnType<typeof createOrgKeys>;

/** The record id the organisation's key is wrapped for (never a report id: those are bare UUIDs). */
const orgRecord = (partnerId: string) => `partner-org/${partnerId}`;

export function createOrgKeys(repo: Pick<PartnerAccountRepository, 'findOrgKey' | 'insertOrgKey'>, cipher: FieldCipher) {
  /** The wrapped key, made (once, whoever races) when the organisation has none yet. */
  async function wrappedKeyOf(partnerId: string) {
    const found = await repo.findOrgKey(partnerId);
    if (found) return found.dataKey;
    const { dataKey, wrapped } = cipher.newDataKey(orgRecord(partnerId));
    dataKey.fill(0);
    if (await repo.insertOrgKey({ _id: partnerId, dataKey: wrapped, createdAt: toMinute(new Date()) })) return wrapped;
    const winner = await repo.findOrgKey(partnerId);
    if (!winner) throw new Error('organisation key vanished after a lost insert race');
    return winner.dataKey;
  }

  return {
    /** Seals `text` under the organisation's key, bound to `record` and `field` (padded to 64 bytes). */
    async seal(partnerId: string, record: string, field: string, text: string): Promise<Binary> {
      const wrapped = await wrappedKeyOf(partnerId);
      return cipher.withDataKey(orgRecord(partnerId), wrapped, (key) => cipher.encryptField(key, record, field, text));
    },
    /** Opens values sealed by `seal` for one organisation (one unwrap for all); DecryptionError on any tampering. */
    async open(partnerId: string, values: readonly { record: string; field: string; sealed: Binary }[]): Promise<string[]> {
      if (!values.length) return [];
      const wrapped = await wrappedKeyOf(partnerId);
      return cipher.withDataKey(orgRecord(partnerId), wrapped, (key) => values.map((v) => cipher.decryptField(key, v.record, v.field, v.sealed)));
    },
  };
}
