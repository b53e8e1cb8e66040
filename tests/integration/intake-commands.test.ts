/**
 * Intake counted in store commands (the driver's command monitoring, switched on through the connection string): a
 * hotline call recorded through `recordHotlineCall` and a partner's referral, each in steady state (the handler's and
 * the partner's lists already known to this process, as under load). FerretDB serves one command at a time and commits
 * each write alone, so intake's time is about its store commands: a count that grows fails here. Before 2026-12-07
 * (intake33) a call cost 21–24 commands in steady state (11–14 of them `find search_terms`: the report's manifest and
 * slot 0 of each term this process did not know yet) and a referral 10; now intake reads nothing of the search index
 * (search-index.ts `sync` with `fresh`). The unread claims keep the index exact: terms other processes filed, and a
 * retried intake, below.
 */
import type { CommandSucceededEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';
import { createSearchIndex } from '../../src/reports/store/search-index.js';
import { createPersonLists, WRITER_FOLD_MAX, WRITER_SNAPSHOT_EVERY, type ListRow } from '../../src/reports/store/person-lists.js';
import { MongoClient } from 'mongodb';

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let partner: Awaited<ReturnType<typeof createPartner>>;
let commands: string[] = [];
/** The person lists' commands by `command _id` (the first document's, for an insert): the writer's fold tests. */
const listCommands: string[] = [];
const listRequests = new Map<number, string>();

/** The store commands a call sends to this test's database, by `command collection`. */
async function counted(run: () => Promise<unknown>) {
  commands = [];
  await run();
  // Writes that intake leaves to the background (a list's fold) are not its own: none is expected here.
  const by: Record<string, number> = {};
  for (const c of commands) by[c] = (by[c] ?? 0) + 1;
  return { total: commands.length, by };
}

beforeAll(async () => {
  // No worker: the triage job stays queued, so only intake's own commands are counted.
  app = await bootMonitored((e) => {
    commands.push(commandOf(e));
    if (e.command[e.commandName] !== 'person_lists') return;
    const named = `${e.commandName} ${String(e.command.documents?.[0]?._id ?? e.command.filter?._id ?? '')}`;
    listCommands.push(named);
    listRequests.set(e.requestId, named);
  });
  app.deps.database.client.on('commandSucceeded', (e: CommandSucceededEvent) => {
    const named = listRequests.get(e.requestId);
    if (named) listCommands.push(`answered ${named}`);
  });
  handler = await createStaff(app, 'CALL_HANDLER');
  partner = await createPartner(app);
});
afterAll(() => app?.close());

/** Every write of one intake, each a commit of its own on FerretDB (the report, its filings, its audit). */
const WRITES = ['insert intake_tally', 'insert report_refs', 'insert search_terms', 'insert reports', 'insert statistics_entries', 'insert audit', 'insert audit_tips'];

describe('intake in store commands', () => {
  it('a hotline call: the session, the user and its writes, nothing read of its filings', async () => {
    const first = await counted(async () => expect((await app.gql(RECORD_CALL, { input: hotlineCall(1) }, handler.token)).errors).toBeUndefined());
    // The handler's first call in this process also finds their list's next slot and reserves a block of references.
    expect(first.by['find search_terms']).toBeUndefined();
    expect(first.by['find person_lists']).toBeLessThanOrEqual(2);
    for (let i = 2; i < 6; i++) {
      const call = await counted(async () => expect((await app.gql(RECORD_CALL, { input: hotlineCall(i) }, handler.token)).errors).toBeUndefined());
      const expected = Object.fromEntries([['find sessions', 1], ['find users', 1], ['insert person_lists', 1], ...WRITES.map((w) => [w, 1])]);
      expect(call.by).toEqual(expected);
      expect(call.total).toBe(10);
    }
  });

  it('a partner referral: the partner and its writes, nothing read of its filings', async () => {
    for (let i = 1; i < 6; i++) {
      const referral = await counted(async () => expect((await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(100 + i) }, partner.apiKey)).errors).toBeUndefined());
      expect(referral.by).toEqual(Object.fromEntries([['find partners', 1], ['insert partner_referrals', 1], ...WRITES.map((w) => [w, 1])]));
      expect(referral.total).toBe(9);
    }
  });
});

describe('intake’s unread search filing stays exact', () => {
  /** The index as another process has it: no count of its own. */
  const elsewhere = () => createSearchIndex(app.deps.database.db, app.deps.crypto.linkIds);

  it('files under terms other processes filed (slot 0 taken: the hint and the probe), contiguous, every slot listed', async () => {
    const stamp = Date.now();
    const [big, small, fresh] = [`ic-big-${stamp}`, `ic-small-${stamp}`, `ic-new-${stamp}`];
    for (let i = 0; i < 40; i++) await app.deps.reports.fileSearchTerms(`ic-r-${stamp}-${i}`, i < 3 ? [big, small] : [big]);
    const index = elsewhere();
    const id = `ic-report-${stamp}`;
    expect(await index.sync(id, [big, small, fresh], { fresh: true })).toBe(3);
    expect(Object.fromEntries(await index.filedSlots(id))).toEqual({ [big]: 40, [small]: 3, [fresh]: 0 });
    for (const [term, n] of [[big, 41], [small, 4], [fresh, 1]] as const) {
      expect(await elsewhere().count(term)).toBe(n);
      const slots = await index.read(term, n, n);
      expect(slots.map((s) => s.slot)).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
      expect(slots[0]!.reportId).toBe(id);
    }
    // Concurrent fresh syncs of one process on a term it does not know: one slot each, no gap.
    const racing = elsewhere();
    await Promise.all(Array.from({ length: 5 }, (_, i) => racing.sync(`ic-race-${stamp}-${i}`, [small], { fresh: true })));
    expect(await elsewhere().count(small)).toBe(9);
    const holders = (await racing.read(small, 9, 9)).map((s) => s.reportId);
    expect(new Set(holders).size).toBe(9);
  });

  it('a retried intake (its manifest already there) lists both filings, so erasure blanks every slot holding it', async () => {
    const stamp = Date.now();
    const [a, b] = [`ic-a-${stamp}`, `ic-b-${stamp}`];
    const id = `ic-retry-${stamp}`;
    await elsewhere().sync(id, [a, b], { fresh: true });
    // The retry (another process, or this one after a crash) files again: search dedupes, the manifest lists all.
    await Promise.all([elsewhere().sync(id, [a, b], { fresh: true }), elsewhere().sync(id, [a, b], { fresh: true })]);
    const index = elsewhere();
    expect((await index.read(a, 3, 3)).map((s) => s.reportId)).toEqual([id, id, id]);
    await index.remove(id);
    for (const term of [a, b]) expect((await index.read(term, 3, 3)).map((s) => s.reportId)).toEqual(['', '', '']);
  });
  it('a first attempt that lost a slot and its retry, at once: every slot holding the report stays listed, so erasure blanks them all', async () => {
    // The first attempt stores its manifest with its first batch, loses slot 0 of a term another report holds and
    // rewrites its manifest at the end; the retry, refused its manifest, adds its slots to it meanwhile. Rounds, as
    // the interleaving is the store's to choose.
    for (let round = 0; round < 8; round++) {
      const stamp = `${Date.now()}-${round}`;
      const [taken, other] = [`ic-taken-${stamp}`, `ic-other-${stamp}`];
      await elsewhere().sync(`ic-holder-${stamp}`, [taken, other], { fresh: true });
      const id = `ic-both-${stamp}`;
      await Promise.all([elsewhere().sync(id, [taken, other], { fresh: true }), elsewhere().sync(id, [taken, other], { fresh: true })]);
      const index = elsewhere();
      await index.remove(id);
      for (const term of [taken, other]) {
        const n = await index.count(term);
        expect((await index.read(term, n, n)).map((s) => s.reportId).filter((r) => r === id)).toEqual([]);
      }
    }
  });
});

describe('the writer’s fold of a person’s list (every WRITER_SNAPSHOT_EVERY-th intake of a handler)', () => {
  const row = (i: number): ListRow => ({ id: `fold-r-${i}`, v: 1, t: i, w: Date.now(), p: 1 });
  /** Polls through a client of its own, so the polling is not counted. */
  async function waitForDoc(id: string) {
    const client = await MongoClient.connect(inject('mongoUri'));
    try {
      const coll = client.db(app.deps.database.db.databaseName).collection<{ _id: string }>('person_lists');
      for (let i = 0; i < 200 && !(await coll.findOne({ _id: id })); i++) await new Promise((r) => setTimeout(r, 25));
      return !!(await coll.findOne({ _id: id }));
    } finally {
      await client.close();
    }
  }

  const W = WRITER_SNAPSHOT_EVERY;
  const slot = (key: string, n: number) => `${key}#${String(n).padStart(9, '0')}`;
  /**
   * Waits until the fold started by the append of slot `last` has its lookups answered (the slots above the snapshot
   * under it: that snapshot this process wrote and keeps, so it is not looked up), and a tick for what it does with them.
   */
  async function foldRead(key: string, last: number) {
    const looked = Array.from({ length: W }, (_, i) => slot(key, last + 1 - W + i));
    const answered = () => looked.every((id) => listCommands.includes(`answered find ${id}`));
    for (let i = 0; i < 400 && !answered(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(answered()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
  }

  it('reads the previous writer’s snapshot and the slots above it, not the pointer, no batch past its own, and snapshots them', async () => {
    const key = `submitted:fold-${Date.now()}`;
    const lists = createPersonLists(app.deps.database.db);
    for (let i = 0; i < 2 * W - 1; i++) await lists.append(key, [row(i)], {});
    expect(await waitForDoc(`${key}@${String(W).padStart(9, '0')}`)).toBe(true);
    commands = [];
    await lists.append(key, [row(2 * W - 1)], {});
    expect(await waitForDoc(`${key}@${String(2 * W).padStart(9, '0')}`)).toBe(true);
    const by: Record<string, number> = {};
    for (const c of commands) by[c] = (by[c] ?? 0) + 1;
    // Its slot, then the fold: the erasure mark, then the W slots above the snapshot under it (that snapshot kept by
    // this process, which wrote it: not read again; was: the pointer too, and 32 slots), the snapshot and its pointer.
    expect(by).toEqual({ 'insert person_lists': 2, 'find person_lists': 1 + W, 'update person_lists': 1 });
    const { rows } = await createPersonLists(app.deps.database.db).read(key, {});
    expect(rows.map((r) => r.id).sort()).toEqual(Array.from({ length: 2 * W }, (_, i) => row(i).id).sort());
  });

  it('without the previous writer’s snapshot, folds at most WRITER_FOLD_MAX slots above the pointer and moves the pointer up by as many', async () => {
    const key = `submitted:fold-far-${Date.now()}`;
    const coll = app.deps.database.db.collection<{ _id: string }>('person_lists');
    // 25 folds' worth of slots and no snapshot (every writer's fold skipped while another ran, say): the pointer is at 0.
    const far = 25 * W;
    await coll.insertMany(Array.from({ length: far - 1 }, (_, i) => ({ _id: slot(key, i), rows: [row(i)], at: new Date() })) as never);
    const lists = createPersonLists(app.deps.database.db);
    commands = [];
    await lists.append(key, [row(far - 1)], {}); // slot far - 1: a writer's fold, its `from` (far - W) missing
    expect(await waitForDoc(`${key}@${String(WRITER_FOLD_MAX).padStart(9, '0')}`)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    // Finding its slot (the pointer, galloping from 0), then the fold: the erasure mark, the missing snapshot with the
    // W slots above it (sent together), the pointer, and WRITER_FOLD_MAX slots from it (was every one of the 200).
    const finds = commands.filter((c) => c === 'find person_lists').length;
    expect(finds).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(far)) + 1 + (1 + W) + 1 + WRITER_FOLD_MAX);
    expect(await coll.findOne({ _id: `${key}@${String(far).padStart(9, '0')}` })).toBeNull();
    expect(await coll.findOne({ _id: `${key}^` })).toMatchObject({ n: WRITER_FOLD_MAX });
    // Every row is still read, from that snapshot and the slots above it.
    const { rows } = await createPersonLists(app.deps.database.db).read(key, {});
    expect(rows).toHaveLength(far);
  });

  it('takes 128 appends at once to one list without racing itself: one insert each, every row read back', async () => {
    // The bench's paced intake (100 a second, up to 128 at once, one handler) sent 44–64 list lookups an intake: a fold
    // that stopped at a slot still being inserted moved the next slot back, and the appends after it took taken slots,
    // each finding out by a failed insert (2,539 inserts and 7,450 lookups for one wave of 128 here before).
    const key = `submitted:herd-${Date.now()}`;
    const lists = createPersonLists(app.deps.database.db);
    let i = 0;
    const next = () => row(i++);
    for (let k = 0; k < 50; k++) await lists.append(key, [next()], {});
    for (let wave = 0; wave < 3; wave++) {
      commands = [];
      const appends: Promise<void>[] = [];
      for (let j = 0; j < 128; j++) {
        appends.push(lists.append(key, [next()], {}));
        if (j % 8 === 7) await new Promise((r) => setTimeout(r, 5)); // the next eight while the last eight land
      }
      await Promise.all(appends);
      await new Promise((r) => setTimeout(r, 300)); // the writers' folds
      const count = (c: string) => commands.filter((x) => x === c).length;
      // 128 slots and at most one snapshot a fold (every 8th); lookups: the folds' (about 10 each) and a few.
      expect(count('insert person_lists')).toBeLessThanOrEqual(128 + 128 / W + 8);
      expect(count('find person_lists')).toBeLessThanOrEqual(4 * 128);
    }
    const { rows } = await createPersonLists(app.deps.database.db).read(key, {});
    expect(rows).toHaveLength(i);
  });

  it('stops at a gap under its slot: no snapshot covers it, and the next append fills it', async () => {
    const key = `submitted:fold-gap-${Date.now()}`;
    const lists = createPersonLists(app.deps.database.db);
    for (let i = 0; i < 2 * W - 1; i++) await lists.append(key, [row(i)], {});
    expect(await waitForDoc(`${key}@${String(W).padStart(9, '0')}`)).toBe(true);
    const gap = W + 2;
    await app.deps.database.db.collection<{ _id: string }>('person_lists').deleteOne({ _id: slot(key, gap) });
    await lists.append(key, [row(2 * W - 1)], {});
    await foldRead(key, 2 * W - 1);
    // The fold stops at the gap: the first writer's snapshot is the only one.
    const snaps = await app.deps.database.db.collection<{ _id: string }>('person_lists').find({ _id: { $regex: `^${key}@` } } as never).toArray();
    expect(snaps.map((d) => d._id)).toEqual([`${key}@${String(W).padStart(9, '0')}`]);
    // The next append fills the gap, and every row is read again.
    await lists.append(key, [row(99)], {});
    expect(listCommands).toContain(`insert ${slot(key, gap)}`);
    const { rows } = await createPersonLists(app.deps.database.db).read(key, {});
    expect(rows.map((r) => r.id).sort()).toEqual([...Array.from({ length: 2 * W }, (_, i) => row(i).id).filter((id) => id !== row(gap).id), row(99).id].sort());
  });
});
