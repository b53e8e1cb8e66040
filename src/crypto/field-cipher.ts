/**
 * Data keys and field values. Every report gets its own random data key,
 * stored only wrapped by a master key; every encrypted field is an envelope
 * under that data key, bound to the collection, record id and field path.
 * Deleting the wrapped data key therefore erases the report, and rotating the
 * master key only re-wraps 32-byte data keys.
 */
import { Binary } from 'mongodb';
import { DecryptionError } from '../errors.js';
import { encodeContext, EnvelopeError, openEnvelope, parseEnvelope, sealEnvelope } from './envelope.js';
import { KEY_BYTES, keyIdBytes, type Keyring } from './keyring.js';
import { padUtf8, unpaddedLength } from './padding.js';
import { randomBytes } from './random.js';
import type { Sodium } from './sodium.js';

/** The collection encrypted fields belong to; part of every field's AD. */
export const REPORTS_COLLECTION = 'reports';

/** Padding blocks (bytes): short fields hide length to 64 B, long free text to 1 KiB. */
export const PAD_BLOCK_SHORT = 64;
export const PAD_BLOCK_LONG = 1024;

/** Field path used in errors about the data key itself. */
export const DATA_KEY_PATH = 'dataKey';

const DATA_KEY_PURPOSE = 'hotline/dk/v1';
const FIELD_PURPOSE = 'hotline/field/v1';
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** A report's data key as stored: an envelope under the named master key. */
export interface WrappedDataKey {
  /** Hex id of the wrapping master key; lets rotation find what to re-wrap. */
  masterKeyId: string;
  /** Envelope bytes (BSON Binary, generic subtype 0). */
  wrapped: Binary;
}

export interface FieldCipher {
  /** A fresh random data key for a new report, and its wrapped form to store. */
  newDataKey(recordId: string): { dataKey: Uint8Array; wrapped: WrappedDataKey };
  /** Unwraps a stored data key; throws DecryptionError(recordId, 'dataKey', …). */
  openDataKey(recordId: string, wrapped: WrappedDataKey): Uint8Array;
  /** Re-wraps under the current master key (returns the input if already current). */
  rewrapDataKey(recordId: string, wrapped: WrappedDataKey): WrappedDataKey;
  /** Opens the data key, runs `use`, then wipes the key (also after a rejected promise). */
  withDataKey<T>(recordId: string, wrapped: WrappedDataKey, use: (dataKey: Uint8Array) => T): T;
  /** Creates a data key, runs `use`, then wipes the key; for creating a report. */
  withNewDataKey<T>(recordId: string, use: (dataKey: Uint8Array, wrapped: WrappedDataKey) => T): T;
  /**
   * Encrypts one UTF-8 value, padded to a multiple of `padBlock` bytes. Reading
   * does not need the block size (the marker is within the last
   * PAD_BLOCK_LONG bytes), so the field list may change its padding later.
   */
  encryptField(dataKey: Uint8Array, recordId: string, fieldPath: string, plaintext: string, padBlock?: number): Binary;
  /** Decrypts one value; throws DecryptionError on any tampering or misplacement. */
  decryptField(dataKey: Uint8Array, recordId: string, fieldPath: string, envelope: Binary): string;
}

/** Builds the cipher over a keyring; holds no state besides the two. */
export function createFieldCipher(sodium: Sodium, keyring: Keyring): FieldCipher {
  const dataKeyContext = (recordId: string) => encodeContext([DATA_KEY_PURPOSE, recordId]);
  // The constant prefix is encoded once; the encoding is compositional.
  const fieldPrefix = encodeContext([FIELD_PURPOSE, REPORTS_COLLECTION]);
  const fieldContext = (recordId: string, fieldPath: string) => {
    const variable = encodeContext([recordId, fieldPath]);
    const context = new Uint8Array(fieldPrefix.length + variable.length);
    context.set(fieldPrefix);
    context.set(variable, fieldPrefix.length);
    return context;
  };

  function wrapDataKey(recordId: string, dataKey: Uint8Array): WrappedDataKey {
    const { id, key } = keyring.current();
    const bytes = sealEnvelope(sodium, key, sodium.from_hex(id), dataKey, dataKeyContext(recordId));
    return { masterKeyId: id, wrapped: new Binary(bytes, Binary.SUBTYPE_DEFAULT) };
  }

  function openDataKey(recordId: string, stored: WrappedDataKey): Uint8Array {
    return guard(recordId, DATA_KEY_PATH, () => {
      const envelope = parseEnvelope(binaryBytes(stored?.wrapped));
      const keyId = sodium.to_hex(envelope.keyId);
      // The id inside the envelope is authenticated; the one beside it is a
      // query convenience, so a disagreement means the document was edited.
      if (keyId !== stored.masterKeyId) throw new EnvelopeError('master key id mismatch');
      const masterKey = keyring.byId(keyId);
      if (!masterKey) throw new EnvelopeError('unknown master key id');
      const dataKey = openEnvelope(sodium, masterKey, envelope, dataKeyContext(recordId));
      if (dataKey.length !== KEY_BYTES) throw new EnvelopeError('data key has the wrong length');
      return dataKey;
    });
  }

  function newDataKey(recordId: string) {
    const dataKey = randomBytes(KEY_BYTES);
    return { dataKey, wrapped: wrapDataKey(recordId, dataKey) };
  }

  return {
    newDataKey,
    openDataKey,

    rewrapDataKey(recordId, stored) {
      // Opened even when already current: never report a damaged key as rotated.
      const dataKey = openDataKey(recordId, stored);
      try {
        return stored.masterKeyId === keyring.currentId ? stored : wrapDataKey(recordId, dataKey);
      } finally {
        sodium.memzero(dataKey);
      }
    },

    withDataKey(recordId, stored, use) {
      const dataKey = openDataKey(recordId, stored);
      return wipeAfter(sodium, dataKey, () => use(dataKey));
    },

    withNewDataKey(recordId, use) {
      const { dataKey, wrapped } = newDataKey(recordId);
      return wipeAfter(sodium, dataKey, () => use(dataKey, wrapped));
    },

    encryptField(dataKey, recordId, fieldPath, plaintext, padBlock = PAD_BLOCK_SHORT) {
      if (typeof plaintext !== 'string') throw new TypeError(`Field ${fieldPath} must be a string to be encrypted`);
      assertLiveKey(sodium, dataKey);
      if (!Number.isInteger(padBlock) || padBlock < 1 || padBlock > PAD_BLOCK_LONG) {
        throw new RangeError(`Padding block must be an integer from 1 to ${PAD_BLOCK_LONG}`);
      }
      const padded = padUtf8(plaintext, padBlock);
      const bytes = sealEnvelope(sodium, dataKey, keyIdBytes(sodium, dataKey), padded, fieldContext(recordId, fieldPath));
      padded.fill(0); // the plaintext copy; JS strings themselves cannot be wiped
      return new Binary(bytes, Binary.SUBTYPE_DEFAULT);
    },

    decryptField(dataKey, recordId, fieldPath, stored) {
      assertLiveKey(sodium, dataKey);
      return guard(recordId, fieldPath, () => {
        const envelope = parseEnvelope(binaryBytes(stored));
        if (!sodium.memcmp(envelope.keyId, keyIdBytes(sodium, dataKey))) {
          throw new EnvelopeError("not encrypted under this record's data key");
        }
        const padded = openEnvelope(sodium, dataKey, envelope, fieldContext(recordId, fieldPath));
        const length = unpaddedLength(padded, PAD_BLOCK_LONG);
        if (length < 0) throw new EnvelopeError('invalid padding');
        const text = decodeUtf8(padded.subarray(0, length));
        padded.fill(0);
        return text;
      });
    },
  };
}

/** Using a data key after withDataKey wiped it is a bug, not damaged data: fail loudly. */
function assertLiveKey(sodium: Sodium, dataKey: Uint8Array): void {
  if (dataKey.length !== KEY_BYTES) throw new Error(`Data key must be exactly ${KEY_BYTES} bytes`);
  if (sodium.is_zero(dataKey)) throw new Error('Data key is all zeros: used after it was wiped?');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new EnvelopeError('invalid UTF-8');
  }
}

/** Runs `use` and wipes `key` once it has finished, synchronously or not. */
function wipeAfter<T>(sodium: Sodium, key: Uint8Array, use: () => T): T {
  let result: T;
  try {
    result = use();
  } catch (error) {
    sodium.memzero(key);
    throw error;
  }
  if (result instanceof Promise) {
    return result.finally(() => sodium.memzero(key)) as T;
  }
  sodium.memzero(key);
  return result;
}

/** The stored bytes of an envelope; anything but a generic-subtype Binary is damage. */
function binaryBytes(value: unknown): Uint8Array {
  // `_bsontype` also recognises a Binary from another copy of the bson package.
  const isBinary = value instanceof Binary || (value as { _bsontype?: unknown } | null)?._bsontype === 'Binary';
  if (!isBinary) throw new EnvelopeError('not a binary envelope');
  const binary = value as Binary;
  if (binary.sub_type !== Binary.SUBTYPE_DEFAULT) throw new EnvelopeError('unexpected binary subtype');
  return binary.value();
}

/** Converts envelope failures into DecryptionError; lets programming errors through. */
function guard<T>(recordId: string, fieldPath: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof EnvelopeError) throw new DecryptionError(recordId, fieldPath, error.reason);
    throw error;
  }
}
