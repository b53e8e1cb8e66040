/**
 * The crypto module's single entry point: `createCrypto(config)` builds the
 * one object the rest of the app receives (through deps), so nothing else
 * loads libsodium or touches key material directly. Generic: it knows keys,
 * envelopes and index terms, never what a report holds (the report codec and
 * the indexed fields are the report model's: src/reports/model/).
 */
import { createBlindIndexer, DEFAULT_BLIND_INDEX_BITS, type BlindIndexer } from './blind-index.js';
import { createFieldCipher, type FieldCipher } from './field-cipher.js';
import { createFileStreamCipher, type FileStreamCipher } from './file-stream.js';
import { createIntegrity, type Integrity } from './integrity.js';
import { createKeyring, keyIdOf, type Keyring } from './keyring.js';
import { createLinkIds, type LinkIds } from './link-ids.js';
import { loadSodium, type Sodium } from './sodium.js';

export interface CryptoConfig {
  /** Current master key (32 bytes): wraps new data keys. */
  masterKey: Uint8Array;
  /** Retired master keys still needed to open data keys not yet re-wrapped. */
  previousMasterKeys?: Uint8Array[];
  /** Blind-index root key (32 bytes), distinct from the master keys. */
  indexKey: Uint8Array;
  /** Retired index keys (HOTLINE_PREVIOUS_INDEX_KEYS): looked up and opened with, never written with, until `keys:rotate` re-indexed everything. */
  previousIndexKeys?: Uint8Array[];
  /** Integrity root key (32 bytes, HOTLINE_AUDIT_KEY), distinct from the others: see integrity.ts. */
  auditKey: Uint8Array;
  /** Retired audit keys (HOTLINE_PREVIOUS_AUDIT_KEYS): still verify what they keyed (the chains' old entries for good). */
  previousAuditKeys?: Uint8Array[];
  /** Blind-index term length in bits (default 16, see blind-index.ts). */
  blindIndexBits?: number;
}

export interface Crypto {
  sodium: Sodium;
  keyring: Keyring;
  cipher: FieldCipher;
  /** Files as chunked secretstreams under a key derived from a data key (file-stream.ts). */
  files: FileStreamCipher;
  blindIndex: BlindIndexer;
  /** Blind indexers under the previous index keys: linking also reads their terms while reports are re-indexed (reports/content/rotate-audit-index-keys.ts). */
  previousBlindIndexes: BlindIndexer[];
  /** Public id of the current index key: a report records the one its `bidx` was computed under (`indexKeyId`). */
  indexKeyId: string;
  integrity: Integrity;
  /** Seals the report ids of the link graph (link-ids.ts). */
  linkIds: LinkIds;
  /** The same under the current keys alone, without the previous ones: what a finished rotation means (reports/content/rotate-audit-index-keys.ts). */
  currentOnly: { integrity: Integrity; linkIds: LinkIds };
}

/** Loads libsodium, validates the keys and wires the pieces together. */
export async function createCrypto(config: CryptoConfig): Promise<Crypto> {
  const sodium = await loadSodium();
  const keyring = createKeyring(sodium, config);
  const cipher = createFieldCipher(sodium, keyring);
  for (const key of [config.masterKey, config.indexKey, ...(config.previousMasterKeys ?? []), ...(config.previousIndexKeys ?? [])]) {
    if (key.length === config.auditKey.length && sodium.memcmp(key, config.auditKey)) throw new Error('auditKey must differ from the master and index keys');
  }
  return {
    integrity: createIntegrity(sodium, config.auditKey, config.previousAuditKeys ?? []),
    linkIds: createLinkIds(sodium, keyring.indexKey, config.previousIndexKeys ?? []),
    sodium,
    keyring,
    cipher,
    files: createFileStreamCipher(sodium),
    blindIndex: createBlindIndexer(sodium, keyring.indexKey, { bits: config.blindIndexBits ?? DEFAULT_BLIND_INDEX_BITS }),
    previousBlindIndexes: (config.previousIndexKeys ?? []).map((k) => createBlindIndexer(sodium, k, { bits: config.blindIndexBits ?? DEFAULT_BLIND_INDEX_BITS })),
    indexKeyId: keyIdOf(sodium, keyring.indexKey),
    currentOnly: { integrity: createIntegrity(sodium, config.auditKey), linkIds: createLinkIds(sodium, keyring.indexKey) },
  };
}

export type { BlindIndexer, IndexKind } from './blind-index.js';
export { phoneticCodes, normaliseName, normalisePostcode, normaliseRegistration, normaliseUkPhone } from './blind-index.js';
export type { FieldCipher, WrappedDataKey } from './field-cipher.js';
export type { FileStreamCipher, SealedFile } from './file-stream.js';
export { FILE_CHUNK_BYTES, FileStreamError } from './file-stream.js';
export type { Integrity, IntegrityPurpose } from './integrity.js';
export type { Keyring } from './keyring.js';
export type { LinkIds } from './link-ids.js';
export { parseBase64Key } from './keyring.js';
export type { Sodium } from './sodium.js';
