import { describe, expect, it } from 'vitest';
import { createKeyring, keyIdOf, parseBase64Key } from '../../../src/crypto/keyring.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { fixedKey } from './support.js';

const sodium = await loadSodium();

describe('createKeyring', () => {
  const a = fixedKey(1);
  const b = fixedKey(2);
  const index = fixedKey(3);

  it('derives 16-hex-character key ids from the keys themselves', () => {
    const id = keyIdOf(sodium, a);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).toBe(sodium.to_hex(sodium.crypto_generichash(16, 'hotline-key-id', a).subarray(0, 8)));
    expect(keyIdOf(sodium, a.slice())).toBe(id);
    expect(keyIdOf(sodium, b)).not.toBe(id);
    expect(id).not.toContain(sodium.to_hex(a).slice(0, 8));
  });

  it('indexes current and previous master keys by id, current first', () => {
    const keyring = createKeyring(sodium, { masterKey: b, previousMasterKeys: [a], indexKey: index });
    expect(keyring.currentId).toBe(keyIdOf(sodium, b));
    expect(keyring.current()).toEqual({ id: keyIdOf(sodium, b), key: b });
    expect(keyring.byId(keyIdOf(sodium, a))).toEqual(a);
    expect(keyring.byId('0000000000000000')).toBeUndefined();
    expect(keyring.ids()).toEqual([keyIdOf(sodium, b), keyIdOf(sodium, a)]);
    expect(keyring.indexKey).toEqual(index);
  });

  it('ignores a previous key equal to the current one', () => {
    const keyring = createKeyring(sodium, { masterKey: a, previousMasterKeys: [a], indexKey: index });
    expect(keyring.ids()).toEqual([keyIdOf(sodium, a)]);
  });

  it('copies the keys, so the caller may wipe its own copies', () => {
    const master = a.slice();
    const indexKey = index.slice();
    const keyring = createKeyring(sodium, { masterKey: master, indexKey });
    master.fill(0);
    indexKey.fill(0);
    expect(keyring.current().key).toEqual(a);
    expect(keyring.indexKey).toEqual(index);
  });

  it('copies Buffer keys too (Buffer#slice would share memory)', () => {
    const master = Buffer.from(a);
    const keyring = createKeyring(sodium, { masterKey: master, indexKey: index });
    master.fill(0);
    expect(keyring.current().key).toEqual(a);
  });

  it.each([
    ['masterKey', { masterKey: new Uint8Array(31), indexKey: index }],
    ['indexKey', { masterKey: a, indexKey: new Uint8Array(33) }],
    ['previousMasterKeys[1]', { masterKey: a, previousMasterKeys: [b, new Uint8Array(16)], indexKey: index }],
  ])('rejects a wrong-length %s, naming it', (name, config) => {
    expect(() => createKeyring(sodium, config)).toThrow(`${name} must be exactly 32 bytes`);
  });

  it('refuses an index key equal to a master key, without printing it', () => {
    let message = '';
    try {
      createKeyring(sodium, { masterKey: a, previousMasterKeys: [b], indexKey: b.slice() });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/indexKey must differ/);
    expect(message).not.toContain(sodium.to_hex(b));
    expect(message).not.toContain(sodium.to_base64(b));
  });
});

describe('parseBase64Key', () => {
  const key = fixedKey(9);

  it.each([
    ['standard, padded', Buffer.from(key).toString('base64')],
    ['URL-safe, unpadded', Buffer.from(key).toString('base64url')],
    ['with surrounding whitespace', `  ${Buffer.from(key).toString('base64')}\n`],
  ])('accepts %s base64', (_label, text) => {
    expect(parseBase64Key('MASTER_KEY', text)).toEqual(key);
  });

  it.each([
    ['too short', Buffer.alloc(31, 7).toString('base64')],
    ['too long', Buffer.alloc(33, 7).toString('base64')],
    ['not base64', 'this is not a key at all!!'],
    ['empty', ''],
    ['impossible length', 'AAAAA'],
  ])('rejects a key that is %s, naming the setting but not echoing the value', (_label, text) => {
    let message = '';
    try {
      parseBase64Key('HOTLINE_INDEX_KEY', text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^HOTLINE_INDEX_KEY must be 32 bytes of base64/);
    if (text) expect(message).not.toContain(text);
  });
});
