import { createHash } from 'node:crypto';
import { Binary, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/crypto/canonical.js';
import { chainHash, chainKeyOf, ChainVerifier, GENESIS_HASH, hashVerifies, verifyChain } from '../../../src/crypto/hash-chain.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const sodium = await loadSodium();
const auditKey = new Uint8Array(32).fill(7);
const integrity = createIntegrity(sodium, auditKey);
const K = chainKeyOf(integrity, 'auditChain');

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'x' }, c: null };
    const b = { c: null, a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"x","y":[1,{"p":2,"q":1}]},"b":1,"c":null}');
  });

  it('keeps array order, and arrays in a different order encode differently', () => {
    expect(canonicalJson([2, 1])).toBe('[2,1]');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('leaves out undefined members and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([1, undefined])).toBe('[1,null]');
  });

  it('writes Dates as ISO strings and numbers as JSON numbers', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) })).toBe('{"at":"2024-01-02T03:04:05.006Z"}');
    expect(canonicalJson({ n: 1.5, z: -0, i: 10 })).toBe('{"i":10,"n":1.5,"z":0}');
  });

  it('writes bytes as tagged base64, the same for a Buffer, a Uint8Array and the BSON Binary read back', () => {
    const expected = '{"b":{"$bytes":"aGk="}}';
    expect(canonicalJson({ b: Buffer.from('hi') })).toBe(expected);
    expect(canonicalJson({ b: new Uint8Array([0x68, 0x69]) })).toBe(expected);
    expect(canonicalJson({ b: new Binary(Buffer.from('hi')) })).toBe(expected);
    // a view into a larger buffer encodes only its own bytes
    expect(canonicalJson({ b: Buffer.from('xhix').subarray(1, 3) })).toBe(expected);
  });

  it('writes ObjectIds by their hex value, so two different ids never encode alike', () => {
    const id = new ObjectId('65a1b2c3d4e5f60718293a4b');
    expect(canonicalJson({ id })).toBe('{"id":{"$oid":"65a1b2c3d4e5f60718293a4b"}}');
    expect(canonicalJson({ id: new ObjectId() })).not.toBe(canonicalJson({ id: new ObjectId() }));
  });

  it('refuses what it cannot encode faithfully, naming the path', () => {
    expect(() => canonicalJson({ m: new Map([[1, 2]]) })).toThrow(/\$\.m is not a plain object/);
    expect(() => canonicalJson({ a: [{ f: () => 1 }] })).toThrow(/\$\.a\[0\]\.f has unsupported type function/);
    expect(() => canonicalJson({ x: { $bytes: 'aGk=' } })).toThrow(/reserved/);
    expect(() => canonicalJson({ d: new Date(Number.NaN) })).toThrow(/invalid Date/);
  });

  it('accepts objects without a prototype (GraphQL input objects)', () => {
    const o = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalJson(o)).toBe('{"a":1,"b":2}');
  });
});

describe('chainHash', () => {
  it('is the keyed BLAKE2b-256 of the chain purpose over prevHash, a newline and the canonical body', () => {
    const body = { seq: 1, z: 'a', a: [1] };
    const input = `${GENESIS_HASH}\n{"a":[1],"seq":1,"z":"a"}`;
    const expected = integrity.mac('auditChain', input);
    expect(chainHash(K, GENESIS_HASH, body)).toBe(expected);
    expect(chainHash(K, GENESIS_HASH, { a: [1], z: 'a', seq: 1 })).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  it('cannot be recomputed without the key: differs from SHA-256, from another key and from the history purpose', () => {
    const body = { seq: 1, text: 'x' };
    const mine = chainHash(K, GENESIS_HASH, body);
    expect(mine).not.toBe(createHash('sha256').update(`${GENESIS_HASH}\n${canonicalJson(body)}`).digest('hex'));
    expect(mine).not.toBe(chainHash(chainKeyOf(createIntegrity(sodium, new Uint8Array(32).fill(8)), 'auditChain'), GENESIS_HASH, body));
    expect(mine).not.toBe(chainHash(chainKeyOf(integrity, 'historyChain'), GENESIS_HASH, body));
  });
});

interface E {
  seq: number;
  prevHash: string;
  hash: string;
  text: string;
}
const bodyOf = (e: E) => ({ seq: e.seq, text: e.text });

function chain(n: number): E[] {
  const out: E[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = { seq, prevHash: prev, hash: '', text: `entry ${seq}` };
    e.hash = chainHash(K, prev, bodyOf(e));
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('verifyChain', () => {
  it('accepts an intact chain and an empty one', () => {
    expect(verifyChain(K, chain(6), bodyOf)).toEqual({ valid: true, length: 6, brokenAt: null, reason: null });
    expect(verifyChain(K, [], bodyOf)).toEqual({ valid: true, length: 0, brokenAt: null, reason: null });
  });

  it('detects an edited body at that seq', () => {
    const c = chain(6);
    c[3]!.text = 'changed';
    expect(verifyChain(K, c, bodyOf)).toEqual({ valid: false, length: 3, brokenAt: 4, reason: 'content does not match its hash' });
  });

  it('detects an edited hash at that seq (not at the next one, which no longer links)', () => {
    const c = chain(6);
    c[2]!.hash = 'f'.repeat(64);
    expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 3, reason: 'content does not match its hash' });
  });

  it('detects an entry rewritten with a recomputed hash, at the entry that follows it', () => {
    const c = chain(6);
    c[2]!.text = 'rewritten';
    c[2]!.hash = chainHash(K, c[2]!.prevHash, bodyOf(c[2]!));
    expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 4, reason: 'prevHash does not match the hash of entry 3' });
  });

  it('detects a removed entry (a gap) and names the missing seq', () => {
    const c = chain(6);
    c.splice(2, 1);
    expect(verifyChain(K, c, bodyOf)).toEqual({ valid: false, length: 2, brokenAt: 3, reason: 'entry 3 is missing (the next entry is seq 4)' });
  });

  it('detects two swapped entries at the first misplaced seq', () => {
    const c = chain(6);
    [c[1], c[2]] = [c[2]!, c[1]!];
    expect(verifyChain(K, c, bodyOf)).toEqual({ valid: false, length: 1, brokenAt: 2, reason: 'entries out of order: seq 3 is where seq 2 belongs' });
  });

  it('detects a wrong prevHash, even with a hash recomputed to match it', () => {
    const c = chain(6);
    c[4]!.prevHash = 'a'.repeat(64);
    expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 5, reason: 'prevHash does not match the hash of entry 4' });
    const d = chain(3);
    d[0]!.prevHash = 'b'.repeat(64);
    d[0]!.hash = chainHash(K, d[0]!.prevHash, bodyOf(d[0]!));
    expect(verifyChain(K, d, bodyOf)).toMatchObject({ valid: false, brokenAt: 1, reason: 'prevHash of the first entry is not the genesis hash' });
  });

  it('detects a chain that does not start at 1, and a duplicated seq', () => {
    expect(verifyChain(K, chain(4).slice(1), bodyOf)).toMatchObject({ valid: false, brokenAt: 1, reason: 'entry 1 is missing (the next entry is seq 2)' });
    const c = chain(4);
    c.splice(2, 0, { ...c[1]! });
    expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('rejects a chain recomputed with SHA-256 (the unkeyed way) or with another key, at its first entry', () => {
    for (const forge of [
      (prev: string, body: unknown) => createHash('sha256').update(`${prev}\n${canonicalJson(body)}`).digest('hex'),
      (prev: string, body: unknown) => chainHash(chainKeyOf(createIntegrity(sodium, new Uint8Array(32).fill(9)), 'auditChain'), prev, body),
    ]) {
      const c = chain(4);
      let prev = GENESIS_HASH;
      for (const e of c) {
        e.prevHash = prev;
        e.hash = forge(prev, bodyOf(e));
        prev = e.hash;
      }
      expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 1, reason: 'content does not match its hash' });
    }
  });

  it('accepts a chain made under a previous key during a rotation, and not once that key is dropped', () => {
    const c = chain(4);
    const rotated = createIntegrity(sodium, new Uint8Array(32).fill(10), [auditKey]);
    expect(verifyChain(chainKeyOf(rotated, 'auditChain'), c, bodyOf)).toMatchObject({ valid: true, length: 4 });
    expect(verifyChain(chainKeyOf(createIntegrity(sodium, new Uint8Array(32).fill(10)), 'auditChain'), c, bodyOf)).toMatchObject({ valid: false, brokenAt: 1 });
  });

  it('names only the first of several breaks', () => {
    const c = chain(8);
    c[6]!.text = 'late edit';
    c[1]!.text = 'early edit';
    expect(verifyChain(K, c, bodyOf)).toMatchObject({ valid: false, brokenAt: 2 });
  });

  it('treats a body that cannot be encoded as not matching its hash', () => {
    const c = chain(2) as unknown as { seq: number; prevHash: string; hash: string; text: unknown }[];
    c[1]!.text = new Map();
    expect(verifyChain(K, c, (e) => ({ seq: e.seq, text: e.text }))).toMatchObject({ valid: false, brokenAt: 2 });
  });
});

describe('ChainVerifier (streaming)', () => {
  it('gives the same verdict fed one entry at a time with precomputed hashes', () => {
    const c = chain(5);
    c[3]!.text = 'x';
    const v = new ChainVerifier();
    for (const e of c) v.push(e, hashVerifies(K, e, bodyOf));
    expect(v.result()).toEqual(verifyChain(K, c, bodyOf));
    expect(v.result()).toMatchObject({ brokenAt: 4, length: 3 });
  });

  it('keeps the first break when a later one is reported with fail()', () => {
    const v = new ChainVerifier();
    v.fail(3, 'first');
    v.fail(1, 'second');
    expect(v.result()).toMatchObject({ valid: false, brokenAt: 3, reason: 'first' });
  });
});
