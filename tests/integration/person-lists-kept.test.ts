/**
 * A process keeps the snapshots of people's lists it read or wrote (src/reports/store/person-lists.ts): a snapshot
 * holds every row of its list (125 KB for 100 reports held), and reading it again on each `myReports` and each
 * writer's fold was most of what a claim's slowest runs waited on. Kept, it is not read again; but an erasure's
 * `forget` (in any process) takes rows out of stored snapshots, so a kept one must not outlive it.
 */
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, type TestApp } from '../support/app.js';
import { createPersonLists, SNAPSHOT_EVERY, type ListRow } from '../../src/reports/store/person-lists.js';

let app: TestApp;
/** The `_id`s of `person_lists` documents looked up, in order. */
const lookups: string[] = [];
beforeAll(async () => {
  app = await bootMonitored((e: CommandStartedEvent) => {
    if (e.commandName === 'find' && e.command.find === 'person_lists') lookups.push(String((e.command.filter as { _id?: unknown })?._id));
  });
});
afterAll(() => app?.close());

const row = (id: string, t: number): ListRow => ({ id, v: 1, t, w: Date.now(), s: `"${id}"` });
const snapshotsRead = (from: number) => lookups.slice(from).filter((id) => id.includes('@')).length;
const ids = (rows: ListRow[]) => rows.map((r) => r.id).sort();

/** A list of `n` rows appended one by one through `lists`, every writer's fold landed (the pointer names its snapshot). */
async function filled(lists: ReturnType<typeof createPersonLists>, key: string, n: number) {
  for (let i = 0; i < n; i++) await lists.append(key, [row(`${key}-r${i}`, i)], {});
  const pointers = app.deps.database.db.collection<{ _id: string; n: number }>('person_lists');
  const want = Math.floor(n / SNAPSHOT_EVERY) * SNAPSHOT_EVERY;
  for (let tries = 0; (await pointers.findOne({ _id: `${key}^` }))?.n !== want; tries++) {
    if (tries > 100) throw new Error(`the writers' folds of ${key} did not land`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a process's kept snapshots of people's lists", () => {
  it('a snapshot this process wrote is not read again; another process reads it once, then keeps it', async () => {
    const key = `kept:${Date.now()}`;
    const db = app.deps.database.db;
    const writer = createPersonLists(db);
    await filled(writer, key, 2 * SNAPSHOT_EVERY + 3);
    let from = lookups.length;
    const mine = await writer.read(key, {});
    expect(ids(mine.rows)).toHaveLength(2 * SNAPSHOT_EVERY + 3);
    expect(snapshotsRead(from)).toBe(0);

    const other = createPersonLists(db);
    from = lookups.length;
    expect(ids((await other.read(key, {})).rows)).toEqual(ids(mine.rows));
    expect(snapshotsRead(from)).toBe(1);
    from = lookups.length;
    expect(ids((await other.read(key, {})).rows)).toEqual(ids(mine.rows));
    expect(snapshotsRead(from)).toBe(0);
  });

  it("an erasure's forget in another process reaches a reader that kept the snapshot before it", async () => {
    const key = `erased:${Date.now()}`;
    const db = app.deps.database.db;
    const reader = createPersonLists(db);
    await filled(reader, key, SNAPSHOT_EVERY + 2);
    const erased = `${key}-r3`;
    expect(ids((await reader.read(key, {})).rows)).toContain(erased); // kept now, with the row in it

    await createPersonLists(db).forget(erased);
    const from = lookups.length;
    const after = await reader.read(key, {});
    expect(ids(after.rows)).not.toContain(erased);
    expect(ids(after.rows)).toHaveLength(SNAPSHOT_EVERY + 1);
    expect(snapshotsRead(from)).toBe(1); // read again: the erasure mark moved
  });
});
