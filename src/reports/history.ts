/**
 * The tamper-evident history kept inside each report document. Each entry's
 * hash covers a canonical encoding of the entry and the previous hash, so
 * editing, removing or reordering any entry breaks verification. Entries are
 * appended in the same single-document update as the change they describe.
 */
import { chainHash, GENESIS_HASH, verifyChain } from '../audit/canonical.js';
import type { HistoryEntry } from './types.js';

export type HistoryInput = Omit<HistoryEntry, 'seq' | 'prevHash' | 'hash'>;

const bodyOf = (e: HistoryEntry) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, from: e.from, to: e.to, reason: e.reason });

/** The next entry after `history` (the stored array, oldest first). */
export function nextHistoryEntry(history: readonly HistoryEntry[], input: HistoryInput): HistoryEntry {
  const last = history.at(-1);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const entry = { seq, prevHash, hash: '', ...input, at: new Date(input.at.getTime()) };
  entry.hash = chainHash(prevHash, bodyOf(entry));
  return entry;
}

/** Several entries appended at once (e.g. a claim that also changes status). */
export function nextHistoryEntries(history: readonly HistoryEntry[], inputs: HistoryInput[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const input of inputs) out.push(nextHistoryEntry([...history, ...out], input));
  return out;
}

export function verifyHistory(history: readonly HistoryEntry[]) {
  const r = verifyChain(history as HistoryEntry[], (e) => bodyOf(e as HistoryEntry));
  return { valid: r.valid, length: r.length, brokenAt: r.brokenAt };
}
