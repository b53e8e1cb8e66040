/**
 * A backup file encrypted at rest: libsodium's
 * crypto_secretstream_xchacha20poly1305 under the backup key, in chunks of
 * 64 KiB so a store of any size streams through a small buffer. Layout:
 * MAGIC, the stream header (24 bytes), then records of a 4-byte big-endian
 * length and one sealed chunk; the last chunk carries TAG_FINAL, so a file
 * cut short fails to open (it never reads as a shorter, valid file). Every
 * chunk's additional data binds the file's name in the backup and the header:
 * a file renamed or swapped with another one of the same backup fails too.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Sodium } from '../crypto/sodium.js';

const MAGIC = Buffer.from('HOTLINE-BACKUP/1\n');
const CHUNK = 64 * 1024;

/** A backup file that does not open under the key (wrong key, damaged, cut short or renamed); names the file, nothing else. */
export class BackupFileError extends Error {
  constructor(readonly file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'BackupFileError';
  }
}

const additionalData = (name: string, header: Uint8Array) => Buffer.concat([MAGIC, Buffer.from(`${name}\0`, 'utf8'), header]);

/** Encrypts the file at `from` into `to` (created, never overwritten) as `name`. */
export async function encryptFile(sodium: Sodium, key: Uint8Array, name: string, from: string, to: string): Promise<void> {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const ad = additionalData(name, header);
  const out = await open(to, 'wx', 0o600);
  try {
    await out.write(Buffer.concat([MAGIC, header]));
    let pending: Buffer | null = null;
    const push = async (chunk: Buffer, final: boolean) => {
      const tag = final ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
      const sealed = sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, ad, tag);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(sealed.length);
      await out.write(Buffer.concat([length, sealed]));
    };
    // One chunk behind the reader, so the last one is known when it is sealed (an empty file is one empty final chunk).
    for await (const chunk of createReadStream(from, { highWaterMark: CHUNK })) {
      if (pending) await push(pending, false);
      pending = chunk as Buffer;
    }
    await push(pending ?? Buffer.alloc(0), true);
    await out.sync();
  } finally {
    await out.close();
  }
}

/** Decrypts the file at `from` (sealed as `name`) into `to` (created, never overwritten); throws BackupFileError when it does not open. */
export async function decryptFile(sodium: Sodium, key: Uint8Array, name: string, from: string, to: string): Promise<void> {
  const input = await open(from, 'r');
  const out = await open(to, 'wx', 0o600);
  try {
    const readExactly = async (n: number): Promise<Buffer | null> => {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await input.read(buf, 0, n, null);
      if (bytesRead === 0) return null;
      if (bytesRead < n) throw new BackupFileError(name, 'cut short');
      return buf;
    };
    const head = await readExactly(MAGIC.length + sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
    if (!head || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupFileError(name, 'not a backup file');
    const header = head.subarray(MAGIC.length);
    const ad = additionalData(name, header);
    let state;
    try {
      state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    } catch {
      throw new BackupFileError(name, 'does not open under HOTLINE_BACKUP_KEY');
    }
    for (;;) {
      const length = await readExactly(4);
      if (!length) throw new BackupFileError(name, 'cut short (no final chunk)');
      const size = length.readUInt32BE();
      if (size > CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES) throw new BackupFileError(name, 'damaged (chunk too long)');
      const sealed = await readExactly(size);
      const opened = sealed ? sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, ad) : false;
      if (!opened) throw new BackupFileError(name, 'does not open under HOTLINE_BACKUP_KEY (wrong key, damaged or renamed)');
      await out.write(opened.message);
      if (opened.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) break;
    }
    if (await readExactly(1)) throw new BackupFileError(name, 'damaged (data after the final chunk)');
    await out.sync();
  } finally {
    await Promise.all([input.close(), out.close()]);
  }
}
