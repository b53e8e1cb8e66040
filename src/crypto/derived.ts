/**
 * Keyed values derived from the index root key for intake bookkeeping:
 * - the submission fingerprint, which tells an idempotent retry from a
 *   different submission under the same key without storing a plain hash of
 *   the content (a plain hash of a phone number is brute-forceable);
 * - the partner receipt, derived from the partner and its idempotency key so
 *   a retried submission gets the same receipt, while only its SHA-256 is
 *   stored and nobody without the key can guess one.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { Sodium } from './sodium.js';

const CONTEXT = 'hotlnint'; // crypto_kdf contexts are exactly 8 bytes
const FINGERPRINT_SUBKEY = 101;
const RECEIPT_SUBKEY = 102;
const REPORT_ID_SUBKEY = 103;
const RECEIPT_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789'; // no 0/O, 1/I/L, U

export interface IntakeKeys {
  fingerprint(input: unknown): string;
  receipt(partnerId: string, idempotencyKey: string): string;
  /**
   * The id of the report a submission creates, derived from what makes the
   * submission unique (the submitter and its idempotency key, or a partner's
   * receipt). A retry therefore finds its report by `_id`, the one lookup
   * the local store answers without scanning, and two racing copies collide on the
   * unique `_id`. Keyed, so the id says nothing about the key or receipt.
   */
  reportId(kind: 'submission' | 'receipt', value: string): string;
}

/**
 * During an index-key rotation, the same values under each previous index
 * key (HOTLINE_PREVIOUS_INDEX_KEYS): a retry of a submission made before the
 * rotation finds its report by one of these ids. After the previous key is
 * removed such a retry is a new submission (docs/encryption.md "Rotation").
 */
export interface RotatingIntakeKeys extends IntakeKeys {
  previous: IntakeKeys[];
}

/** The intake keys under the current index key, and under each previous one (lookups only). */
export function createRotatingIntakeKeys(sodium: Sodium, indexKey: Uint8Array, previousIndexKeys: readonly Uint8Array[] = []): RotatingIntakeKeys {
  return { ...createIntakeKeys(sodium, indexKey), previous: previousIndexKeys.map((k) => createIntakeKeys(sodium, k)) };
}

export function createIntakeKeys(sodium: Sodium, indexKey: Uint8Array): IntakeKeys {
  const fpKey = sodium.crypto_kdf_derive_from_key(32, FINGERPRINT_SUBKEY, CONTEXT, indexKey);
  const rcKey = sodium.crypto_kdf_derive_from_key(32, RECEIPT_SUBKEY, CONTEXT, indexKey);
  const idKey = sodium.crypto_kdf_derive_from_key(32, REPORT_ID_SUBKEY, CONTEXT, indexKey);
  return {
    reportId(kind, value) {
      const b = sodium.crypto_generichash(16, `${kind}\n${value}`, idKey);
      b[6] = (b[6]! & 0x0f) | 0x80; // UUID version 8 (custom), RFC 9562
      b[8] = (b[8]! & 0x3f) | 0x80;
      const h = sodium.to_hex(b);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    fingerprint: (input) => sodium.to_hex(sodium.crypto_generichash(32, canonicalJson(input), fpKey)),
    receipt(partnerId, idempotencyKey) {
      const digest = sodium.crypto_generichash(32, `${partnerId}\n${idempotencyKey}`, rcKey);
      // 20 symbols from a 30-letter alphabet: ~98 bits, read aloud without ambiguity.
      let code = '';
      for (let i = 0; i < 20; i++) code += RECEIPT_ALPHABET[digest[i]! % RECEIPT_ALPHABET.length];
      return `R-${code.slice(0, 5)}-${code.slice(5, 10)}-${code.slice(10, 15)}-${code.slice(15)}`;
    },
  };
}

export const receiptHash = (receipt: string) => createHash('sha256').update(receipt.trim().toUpperCase()).digest('hex');

/**
 * The one rule for a partner's receipt as typed: normalised, bounded, and
 * the report ids it may name (under the current index key, then each
 * previous one). Null for anything that cannot be a receipt.
 */
export function receiptLookup(keys: IntakeKeys & { previous?: IntakeKeys[] }, receipt: unknown): { code: string; ids: string[] } | null {
  if (typeof receipt !== 'string' || receipt.length > 64) return null;
  const code = receipt.trim().toUpperCase();
  return { code, ids: [keys, ...(keys.previous ?? [])].map((k) => k.reportId('receipt', code)) };
}

/** Whether a stored report is this partner's referral under this receipt (another partner's is as unknown as a made-up one). */
export const isOwnReceipt = (doc: { recordedBy: { id: string }; receiptHash?: string | null }, partnerId: string, code: string) =>
  doc.recordedBy.id === partnerId && doc.receiptHash === receiptHash(code);
