/**
 * The byte format of every ciphertext we store (wrapped data keys and
 * encrypted fields) and the AEAD that seals and opens it. Knows nothing about
 * reports: callers pass the context (purpose, record id, field path) that is
 * bound into the additional data, and turn an {@link EnvelopeError} into a
 * DecryptionError naming the record and field.
 *
 * Layout (all sizes in bytes; see docs/encryption.md):
 *
 *   offset 0   version     1   = 1
 *   offset 1   algorithm   1   = 1: XChaCha20-Poly1305-IETF + BLAKE2b-256 key commitment
 *   offset 2   key id      8   derived from the key (keyring.keyIdBytes)
 *   offset 10  nonce       24  random per envelope
 *   offset 34  commitment  32  BLAKE2b-256 keyed with the key over label || nonce || AD || tag
 *   offset 66  ciphertext  n   followed by the 16-byte Poly1305 tag
 *
 * AD = bytes 0..9 of the header || context, so the header cannot be edited
 * and an envelope only opens in the context it was written for.
 */
import { KEY_BYTES, KEY_ID_BYTES } from './keyring.js';
import { randomBytes } from './random.js';
import type { Sodium } from './sodium.js';

export const ENVELOPE_VERSION = 1;
export const ALG_XCHACHA20POLY1305_COMMITTED = 1;

export const HEADER_BYTES = 2 + KEY_ID_BYTES;
export const NONCE_BYTES = 24;
export const COMMITMENT_BYTES = 32;
export const TAG_BYTES = 16;
const NONCE_AT = HEADER_BYTES;
const COMMITMENT_AT = NONCE_AT + NONCE_BYTES;
const CIPHERTEXT_AT = COMMITMENT_AT + COMMITMENT_BYTES;
/** An envelope of an empty plaintext; anything shorter is truncated. */
export const MIN_ENVELOPE_BYTES = CIPHERTEXT_AT + TAG_BYTES;

const COMMITMENT_LABEL = new TextEncoder().encode('hotline/commit/v1');
const utf8 = new TextEncoder();

/**
 * Why an envelope could not be opened, in a few words and without any of its
 * bytes. Callers add the record id and field path.
 */
export class EnvelopeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EnvelopeError';
  }
}

export interface ParsedEnvelope {
  keyId: Uint8Array;
  /** The authenticated header (version, algorithm, key id). */
  header: Uint8Array;
  nonce: Uint8Array;
  commitment: Uint8Array;
  /** Ciphertext including the trailing tag. */
  sealed: Uint8Array;
}

/**
 * Encodes context strings unambiguously (2-byte big-endian length, then
 * UTF-8), so that no two different contexts produce the same AD, whatever
 * characters record ids or field paths contain.
 */
export function encodeContext(parts: readonly string[]): Uint8Array {
  const lengths = parts.map((part) => Buffer.byteLength(part, 'utf8'));
  const out = new Uint8Array(lengths.reduce((n, length) => n + 2 + length, 0));
  let at = 0;
  parts.forEach((part, i) => {
    const length = lengths[i]!;
    if (length > 0xffff) throw new Error('Envelope context part is too long');
    out[at] = length >> 8;
    out[at + 1] = length & 0xff;
    utf8.encodeInto(part, out.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  });
  return out;
}

/** Encrypts `plaintext` under `key` with a fresh random nonce; returns envelope bytes. */
export function sealEnvelope(
  sodium: Sodium,
  key: Uint8Array,
  keyId: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
): Uint8Array {
  if (key.length !== KEY_BYTES || keyId.length !== KEY_ID_BYTES) throw new Error('Invalid key or key id length');
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = ENVELOPE_VERSION;
  header[1] = ALG_XCHACHA20POLY1305_COMMITTED;
  header.set(keyId, 2);
  const ad = concat(header, context);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  const commitment = commit(sodium, key, nonce, ad, sealed.subarray(sealed.length - TAG_BYTES));

  const out = new Uint8Array(CIPHERTEXT_AT + sealed.length);
  out.set(header, 0);
  out.set(nonce, NONCE_AT);
  out.set(commitment, COMMITMENT_AT);
  out.set(sealed, CIPHERTEXT_AT);
  return out;
}

/**
 * Splits envelope bytes into their parts, rejecting truncated input and
 * versions or algorithms this code does not know.
 */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (bytes.length < 2) throw new EnvelopeError('truncated envelope');
  if (bytes[0] !== ENVELOPE_VERSION) throw new EnvelopeError('unknown envelope version');
  if (bytes[1] !== ALG_XCHACHA20POLY1305_COMMITTED) throw new EnvelopeError('unknown algorithm');
  if (bytes.length < MIN_ENVELOPE_BYTES) throw new EnvelopeError('truncated envelope');
  return {
    header: bytes.subarray(0, HEADER_BYTES),
    keyId: bytes.subarray(2, HEADER_BYTES),
    nonce: bytes.subarray(NONCE_AT, COMMITMENT_AT),
    commitment: bytes.subarray(COMMITMENT_AT, CIPHERTEXT_AT),
    sealed: bytes.subarray(CIPHERTEXT_AT),
  };
}

/**
 * Verifies the key commitment and the AEAD tag and returns the plaintext.
 * Throws {@link EnvelopeError} on any failure.
 */
export function openEnvelope(
  sodium: Sodium,
  key: Uint8Array,
  envelope: ParsedEnvelope,
  context: Uint8Array,
): Uint8Array {
  const ad = concat(envelope.header, context);
  const tag = envelope.sealed.subarray(envelope.sealed.length - TAG_BYTES);
  if (!sodium.memcmp(commit(sodium, key, envelope.nonce, ad, tag), envelope.commitment)) {
    throw new EnvelopeError('authentication failed (key commitment)');
  }
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, envelope.sealed, ad, envelope.nonce, key);
  } catch {
    throw new EnvelopeError('authentication failed (tag)');
  }
}

/**
 * Poly1305 is not key-committing: a crafted ciphertext can open under two
 * different keys. This keyed BLAKE2b (key || nonce || AD || tag) pins the
 * envelope to exactly one key, and costs one short hash per value.
 */
function commit(sodium: Sodium, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, tag: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(COMMITMENT_BYTES, concat(COMMITMENT_LABEL, nonce, ad, tag), key);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
