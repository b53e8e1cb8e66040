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
import { canonicalJson } from '../audit/canonical.js';
import type { Sodium } from './sodium.js';

const CONTEXT = 'hotlnint'; // crypto_kdf contexts are exactly 8 bytes
const FINGERPRINT_SUBKEY = 101;
const RECEIPT_SUBKEY = 102;
const RECEIPT_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789'; // no 0/O, 1/I/L, U

export interface IntakeKeys {
  fingerprint(input: unknown): string;
  receipt(partnerId: string, idempotencyKey: string): string;
}

export function createIntakeKeys(sodium: Sodium, indexKey: Uint8Array): IntakeKeys {
  const fpKey = sodium.crypto_kdf_derive_from_key(32, FINGERPRINT_SUBKEY, CONTEXT, indexKey);
  const rcKey = sodium.crypto_kdf_derive_from_key(32, RECEIPT_SUBKEY, CONTEXT, indexKey);
  return {
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
