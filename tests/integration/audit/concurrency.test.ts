/**
 * Several processes append to the one audit chain at once, with no
 * transactions: afterwards there must be exactly one entry per seq 1..N, no
 * duplicates, no gaps, every writer's entries present, and a valid chain.
 */
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../../../src/audit/service.js';
import { PROJECT_ROOT } from '../../../src/config.js';
import { testIntegrity } from '../../support/integrity.js';

const WRITER = join(PROJECT_ROOT, 'tests', 'integration', 'audit', 'audit-writer.ts');
const PROCESSES = 4;
const EACH = 50;
const LOCAL = 50;

let client: MongoClient;
const dbName = `audit_${randomUUID().slice(0, 8)}_conc`;

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUri')).connect();
});
afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

interface Writer {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<{ code: number | null; out: string; err: string }>;
}

function startWriter(name: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, inject('mongoUri'), dbName, String(EACH), name], { cwd: PROJECT_ROOT });
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const result = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      markReady(); // never leave the test waiting on a writer that died
      resolve({ code, out, err });
    }),
  );
  return { child, ready, result };
}

describe('audit chain under concurrent writers', () => {
  it(`stays one chain, seq 1..N without gaps or duplicates, with ${PROCESSES} processes and the test appending at once`, async () => {
    const db = client.db(dbName);
    const audit = createAuditLog({ integrity: await testIntegrity(), db });
    await audit.ensureIndexes();

    const writers = Array.from({ length: PROCESSES }, (_, i) => startWriter(`writer-${i}`));
    await Promise.all(writers.map((w) => w.ready));
    const started = Date.now();
    for (const w of writers) w.child.stdin.end('go\n');
    // In this process: one caller at a time and a burst at once, racing the children.
    const local = (async () => {
      for (let i = 0; i < LOCAL / 2; i++) await audit.record({ action: TEST_ACTION, actor: { type: 'system', id: 'in-test' }, details: { i } });
    })();
    const burst = Promise.all(Array.from({ length: LOCAL / 2 }, (_, i) => audit.record({ action: TEST_ACTION, actor: { type: 'system', id: 'in-test' }, details: { i: 100 + i } })));
    const results = await Promise.all(writers.map((w) => w.result));
    await Promise.all([local, burst]);
    const elapsed = Date.now() - started;

    const reports = results.map((r) => {
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out.trim().split('\n').at(-1)!) as { name: string; ms: number; stats: { collisions: number; maxAttempts: number; tipRepairs: number } };
    });

    const total = PROCESSES * EACH + LOCAL;
    const docs = await db.collection<{ _id: number; seq: number }>('audit').find({}, { projection: { _id: 1, seq: 1 } }).toArray();
    const seqs = docs.map((d) => d.seq).sort((a, b) => a - b);
    expect(docs).toHaveLength(total);
    expect(new Set(seqs).size).toBe(total);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(docs.every((d) => d._id === d.seq)).toBe(true);
    for (let i = 0; i < PROCESSES; i++) expect(await db.collection('audit').countDocuments({ 'actor.id': `writer-${i}` })).toBe(EACH);
    expect(await db.collection('audit').countDocuments({ 'actor.id': 'in-test' })).toBe(LOCAL);

    const verifyStarted = Date.now();
    expect(await audit.verify()).toEqual({ valid: true, length: total, brokenAt: null, reason: null, anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: null });
    const verifyMs = Date.now() - verifyStarted;

    const collisions = reports.reduce((n, r) => n + r.stats.collisions, audit.stats().collisions);
    const maxAttempts = Math.max(audit.stats().maxAttempts, ...reports.map((r) => r.stats.maxAttempts));
    const repairs = reports.reduce((n, r) => n + r.stats.tipRepairs, audit.stats().tipRepairs);
    console.log(
      `audit concurrency: ${total} appends from ${PROCESSES} processes + the test in ${elapsed} ms ` +
        `(writers ${reports.map((r) => r.ms).join('/')} ms); ${collisions} collisions, at most ${maxAttempts} attempts for one run, ` +
        `${repairs} tip repairs; verify ${verifyMs} ms`,
    );
  }, 120_000);
});
