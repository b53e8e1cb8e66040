/**
 * Keyed hash chaining, shared by the system-wide audit log and the
 * per-report history: the chain key, one entry's hash and the verifier.
 * Nothing here touches the database: callers hand in entries and get back
 * hashes and verdicts.
 */
import type { Integrity } from './integrity.js';
import { canonicalJson } from './canonical.js';

/** A chain's verdict: how long it is and where, if anywhere, it breaks. */
export interface ChainVerification {
  valid: boolean;
  length: number;
  /** seq of the first entry that does not verify, or null. */
  brokenAt: number | null;
  reason: string | null;
}

/** prevHash of the first entry of every chain: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const HASH_PATTERN = /^[0-9a-f]{64}$/;

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
