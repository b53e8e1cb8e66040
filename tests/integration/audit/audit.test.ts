/**
 * The audit log on the real database (FerretDB from the global setup): record
 * and verify, tampering with the plain driver, queries, partner times and
 * the details rules.
 */
import { TEST_ACTION } from '../../support/audit-test-action.js';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chainHash, chainKeyOf } from '../../../src/crypto/hash-chain.js';
import { AuditRejectedError, AuditWriteError, createAuditLog, entryBody, type AuditLogOptions } from '../../../src/audit/service.js';
import type { AuditEntry, AuditEventInput } from '../../../src/audit/types.js';
import { runAuditVerify } from '../../../src/audit/verify-cli.js';
import { testIntegrity } from '../../support/integrity.js';

const integrity = await testIntegrity();
const K = chainKeyOf(integrity, 'auditChain');
/** The full verdict with no checkpoints configured: anchor NONE, and the first difference is the break. */
const verdict = (v: { valid: boolean; length: number; brokenAt: number | null; reason: string | null }) => ({ ...v, anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: v.brokenAt });

let client: MongoClient;
const prefix = `audit_${randomUUID().slice(0, 8)}`;
const used: string[] = [];

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUri')).connect();
});
afterAll(async () => {
  for (const name of used) await client.db(name).dropDatabase();
  await client.close();
});

/** A fresh database per test, so tampering in one test cannot leak into another. */
function freshDb(): Db {
  const name = `${prefix}_${used.length}`;
  used.push(name);
  return client.db(name);
}

type Stored = AuditEntry & { _id: number };
const auditOf = (db: Db) => db.collection<Stored>('audit');

const event = (i: number, over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  action: 'report.read',
  actor: { type: 'user', id: `user-${i % 3}`, name: `staff${i % 3}` },
  target: { type: 'report', id: `report-${i % 2}` },
  details: { i, fields: ['narrative'], reference: `HL-${i}` },
  ...over,
});

async function recordMany(options: AuditLogOptions, n: number) {
  const audit = createAuditLog(options);
  await audit.ensureIndexes();
  const entries: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) entries.push(await audit.record(event(i)));
  return { audit, entries };
}

describe('record and verify', () => {
  it('appends a chain linked from the genesis hash that verifies, and stores what it returns', async () => {
    const db = freshDb();
    const { audit, entries } = await recordMany({ integrity, db }, 5);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect(entries[2]!.hash).toBe(chainHash(K, entries[2]!.prevHash, entryBody(entries[2]!)));
    expect(await audit.verify()).toEqual(verdict({ valid: true, length: 5, brokenAt: null, reason: null }));

    const stored = await auditOf(db).findOne({ _id: 3 });
    expect(stored).toMatchObject({ _id: 3, seq: 3, action: 'report.read', actor: { type: 'user', id: 'user-0', name: 'staff0' }, target: { type: 'report', id: 'report-1' }, outcome: 'success' });
    // A second instance (another process) continues the same chain.
    const other = createAuditLog({ integrity, db });
    expect((await other.record(event(6))).seq).toBe(6);
    expect((await audit.record(event(7))).seq).toBe(7);
    expect(await other.verify()).toMatchObject({ valid: true, length: 7 });
  });

  it('verifies entries whose input had undefined members (stored by the driver as null)', async () => {
    const db = freshDb();
    const audit = createAuditLog({ integrity, db });
    await audit.record({ action: 'report.claim', actor: { type: 'user', id: 'u1', name: undefined }, target: { type: 'report', id: undefined }, details: { fromAssignee: undefined, toAssignee: 'u1' } });
    expect(await audit.verify()).toMatchObject({ valid: true, length: 1 });
    expect(await auditOf(db).findOne({ _id: 1 })).toMatchObject({ actor: { type: 'user', id: 'u1' }, target: { type: 'report' }, details: { toAssignee: 'u1' } });
  });

  it('ensureIndexes can run again on every start (FerretDB panicked on a repeated multi-index createIndexes)', async () => {
    const db = freshDb();
    const audit = createAuditLog({ integrity, db });
    await audit.ensureIndexes();
    await audit.ensureIndexes();
    const names = (await auditOf(db).indexes()).map((i) => i.name).sort();
    expect(names).toEqual(['_id_', 'action_1_seq_-1', 'actor.id_1_seq_-1', 'at_1', 'eventKey_1', 'target.id_1_seq_-1']);
  });

  it('a group of appends from one process is one contiguous run', async () => {
    const db = freshDb();
    const audit = createAuditLog({ integrity, db });
    const entries = await Promise.all(Array.from({ length: 30 }, (_, i) => audit.record(event(i))));
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await audit.verify()).toMatchObject({ valid: true, length: 30 });
  });
});

describe('tampering with the plain driver', () => {
  it('an edited detail fails verification at that seq', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 6);
    await auditOf(db).updateOne({ _id: 4 }, { $set: { 'details.reference': 'HL-999' } });
    expect(await audit.verify()).toEqual(verdict({ valid: false, length: 3, brokenAt: 4, reason: 'content does not match its hash' }));
  });

  it('an edited actor fails verification at that seq, and the CLI names it', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 5);
    const lines: string[] = [];
    expect(await runAuditVerify(audit, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual(['audit chain OK: 5 entries', 'checkpoints: NONE (no signed checkpoint yet: write one with audit:checkpoint)']);

    await auditOf(db).updateOne({ _id: 2 }, { $set: { actor: { type: 'user', id: 'someone-else' } } });
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 2 });
    lines.length = 0;
    expect(await runAuditVerify(audit, (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual(['audit chain BROKEN at seq 2: content does not match its hash (1 entries verified before it)', 'checkpoints: NONE (no signed checkpoint yet: write one with audit:checkpoint)']);
  });

  it('a rewritten entry with a recomputed hash is caught by the tip register, or else by the next link', async () => {
    const forge = async (db: Db, seq: number) => {
      const e = (await auditOf(db).findOne({ _id: seq }))!;
      const forged = { ...e, details: { reference: 'forged' } };
      forged.hash = chainHash(K, forged.prevHash, entryBody(forged));
      await auditOf(db).replaceOne({ _id: seq }, forged);
    };
    // Appended one at a time: every entry's hash was published as a tip.
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 5);
    await forge(db, 3);
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 3, reason: 'entry differs from the hash recorded in the tip register (rewritten chain)' });
    // Appended in one run: only the last entry has a tip, the link of entry 4 gives it away.
    const db2 = freshDb();
    const audit2 = createAuditLog({ integrity, db: db2 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => audit2.record(event(i))));
    await forge(db2, 3);
    expect(await audit2.verify()).toMatchObject({ valid: false, brokenAt: 4, reason: 'prevHash does not match the hash of entry 3' });
  });

  it('a deleted entry is detected, in the middle and at the end', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 6);
    await auditOf(db).deleteOne({ _id: 3 });
    expect(await audit.verify()).toEqual(verdict({ valid: false, length: 2, brokenAt: 3, reason: 'entry 3 is missing (the next stored entry is seq 4)' }));

    const db2 = freshDb();
    const { audit: audit2 } = await recordMany({ integrity, db: db2 }, 6);
    await auditOf(db2).deleteOne({ _id: 6 });
    // The tip register still records seq 6: a cut tail shows.
    expect(await audit2.verify()).toMatchObject({ valid: false, length: 5, brokenAt: 6 });
  });

  it('an entry put back out of storage order still verifies, also when it must be looked up directly', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 8);
    const two = (await auditOf(db).findOne({ _id: 2 }))!;
    await auditOf(db).deleteOne({ _id: 2 });
    await auditOf(db).insertOne(two); // now stored last
    expect(await audit.verify()).toEqual(verdict({ valid: true, length: 8, brokenAt: null, reason: null }));
    expect(await createAuditLog({ integrity, db, reorderLimit: 2 }).verify()).toEqual(verdict({ valid: true, length: 8, brokenAt: null, reason: null }));
  });

  it('swapped contents and a moved seq are detected at the first position', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 5);
    const [two, three] = [(await auditOf(db).findOne({ _id: 2 }))!, (await auditOf(db).findOne({ _id: 3 }))!];
    const { _id: _2, ...body2 } = two;
    const { _id: _3, ...body3 } = three;
    await auditOf(db).replaceOne({ _id: 2 }, body3);
    await auditOf(db).replaceOne({ _id: 3 }, body2);
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 2, reason: 'the entry stored as seq 2 carries seq 3' });
  });

  it('a document that is not an entry is reported', async () => {
    const db = freshDb();
    const { audit } = await recordMany({ integrity, db }, 2);
    await db.collection<{ _id: string; note: string }>('audit').insertOne({ _id: 'planted', note: 'x' });
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 0 });
  });
});

describe('query', () => {
  it('filters by actor, target, action and time range, newest first, with a seq cursor', async () => {
    const db = freshDb();
    let clock = Date.UTC(2025, 0, 1, 12, 0, 0);
    const audit = createAuditLog({ integrity, db, now: () => new Date(clock) });
    await audit.ensureIndexes();
    for (let i = 1; i <= 9; i++) {
      clock += 60_000; // entry i at 12:0i
      await audit.record(event(i, i === 9 ? { action: 'auth.login', target: undefined } : {}));
    }

    const byActor = await audit.query({ actorId: 'user-1' }, { first: 10 });
    expect(byActor.entries.map((e) => e.seq)).toEqual([7, 4, 1]);
    expect(byActor.hasNextPage).toBe(false);
    expect(byActor.entries[0]).not.toHaveProperty('_id');

    expect((await audit.query({ targetType: 'report', targetId: 'report-0' }, { first: 10 })).entries.map((e) => e.seq)).toEqual([8, 6, 4, 2]);
    expect((await audit.query({ action: 'auth.login' }, { first: 10 })).entries.map((e) => e.seq)).toEqual([9]);

    const range = await audit.query({ from: new Date(Date.UTC(2025, 0, 1, 12, 3)), to: new Date(Date.UTC(2025, 0, 1, 12, 5)) }, { first: 10 });
    expect(range.entries.map((e) => e.seq)).toEqual([5, 4, 3]);

    const page1 = await audit.query({}, { first: 4 });
    expect(page1.entries.map((e) => e.seq)).toEqual([9, 8, 7, 6]);
    expect(page1.hasNextPage).toBe(true);
    const page2 = await audit.query({}, { first: 4, after: page1.entries.at(-1)!.seq });
    expect(page2.entries.map((e) => e.seq)).toEqual([5, 4, 3, 2]);
    const page3 = await audit.query({}, { first: 4, after: 2 });
    expect(page3).toMatchObject({ hasNextPage: false });
    expect(page3.entries.map((e) => e.seq)).toEqual([1]);
  });
});

describe('rules', () => {
  it("keeps partner actions' time to the minute, other actors' to the millisecond", async () => {
    const db = freshDb();
    const t = Date.UTC(2025, 5, 1, 9, 41, 37, 512);
    let clock = t;
    const audit = createAuditLog({ integrity, db, now: () => new Date(clock) });
    const held = audit.record({ action: 'report.create', actor: { type: 'partner', id: 'p1' }, target: { type: 'report', id: 'r1' } });
    const user = await audit.record({ action: 'report.read', actor: { type: 'user', id: 'u1' } });
    expect(user.at.toISOString()).toBe('2025-06-01T09:41:37.512Z');
    // The partner's entry waits for its minute to pass (trust review 2, item 7): the staff entry recorded after it goes first.
    expect(user.seq).toBe(1);
    clock = Date.UTC(2025, 5, 1, 9, 42, 2, 0);
    const partner = await held;
    expect(partner.at.toISOString()).toBe('2025-06-01T09:41:00.000Z');
    expect(partner.seq).toBe(2);
    expect((await auditOf(db).findOne({ _id: 2 }))!.at.toISOString()).toBe('2025-06-01T09:41:00.000Z');
    expect(await audit.verify()).toMatchObject({ valid: true, length: 2 });
  });

  it('refuses sensitive or binary details and writes nothing', async () => {
    const db = freshDb();
    const audit = createAuditLog({ integrity, db });
    await expect(audit.record(event(1, { details: { narrative: 'text' } }))).rejects.toThrow(AuditRejectedError);
    await expect(audit.record(event(1, { details: { nested: { callerPhone: '0207...' } } }))).rejects.toThrow(/sensitive/);
    await expect(audit.record(event(1, { details: { sealed: Buffer.from('ciphertext') } }))).rejects.toThrow(/binary/);
    expect(await auditOf(db).countDocuments()).toBe(0);
    expect((await audit.record(event(1))).seq).toBe(1);
  });

  it('throws a SERVICE_UNAVAILABLE error when the entry cannot be written', async () => {
    const broken = new MongoClient(inject('mongoUri'), { serverSelectionTimeoutMS: 500 });
    await broken.connect();
    const db = broken.db(freshDb().databaseName);
    await broken.close();
    const audit = createAuditLog({ integrity, db });
    const failure = await audit.record(event(1)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuditWriteError);
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('a writer that died between its insert and its tip leaves nothing half-written; the next one repairs the register', async () => {
    const db = freshDb();
    const { entries } = await recordMany({ integrity, db }, 3);
    // What a writer killed after insertOne leaves: entry 4 stored, tip still at 3.
    const last = entries.at(-1)!;
    const orphan: AuditEntry = { seq: 4, at: new Date(), actor: { type: 'system', id: 'killed' }, action: TEST_ACTION, target: null, outcome: 'success', details: {}, prevHash: last.hash, hash: '' };
    orphan.hash = chainHash(K, orphan.prevHash, entryBody(orphan));
    await auditOf(db).insertOne({ _id: 4, ...orphan });

    const next = createAuditLog({ integrity, db, staleTipMs: 100 });
    expect((await next.record(event(5))).seq).toBe(5);
    expect(next.stats()).toMatchObject({ collisions: 1, tipRepairs: 1 });
    expect(await next.verify()).toMatchObject({ valid: true, length: 5 });
  });
});
