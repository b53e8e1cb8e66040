import { describe, expect, it } from 'vitest';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { fixedKey } from './support.js';

describe('integrity keys', () => {
  it('keys each purpose apart, so a MAC made for one never verifies for another or under another key', async () => {
    const sodium = await loadSodium();
    const a = createIntegrity(sodium, fixedKey(1));
    const b = createIntegrity(sodium, fixedKey(2));
    const m = a.mac('userRecord', 'alice|ADMIN');
    expect(m).toMatch(/^[0-9a-f]{64}$/);
    expect(a.verify('userRecord', 'alice|ADMIN', m)).toBe(true);
    expect(a.verify('userRecord', 'alice|ADMINX', m)).toBe(false);
    expect(a.verify('reportEnvelope', 'alice|ADMIN', m)).toBe(false);
    expect(b.verify('userRecord', 'alice|ADMIN', m)).toBe(false);
    expect(a.verify('userRecord', 'alice|ADMIN', 'not-a-mac')).toBe(false);
    expect(a.keyId).not.toBe(b.keyId);
  });

  it('accepts MACs of a previous key during a rotation and lists lookups current first', async () => {
    const sodium = await loadSodium();
    const old = createIntegrity(sodium, fixedKey(1));
    const rotated = createIntegrity(sodium, fixedKey(2), [fixedKey(1)]);
    const stored = old.mac('token', 'hts_x');
    expect(rotated.verify('token', 'hts_x', stored)).toBe(true);
    expect(rotated.macAll('token', 'hts_x')).toEqual([rotated.mac('token', 'hts_x'), stored]);
  });

  it('derives a checkpoint signing pair that verifies its own signatures only', async () => {
    const sodium = await loadSodium();
    const a = createIntegrity(sodium, fixedKey(1));
    const sig = sodium.crypto_sign_detached('checkpoint', a.signing.privateKey);
    expect(sodium.crypto_sign_verify_detached(sig, 'checkpoint', a.signing.publicKey)).toBe(true);
    expect(sodium.crypto_sign_verify_detached(sig, 'checkpoint', createIntegrity(sodium, fixedKey(2)).signing.publicKey)).toBe(false);
  });
});

describe('checkpoint verification across a rotation', () => {
  it('verifies checkpoints signed under a previous audit key, current key first', async () => {
    const sodium = await loadSodium();
    const old = createIntegrity(sodium, fixedKey(1));
    const rotated = createIntegrity(sodium, fixedKey(2), [fixedKey(1)]);
    const sig = sodium.crypto_sign_detached('checkpoint', old.signing.privateKey);
    expect(rotated.verifyingKeys[0]).toEqual(rotated.signing.publicKey);
    expect(rotated.verifyingKeys.some((k) => sodium.crypto_sign_verify_detached(sig, 'checkpoint', k))).toBe(true);
    expect(createIntegrity(sodium, fixedKey(2)).verifyingKeys.some((k) => sodium.crypto_sign_verify_detached(sig, 'checkpoint', k))).toBe(false);
  });
});
