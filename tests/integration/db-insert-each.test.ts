/**
 * insertEachIfAbsent on the real store: one unordered insert of several
 * documents tells which were stored and which keys were taken (the link-term
 * slots of a report are all claimed this way, in one round trip), and an
 * error that is not a taken key still fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEachIfAbsent } from '../../src/db/errors.js';
import { bootApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

describe('insertEachIfAbsent', () => {
  it('stores the free keys and reports the taken ones, in one command', async () => {
    const col = app.deps.database.db.collection<{ _id: string; v: number }>('insert_each_probe');
    await col.insertMany([{ _id: 'b', v: 0 }, { _id: 'd', v: 0 }]);
    const stored = await insertEachIfAbsent(col, [{ _id: 'a', v: 1 }, { _id: 'b', v: 1 }, { _id: 'c', v: 1 }, { _id: 'd', v: 1 }]);
    expect(stored).toEqual([true, false, true, false]);
    expect((await col.find({}).sort({ _id: 1 }).toArray()).map((d) => `${d._id}${d.v}`)).toEqual(['a1', 'b0', 'c1', 'd0']);
    expect(await insertEachIfAbsent(col, [])).toEqual([]);
  });

  it('throws on an error that is not a taken key', async () => {
    const col = app.deps.database.db.collection<Record<string, unknown>>('insert_each_probe_bad');
    await expect(insertEachIfAbsent(col, [{ _id: 'x', $bad: 1 } as never])).rejects.toThrow();
  });
});
