/**
 * The tamper-evident history kept inside each report document. Each entry's
 * hash is a keyed hash (HOTLINE_AUDIT_KEY's `historyChain` subkey) over a
 * canonical encoding of the entry and the previous hash, so editing,
 * removing or reordering any entry breaks verification, and a database
 * writer cannot recompute the chain without the key. Entries are appended in
 * the same single-document update as the change they describe; each change
 * is also recorded in the system audit chain (docs/audit.md).
 */
import { chainHash, chainKeyOf, GENESIS_HASH, verifyChain, type ChainKey } from '../../crypto/hash-chain.js';
import type { Integrity } from '../../crypto/integrity.js';
import type { HistoryEntry } from './types.js';

export type HistoryInput = Omit<HistoryEntry, 'seq' | 'prevHash' | 'hash'>;

/** What history chaining needs of the app's integrity keys (`deps.crypto.integrity`). */
export type HistoryIntegrity = Pick<Integrity, 'mac' | 'verify'>;

const bodyOf = (e: HistoryEntry) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, from: e.from, to: e.to, reason: e.reason });

const keyOf = (integrity: HistoryIntegrity): ChainKey => chainKeyOf(integrity, 'historyChain');

/** The next entry after `history` (the stored array, oldest first). */
export function nextHistoryEntry(integrity: HistoryIntegrity, history: readonly HistoryEntry[], input: HistoryInput): HistoryEntry {
  const last = history.at(-1);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const entry = { seq, prevHash, hash: '', ...input, at: new Date(input.at.getTime()) };
  entry.hash = chainHash(keyOf(integrity), prevHash, bodyOf(entry));
  return entry;
}

/** Several entries appended at once (e.g. a claim that also changes status). */
export function nextHistoryEntries(integrity: HistoryIntegrity, history: readonly HistoryEntry[], inputs: HistoryInput[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const input of inputs) out.push(nextHistoryEntry(integrity, [...history, ...out], input));
  return out;
}

/** Checks a report's whole history chain under the key (current or previous, during a rotation). */
export function verifyHistory(integrity: HistoryIntegrity, history: readonly HistoryEntry[]) {
  const r = verifyChain(keyOf(integrity), history as HistoryEntry[], (e) => bodyOf(e as HistoryEntry));
  return { valid: r.valid, length: r.length, brokenAt: r.brokenAt };
}
