/**
 * The desk queue heads (src/reports/store/desk-queue.ts) counted in store commands, by collection (the driver's command
 * monitoring, switched on through the connection string): what one claim sends, which claims scan a queue table to
 * rebuild a head, and what one `put` (a report routed to a desk) sends to the heads. On FerretDB each command waits for
 * the one before it and any filter but `_id` decodes the whole collection, so these counts are the claim's cost. The
 * order the claims take (priority, then age), and that no report is skipped or given twice, are checked on the way
 * (desk.test.ts and side-tables.test.ts check the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { Q, recordCall, triageDirectly } from '../support/desk.js';
import { createDeskQueues, queueCollectionName, type QueueEntry } from '../../src/reports/store/desk-queue.js';

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let inv: Awaited<ReturnType<typeof createStaff>>;
let commands: { name: string; collection: string; filter: unknown }[] = [];

/** A command whose filter is one `_id` (or none: an insert); anything else reads the whole collection on FerretDB. */
const byIdOnly = (f: unknown) => f === undefined || (!!f && typeof f === 'object' && Object.keys(f).length === 1 && typeof (f as { _id?: unknown })._id === 'string');

async function counted<T>(run: () => Promise<T>) {
  commands = [];
  const result = await run();
  const seen = [...commands];
  const on = (prefix: string) => seen.filter((c) => c.collection.startsWith(prefix));
  return {
    result,
    total: seen.length,
    /** Commands per `name collection`, for the report. */
    byCollection: seen.reduce<Record<string, number>>((acc, c) => ({ ...acc, [`${c.name} ${c.collection}`]: (acc[`${c.name} ${c.collection}`] ?? 0) + 1 }), {}),
    on: (prefix: string) => on(prefix).length,
    /** Finds on the queue tables (not their heads) whose filter is not one `_id`: a head's rebuild. */
    scans: () => seen.filter((c) => c.name === 'find' && /^desk_queue_SO\d+_P\d$/.test(c.collection) && !byIdOnly(c.filter)).length,
    /** Commands on the heads whose filter is not one `_id`. */
    headScans: () => on('desk_queue_heads').filter((c) => !byIdOnly(c.filter)).length,
  };
}

beforeAll(async () => {
  app = await bootMonitored((e) => commands.push({ name: e.commandName, collection: String(e.command[e.commandName]), filter: e.command.filter ?? e.command.q ?? e.command.query ?? (e.command.deletes?.[0]?.q as unknown) ?? (e.command.updates?.[0]?.q as unknown) }));
  [handler, inv] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
});
afterAll(() => app?.close());

describe('desk queue heads, in store commands', () => {
  it('a claim sends a bounded number of commands, scans no queue table while its head lasts, and a routed report reads the head once', async () => {
    const queued: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = await recordCall(app, handler.token, 700 + i);
      await triageDirectly(app, id, 'SO12', 'P2');
      queued.push(id);
    }
    const claim = () => counted(() => app.gql(Q.claimNext, { desk: 'SO12' }, inv.token));
    const rows: { total: number; queue: number; heads: number; scans: number; byCollection: Record<string, number> }[] = [];
    const taken: string[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await claim();
      expect(c.result.errors).toBeUndefined();
      taken.push(c.result.data.claimNextReport.id);
      rows.push({ total: c.total - c.on('person_lists'), queue: c.on('desk_queue_SO'), heads: c.on('desk_queue_heads'), scans: c.scans(), byCollection: c.byCollection });
      if (i === 2) {
        // A report routed to the same table, newer than every entry: it belongs after the head's last, and the head stays.
        const id = await recordCall(app, handler.token, 790);
        const put = await counted(() => triageDirectly(app, id, 'SO12', 'P2'));
        process.stdout.write(`desk-queue-heads: one routed report (put), heads ${put.on('desk_queue_heads')} (${JSON.stringify(Object.fromEntries(Object.entries(put.byCollection).filter(([k]) => k.includes('desk_queue'))))}), all commands ${put.total}\n`);
        expect(put.on('desk_queue_heads')).toBeLessThanOrEqual(PUT_HEAD_COMMANDS);
        expect(put.headScans()).toBe(0);
        queued.push(id);
      }
    }
    // Queue order (oldest first), none twice, none skipped.
    expect(taken).toEqual(queued.slice(0, taken.length));
    for (const [i, r] of rows.entries()) process.stdout.write(`desk-queue-heads: claim ${i + 1}: ${r.total} commands (person lists aside), queue tables ${r.queue}, heads ${r.heads}, scans ${r.scans} ${JSON.stringify(r.byCollection)}\n`);
    // The first claim builds the heads it reads (P1, empty, and P2); after it, no claim scans while the head lasts.
    expect(rows.map((r, i) => (r.scans ? i + 1 : 0)).filter(Boolean)).toEqual([1]);
    const steady = rows.slice(1);
    expect(Math.max(...steady.map((r) => r.queue + r.heads))).toBeLessThanOrEqual(QUEUE_COMMANDS_A_CLAIM);
    expect(Math.max(...steady.map((r) => r.total))).toBeLessThanOrEqual(COMMANDS_A_CLAIM);
  });

  it('a head is rebuilt once per head size of claims, stays for a newer entry, and goes for an older one (a small head, the store alone)', async () => {
    const size = 8;
    const queues = createDeskQueues(app.deps.database.db, size);
    const base = Date.now() - 3_600_000;
    const entry = (id: string, at: number): QueueEntry => ({ _id: id, desk: 'SO13', priority: 'P4', receivedAt: new Date(at), dueBy: null, escalated: false, summary: '{}' });
    const order: string[] = [];
    for (let i = 0; i < 2 * size + 4; i++) {
      const id = `heads-${String(i).padStart(3, '0')}`;
      await queues.put(entry(id, base + i * 1000));
      order.push(id);
    }
    const table = app.deps.database.db.collection<QueueEntry>(queueCollectionName('SO13', 'P4'));
    /** What a claim does to the queue: the first candidate, its entry deleted, passed out of the head. */
    const takeOne = async () => {
      const c = await counted(async () => {
        const [first] = await queues.candidates('SO13', 5);
        if (!first) return null;
        await table.deleteOne({ _id: first.id });
        await queues.passed([first]);
        return first.id;
      });
      return { id: c.result, scans: c.scans(), heads: c.on('desk_queue_heads') };
    };
    const taken: string[] = [];
    const scanning: number[] = [];
    for (let i = 1; i <= 2 * size + 2; i++) {
      if (i === 3) {
        // Newer than every entry: the head stays.
        const put = await counted(() => queues.put(entry('heads-newer', base + 100_000)));
        expect(put.on('desk_queue_heads')).toBe(1);
        order.push('heads-newer');
      }
      if (i === size + 4) {
        // Older than the head's last (a report put back): the head goes, and the next take scans.
        await queues.put(entry('heads-older', base - 1000));
        order.splice(taken.length, 0, 'heads-older');
      }
      const t = await takeOne();
      taken.push(t.id!);
      if (t.scans) scanning.push(i);
    }
    expect(taken).toEqual(order.slice(0, taken.length));
    // The first build, the head used up after `size` takes, and the one the older entry dropped.
    expect(scanning).toEqual([1, size + 1, size + 4]);
  });

  it('puts racing with head builds and takes leave no entry out of the order the claims take (the store alone)', async () => {
    const queues = createDeskQueues(app.deps.database.db, 4);
    const table = app.deps.database.db.collection<QueueEntry>(queueCollectionName('SO13', 'P3'));
    const base = Date.now() - 3_600_000;
    const entry = (id: string, at: number): QueueEntry => ({ _id: id, desk: 'SO13', priority: 'P3', receivedAt: new Date(at), dueBy: null, escalated: false, summary: '{}' });
    const taken: string[] = [];
    const take = async () => {
      const [first] = await queues.candidates('SO13', 5);
      if (!first || first.priority !== 'P3') return;
      if ((await table.deleteOne({ _id: first.id })).deletedCount) taken.push(first.id);
      await queues.passed([first]);
    };
    // Older and newer entries put while heads are built and used up by concurrent takers.
    const puts = Array.from({ length: 24 }, (_, i) => () => queues.put(entry(`race-${String(i).padStart(2, '0')}`, base + (i % 2 ? i : -i) * 1000)));
    await Promise.all([...puts.map((put, i) => new Promise((r) => setTimeout(r, i * 3)).then(put)), ...Array.from({ length: 12 }, (_, i) => new Promise((r) => setTimeout(r, i * 5)).then(take))]);
    // Then the rest, one at a time: every entry still in the table comes out, oldest first.
    const left = (await table.find({}).toArray()).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a._id.localeCompare(b._id)).map((e) => e._id);
    const before = taken.length;
    for (let i = 0; i < left.length + 2; i++) await take();
    expect(taken.slice(before)).toEqual(left);
    expect(new Set(taken).size).toBe(taken.length);
    expect(await table.countDocuments()).toBe(0);
  });
});

/**
 * Commands to the queue tables and their heads of a claim that rebuilds nothing: the head of each table read (P1, empty,
 * then P2), the claimed entry's delete, and the claimed id out of the head. Before the claim's own read of the report
 * stood for the head's check: 10 (six more lookups on the queue table).
 */
const QUEUE_COMMANDS_A_CLAIM = 4;
/**
 * All the store commands of such a claim, session and audit included, but the person lists (person-lists.ts folds one
 * every so many rows; claim-commands.test.ts counts them): 17, its candidate's next version looked up once (change.ts
 * applyOnce, `checkedAtRead`). Before: 24, then 18.
 */
const COMMANDS_A_CLAIM = 17;
/**
 * Commands to `desk_queue_heads` of one routed report that does not belong in the head: one lookup (its entry is put
 * before the change, and written again as the change landed without reading the head). Before: 4 (the head and the
 * builder's marker, each put).
 */
const PUT_HEAD_COMMANDS = 1;
