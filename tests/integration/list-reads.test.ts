/**
 * The lists people wait on, counted in store commands (the driver's command monitoring, switched on through the
 * connection string): `mySubmissions` reads each listed report once, its `filesAttached` included (it read the
 * report a second time per row before); the supervisor queue reads no report for a triage job added less than a
 * minute ago (a backlog just queued cannot be stuck yet); `myReports` and `deskQueue` stay at one read a row and a
 * page. What each shows, and to whom, is unchanged (supervisor-watch.test.ts, attachments.test.ts, the policy matrix).
 */
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { Q, recordCall, triageDirectly } from '../support/desk.js';
import { noisePng, upload } from '../support/upload.js';

const ATTACH_CALL = `mutation($ref: String!, $file: File!) { attachToCall(reference: $ref, file: $file) { type size receivedAt } }`;
const MY_SUBMISSIONS = `{ mySubmissions { id reference filesAttached { type size receivedAt } } }`;
const MY_REPORTS = `{ myReports { id status } }`;

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let other: Awaited<ReturnType<typeof createStaff>>;
let sup: Awaited<ReturnType<typeof createStaff>>;
let inv: Awaited<ReturnType<typeof createStaff>>;
let commands: string[] = [];

/** The store commands (`<command> <collection>`) a call sends to this test's database. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; reads: (collection: string) => number }> {
  commands = [];
  const result = await run();
  const seen = [...commands];
  return { result, reads: (collection) => seen.filter((c) => c === `find ${collection}`).length };
}

beforeAll(async () => {
  const uri = inject('mongoUri');
  // No worker: triage jobs stay in the queue (a backlog the supervisor queue must not read).
  app = await bootApp({ env: { MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` } });
  const dbName = app.deps.database.db.databaseName;
  app.deps.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.databaseName === dbName) commands.push(`${e.commandName} ${String(e.command[e.commandName])}`);
  });
  [handler, other, sup, inv] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'CALL_HANDLER'), createStaff(app, 'SUPERVISOR'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
});
afterAll(() => app?.close());

describe('the lists people wait on, in store reads', () => {
  it('mySubmissions reads each report once, and shows only the caller’s own files on each', async () => {
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
    // One read of `reports` a row (the files came with it), and one of the submissions table.
    expect(reads('reports')).toBe(ids.length);
    expect(reads('recent_submissions')).toBe(1);
    // The other handler attached a file to the first call but recorded none: its list is its own calls only.
    const theirs = await app.gql(MY_SUBMISSIONS, {}, other.token);
    expect(theirs.data.mySubmissions).toEqual([]);
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

  it('myReports reads each held report once; a desk queue page reads no report', async () => {
    const held = [await recordCall(app, handler.token, 821), await recordCall(app, handler.token, 822)];
    for (const id of held) {
      await triageDirectly(app, id, 'SO12', 'P3');
      expect((await app.gql(Q.claim, { id }, inv.token)).errors).toBeUndefined();
    }
    const mine = await counted(() => app.gql(MY_REPORTS, {}, inv.token));
    expect(mine.result.errors).toBeUndefined();
    expect((mine.result.data.myReports as { id: string }[]).map((r) => r.id).sort()).toEqual([...held].sort());
    expect(mine.reads('reports')).toBe(held.length);

    const queued = await recordCall(app, handler.token, 823);
    await triageDirectly(app, queued, 'SO12', 'P2');
    const page = await counted(() => app.gql(Q.queue, { desk: 'SO12', first: 20 }, inv.token));
    expect(page.result.errors).toBeUndefined();
    expect(page.result.data.deskQueue.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(queued);
    expect(page.reads('reports')).toBe(0);
  });
});
