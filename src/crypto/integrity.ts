/**
 * Integrity keys: everything a database writer must not be able to forge is
 * keyed from HOTLINE_AUDIT_KEY, which lives outside the database. One subkey
 * per purpose (libsodium's KDF), so a value made for one purpose never
 * verifies for another, and the purposes are listed here, once.
 *
 * - keyed hashes (BLAKE2b-256 with the purpose's subkey): the audit chain,
 *   every report's history chain, token and API-key lookups, MACs over user
 *   records and report envelopes, and stand-ins for values that must not be
 *   stored as typed (unknown usernames, idempotency keys);
 * - an Ed25519 key pair, derived from the same key, that signs audit
 *   checkpoints written outside the database, and another that signs report
 *   bundles exported to case-management systems (reports/desk/bundle.ts).
 */
import type { Sodium } from './sodium.js';
import { keyIdOf } from './keyring.js';

const CONTEXT = 'hotlaudt'; // crypto_kdf contexts are exactly 8 bytes

/** Every purpose an integrity subkey serves, with its KDF subkey id. Never renumber one: stored values depend on it. */
export const INTEGRITY_PURPOSES = {
  auditChain: 1,
  historyChain: 2,
  token: 3,
  userRecord: 4,
  reportEnvelope: 5,
  username: 6,
  idempotencyKey: 7,
  reason: 8,
  linkId: 9,
  checkpointSigning: 10,
  bundleSigning: 11,
  webhookEndpoint: 12,
  // Numbered apart from the ones above so that purposes added on other branches of issue 21 do not collide.
  /** The erasure tombstone's id: a keyed hash of the erased report's id (reports/store/freshness.ts). */
  reportTombstone: 21,
  /** The Redis name of an audit event's "chained" mark: its key names the report (audit/chainer.ts). */
  chainMark: 22,
  /** The MAC of a report's card, what the link chart draws of it (reports/model/card.ts). */
  reportCard: 23,
  /** The id of a statistics entry: a keyed hash of its change's event key, which names the report (reports/store/statistics.ts). */
  statisticsEntry: 31,
  /** The id of a partner activity line for an operation a client retries (its idempotency key): one line however often it is sent (partners/accounts.ts). */
  partnerActivity: 61,
} as const;
/** Purposes that seed Ed25519 key pairs rather than MAC subkeys. */
const SIGNING_PURPOSES: readonly string[] = ['checkpointSigning', 'bundleSigning'];
export type IntegrityPurpose = Exclude<keyof typeof INTEGRITY_PURPOSES, 'checkpointSigning' | 'bundleSigning'>;

export interface Integrity {
  /** Public id of the audit key (16 hex), recorded beside what it keyed so a verifier knows which key to use. */
  readonly keyId: string;
  /** Lowercase hex keyed BLAKE2b-256 of `data` for `purpose`. */
  mac(purpose: IntegrityPurpose, data: string | Uint8Array): string;
  /**
   * Constant-time check of a stored MAC, under the current key or any
   * previous one (HOTLINE_PREVIOUS_AUDIT_KEYS, during a rotation).
   */
  verify(purpose: IntegrityPurpose, data: string | Uint8Array, mac: unknown): boolean;
  /** The MAC under every known key, current first: for lookups by keyed hash (a token stored before a rotation). */
  macAll(purpose: IntegrityPurpose, data: string | Uint8Array): string[];
  /** The checkpoint signing key pair (Ed25519), derived from the audit key. */
  readonly signing: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** Public keys that verify checkpoints: the current one first, then those of previous audit keys (checkpoints written before a rotation). */
  readonly verifyingKeys: readonly Uint8Array[];
  /** The key pair that signs exported report bundles (Ed25519, its own purpose: a bundle signature never passes as a checkpoint's). */
  readonly bundleSigning: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** Public keys that verify bundles: the current one first, then those of previous audit keys. */
  readonly bundleVerifyingKeys: readonly Uint8Array[];
}

/**
 * Derives every purpose's subkey once, for the current key and any previous
 * ones (still accepted by `verify` and `macAll` until a rotation finishes);
 * the caller may wipe the keys afterwards.
 */
export function createIntegrity(sodium: Sodium, auditKey: Uint8Array, previousKeys: readonly Uint8Array[] = []): Integrity {
  for (const key of [auditKey, ...previousKeys]) if (key.length !== 32) throw new Error('audit keys must be 32 bytes');
  const derive = (key: Uint8Array) => {
    const subkeys = new Map<IntegrityPurpose, Uint8Array>();
    for (const [purpose, id] of Object.entries(INTEGRITY_PURPOSES)) {
      if (!SIGNING_PURPOSES.includes(purpose)) subkeys.set(purpose as IntegrityPurpose, sodium.crypto_kdf_derive_from_key(32, id, CONTEXT, key));
    }
    return (purpose: IntegrityPurpose, data: string | Uint8Array) => sodium.to_hex(sodium.crypto_generichash(32, data, subkeys.get(purpose)!));
  };
  const macs = [auditKey, ...previousKeys].map(derive);
  const mac = macs[0]!;
  const pairOf = (key: Uint8Array) => sodium.crypto_sign_seed_keypair(sodium.crypto_kdf_derive_from_key(32, INTEGRITY_PURPOSES.checkpointSigning, CONTEXT, key));
  const pair = pairOf(auditKey);
  const bundlePairOf = (key: Uint8Array) => sodium.crypto_sign_seed_keypair(sodium.crypto_kdf_derive_from_key(32, INTEGRITY_PURPOSES.bundleSigning, CONTEXT, key));
  const bundlePair = bundlePairOf(auditKey);
  return {
    keyId: keyIdOf(sodium, auditKey),
    mac,
    macAll: (purpose, data) => macs.map((m) => m(purpose, data)),
    verify(purpose, data, stored) {
      if (typeof stored !== 'string' || !/^[0-9a-f]{64}$/.test(stored)) return false;
      const want = sodium.from_hex(stored);
      return macs.some((m) => sodium.memcmp(sodium.from_hex(m(purpose, data)), want));
    },
    signing: { publicKey: pair.publicKey, privateKey: pair.privateKey },
    verifyingKeys: [pair.publicKey, ...previousKeys.map((k) => pairOf(k).publicKey)],
    bundleSigning: { publicKey: bundlePair.publicKey, privateKey: bundlePair.privateKey },
    bundleVerifyingKeys: [bundlePair.publicKey, ...previousKeys.map((k) => bundlePairOf(k).publicKey)],
  };
}
