/**
 * Micro-benchmark of field-level encryption: what encrypting and indexing a
 * typical report costs, and how much our envelope (padding, key id, key
 * commitment, AD, BSON Binary) adds over the bare AEAD on the same bytes.
 *
 *   npx tsx scripts/bench/crypto.ts [--quick]
 *
 * Prints a table and, as its last line, the figures as JSON. The main bench
 * script imports {@link runCryptoBench} instead.
 */
import { Binary } from 'mongodb';
import { pathToFileURL } from 'node:url';
import { createCrypto } from '../../src/crypto/index.js';
import { PAD_BLOCK_LONG } from '../../src/crypto/field-cipher.js';
import { listEncryptedPaths } from '../../src/crypto/report-codec.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import type { ReportContent } from '../../src/reports/model/content.js';

export interface CryptoBenchOptions {
  /** Shorter runs (< 20 s in total) for CI and smoke checks. */
  quick?: boolean;
}

interface Rate {
  ops: number;
  opsPerSec: number;
  usPerOp: number;
}

interface Throughput {
  bytes: number;
  oursMBps: number;
  bareMBps: number;
  /** bare / ours: how many times slower the full encryptField path is. */
  overhead: number;
}

export interface CryptoBenchResult {
  quick: boolean;
  node: string;
  libsodium: string;
  report: Rate & { fields: number; storedBytes: number; terms: number };
  reportDecrypt: Rate;
  throughput: Throughput[];
}

/** Warms up, then runs `run` in growing batches until `ms` have passed; returns the rate. */
function measure(run: () => void, ms: number): Rate {
  // Warm up the JIT and the wasm heap for a fifth of the measuring time.
  const warmUntil = performance.now() + ms / 5;
  while (performance.now() < warmUntil) run();
  let ops = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(ms) * 1_000_000n) {
    for (let i = 0; i < batch; i++) run();
    ops += batch;
    batch = Math.min(batch * 2, 1024);
    elapsedNs = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsedNs) / 1e9;
  return { ops, opsPerSec: round(ops / seconds), usPerOp: round((seconds * 1e6) / ops) };
}

function typicalReport(): ReportContent {
  const narrative = 'The caller describes two men loading gas cylinders into a van at night. '.repeat(30).slice(0, 2048);
  return {
    narrative,
    caller: {
      name: 'Alex Caller',
      phone: '07700 900123',
      email: 'alex@example.org',
      address: '1 Witness Street, Leeds LS1 1AA',
      preferredContactTimes: 'evenings',
    },
    subjects: [
      {
        name: 'Subject One',
        aliases: ['S1', 'The First'],
        dateOfBirth: '1985-01-02',
        approximateAge: '40',
        description: 'tall, dark coat, scar on the left hand',
        address: '2 Suspect Road, London E1 1AA',
        phone: '+44 20 7946 0000',
      },
      { name: 'Subject Two', aliases: [], approximateAge: '20s', description: 'short, beard', phone: '020 7946 0001' },
    ],
    vehicles: [{ registration: 'AB12 CDE', make: 'Ford', model: 'Transit', colour: 'white', notes: 'dented rear door' }],
    locations: [{ address: '3 Yard Lane, Dagenham', postcode: 'RM10 8AA', description: 'yard behind the shop' }],
    partnerReference: null,
    researchNotes: [],
  };
}

/** Runs the benchmark and returns its figures (printing nothing). */
export async function runCryptoBench({ quick = false }: CryptoBenchOptions = {}): Promise<CryptoBenchResult> {
  const sodium = await loadSodium();
  const crypto = await createCrypto({
    masterKey: sodium.randombytes_buf(32),
    previousMasterKeys: [],
    indexKey: sodium.randombytes_buf(32),
    auditKey: sodium.randombytes_buf(32),
  });
  const { cipher, codec, blindIndex } = crypto;
  const ms = quick ? 400 : 2000;
  const content = typicalReport();

  let recordNo = 0;
  let stored = codec.encryptContent(cipher.newDataKey('bench-0').dataKey, 'bench-0', content);
  const report = measure(() => {
    const recordId = `bench-${++recordNo}`;
    // What creating a report costs: a wrapped data key, the envelopes, the terms.
    const { dataKey } = cipher.newDataKey(recordId);
    stored = codec.encryptContent(dataKey, recordId, content);
    blindIndex.indexTermsFor(content);
    sodium.memzero(dataKey);
  }, ms);

  const { dataKey, wrapped } = cipher.newDataKey('bench-read');
  const readable = codec.encryptContent(dataKey, 'bench-read', content);
  const reportDecrypt = measure(() => {
    cipher.withDataKey('bench-read', wrapped, (key) => codec.decryptContent(key, 'bench-read', readable));
  }, ms);

  const throughput: Throughput[] = [];
  for (const bytes of [1024, 64 * 1024]) {
    const text = 'x'.repeat(bytes);
    const plain = new TextEncoder().encode(text);
    const nonce = sodium.randombytes_buf(24);
    const ours = measure(() => cipher.encryptField(dataKey, 'bench-read', 'narrative', text, PAD_BLOCK_LONG), ms);
    const bare = measure(() => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, null, null, nonce, dataKey), ms);
    const oursMBps = (ours.opsPerSec * bytes) / 1e6;
    const bareMBps = (bare.opsPerSec * bytes) / 1e6;
    throughput.push({ bytes, oursMBps: round(oursMBps), bareMBps: round(bareMBps), overhead: round(bareMBps / oursMBps) });
  }

  const storedBytes = Object.values(envelopeSizes(stored)).reduce((sum, n) => sum + n, 0);
  return {
    quick,
    node: process.version,
    libsodium: sodium.SODIUM_VERSION_STRING,
    report: { ...report, fields: listEncryptedPaths(stored).length, storedBytes, terms: blindIndex.indexTermsFor(content).length },
    reportDecrypt,
    throughput,
  };
}

/** Sizes of all envelopes in stored content, by path. */
function envelopeSizes(value: unknown, path = '', out: Record<string, number> = {}): Record<string, number> {
  if (value instanceof Binary) {
    out[path] = value.length();
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) envelopeSizes(child, path ? `${path}.${key}` : key, out);
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function printTable(result: CryptoBenchResult): void {
  const rows: Record<string, string | number>[] = [
    { case: 'encrypt + index typical report', 'ops/s': result.report.opsPerSec, 'µs/op': result.report.usPerOp },
    { case: 'decrypt typical report (no caller)', 'ops/s': result.reportDecrypt.opsPerSec, 'µs/op': result.reportDecrypt.usPerOp },
  ];
  for (const t of result.throughput) {
    const size = t.bytes >= 1024 ? `${t.bytes / 1024} KiB` : `${t.bytes} B`;
    rows.push({ case: `encryptField ${size}`, 'MB/s': t.oursMBps });
    rows.push({ case: `bare xchacha20poly1305 ${size}`, 'MB/s': t.bareMBps, overhead: `${t.overhead}x` });
  }
  console.log(`crypto bench (${result.quick ? 'quick' : 'full'}) node ${result.node}, libsodium ${result.libsodium}`);
  console.log(
    `typical report: ${result.report.fields} encrypted fields, ${result.report.storedBytes} bytes of envelopes, ${result.report.terms} blind-index terms`,
  );
  console.table(rows);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runCryptoBench({ quick: process.argv.includes('--quick') });
  printTable(result);
  console.log(JSON.stringify(result));
}
