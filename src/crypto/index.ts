/**
 * The crypto module's single entry point: `createCrypto(config)` builds the
 * one object the rest of the app receives (through deps), so nothing else
 * loads libsodium or touches key material directly.
 */
import { createBlindIndexer, DEFAULT_BLIND_INDEX_BITS, type BlindIndexer } from './blind-index.js';
import { createFieldCipher, type FieldCipher } from './field-cipher.js';
import { createIntegrity, type Integrity } from './integrity.js';
import { createKeyring, type Keyring } from './keyring.js';
import { createReportCodec, type ReportCodec } from './report-codec.js';
import { loadSodium, type Sodium } from './sodium.js';

export interface CryptoConfig {
  /** Current master key (32 bytes): wraps new data keys. */
  masterKey: Uint8Array;
  /** Retired master keys still needed to open data keys not yet re-wrapped. */
  previousMasterKeys?: Uint8Array[];
  /** Blind-index root key (32 bytes), distinct from the master keys. */
  indexKey: Uint8Array;
  /** Integrity root key (32 bytes, HOTLINE_AUDIT_KEY), distinct from the others: see integrity.ts. */
  auditKey: Uint8Array;
  /** Blind-index term length in bits (default 16, see blind-index.ts). */
  blindIndexBits?: number;
}

export interface Crypto {
  sodium: Sodium;
  keyring: Keyring;
  cipher: FieldCipher;
  codec: ReportCodec;
  blindIndex: BlindIndexer;
  integrity: Integrity;
}

/** Loads libsodium, validates the keys and wires the pieces together. */
export async function createCrypto(config: CryptoConfig): Promise<Crypto> {
  const sodium = await loadSodium();
  const keyring = createKeyring(sodium, config);
  const cipher = createFieldCipher(sodium, keyring);
  for (const key of [config.masterKey, config.indexKey, ...(config.previousMasterKeys ?? [])]) {
    if (key.length === config.auditKey.length && sodium.memcmp(key, config.auditKey)) throw new Error('auditKey must differ from the master and index keys');
  }
  return {
    integrity: createIntegrity(sodium, config.auditKey),
    sodium,
    keyring,
    cipher,
    codec: createReportCodec(cipher),
    blindIndex: createBlindIndexer(sodium, keyring.indexKey, { bits: config.blindIndexBits ?? DEFAULT_BLIND_INDEX_BITS }),
  };
}

export type { BlindIndexer, IndexKind } from './blind-index.js';
export { INDEXED_FIELDS, INDEXED_GROUPS, indexedValuesOf, normaliseName, normalisePostcode, normaliseRegistration, normaliseUkPhone } from './blind-index.js';
export type { ContentGroup } from './encrypted-fields.js';
export { CONTENT_GROUPS, ENCRYPTED_FIELDS, PLAINTEXT_FIELDS } from './encrypted-fields.js';
export type { FieldCipher, WrappedDataKey } from './field-cipher.js';
export type { Integrity, IntegrityPurpose } from './integrity.js';
export type { Keyring } from './keyring.js';
export { parseBase64Key } from './keyring.js';
export type { EncryptedContent, EncryptedNote, ReportCodec } from './report-codec.js';
export { DEFAULT_CONTENT_GROUPS, listEncryptedPaths } from './report-codec.js';
export type { Sodium } from './sodium.js';
