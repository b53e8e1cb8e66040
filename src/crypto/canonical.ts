/**
 * Canonical encoding and keyed hash chaining, shared by the system-wide audit
 * log, the per-report history and the intake fingerprints (which use the
 * encoding only). Nothing here touches
 * the database: callers hand in values and get back strings, hashes, verdicts.
 *
 * The encoding is JSON with one spelling per value, so the same value always
 * hashes the same, whatever order its keys were built in and whether it was
 * read back from MongoDB or is still in memory:
 * - object keys sorted (UTF-16 code unit order); members whose value is
 *   `undefined` are left out, as JSON.stringify does;
 * - arrays in order, an `undefined` element written as `null` (as BSON does);
 * - numbers as JSON numbers (`-0` is `0`); NaN/±Infinity and bigint are
 *   written as strings (kept for compatibility: they hash, but collide with
 *   the equal string, so do not put them in hashed data);
 * - Dates as their ISO-8601 string (a Date and its ISO string encode alike);
 * - bytes (Uint8Array, Buffer, BSON Binary) as `{"$bytes":"<base64>"}`, so a
 *   Buffer written and the Binary read back encode alike;
 * - BSON ObjectId as `{"$oid":"<hex>"}`;
 * - keys starting with `$` are reserved for those tags and refused in plain
 *   objects, so an ordinary object can never pass for a tagged value;
 * - anything else (functions, symbols, Map, Set, RegExp, class instances,
 *   other BSON types) is refused with a TypeError naming the path, never the
 *   value: encoding them as `{}` would leave their content outside the hash.
 *
 * Caution for callers that store what they hash: the MongoDB driver stores an
 * `undefined` member as `null`, which encodes differently; strip undefined
 * members before hashing and storing (the audit service does).
 */
import type { Integrity } from './integrity.js';
import type { ChainVerification } from '../audit/types.js';

/** prevHash of the first entry of every chain: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Deterministic JSON for hashing (see the module comment); throws TypeError on what it cannot encode. */
export function canonicalJson(value: unknown): string {
  return value === undefined ? 'null' : encode(value, '$');
}

/**
 * The keyed hash of one chain (the audit log, or report histories). Keyed so
 * that recomputing a chain needs HOTLINE_AUDIT_KEY, which is not in the
 * database: a database writer who edits, deletes or inserts entries cannot
 * produce hashes that verify. Handed to every chain function as a parameter.
 */
export interface ChainKey {
  /** Hex keyed hash of `data` under the current key. */
  hash(data: string): string;
  /** Constant-time check of a stored hash under the current key or a previous one (during a rotation). */
  verify(data: string, stored: string): boolean;
}

/** The chain key of one purpose, from the app's integrity keys (`deps.crypto.integrity`). */
export function chainKeyOf(integrity: Pick<Integrity, 'mac' | 'verify'>, purpose: 'auditChain' | 'historyChain'): ChainKey {
  return { hash: (data) => integrity.mac(purpose, data), verify: (data, stored) => integrity.verify(purpose, data, stored) };
}

/** What is hashed for one entry: `prevHash + '\n' + canonicalJson(body)`. */
function chainInput(prevHash: string, body: unknown): string {
  return `${prevHash}\n${canonicalJson(body)}`;
}

/** Hex keyed BLAKE2b-256 over `prevHash + '\n' + canonicalJson(body)`: the hash of one chain entry. */
export function chainHash(key: ChainKey, prevHash: string, body: unknown): string {
  return key.hash(chainInput(prevHash, body));
}

/** True for a lowercase hex 256-bit digest, the shape of every chain hash. */
export function isChainHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return encodeObject(value, path);
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
  }
}

function encodeObject(value: object, path: string): string {
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? 'null' : encode(item, `${path}[${i}]`))).join(',')}]`;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`canonicalJson: ${path} is an invalid Date`);
    return JSON.stringify(value.toISOString());
  }
  if (value instanceof Uint8Array) return encodeBytes(value);
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (bsonType === 'Binary') return encodeBytes((value as { buffer: Uint8Array }).buffer);
  if (bsonType === 'ObjectId') return `{"$oid":${JSON.stringify((value as { toHexString(): string }).toHexString())}}`;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (bsonType !== undefined || (proto !== Object.prototype && proto !== null)) {
    throw new TypeError(`canonicalJson: ${path} is not a plain object, array, Date, binary or ObjectId`);
  }
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    if (key.startsWith('$')) throw new TypeError(`canonicalJson: a key at ${path} starts with "$", which is reserved for type tags`);
    members.push(`${JSON.stringify(key)}:${encode(member, `${path}.${key}`)}`);
  }
  return `{${members.join(',')}}`;
}

function encodeBytes(bytes: Uint8Array): string {
  return `{"$bytes":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`;
}

/** The chain fields of an entry; everything else that is hashed is its body. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * Checks a chain one entry at a time, in seq order, without holding it in
 * memory: seq continuity from 1, the link to the previous entry's hash, and
 * the stored hash against the one recomputed from the body. It stops judging
 * at the first break, so the verdict names the first broken seq.
 *
 * `brokenAt` is the first seq position where the chain does not verify: the
 * entry there is altered or does not link to its predecessor, or it is
 * missing or out of place (the reason says which). `length` is the number of
 * entries verified before the break (the whole chain when it is valid).
 */
export class ChainVerifier {
  private expected = 1;
  private lastHash = GENESIS_HASH;
  private broken: { seq: number; reason: string } | null = null;

  /** The seq the next entry must carry. */
  get expectedSeq(): number {
    return this.expected;
  }

  get isBroken(): boolean {
    return this.broken !== null;
  }

  /** The last entry verified: where the verified chain ends (seq 0 and the genesis hash when none). */
  get head(): { seq: number; hash: string } {
    return { seq: this.expected - 1, hash: this.lastHash };
  }

  /**
   * Feeds the next entry with whether its stored hash verifies against its
   * body under the chain key (false when the body could not be encoded).
   * `misplaced`: the expected seq exists further on, so a different seq here
   * is an ordering problem rather than a gap. Returns false once the chain is broken.
   */
  push(link: ChainLink, hashVerifies: boolean, misplaced = false): boolean {
    if (this.broken) return false;
    const seq = this.expected;
    if (link.seq !== seq) {
      if (typeof link.seq === 'number' && link.seq > seq && !misplaced) {
        return this.fail(seq, `entry ${seq} is missing (the next entry is seq ${link.seq})`);
      }
      return this.fail(seq, `entries out of order: seq ${String(link.seq)} is where seq ${seq} belongs`);
    }
    if (link.prevHash !== this.lastHash) {
      return this.fail(seq, seq === 1 ? 'prevHash of the first entry is not the genesis hash' : `prevHash does not match the hash of entry ${seq - 1}`);
    }
    if (!isChainHash(link.hash) || !hashVerifies) {
      return this.fail(seq, 'content does not match its hash');
    }
    this.lastHash = link.hash;
    this.expected = seq + 1;
    return true;
  }

  /** Records a break found outside push (e.g. a missing tail); the first break recorded wins. */
  fail(seq: number, reason: string): false {
    this.broken ??= { seq, reason };
    return false;
  }

  result(): ChainVerification {
    const length = this.expected - 1;
    return this.broken
      ? { valid: false, length, brokenAt: this.broken.seq, reason: this.broken.reason }
      : { valid: true, length, brokenAt: null, reason: null };
  }
}

/** Whether `entry`'s stored hash is its keyed hash under `key`; false when the body cannot be encoded. */
export function hashVerifies<E extends ChainLink>(key: ChainKey, entry: E, bodyOf: (e: E) => unknown): boolean {
  if (!isChainHash(entry.hash)) return false;
  try {
    return key.verify(chainInput(entry.prevHash, bodyOf(entry)), entry.hash);
  } catch {
    return false;
  }
}

/** A verifier that checks each entry's keyed hash itself: `push(entry)` in seq order, then `result()`. */
export function createChainVerifier<E extends ChainLink>(key: ChainKey, bodyOf: (e: E) => unknown) {
  const verifier = new ChainVerifier();
  return {
    push: (entry: E, misplaced = false): boolean => verifier.push(entry, hashVerifies(key, entry, bodyOf), misplaced),
    fail: (seq: number, reason: string) => verifier.fail(seq, reason),
    get expectedSeq() {
      return verifier.expectedSeq;
    },
    result: () => verifier.result(),
  };
}

/**
 * Verifies a whole chain held in memory, in the given order (seq order from
 * 1, as stored). `bodyOf` returns what was hashed for an entry.
 */
export function verifyChain<E extends ChainLink>(key: ChainKey, entries: readonly E[], bodyOf: (e: E) => unknown): ChainVerification {
  const verifier = createChainVerifier(key, bodyOf);
  const seqs = new Set(entries.map((e) => e.seq));
  for (const entry of entries) {
    if (!verifier.push(entry, seqs.has(verifier.expectedSeq))) break;
  }
  return verifier.result();
}
