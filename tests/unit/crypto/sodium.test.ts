import { afterEach, describe, expect, it, vi } from 'vitest';

describe('loadSodium', () => {
  afterEach(() => {
    vi.doUnmock('libsodium-wrappers');
    vi.resetModules();
  });

  it('returns the ready library, memoised', async () => {
    const { loadSodium } = await import('../../../src/crypto/sodium.js');
    const first = loadSodium();
    expect(loadSodium()).toBe(first);
    const sodium = await first;
    expect(sodium.crypto_generichash(16, 'x', null)).toHaveLength(16);
    expect(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES).toBe(24);
  });

  it('nothing in src/crypto touches libsodium at import time', async () => {
    vi.resetModules();
    const touched: string[] = [];
    vi.doMock('libsodium-wrappers', () => ({
      default: new Proxy(
        {},
        {
          get(_target, property) {
            touched.push(String(property));
            return property === 'ready' ? Promise.resolve() : undefined;
          },
        },
      ),
    }));
    await import('../../../src/crypto/sodium.js');
    await import('../../../src/crypto/keyring.js');
    await import('../../../src/crypto/envelope.js');
    await import('../../../src/crypto/field-cipher.js');
    await import('../../../src/crypto/blind-index.js');
    const { createCrypto } = await import('../../../src/crypto/index.js');
    expect(typeof createCrypto).toBe('function');
    expect(touched).toEqual([]);
    // The mock really is what src/crypto loads: the first use touches it.
    const { loadSodium } = await import('../../../src/crypto/sodium.js');
    await loadSodium();
    expect(touched[0]).toBe('ready');
  });
});
