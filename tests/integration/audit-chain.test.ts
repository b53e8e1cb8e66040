import { randomUUID } from 'node:crypto';
import { TEST_ACTION } from '../support/audit-test-action.js';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createAuditLog } from '../../src/audit/service.js';
import { runScript } from '../support/spawn.js';
import { testIntegrity } from '../support/integrity.js';

let client: MongoClient;
const dbName = `audit_${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUri')).connect();
});
afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

describe('audit chain under concurrent writers', () => {
  it('stays one valid chain with no forks and no gaps when several processes append at once', async () => {
    const db = client.db(dbName);
    const audit = createAuditLog({ integrity: await testIntegrity(), db });
    await audit.ensureIndexes();
    const PROCS = 4;
    const EACH = 40;
    const LOCAL = 40;
    const started = Date.now();
    const children = Array.from({ length: PROCS }, (_, i) => runScript('tests/support/audit-append-child.ts', [inject('mongoUri'), dbName, String(EACH), `writer-${i}`], {}, undefined, 120_000));
    const local = Promise.all(Array.from({ length: LOCAL }, (_, i) => audit.record({ action: TEST_ACTION, actor: { type: 'system', id: 'in-test' }, details: { i } })));
    const results = await Promise.all(children);
    await local;
    for (const r of results) expect(r.stdout, r.stderr).toContain('done');
    const total = PROCS * EACH + LOCAL;
    const seqs = (await db.collection('audit').find({}, { projection: { seq: 1 } }).toArray()).map((d) => d.seq as number).sort((a, b) => a - b);
    expect(seqs).toHaveLength(total);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const v = await audit.verify();
    expect(v).toEqual({ valid: true, length: total, brokenAt: null, reason: null, anchor: 'NONE', anchorSeq: null, anchoredAt: null, firstDifference: null });
    // Every writer's entries are all there.
    for (let i = 0; i < PROCS; i++) expect(await db.collection('audit').countDocuments({ 'actor.id': `writer-${i}` })).toBe(EACH);
    console.log(`audit concurrency: ${total} appends from ${PROCS} processes + 1 in-test, ${Date.now() - started} ms`);
  }, 180_000);

  it('detects a removed entry, a reordering and a removed tail', async () => {
    const db = client.db(`${dbName}_t`);
    const audit = createAuditLog({ integrity: await testIntegrity(), db });
    for (let i = 0; i < 6; i++) await audit.record({ action: TEST_ACTION, actor: { type: 'system', id: 'x' }, details: { i } });
    expect((await audit.verify()).valid).toBe(true);
    const col = db.collection<{ _id: number; seq: number; details: unknown }>('audit');
    const four = await col.findOne({ _id: 4 });
    await col.deleteOne({ _id: 4 });
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 4 });
    await col.insertOne(four!);
    expect((await audit.verify()).valid).toBe(true);
    const [two, three] = [await col.findOne({ _id: 2 }), await col.findOne({ _id: 3 })];
    await col.updateOne({ _id: 2 }, { $set: { details: three!.details } });
    await col.updateOne({ _id: 3 }, { $set: { details: two!.details } });
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 2 });
    await col.updateOne({ _id: 2 }, { $set: { details: two!.details } });
    await col.updateOne({ _id: 3 }, { $set: { details: three!.details } });
    await col.deleteOne({ _id: 6 });
    expect(await audit.verify()).toMatchObject({ valid: false, brokenAt: 6 });
    await db.dropDatabase();
  });

  it('keeps partner times to the minute and refuses sensitive details', async () => {
    const db = client.db(`${dbName}_p`);
    // Not held past its minute here (that is tests/integration/audit/audit.test.ts's): only its time is looked at.
    const audit = createAuditLog({ integrity: await testIntegrity(), db, holdPartnerEntries: false });
    const e = await audit.record({ action: 'report.create', actor: { type: 'partner', id: 'p1' } });
    expect(e.at.getUTCSeconds()).toBe(0);
    expect(e.at.getUTCMilliseconds()).toBe(0);
    await expect(audit.record({ action: TEST_ACTION, actor: { type: 'system' }, details: { narrative: 'secret' } })).rejects.toThrow(/sensitive/);
    await expect(audit.record({ action: TEST_ACTION, actor: { type: 'system' }, details: { nested: { password: 'p' } } })).rejects.toThrow(/sensitive/);
    await db.dropDatabase();
  });

  it('appends entries recorded together in one run (one insert, one tip), in the order they were recorded', async () => {
    const db = client.db(`${dbName}_run`);
    const audit = createAuditLog({ integrity: await testIntegrity(), db });
    await audit.record({ action: TEST_ACTION, actor: { type: 'system', id: 'warm-up' } });
    const before = audit.stats().runs;
    // As a search records each candidate's read, then the search itself, in one stretch of synchronous code.
    const entries = await Promise.all(Array.from({ length: 22 }, (_, i) => audit.record({ action: TEST_ACTION, actor: { type: 'system', id: `r${i}` } })));
    expect(audit.stats().runs - before).toBe(1);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => entries[0]!.seq + i));
    expect((await audit.verify()).valid).toBe(true);
    await db.dropDatabase();
  });
});
