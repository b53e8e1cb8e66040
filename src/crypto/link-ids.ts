/**
 * Sealed report ids for the link graph (`report_links`, `report_link_slots`,
 * `link_terms`): which report links to which is stored only encrypted under
 * a key derived from the index key, bound to the record it sits in (AD), so
 * a reader of the database alone learns neither the graph nor, after an
 * erasure, what linked to the erased report. Random nonces: the same id
 * seals differently each time, so equal ciphertexts say nothing.
 */
import { Binary } from 'mongodb';
import { DecryptionError } from '../errors.js';
import type { Sodium } from './sodium.js';

const CONTEXT = 'hotlnlnk'; // crypto_kdf contexts are exactly 8 bytes
const LINK_SUBKEY = 1;
const NONCE = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

export interface LinkIds {
  /** Encrypts `text` (a report id, or JSON naming some) for the record `where` (e.g. `link_terms/<slot>`). */
  seal(where: string, text: string): Binary;
  /** Opens what `seal` made for the same `where`; DecryptionError on anything else. */
  open(where: string, sealed: unknown): string;
}

/** Seals under the current index key; opens under it or any previous one (HOTLINE_PREVIOUS_INDEX_KEYS, during a rotation). */
export function createLinkIds(sodium: Sodium, indexKey: Uint8Array, previousIndexKeys: readonly Uint8Array[] = []): LinkIds {
  const [key, ...previous] = [indexKey, ...previousIndexKeys].map((k) => sodium.crypto_kdf_derive_from_key(32, LINK_SUBKEY, CONTEXT, k));
  const openWith = (k: Uint8Array, bytes: Uint8Array, where: string) => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, bytes.subarray(NONCE), where, bytes.subarray(0, NONCE), k);
  return {
    seal(where, text) {
      const nonce = sodium.randombytes_buf(NONCE);
      const box = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(text, where, null, nonce, key!);
      const out = new Uint8Array(NONCE + box.length);
      out.set(nonce);
      out.set(box, NONCE);
      return new Binary(out, Binary.SUBTYPE_DEFAULT);
    },
    open(where, sealed) {
      const isBinary = sealed instanceof Binary || (sealed as { _bsontype?: unknown } | null)?._bsontype === 'Binary';
      if (!isBinary) throw new DecryptionError(where, 'link', 'not a sealed link id');
      const bytes = (sealed as Binary).value();
      for (const k of [key!, ...previous]) {
        try {
          return sodium.to_string(openWith(k, bytes, where));
        } catch {
          // not this key: try the next one
        }
      }
      throw new DecryptionError(where, 'link', 'sealed link id does not open');
    },
  };
}
