/**
 * Partner keys during a rotation: a new key for the same partner record (so its
 * receipts and referrals stay with it), while the replaced key keeps working
 * until `expiresAt` (PARTNER_KEY_OVERLAP_HOURS), giving the partner time to
 * deploy the new one. Only the last replaced key is kept: rotating again
 * during an overlap ends the older key at once. Revoking the partner ends
 * both keys.
 *
 * The previous key carries its own MAC over (partner id, its hash, its
 * expiry, the current key's hash), so a database writer can neither extend
 * the overlap nor move the entry to another partner or past a later rotation.
 */
import { canonicalJson } from '../crypto/canonical.js';
import type { Integrity } from '../crypto/integrity.js';
import type { PartnerDoc } from './types.js';

type PreviousKey = NonNullable<PartnerDoc['previousKey']>;

/** The MAC a previous key carries (rotation in src/auth/lifecycle.ts). */
export const previousKeySeal = (integrity: Integrity, partner: Pick<PartnerDoc, '_id' | 'keyHash'>, prev: Pick<PreviousKey, 'keyHash' | 'expiresAt'>) =>
  integrity.mac('token', previousKeyBody(partner, prev));

const previousKeyBody = (partner: Pick<PartnerDoc, '_id' | 'keyHash'>, prev: Pick<PreviousKey, 'keyHash' | 'expiresAt'>) =>
  canonicalJson({ kind: 'partnerPreviousKey', id: partner._id, keyHash: prev.keyHash, expiresAt: prev.expiresAt, successor: partner.keyHash });

/**
 * True when the bearer (given as its lookup hashes) is the partner's current
 * key, or its previous key, still within the overlap and soundly sealed.
 * The record's own seal and revocation are checked by the caller.
 */
export function partnerKeyAccepted(integrity: Integrity, partner: PartnerDoc, bearerHashes: readonly string[], now = Date.now()): boolean {
  if (bearerHashes.includes(partner.keyHash)) return true;
  const prev = partner.previousKey;
  if (!prev || !bearerHashes.includes(prev.keyHash) || !(prev.expiresAt instanceof Date)) return false;
  return prev.expiresAt.getTime() > now && integrity.verify('token', previousKeyBody(partner, prev), prev.seal);
}
