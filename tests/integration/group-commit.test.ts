/**
 * The group commit (src/db/group-commit.ts) on the real local store: N
 * concurrent callers, each sees exactly its own outcome — stored, its key
 * taken (by an earlier document or by another caller of the same batch), or
 * its own document's store error — whatever else rode the same batch; and
 * what was stored is exactly what the callers were told was stored.
 */
import fc from 'fast-check';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, connect, type Socket } from 'node:net';
import { BatchedWriteError, createGroupCommit, MongoBatchTimeoutError } from '../../src/db/group-commit.js';
import { storeErrorKind } from '../../src/db/errors.js';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUri'), { writeConcern: { w: 'majority', journal: true } }).connect();
  db = client.db(`group_commit_${Date.now()}`);
});
afterAll(async () => {
  await db?.dropDatabase().catch(() => {});
  await client?.close();
});

type Doc = { _id: string; by: number; $bad?: number };

/** What one caller does: insert one document with key `key` (from a small pool, so keys collide), or a document the store refuses. */
const callerArb = fc.record({ key: fc.integer({ min: 0, max: 11 }), refused: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), collection: fc.integer({ min: 0, max: 1 }) });

describe('group commit', () => {
  it('gives each of N concurrent callers exactly its own outcome', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(callerArb, { minLength: 1, maxLength: 40 }), fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 4 }), async (callers, preStored) => {
        round++;
        const group = createGroupCommit({ maxBatch: 16 });
        const colls = [db.collection<Doc>(`c${round}a`), db.collection<Doc>(`c${round}b`)];
        // Keys stored before: every caller of one of them must be told its key was taken.
        for (const c of colls) if (preStored.length) await c.insertMany(preStored.map((k) => ({ _id: `k${k}`, by: -1 })));
        const before = group.stats();
        const outcomes = await Promise.all(
          callers.map(async (c, i) => {
            // A refused document: a field name starting with '$', which the store refuses for that document alone (a key of its own).
            const doc: Doc = c.refused ? { _id: `bad${i}`, by: i, $bad: 1 } : { _id: `k${c.key}`, by: i };
            try {
              return (await group.insert(colls[c.collection]!, doc)) ? 'stored' : 'taken';
            } catch (err) {
              return err instanceof BatchedWriteError && err.code !== 11000 ? 'refused' : `other: ${(err as Error).name}`;
            }
          }),
        );
        for (const [ci, coll] of colls.entries()) {
          const stored = new Map((await coll.find({}).toArray()).map((d) => [d._id, d.by]));
          const mine = callers.map((c, i) => ({ ...c, i })).filter((c) => c.collection === ci);
          for (const c of mine) {
            const outcome = outcomes[c.i];
            const holder = stored.get(`k${c.key}`);
            if (c.refused) {
              expect(outcome).toBe('refused');
              expect(stored.has(`bad${c.i}`)).toBe(false);
            }
            else if (outcome === 'stored') expect(holder).toBe(c.i); // told stored: its document is the one there
            else {
              expect(outcome).toBe('taken');
              expect(holder).not.toBe(c.i); // told taken: someone else's document holds the key
              expect(holder).toBeDefined();
            }
          }
          // Every key a valid caller tried is held, by exactly one document, the pre-stored one or a caller told 'stored'.
          for (const key of new Set(mine.filter((c) => !c.refused).map((c) => c.key))) {
            const winners = mine.filter((c) => c.key === key && outcomes[c.i] === 'stored');
            expect(winners.length).toBe(preStored.includes(key) ? 0 : 1);
          }
        }
        // Batched: fewer commands than callers once several arrive together (one caller: one command).
        const sent = group.stats().batches - before.batches;
        expect(sent).toBeGreaterThanOrEqual(1);
        expect(sent).toBeLessThanOrEqual(callers.length);
        if (callers.length >= 4) expect(sent).toBeLessThan(callers.length);
      }),
      { numRuns: 25 },
    );
  });

  it('sends a caller alone at once, as one command of one document', async () => {
    const group = createGroupCommit();
    const coll = db.collection<Doc>('alone');
    expect(await group.insert(coll, { _id: 'a', by: 0 })).toBe(true);
    expect(await group.insert(coll, { _id: 'a', by: 1 })).toBe(false);
    expect(group.stats()).toEqual({ batches: 2, documents: 2, largest: 1 });
  });

  it('fails every caller of a batch whose whole command failed, and only them', async () => {
    const group = createGroupCommit();
    const live = db.collection<Doc>('live');
    // The store refuses the whole command (an invalid collection name): no write errors, no document's own outcome.
    const dead = db.collection<Doc>('no$such');
    const results = await Promise.allSettled([group.insert(dead, { _id: 'x', by: 0 }), group.insert(dead, { _id: 'y', by: 1 }), group.insert(live, { _id: 'z', by: 2 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    // The command's own error, the same for both (not a document's: BatchedWriteError).
    const reasons = results.slice(0, 2).map((r) => (r as PromiseRejectedResult).reason);
    expect(reasons[0]).toBe(reasons[1]);
    expect(reasons[0]).not.toBeInstanceOf(BatchedWriteError);
    expect((results[2] as PromiseFulfilledResult<boolean>).value).toBe(true);
  });

  it('gives a caller of several documents each one its own outcome', async () => {
    const group = createGroupCommit();
    const coll = db.collection<Doc>('each');
    await coll.insertOne({ _id: 'b', by: -1 });
    const [mine, theirs] = await Promise.all([
      group.insertEach(coll, [
        { _id: 'a', by: 0 },
        { _id: 'b', by: 0 },
        { _id: 'c', by: 0 },
      ]),
      group.insertEach(coll, [{ _id: 'c', by: 1 }]),
    ]);
    expect(mine.slice(0, 2)).toEqual([true, false]);
    // 'c' went in one batch from both callers: exactly one of them has it.
    expect([mine[2], theirs[0]].filter(Boolean)).toHaveLength(1);
    expect((await coll.findOne({ _id: 'c' }))?.by).toBe(mine[2] ? 0 : 1);
  });

  it('gives up a batch the store leaves unanswered (a half-open connection), telling its callers the store is unavailable, and sends the next', async () => {
    // A TCP relay to the store that can stop passing bytes on: the connection stays open and nothing answers.
    let frozen = false;
    const pairs: { inbound: Socket; outbound: Socket; held: Buffer[] }[] = [];
    const { hostname, port } = new URL(inject('mongoUri'));
    const relay = createServer((inbound) => {
      const outbound = connect(Number(port), hostname);
      const pair = { inbound, outbound, held: [] as Buffer[] };
      pairs.push(pair);
      inbound.on('data', (chunk) => (frozen ? pair.held.push(chunk) : outbound.write(chunk)));
      outbound.on('data', (chunk) => inbound.write(chunk));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const relayed = await new MongoClient(`mongodb://127.0.0.1:${(relay.address() as { port: number }).port}/?directConnection=true`, { writeConcern: { w: 'majority', journal: true } }).connect();
    try {
      const coll = relayed.db(db.databaseName).collection<Doc>('stuck');
      const group = createGroupCommit({ answerMs: 1_000 });
      expect(await group.insert(coll, { _id: 'before', by: 0 })).toBe(true);
      frozen = true;
      const started = Date.now();
      const stuck = await group.insert(coll, { _id: 'stuck', by: 1 }).then(
        () => 'answered',
        (err: unknown) => err,
      );
      expect(stuck).toBeInstanceOf(MongoBatchTimeoutError);
      expect(storeErrorKind(stuck)).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(5_000);
      // The lane is free again: with the connection back, the next caller's insert goes and is answered.
      frozen = false;
      for (const pair of pairs) for (const chunk of pair.held.splice(0)) pair.outbound.write(chunk);
      expect(await group.insert(coll, { _id: 'after', by: 2 })).toBe(true);
    } finally {
      await relayed.close(true).catch(() => {});
      for (const pair of pairs) (pair.inbound.destroy(), pair.outbound.destroy());
      relay.close();
    }
  });
});
