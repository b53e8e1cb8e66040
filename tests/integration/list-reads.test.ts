/**
 * The lists people wait on, counted in store commands (the driver's command monitoring, switched on through the
 * connection string). `mySubmissions` and `myReports` read their person's list (src/reports/store/person-lists.ts):
 * every command a lookup by `_id`, a bounded number of them however long the list or however many other people's
 * entries the store holds, and no read of `reports` for a row already settled (a row is settled by the change that
 * wrote it, or by the first read after it). A claim reads its desk's queue heads (src/reports/store/desk-queue.ts):
 * no scan of a queue table while a head lasts, a bounded number of commands however long the queue. The supervisor
 * queue reads no report for a triage job added less than a minute ago (a backlog just queued cannot be stuck yet);
 * a desk queue page reads no report. What each shows, and to whom, is unchanged (supervisor-watch.test.ts,
 * attachments.test.ts, holdings.test.ts, recent-submissions.test.ts, the policy matrix).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { Q, recordCall, triageDirectly } from '../support/desk.js';
import { noisePng, upload } from '../support/upload.js';
import { SNAPSHOT_EVERY } from '../../src/reports/store/person-lists.js';

const ATTACH_CALL = `mutation($ref: String!, $file: File!) { attachToCall(reference: $ref, file: $file) { type size receivedAt } }`;
const MY_SUBMISSIONS = `{ mySubmissions { id reference filesAttached { type size receivedAt } } }`;
const MY_REPORTS = `{ myReports { id status } }`;

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let other: Awaited<ReturnType<typeof createStaff>>;
let sup: Awaited<ReturnType<typeof createStaff>>;
let inv: Awaited<ReturnType<typeof createStaff>>;
let inv13: Awaited<ReturnType<typeof createStaff>>;
let commands: { name: string; collection: string; filter: unknown }[] = [];

/** A find by `_id` alone (`{ _id: <string> }`): the one filter FerretDB answers from an index. */
const byIdOnly = (f: unknown) => !!f && typeof f === 'object' && Object.keys(f).length === 1 && typeof (f as { _id?: unknown })._id === 'string';

/** The store commands a call sends to this test's database. */
async function counted<T>(run: () => Promise<T>) {
  commands = [];
  const result = await run();
  const seen = [...commands];
  const finds = seen.filter((c) => c.name === 'find');
  return {
    result,
    seen,
    reads: (collection: string) => finds.filter((c) => c.collection === collection).length,
    /** Finds whose filter is anything but one `_id` (on FerretDB: a read of the whole collection). */
    scans: (prefix = '') => finds.filter((c) => c.collection.startsWith(prefix) && !byIdOnly(c.filter)).map((c) => `${c.collection} ${JSON.stringify(c.filter)}`),
    finds: finds.length,
  };
}

beforeAll(async () => {
  // No worker: triage jobs stay in the queue (a backlog the supervisor queue must not read).
  app = await bootMonitored((e) => commands.push({ name: e.commandName, collection: String(e.command[e.commandName]), filter: e.command.filter }));
  [handler, other, sup, inv, inv13] = await Promise.all([
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'CALL_HANDLER'),
    createStaff(app, 'SUPERVISOR'),
    createStaff(app, 'INVESTIGATOR', 'SO12'),
    createStaff(app, 'INVESTIGATOR', 'SO13'),
  ]);
});
afterAll(() => app?.close());

describe('the lists people wait on, in store reads', () => {
  it('mySubmissions reads its list by `_id` only, no report once a row is settled, and shows only the caller’s own files on each', async () => {
    const ids = [await recordCall(app, handler.token, 801), await recordCall(app, handler.token, 802), await recordCall(app, handler.token, 803)];
    const refs = await Promise.all(ids.map(async (id) => (await app.deps.reports.findById(id))!.reference));
    const png = await noisePng();
    for (const [ref, token] of [[refs[0]!, handler.token], [refs[0]!, other.token], [refs[1]!, handler.token]] as const) {
      const sent = await upload(app, ATTACH_CALL, { ref }, { bytes: png, type: 'image/png', name: 'photo.png' }, token);
      expect(sent.errors).toBeUndefined();
    }
    const { result, reads } = await counted(() => app.gql(MY_SUBMISSIONS, {}, handler.token));
    expect(result.errors).toBeUndefined();
    const rows = result.data.mySubmissions as { id: string; filesAttached: { type: string; size: number }[] }[];
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    const files = Object.fromEntries(rows.map((r) => [r.id, r.filesAttached]));
    // Its own upload on the first call, not the other handler's; its own on the second; none on the third.
    expect(files[ids[0]!]).toHaveLength(1);
    expect(files[ids[1]!]).toHaveLength(1);
    expect(files[ids[2]!]).toEqual([]);
    expect(files[ids[0]!]![0]).toMatchObject({ type: 'image/png' });
    // At most two reads of `reports` for each row not yet settled (the third call's: no change since intake wrote it):
    // its lookup, and its status once more after the settled row is written back (an erasure meanwhile takes it out).
    expect(reads('reports')).toBeLessThanOrEqual(2);
    // The other handler attached a file to the first call but recorded none: its list is its own calls only.
    const theirs = await app.gql(MY_SUBMISSIONS, {}, other.token);
    expect(theirs.data.mySubmissions).toEqual([]);

    // Read again: every row settled, so no report is read, and every command is a lookup by `_id`.
    const again = await counted(() => app.gql(MY_SUBMISSIONS, {}, handler.token));
    expect(again.result.data.mySubmissions).toEqual(result.data.mySubmissions);
    expect(again.reads('reports')).toBe(0);
    expect(again.scans()).toEqual([]);
    const small = Math.max(again.reads('person_lists'), 2 + SNAPSHOT_EVERY);

    // Another handler's calls fill the store, and this handler's list grows past a snapshot: the same bound.
    for (let i = 0; i < 9; i++) await recordCall(app, other.token, 830 + i);
    const more: string[] = [];
    for (let i = 0; i < 9; i++) more.push(await recordCall(app, handler.token, 840 + i));
    // The first read after them settles the nine new rows (one lookup each) and folds the list into a snapshot, once.
    await app.gql(MY_SUBMISSIONS, {}, handler.token);
    const grown = await counted(() => app.gql(MY_SUBMISSIONS, {}, handler.token));
    expect(grown.result.errors).toBeUndefined();
    expect((grown.result.data.mySubmissions as { id: string }[]).map((r) => r.id)).toEqual([...more.reverse(), ...ids.reverse()]);
    expect(grown.reads('reports')).toBe(0);
    expect(grown.scans()).toEqual([]);
    // The pointer, the snapshot and one batch of slots above it (person-lists.ts SNAPSHOT_EVERY): as few as before.
    expect(grown.reads('person_lists')).toBeLessThanOrEqual(small);
  });

  it('the supervisor queue reads no report for a triage job added less than a minute ago, and lists one waiting longer', async () => {
    const fresh = [await recordCall(app, handler.token, 811), await recordCall(app, handler.token, 812), await recordCall(app, handler.token, 813)];
    for (const id of fresh) expect(await app.deps.triageQueues.triage.getJob(id)).not.toBeNull();
    const before = await counted(() => app.gql(Q.supervisorQueue, {}, sup.token));
    expect(before.result.errors).toBeUndefined();
    const listedBefore = (before.result.data.supervisorQueue as { id: string }[]).map((r) => r.id);
    for (const id of fresh) expect(listedBefore).not.toContain(id);
    expect(before.reads('reports')).toBe(0);

    // One of them has waited two minutes (report and job alike): read, and listed.
    const stuck = fresh[0]!;
    const old = Date.now() - 120_000;
    await app.deps.database.db.collection<{ _id: string }>('reports').updateOne({ _id: stuck }, { $set: { recordedAt: new Date(old) } });
    const queue = app.deps.triageQueues.triage as unknown as { client: { hset(key: string, field: string, value: string): Promise<unknown> }; toKey(id: string): string };
    await queue.client.hset(queue.toKey(stuck), 'timestamp', String(old));
    const after = await counted(() => app.gql(Q.supervisorQueue, {}, sup.token));
    expect((after.result.data.supervisorQueue as { id: string }[]).map((r) => r.id)).toContain(stuck);
    expect(after.reads('reports')).toBe(1);
  });

  it('myReports reads its list by `_id` only, no report once a row is settled, however many it holds; a desk queue page reads no report', async () => {
    const held = [await recordCall(app, handler.token, 821), await recordCall(app, handler.token, 822)];
    for (const id of held) {
      await triageDirectly(app, id, 'SO12', 'P3');
      expect((await app.gql(Q.claim, { id }, inv.token)).errors).toBeUndefined();
    }
    const mine = await counted(() => app.gql(MY_REPORTS, {}, inv.token));
    expect(mine.result.errors).toBeUndefined();
    expect((mine.result.data.myReports as { id: string }[]).map((r) => r.id).sort()).toEqual([...held].sort());
    // The claims settled their rows: no report read, every command a lookup by `_id`.
    expect(mine.reads('reports')).toBe(0);
    expect(mine.scans()).toEqual([]);
    const small = Math.max(mine.reads('person_lists'), 2 + SNAPSHOT_EVERY);
    for (let i = 0; i < 9; i++) {
      const id = await recordCall(app, handler.token, 850 + i);
      await triageDirectly(app, id, 'SO12', 'P3');
      expect((await app.gql(Q.claim, { id }, inv.token)).errors).toBeUndefined();
      held.push(id);
    }
    // The first read after eighteen new rows (a pending and a settled one a claim) reads them all and folds a snapshot.
    const folding = await counted(() => app.gql(MY_REPORTS, {}, inv.token));
    expect(folding.reads('reports')).toBe(0);
    expect(folding.scans()).toEqual([]);
    const grown = await counted(() => app.gql(MY_REPORTS, {}, inv.token));
    expect((grown.result.data.myReports as { id: string }[]).map((r) => r.id).sort()).toEqual([...held].sort());
    expect(grown.reads('reports')).toBe(0);
    expect(grown.scans()).toEqual([]);
    expect(grown.reads('person_lists')).toBeLessThanOrEqual(small);

    const queued = await recordCall(app, handler.token, 823);
    await triageDirectly(app, queued, 'SO12', 'P2');
    const page = await counted(() => app.gql(Q.queue, { desk: 'SO12', first: 20 }, inv.token));
    expect(page.result.errors).toBeUndefined();
    expect(page.result.data.deskQueue.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(queued);
    expect(page.reads('reports')).toBe(0);
  });

  it('claimNextReport reads its desk’s queue heads: no scan of a queue table while a head lasts, the same commands however long the queue', async () => {
    const queued: string[] = [];
    for (let i = 0; i < 36; i++) {
      const id = await recordCall(app, handler.token, 900 + i);
      await triageDirectly(app, id, 'SO13', 'P3');
      queued.push(id);
    }
    const claim = () => counted(() => app.gql(Q.claimNext, { desk: 'SO13' }, inv13.token));
    const queueCommands = (c: { seen: { collection: string }[] }) => c.seen.filter((x) => x.collection.startsWith('desk_queue_')).length;
    const first = await claim(); // builds the heads: one scan of each table it reads
    expect(first.result.data.claimNextReport.id).toBe(queued[0]);
    const perClaim: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const c = await claim();
      expect(c.result.errors).toBeUndefined();
      expect(c.result.data.claimNextReport.id).toBe(queued[i]); // queue order: oldest first
      expect(c.scans('desk_queue_')).toEqual([]);
      perClaim.push(queueCommands(c));
    }
    // Ten more wait behind them (newer: the head keeps them out and stays), the queue now 40 long.
    for (let i = 0; i < 10; i++) {
      const id = await recordCall(app, handler.token, 940 + i);
      await triageDirectly(app, id, 'SO13', 'P3');
      queued.push(id);
    }
    for (let i = 6; i <= 8; i++) {
      const c = await claim();
      expect(c.result.data.claimNextReport.id).toBe(queued[i]);
      expect(c.scans('desk_queue_')).toEqual([]);
      // No more commands to the queue tables and their heads than before the queue grew.
      expect(queueCommands(c)).toBeLessThanOrEqual(Math.max(...perClaim));
    }
    // A released report goes back with its old receipt time, ahead of the head's last: the head goes, and the
    // next claim takes that report first, as the queue's order says.
    expect((await app.gql(Q.release, { id: queued[2], reason: 'Back to the queue' }, inv13.token)).errors).toBeUndefined();
    const next = await claim();
    expect(next.result.data.claimNextReport.id).toBe(queued[2]);
    const after = await claim();
    expect(after.result.data.claimNextReport.id).toBe(queued[9]);
    expect(after.scans('desk_queue_')).toEqual([]);
  });
});
