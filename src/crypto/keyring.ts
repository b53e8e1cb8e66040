/**
 * The master keys (current + previous, for rotation) and the blind-index root
 * key, validated once at start-up. Key ids are derived from the keys, so the
 * configuration only carries key material and an id can never be attached to
 * the wrong key.
 */
import type { Sodium } from './sodium.js';

/** Every key in the hierarchy (master, data, index) is 256 bits. */
export const KEY_BYTES = 32;

/** Bytes of a key id inside an envelope (hex form is twice as long). */
export const KEY_ID_BYTES = 8;

const KEY_ID_LABEL = new TextEncoder().encode('hotline-key-id');

export interface KeyringConfig {
  masterKey: Uint8Array;
  /** Keys that may still wrap stored data keys until re-wrapping finishes. */
  previousMasterKeys?: Uint8Array[];
  indexKey: Uint8Array;
}

export interface Keyring {
  /** Id of the master key that wraps new data keys. */
  readonly currentId: string;
  current(): { id: string; key: Uint8Array };
  /** Any known master key (current or previous) by id; undefined if unknown. */
  byId(id: string): Uint8Array | undefined;
  /** Root key of the blind indexes; kept apart from the master keys. */
  readonly indexKey: Uint8Array;
  /** Ids of all master keys, current first. */
  ids(): string[];
}

/**
 * Public, non-secret identifier of a key: the first 8 bytes of BLAKE2b keyed
 * with the key over a fixed label (BLAKE2b's minimum output is 16 bytes,
 * hence 16 then truncate). It reveals nothing about the key and lets an
 * envelope name the key that opens it.
 */
export function keyIdBytes(sodium: Sodium, key: Uint8Array): Uint8Array {
  assertKeyLength('key', key);
  return sodium.crypto_generichash(16, KEY_ID_LABEL, key).subarray(0, KEY_ID_BYTES);
}

/** Hex form of {@link keyIdBytes} (16 characters), as stored beside wrapped data keys. */
export function keyIdOf(sodium: Sodium, key: Uint8Array): string {
  return sodium.to_hex(keyIdBytes(sodium, key));
}

/**
 * Validates and copies the configured keys (so the caller may wipe its
 * copies) and indexes master keys by their derived id.
 */
export function createKeyring(sodium: Sodium, config: KeyringConfig): Keyring {
  assertKeyLength('masterKey', config.masterKey);
  assertKeyLength('indexKey', config.indexKey);
  const previous = config.previousMasterKeys ?? [];
  previous.forEach((key, i) => assertKeyLength(`previousMasterKeys[${i}]`, key));

  const masterKeys = new Map<string, Uint8Array>();
  for (const key of [config.masterKey, ...previous]) {
    const id = keyIdOf(sodium, key);
    const known = masterKeys.get(id);
    if (known && !sodium.memcmp(known, key)) {
      throw new Error(`Two different master keys share the key id ${id}; generate a new key`);
    }
    if (!known) masterKeys.set(id, new Uint8Array(key)); // a copy (Buffer#slice would share memory)
  }
  for (const key of masterKeys.values()) {
    // Reusing one key for both roles would let index hashes and envelopes be
    // attacked together, and defeat rotating them independently.
    if (sodium.memcmp(key, config.indexKey)) throw new Error('indexKey must differ from every master key');
  }

  const currentId = keyIdOf(sodium, config.masterKey);
  const currentKey = masterKeys.get(currentId)!;
  const indexKey = new Uint8Array(config.indexKey);

  return {
    currentId,
    current: () => ({ id: currentId, key: currentKey }),
    byId: (id) => masterKeys.get(id),
    indexKey,
    ids: () => [...masterKeys.keys()],
  };
}

/**
 * Decodes a 32-byte key from configuration. Accepts standard and URL-safe
 * base64, with or without padding. The error names the setting but never
 * echoes its value, which may be a real key with a typo.
 */
export function parseBase64Key(name: string, value: string): Uint8Array {
  const problem = `${name} must be 32 bytes of base64 (standard or URL-safe); generate one with: openssl rand -base64 32`;
  const text = value.trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new Error(problem);
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) throw new Error(problem);
  const decoded = Buffer.from(unpadded, 'base64');
  // Buffer.from may hand out a slice of a shared pool: copy out, then wipe it.
  const key = new Uint8Array(decoded);
  decoded.fill(0);
  if (key.length !== KEY_BYTES) {
    key.fill(0);
    throw new Error(problem);
  }
  return key;
}

function assertKeyLength(name: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new Error(`${name} must be exactly ${KEY_BYTES} bytes`);
  }
}
