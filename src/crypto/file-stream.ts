/**
 * Files encrypted as a stream: libsodium's `crypto_secretstream_xchacha20poly1305`
 * over fixed-size chunks, so a file is stored as many chunk documents and a
 * truncated, reordered or spliced file fails to open. Generic: it knows a
 * record id and a file id, never what a report is (the content vault,
 * src/reports/content/vault.ts, hands it a report's data key).
 *
 * - Each file gets its own key, derived from the record's data key and the
 *   file's id (keyed BLAKE2b), so one data key never drives two streams and
 *   erasing the data key shreds every file under it.
 * - Every chunk's additional data binds the record id, the file id and the
 *   chunk's index; the last chunk carries the FINAL tag and no other does, so
 *   a file cut short (chunks missing at the end) is refused, not opened short.
 * - `dedupHash`: a keyed hash of the plaintext under another key derived from
 *   the data key: equal files in ONE record compare equal, across records
 *   nothing does (each record has its own data key).
 */
import { encodeContext } from './envelope.js';
import type { Sodium } from './sodium.js';

const FILE_KEY_PURPOSE = 'hotline/file-key/v1';
const FILE_AD_PURPOSE = 'hotline/file-chunk/v1';
const DEDUP_PURPOSE = 'hotline/file-dedup/v1';

/** Plaintext bytes per chunk: each chunk is one stored document (one durable commit), so chunks are large. */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/** A file as encrypted: the stream header (public, 24 bytes) and its ciphertext chunks in order. */
export interface SealedFile {
  header: Uint8Array;
  chunks: Uint8Array[];
}

export class FileStreamError extends Error {
  constructor(readonly reason: string) {
    super(`Encrypted file could not be opened: ${reason}`);
    this.name = 'FileStreamError';
  }
}

export interface FileStreamCipher {
  /** Encrypts `plaintext` under a key derived from `dataKey` for (`recordId`, `fileId`). */
  seal(dataKey: Uint8Array, recordId: string, fileId: string, plaintext: Uint8Array, chunkBytes?: number): SealedFile;
  /** Opens a sealed file; throws FileStreamError on any tampering, reordering, splicing or truncation. */
  open(dataKey: Uint8Array, recordId: string, fileId: string, sealed: SealedFile): Uint8Array;
  /** Keyed hash (hex) of a file's bytes, comparable only within the record whose data key keyed it. */
  dedupHash(dataKey: Uint8Array, recordId: string, plaintext: Uint8Array): string;
}

export function createFileStreamCipher(sodium: Sodium): FileStreamCipher {
  const KEY_BYTES = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES;
  const ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;

  const fileKey = (dataKey: Uint8Array, recordId: string, fileId: string) => sodium.crypto_generichash(KEY_BYTES, encodeContext([FILE_KEY_PURPOSE, recordId, fileId]), dataKey);
  const chunkAd = (recordId: string, fileId: string, index: number) => encodeContext([FILE_AD_PURPOSE, recordId, fileId, String(index)]);

  return {
    seal(dataKey, recordId, fileId, plaintext, chunkBytes = FILE_CHUNK_BYTES) {
      const key = fileKey(dataKey, recordId, fileId);
      try {
        const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
        const count = Math.max(1, Math.ceil(plaintext.length / chunkBytes));
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          const part = plaintext.subarray(i * chunkBytes, (i + 1) * chunkBytes);
          chunks.push(sodium.crypto_secretstream_xchacha20poly1305_push(state, part, chunkAd(recordId, fileId, i), i === count - 1 ? TAG_FINAL : TAG_MESSAGE));
        }
        return { header, chunks };
      } finally {
        sodium.memzero(key);
      }
    },

    open(dataKey, recordId, fileId, sealed) {
      const key = fileKey(dataKey, recordId, fileId);
      try {
        if (sealed.chunks.length === 0) throw new FileStreamError('no chunks');
        let state;
        try {
          state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(sealed.header, key);
        } catch {
          throw new FileStreamError('bad header');
        }
        const parts: Uint8Array[] = [];
        let total = 0;
        for (let i = 0; i < sealed.chunks.length; i++) {
          const chunk = sealed.chunks[i]!;
          if (chunk.length < ABYTES) throw new FileStreamError(`chunk ${i} too short`);
          let result: false | { message: Uint8Array; tag: number };
          try {
            result = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, chunkAd(recordId, fileId, i), 'uint8array') as false | { message: Uint8Array; tag: number };
          } catch {
            throw new FileStreamError(`chunk ${i} failed authentication`);
          }
          if (!result) throw new FileStreamError(`chunk ${i} failed authentication`);
          const last = i === sealed.chunks.length - 1;
          if ((result.tag === TAG_FINAL) !== last) throw new FileStreamError(last ? 'truncated (no final chunk)' : `chunk ${i} ends the stream early`);
          parts.push(result.message);
          total += result.message.length;
        }
        const out = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
          p.fill(0);
        }
        return out;
      } finally {
        sodium.memzero(key);
      }
    },

    dedupHash(dataKey, recordId, plaintext) {
      const key = sodium.crypto_generichash(KEY_BYTES, encodeContext([DEDUP_PURPOSE, recordId]), dataKey);
      try {
        return sodium.to_hex(sodium.crypto_generichash(32, plaintext, key));
      } finally {
        sodium.memzero(key);
      }
    },
  };
}
