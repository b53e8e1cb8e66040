/**
 * Files as chunked secretstreams (src/crypto/file-stream.ts): a round trip
 * over many chunks, and every way of moving, dropping, reordering or
 * splicing chunks refused.
 */
import { describe, expect, it } from 'vitest';
import { createFileStreamCipher, FileStreamError } from '../../../src/crypto/file-stream.js';
import { loadSodium } from '../../../src/crypto/sodium.js';
import { fixedKey } from './support.js';

const sodium = await loadSodium();
const files = createFileStreamCipher(sodium);
const dataKey = fixedKey(21);
const file = sodium.randombytes_buf(10_000);
const CHUNK = 1000;

describe('file stream', () => {
  it('round-trips a file over many chunks, each one ciphertext of its chunk plus the tag', () => {
    const sealed = files.seal(dataKey, 'report-1', 'file-1', file, CHUNK);
    expect(sealed.chunks).toHaveLength(10);
    expect(sealed.chunks.every((c) => c.length === CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES)).toBe(true);
    expect(Buffer.compare(Buffer.from(files.open(dataKey, 'report-1', 'file-1', sealed)), Buffer.from(file))).toBe(0);
    // An empty file is one final chunk.
    const empty = files.seal(dataKey, 'report-1', 'file-2', new Uint8Array(0), CHUNK);
    expect(empty.chunks).toHaveLength(1);
    expect(files.open(dataKey, 'report-1', 'file-2', empty)).toHaveLength(0);
  });

  it('refuses a truncated, reordered, spliced or misplaced file', () => {
    const sealed = files.seal(dataKey, 'report-1', 'file-1', file, CHUNK);
    const other = files.seal(dataKey, 'report-1', 'file-3', file, CHUNK);
    const attempts: [string, () => unknown, RegExp][] = [
      ['last chunk dropped', () => files.open(dataKey, 'report-1', 'file-1', { ...sealed, chunks: sealed.chunks.slice(0, -1) }), /truncated/],
      ['two chunks swapped', () => files.open(dataKey, 'report-1', 'file-1', { ...sealed, chunks: [sealed.chunks[1]!, sealed.chunks[0]!, ...sealed.chunks.slice(2)] }), /authentication/],
      ['a chunk of another file', () => files.open(dataKey, 'report-1', 'file-1', { ...sealed, chunks: [...sealed.chunks.slice(0, 3), other.chunks[3]!, ...sealed.chunks.slice(4)] }), /authentication/],
      ['another report id', () => files.open(dataKey, 'report-2', 'file-1', sealed), /authentication/],
      ['another file id', () => files.open(dataKey, 'report-1', 'file-9', sealed), /authentication/],
      ['another data key', () => files.open(fixedKey(22), 'report-1', 'file-1', sealed), /authentication/],
      ['chunks after the final one', () => files.open(dataKey, 'report-1', 'file-1', { ...sealed, chunks: [...sealed.chunks, sealed.chunks[9]!] }), /authentication|ends the stream/],
      ['no chunks', () => files.open(dataKey, 'report-1', 'file-1', { ...sealed, chunks: [] }), /no chunks/],
    ];
    for (const [name, attempt, reason] of attempts) {
      expect(attempt, name).toThrow(FileStreamError);
      expect(attempt, name).toThrow(reason);
    }
  });

  it('the dedup hash matches equal files within a record only', () => {
    expect(files.dedupHash(dataKey, 'report-1', file)).toBe(files.dedupHash(dataKey, 'report-1', file.slice()));
    expect(files.dedupHash(dataKey, 'report-1', file)).not.toBe(files.dedupHash(dataKey, 'report-2', file));
    expect(files.dedupHash(dataKey, 'report-1', file)).not.toBe(files.dedupHash(fixedKey(22), 'report-1', file));
  });
});
