import { describe, expect, it } from 'vitest';
import { padUtf8, unpaddedLength } from '../../../src/crypto/padding.js';
import { createRandomSource, randomBytes } from '../../../src/crypto/random.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const sodium = await loadSodium();

describe('padding', () => {
  it('is byte-for-byte what sodium.pad produces, and sodium.unpad reverses it', () => {
    for (const block of [64, 1024]) {
      for (const length of [0, 1, 2, 62, 63, 64, 65, 127, 128, 1000, 1023, 1024, 1025, 3000]) {
        const text = 'é'.repeat(Math.floor(length / 2)) + 'a'.repeat(length % 2);
        const bytes = new TextEncoder().encode(text);
        const ours = padUtf8(text, block);
        expect(ours, `${length} in ${block}`).toEqual(sodium.pad(bytes, block));
        expect(ours.length % block).toBe(0);
        expect(unpaddedLength(ours, 1024)).toBe(bytes.length);
        expect(sodium.unpad(ours, block)).toEqual(bytes);
      }
    }
  });

  it('rejects missing or malformed padding', () => {
    expect(unpaddedLength(new Uint8Array(64), 1024)).toBe(-1); // no marker
    const wrongMarker = padUtf8('abc', 64);
    wrongMarker[3] = 0x81;
    expect(unpaddedLength(wrongMarker, 1024)).toBe(-1);
    const markerTooFar = new Uint8Array(2048);
    markerTooFar[0] = 0x80; // 2047 zero bytes after the marker: more than one block
    expect(unpaddedLength(markerTooFar, 1024)).toBe(-1);
    expect(unpaddedLength(new Uint8Array(0), 1024)).toBe(-1);
  });
});

describe('random bytes', () => {
  it('never hands out the same bytes twice, across pool refills', () => {
    const next = createRandomSource();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(sodium.to_hex(next(24)));
    expect(seen.size).toBe(2000);
  });

  it('serves the requested length, including more than the pool', () => {
    expect(randomBytes(24)).toHaveLength(24);
    expect(randomBytes(32)).toHaveLength(32);
    const big = randomBytes(10_000);
    expect(big).toHaveLength(10_000);
    expect(sodium.is_zero(big.subarray(9_000))).toBe(false);
  });

  it('looks uniform (byte frequencies within a loose bound)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 400; i++) for (const byte of randomBytes(256)) counts[byte]!++;
    // 400 expected per value; a fair source stays well within ±50 %.
    for (const count of counts) expect(count).toBeGreaterThan(200);
    for (const count of counts) expect(count).toBeLessThan(600);
  });
});
