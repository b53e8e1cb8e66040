/**
 * Attachments (docs/attachments.md): what taking a large phone photo (12 megapixels, about 8 MB) costs
 * in-process — sniff, decode and re-encode without metadata (sharp), then
 * seal as a chunked secretstream under a data key (the vault's path:
 * per-file key derivation, per-chunk AD, dedup hash) — and the stream's
 * throughput next to bare `crypto_secretstream_xchacha20poly1305_push` on the
 * same bytes and chunk size (no key derivation, no AD, no hash). With
 * `--mongo <uri>` it also times writing the chunks as one insertMany against
 * writing them one insertOne each (FerretDB commits each document).
 *
 *   npx tsx scripts/bench/attachments.ts [--quick] [--mongo mongodb://...]
 *
 * The main bench (index.ts) prints the same line after the crypto
 * micro-benchmark.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { MongoClient, Binary } from 'mongodb';
import sharp from 'sharp';
import { createFileStreamCipher, FILE_CHUNK_BYTES } from '../../src/crypto/file-stream.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { sanitiseUpload } from '../../src/intake/sanitise.js';

export interface AttachmentBenchResult {
  photoBytes: number;
  width: number;
  height: number;
  /** Sniff + decode + re-encode (ms), and the stripped size. */
  stripMs: number;
  strippedBytes: number;
  /** Seal the stripped file as chunks with its dedup hash (ms). */
  sealMs: number;
  totalMs: number;
  /** MB/s over `streamBytes` of random data: the file path and bare secretstream. */
  streamBytes: number;
  oursMBps: number;
  bareMBps: number;
  /** ours / bare (the issue asks for at least 0.5). */
  ratio: number;
  /** With a database: ms to write the chunks of `streamBytes` as one insertMany, and one insertOne each. */
  insertManyMs?: number;
  insertEachMs?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A phone-sized JPEG (12 megapixels of detail, noise over a gradient: about 8 MB at quality 85) with GPS EXIF. */
async function phonePhoto(): Promise<{ bytes: Buffer; width: number; height: number }> {
  const width = 4000;
  const height = 3000;
  const noise = randomBytes(width * height * 3);
  for (let i = 0; i < noise.length; i += 3) noise[i] = (noise[i]! >> 1) + (((i / 3) % width) * 127) / width;
  const bytes = await sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'PhoneCo', Model: 'X1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
    .toBuffer();
  return { bytes, width, height };
}

export async function runAttachmentBench(opts: { quick?: boolean; mongoUri?: string } = {}): Promise<AttachmentBenchResult> {
  const sodium = await loadSodium();
  const files = createFileStreamCipher(sodium);
  const dataKey = sodium.randombytes_buf(32);
  const photo = await phonePhoto();
  const runs = opts.quick ? 3 : 7;

  const strips: number[] = [];
  const seals: number[] = [];
  let strippedBytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const clean = await sanitiseUpload(photo.bytes, 'PARTNER', 64 * 1024 * 1024);
    const t1 = performance.now();
    files.seal(dataKey, 'report-bench', `file-${i}`, clean.bytes);
    files.dedupHash(dataKey, 'report-bench', clean.bytes);
    const t2 = performance.now();
    strips.push(t1 - t0);
    seals.push(t2 - t1);
    strippedBytes = clean.bytes.length;
  }

  // Throughput on the same random bytes and chunk size: the file path against bare pushes.
  const streamBytes = opts.quick ? 16 * 1024 * 1024 : 64 * 1024 * 1024;
  const data = sodium.randombytes_buf(streamBytes);
  const bare = () => {
    const { state } = sodium.crypto_secretstream_xchacha20poly1305_init_push(dataKey);
    const n = Math.ceil(streamBytes / FILE_CHUNK_BYTES);
    for (let i = 0; i < n; i++) {
      sodium.crypto_secretstream_xchacha20poly1305_push(state, data.subarray(i * FILE_CHUNK_BYTES, (i + 1) * FILE_CHUNK_BYTES), null, i === n - 1 ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    }
  };
  const ours = () => files.seal(dataKey, 'report-bench', 'file-throughput', data);
  const time = (fn: () => unknown) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  bare();
  ours();
  const bareMs: number[] = [];
  const oursMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    bareMs.push(time(bare));
    oursMs.push(time(ours));
  }
  const mbps = (ms: number) => Math.round((streamBytes / 1e6 / (ms / 1000)) * 10) / 10;
  const result: AttachmentBenchResult = {
    photoBytes: photo.bytes.length,
    width: photo.width,
    height: photo.height,
    stripMs: Math.round(median(strips)),
    strippedBytes,
    sealMs: Math.round(median(seals)),
    totalMs: Math.round(median(strips.map((s, i) => s + seals[i]!))),
    streamBytes,
    oursMBps: mbps(median(oursMs)),
    bareMBps: mbps(median(bareMs)),
    ratio: Math.round((median(bareMs) / median(oursMs)) * 100) / 100,
  };

  if (opts.mongoUri) {
    const client = await MongoClient.connect(opts.mongoUri);
    try {
      const chunks = client.db(`bench_attach_${Date.now()}`).collection('attachment_chunks');
      const sealed = files.seal(dataKey, 'report-bench', 'file-db', data.subarray(0, opts.quick ? 8 * FILE_CHUNK_BYTES : 20 * FILE_CHUNK_BYTES));
      const docs = (prefix: string) => sealed.chunks.map((c, index) => ({ _id: `${prefix}:${index}`, reportId: 'report-bench', attachmentId: prefix, index, data: new Binary(c) }));
      let t0 = performance.now();
      await chunks.insertMany(docs('many') as never[], { ordered: true });
      result.insertManyMs = Math.round(performance.now() - t0);
      t0 = performance.now();
      for (const d of docs('each')) await chunks.insertOne(d as never);
      result.insertEachMs = Math.round(performance.now() - t0);
      await chunks.db.dropDatabase();
    } finally {
      await client.close();
    }
  }
  return result;
}

/** The line the main bench prints. */
export function attachmentLine(r: AttachmentBenchResult): string {
  return (
    `Attachments: a ${(r.photoBytes / 1e6).toFixed(1)} MB ${r.width}x${r.height} photo stripped in ${r.stripMs} ms (${(r.strippedBytes / 1e6).toFixed(1)} MB out) + sealed in ${r.sealMs} ms = ${r.totalMs} ms; ` +
    `secretstream ${r.streamBytes / 1024 / 1024} MiB: file path ${r.oursMBps} MB/s, bare ${r.bareMBps} MB/s (${r.ratio} of bare)` +
    (r.insertManyMs !== undefined ? `; chunks to the store: one insertMany ${r.insertManyMs} ms, insertOne each ${r.insertEachMs} ms` : '')
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--mongo');
  const r = await runAttachmentBench({ quick: args.includes('--quick'), ...(at >= 0 ? { mongoUri: args[at + 1] } : {}) });
  console.log(attachmentLine(r));
  console.log(JSON.stringify(r));
}
