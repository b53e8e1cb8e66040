import { Binary } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  COMMITMENT_BYTES,
  HEADER_BYTES,
  MIN_ENVELOPE_BYTES,
  NONCE_BYTES,
  TAG_BYTES,
} from '../../../src/crypto/envelope.js';
import { createFieldCipher, PAD_BLOCK_LONG, PAD_BLOCK_SHORT } from '../../../src/crypto/field-cipher.js';
import { createKeyring, keyIdOf } from '../../../src/crypto/keyring.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { expectDecryptionError, fixedKey, randomKey } from './support.js';

const sodium = await loadSodium();
const keyA = fixedKey(11);
const keyB = fixedKey(12);
const indexKey = fixedKey(13);
const cipherFor = (masterKey: Uint8Array, previousMasterKeys: Uint8Array[] = []) =>
  createFieldCipher(sodium, createKeyring(sodium, { masterKey, previousMasterKeys, indexKey }));

const cipher = cipherFor(keyA);
const RECORD = '665f1c2ab4d3e9a1c0ffee01';
const SECRET = 'Zebedee Quorndon, 4 Suspect Mews';

// A copy: Binary.value() may be a Buffer, whose slice() would share memory.
const bytesOf = (binary: Binary) => new Uint8Array(binary.value());
const withBytes = (bytes: Uint8Array) => new Binary(bytes, 0);

describe('field round trip', () => {
  const dataKey = cipher.newDataKey(RECORD).dataKey;

  it.each([
    ['empty', ''],
    ['ASCII', SECRET],
    ['accents and emoji', 'José Ñúñez 🚐 — “quoted”'],
    ['non-Latin scripts', 'محمد · Дмитрий · 王伟'],
    ['exactly one short block', 'x'.repeat(63)],
    ['a 64 KiB narrative', 'n'.repeat(64 * 1024)],
  ])('%s', (_label, plaintext) => {
    const envelope = cipher.encryptField(dataKey, RECORD, 'narrative', plaintext, PAD_BLOCK_LONG);
    expect(cipher.decryptField(dataKey, RECORD, 'narrative', envelope)).toBe(plaintext);
    const short = cipher.encryptField(dataKey, RECORD, 'subjects.0.name', plaintext);
    expect(cipher.decryptField(dataKey, RECORD, 'subjects.0.name', short)).toBe(plaintext);
  });

  it('writes a generic-subtype Binary with the documented header', () => {
    const envelope = cipher.encryptField(dataKey, RECORD, 'caller.name', SECRET);
    expect(envelope.sub_type).toBe(0);
    const bytes = bytesOf(envelope);
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(1);
    expect(sodium.to_hex(bytes.subarray(2, HEADER_BYTES))).toBe(keyIdOf(sodium, dataKey));
    const padded = Math.ceil((new TextEncoder().encode(SECRET).length + 1) / PAD_BLOCK_SHORT) * PAD_BLOCK_SHORT;
    expect(bytes.length).toBe(HEADER_BYTES + NONCE_BYTES + COMMITMENT_BYTES + padded + TAG_BYTES);
  });

  it('hides lengths within a padding block', () => {
    const length = (text: string, block?: number) =>
      cipher.encryptField(dataKey, RECORD, 'f', text, block).length();
    expect(length('a')).toBe(length('a'.repeat(63)));
    expect(length('a'.repeat(64))).toBeGreaterThan(length('a'.repeat(63)));
    expect(length('short narrative', PAD_BLOCK_LONG)).toBe(length('n'.repeat(1000), PAD_BLOCK_LONG));
  });

  it('gives different ciphertexts for the same value', () => {
    const one = bytesOf(cipher.encryptField(dataKey, RECORD, 'f', SECRET));
    const two = bytesOf(cipher.encryptField(dataKey, RECORD, 'f', SECRET));
    expect(sodium.to_hex(one)).not.toBe(sodium.to_hex(two));
  });

  it('never repeats a nonce over 100k encryptions', () => {
    const nonces = new Set<string>();
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      const bytes = cipher.encryptField(dataKey, RECORD, 'f', 'x').value();
      nonces.add(sodium.to_hex(bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES)));
    }
    expect(nonces.size).toBe(count);
  }, 60_000);
});

describe('field tampering and misplacement', () => {
  const dataKey = cipher.newDataKey(RECORD).dataKey;
  const path = 'subjects.0.name';
  const envelope = cipher.encryptField(dataKey, RECORD, path, SECRET);
  const original = bytesOf(envelope);
  const regions = {
    version: 0,
    algorithm: 1,
    'key id': 2,
    nonce: HEADER_BYTES,
    commitment: HEADER_BYTES + NONCE_BYTES,
    ciphertext: HEADER_BYTES + NONCE_BYTES + COMMITMENT_BYTES,
    tag: original.length - 1,
  };

  it.each(Object.entries(regions))('a flipped %s byte fails', (_region, offset) => {
    const bytes = original.slice();
    bytes[offset]! ^= 0x01;
    expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(bytes)), { recordId: RECORD, fieldPath: path }, [SECRET]);
  });

  it('flipping any single byte anywhere fails', () => {
    for (let offset = 0; offset < original.length; offset++) {
      const bytes = original.slice();
      bytes[offset]! ^= 0x80;
      expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(bytes)), { fieldPath: path }, [SECRET]);
    }
  });

  it('reports unknown versions and algorithms as such', () => {
    const version = original.slice();
    version[0] = 2;
    expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(version)), { reason: /unknown envelope version/ });
    const algorithm = original.slice();
    algorithm[1] = 9;
    expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(algorithm)), { reason: /unknown algorithm/ });
  });

  it('every truncation fails, as does trailing garbage', () => {
    for (let length = 0; length < original.length; length++) {
      expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(original.slice(0, length))), { fieldPath: path }, [SECRET]);
    }
    expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(original.slice(0, MIN_ENVELOPE_BYTES - 1))), { reason: /truncated/ });
    const longer = new Uint8Array(original.length + 1);
    longer.set(original);
    expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, withBytes(longer)), { fieldPath: path });
  });

  it('an envelope copied to another record fails', () => {
    expectDecryptionError(() => cipher.decryptField(dataKey, 'another-record', path, envelope), { recordId: 'another-record', fieldPath: path, reason: /authentication failed/ }, [SECRET]);
  });

  it('an envelope copied to another field fails', () => {
    for (const other of ['subjects.1.name', 'subjects.0.alias', 'caller.name', 'narrative']) {
      expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, other, envelope), { fieldPath: other }, [SECRET]);
    }
  });

  it("another record's data key fails", () => {
    const otherKey = cipher.newDataKey('another-record').dataKey;
    expectDecryptionError(() => cipher.decryptField(otherKey, RECORD, path, envelope), { reason: /not encrypted under this record's data key/ }, [SECRET]);
  });

  it('anything but a generic Binary is refused', () => {
    for (const stored of [SECRET, null, undefined, 42, { buffer: original }, new Binary(original, 6)]) {
      expectDecryptionError(() => cipher.decryptField(dataKey, RECORD, path, stored as Binary), { fieldPath: path }, [SECRET]);
    }
  });

  it('survives a BSON round trip (Binary as MongoDB returns it)', async () => {
    const { BSON } = await import('mongodb');
    const back = BSON.deserialize(BSON.serialize({ v: envelope }))['v'] as Binary;
    expect(cipher.decryptField(dataKey, RECORD, path, back)).toBe(SECRET);
  });
});

describe('data keys', () => {
  it('wraps a fresh 32-byte key per report under the current master key', () => {
    const one = cipher.newDataKey(RECORD);
    const two = cipher.newDataKey(RECORD);
    expect(one.dataKey).toHaveLength(32);
    expect(sodium.memcmp(one.dataKey, two.dataKey)).toBe(false);
    expect(one.wrapped.masterKeyId).toBe(keyIdOf(sodium, keyA));
    expect(one.wrapped.wrapped.sub_type).toBe(0);
    expect(cipher.openDataKey(RECORD, one.wrapped)).toEqual(one.dataKey);
  });

  it('a field envelope placed in the data-key slot does not open', () => {
    const { dataKey } = cipher.newDataKey(RECORD);
    const field = cipher.encryptField(dataKey, RECORD, 'dataKey', 'x'.repeat(32));
    expectDecryptionError(() => cipher.openDataKey(RECORD, { masterKeyId: keyIdOf(sodium, dataKey), wrapped: field }), { fieldPath: 'dataKey', reason: /unknown master key id/ });
    expectDecryptionError(() => cipher.openDataKey(RECORD, { masterKeyId: keyIdOf(sodium, keyA), wrapped: field }), { fieldPath: 'dataKey', reason: /master key id mismatch/ });
  });

  it('binds the wrapped key to its record', () => {
    const { dataKey, wrapped } = cipher.newDataKey(RECORD);
    const hex = sodium.to_hex(dataKey);
    expectDecryptionError(() => cipher.openDataKey('another-record', wrapped), { recordId: 'another-record', fieldPath: 'dataKey' }, [hex]);
  });

  it('fails with an unknown master key id, or a wrong master key', async () => {
    const { dataKey, wrapped } = cipher.newDataKey(RECORD);
    const hex = sodium.to_hex(dataKey);
    const stranger = cipherFor(await randomKey());
    expectDecryptionError(() => stranger.openDataKey(RECORD, wrapped), { fieldPath: 'dataKey', reason: /unknown master key id/ }, [hex]);
    // The stored id points at a key the keyring holds, but the envelope names another.
    const both = cipherFor(keyB, [keyA]);
    expectDecryptionError(() => both.openDataKey(RECORD, { ...wrapped, masterKeyId: keyIdOf(sodium, keyB) }), { reason: /master key id mismatch/ }, [hex]);
    // The envelope's key id edited to the other known key: opened with the wrong key.
    const edited = bytesOf(wrapped.wrapped);
    edited.set(sodium.from_hex(keyIdOf(sodium, keyB)), 2);
    expectDecryptionError(() => both.openDataKey(RECORD, { masterKeyId: keyIdOf(sodium, keyB), wrapped: withBytes(edited) }), { reason: /authentication failed/ }, [hex]);
  });

  it('re-wraps from key A to key B; a keyring holding only B then opens data and fields', () => {
    const underA = cipherFor(keyA);
    const { dataKey, wrapped } = underA.newDataKey(RECORD);
    const field = underA.encryptField(dataKey, RECORD, 'narrative', SECRET, PAD_BLOCK_LONG);

    const rotating = cipherFor(keyB, [keyA]);
    const rewrapped = rotating.rewrapDataKey(RECORD, wrapped);
    expect(rewrapped.masterKeyId).toBe(keyIdOf(sodium, keyB));
    expect(rotating.rewrapDataKey(RECORD, rewrapped)).toBe(rewrapped);

    const onlyB = cipherFor(keyB);
    const opened = onlyB.openDataKey(RECORD, rewrapped);
    expect(opened).toEqual(dataKey);
    expect(onlyB.decryptField(opened, RECORD, 'narrative', field)).toBe(SECRET);
    expectDecryptionError(() => onlyB.openDataKey(RECORD, wrapped), { reason: /unknown master key id/ });
  });

  it('re-wrapping verifies even an already-current key', () => {
    const { wrapped } = cipher.newDataKey(RECORD);
    const bytes = bytesOf(wrapped.wrapped);
    bytes[bytes.length - 1]! ^= 1;
    expectDecryptionError(() => cipher.rewrapDataKey(RECORD, { ...wrapped, wrapped: withBytes(bytes) }), { fieldPath: 'dataKey' });
  });

  it('withDataKey and withNewDataKey wipe the key after sync, async and failing use', async () => {
    const { wrapped } = cipher.newDataKey(RECORD);
    let seen: Uint8Array | undefined;
    const result = cipher.withDataKey(RECORD, wrapped, (key) => {
      seen = key;
      expect(sodium.is_zero(key)).toBe(false);
      return cipher.encryptField(key, RECORD, 'f', SECRET);
    });
    expect(result).toBeInstanceOf(Binary);
    expect(sodium.is_zero(seen!)).toBe(true);

    const promised = cipher.withDataKey(RECORD, wrapped, async (key) => {
      seen = key;
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(sodium.is_zero(key)).toBe(false);
      return 'done';
    });
    await expect(promised).resolves.toBe('done');
    expect(sodium.is_zero(seen!)).toBe(true);

    expect(() =>
      cipher.withNewDataKey(RECORD, (key) => {
        seen = key;
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(sodium.is_zero(seen!)).toBe(true);

    await expect(
      cipher.withNewDataKey(RECORD, async (key) => {
        seen = key;
        throw new Error('async boom');
      }),
    ).rejects.toThrow('async boom');
    expect(sodium.is_zero(seen!)).toBe(true);
  });
});

describe('misuse', () => {
  it('refuses a wiped data key loudly instead of encrypting under zeros', () => {
    const { dataKey } = cipher.newDataKey(RECORD);
    const envelope = cipher.encryptField(dataKey, RECORD, 'f', SECRET);
    sodium.memzero(dataKey);
    expect(() => cipher.encryptField(dataKey, RECORD, 'f', SECRET)).toThrow(/wiped/);
    expect(() => cipher.decryptField(dataKey, RECORD, 'f', envelope)).toThrow(/wiped/);
    expect(() => cipher.encryptField(new Uint8Array(16), RECORD, 'f', SECRET)).toThrow(/32 bytes/);
  });
});

describe('padding blocks', () => {
  it('accepts any block up to 1 KiB, which readers can always strip', () => {
    const { dataKey } = cipher.newDataKey(RECORD);
    for (const block of [1, 16, 64, 256, 1024]) {
      const envelope = cipher.encryptField(dataKey, RECORD, 'f', SECRET, block);
      expect(cipher.decryptField(dataKey, RECORD, 'f', envelope)).toBe(SECRET);
    }
    expect(() => cipher.encryptField(dataKey, RECORD, 'f', SECRET, 2048)).toThrow(RangeError);
    expect(() => cipher.encryptField(dataKey, RECORD, 'f', SECRET, 0)).toThrow(RangeError);
  });
});
