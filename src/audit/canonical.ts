/**
 * Canonical encoding and hash chaining, shared by the system-wide audit log
 * and the per-report history. The encoding is deterministic (sorted keys,
 * Dates as ISO strings, bytes as tagged base64, no undefined), so a chain
 * verifies the same way on any instance and after a database round trip.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

function normalise(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (typeof value === 'object' && (value as { _bsontype?: string })._bsontype === 'Binary') {
    return { $bytes: Buffer.from((value as { buffer: Uint8Array }).buffer).toString('base64') };
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = normalise((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return String(value);
}

/** Deterministic JSON for hashing. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? 'null';
}

/** hex SHA-256 over the previous hash and the canonical body. */
export function chainHash(prevHash: string, body: unknown): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body)).digest('hex');
}

export interface ChainResult {
  valid: boolean;
  length: number;
  brokenAt: number | null;
  reason: string | null;
}

/** Incremental verifier, so a long chain can be streamed rather than loaded. */
export function createChainVerifier<E extends { seq: number; prevHash: string; hash: string }>(bodyOf: (e: E) => unknown) {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let broken: { seq: number; reason: string } | null = null;
  return {
    push(e: E): boolean {
      if (broken) return false;
      const at = typeof e.seq === 'number' ? e.seq : expectedSeq;
      if (e.seq !== expectedSeq) broken = { seq: expectedSeq, reason: e.seq > expectedSeq ? `entry ${expectedSeq} is missing` : `entry ${e.seq} is out of order` };
      else if (e.prevHash !== prevHash) broken = { seq: at, reason: 'prevHash does not match the previous entry' };
      else if (chainHash(e.prevHash, bodyOf(e)) !== e.hash) broken = { seq: at, reason: 'content does not match its hash' };
      if (broken) return false;
      expectedSeq++;
      prevHash = e.hash;
      return true;
    },
    result(): ChainResult {
      return broken
        ? { valid: false, length: expectedSeq - 1, brokenAt: broken.seq, reason: broken.reason }
        : { valid: true, length: expectedSeq - 1, brokenAt: null, reason: null };
    },
  };
}

/** Verifies a whole chain held in memory (e.g. a report's history). */
export function verifyChain<E extends { seq: number; prevHash: string; hash: string }>(entries: E[], bodyOf: (e: E) => unknown): ChainResult {
  const v = createChainVerifier(bodyOf);
  for (const e of entries) if (!v.push(e)) break;
  return v.result();
}
