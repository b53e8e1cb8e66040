/**
 * Small secrets that the server itself must read back (a TOTP seed), sealed
 * in the same committed-AEAD envelope as report fields, under a key derived
 * from each master key with crypto_kdf (one per purpose). The envelope names
 * the derived key, so a secret sealed under a previous master key still
 * opens while that key is configured; `isCurrent` tells a caller to re-seal.
 * Each envelope is bound to its purpose and record id: moving one to another
 * user's record makes it fail to open.
 */
import { Binary } from 'mongodb';
import { DecryptionError } from '../errors.js';
import { encodeContext, EnvelopeError, openEnvelope, parseEnvelope, sealEnvelope } from './envelope.js';
import { keyIdBytes, type Keyring } from './keyring.js';
import type { Sodium } from './sodium.js';

/** crypto_kdf subkey ids under the context 'hotlnsbx' (8 bytes): never renumber one. */
const PURPOSES = { mfaSecret: 1, webhookSecret: 2 } as const;
const CONTEXT = 'hotlnsbx';

export interface SecretBox {
  seal(recordId: string, plaintext: Uint8Array): Binary;
  /** Throws DecryptionError(recordId, purpose, …) on any tampering, misplacement or unknown key. */
  open(recordId: string, stored: unknown): Uint8Array;
  /** True when the envelope is under the current master key's subkey. */
  isCurrent(stored: unknown): boolean;
  /**
   * Key rotation: the value sealed again under the current master key's
   * subkey, or null when it already is; throws DecryptionError when it opens
   * under no configured key. The plaintext is wiped before this returns.
   */
  resealed(recordId: string, stored: unknown): Binary | null;
}

/** Builds the box for one purpose over every configured master key. */
export function createSecretBox(sodium: Sodium, keyring: Keyring, purpose: keyof typeof PURPOSES): SecretBox {
  const keys = new Map<string, Uint8Array>();
  for (const id of keyring.ids()) {
    const key = sodium.crypto_kdf_derive_from_key(32, PURPOSES[purpose], CONTEXT, keyring.byId(id)!);
    keys.set(sodium.to_hex(keyIdBytes(sodium, key)), key);
  }
  const current = sodium.crypto_kdf_derive_from_key(32, PURPOSES[purpose], CONTEXT, keyring.current().key);
  const currentId = keyIdBytes(sodium, current);
  const context = (recordId: string) => encodeContext([`hotline/secret-box/${purpose}/v1`, recordId]);
  const parse = (stored: unknown) => {
    const isBinary = stored instanceof Binary || (stored as { _bsontype?: unknown } | null)?._bsontype === 'Binary';
    if (!isBinary) throw new EnvelopeError('not a binary envelope');
    return parseEnvelope((stored as Binary).value());
  };
  return {
    seal: (recordId, plaintext) => new Binary(sealEnvelope(sodium, current, currentId, plaintext, context(recordId)), Binary.SUBTYPE_DEFAULT),
    open(recordId, stored) {
      try {
        const envelope = parse(stored);
        const key = keys.get(sodium.to_hex(envelope.keyId));
        if (!key) throw new EnvelopeError('unknown key id');
        return openEnvelope(sodium, key, envelope, context(recordId));
      } catch (error) {
        if (error instanceof EnvelopeError) throw new DecryptionError(recordId, purpose, error.reason);
        throw error;
      }
    },
    isCurrent(stored) {
      try {
        return sodium.memcmp(parse(stored).keyId, currentId);
      } catch {
        return false;
      }
    },
    resealed(recordId, stored) {
      if (this.isCurrent(stored)) return null;
      const plaintext = this.open(recordId, stored);
      try {
        return this.seal(recordId, plaintext);
      } finally {
        plaintext.fill(0);
      }
    },
  };
}
