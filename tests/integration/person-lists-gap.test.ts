/**
 * A person's list is read up to its first missing slot (src/reports/store/person-lists.ts), so an append that
 * fails (the store away) must not leave its slot a gap under the slots this process hands out next: the next
 * append takes it again, and every row written since stays visible. Nor may a process append under the slots
 * the prune dropped below a snapshot another process wrote since it last looked (a next slot remembered too long).
 */
import type { Collection, Db } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createPersonLists, type ListRow } from '../../src/reports/store/person-lists.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

/** The app's database, with the insert of one `person_lists` document refused once, as a store going away refuses it. */
function failingOnce(db: Db, failId: string): Db {
  let failed = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== 'collection') return Reflect.get(target, prop, target);
      return (name: string) => {
        const coll = target.collection(name);
        if (name !== 'person_lists') return coll;
        return new Proxy(coll, {
          get(c, q) {
            if (q !== 'insertOne') return Reflect.get(c, q, c);
            return (doc: { _id: string }) => {
              if (!failed && doc._id === failId) {
                failed = true;
                return Promise.reject(Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' }));
              }
              return (c as unknown as Collection<{ _id: string }>).insertOne(doc);
            };
          },
        });
      };
    },
  });
}

it('takes a slot whose insert failed again, so no row written after it is hidden', async () => {
  const key = `test-gap:${Date.now()}`;
  const lists = createPersonLists(failingOnce(app.deps.database.db, `${key}#${String(1).padStart(9, '0')}`));
  const row = (id: string, t: number): ListRow => ({ id, v: 1, t, w: Date.now(), s: `"${id}"` });
  await lists.append(key, [row('first', 1)], {});
  await expect(lists.append(key, [row('lost', 2)], {})).rejects.toThrow('connection closed');
  await lists.append(key, [row('third', 3)], {});
  const { rows } = await lists.read(key, {});
  expect(rows.map((r) => r.id).sort()).toEqual(['first', 'third']);
});

it('does not append under the pruned slots of a list another process moved on: a next slot learnt long ago is found again from the pointer', async () => {
  const key = `test-stale:${Date.now()}`;
  let now = Date.now();
  const clock = () => now;
  const [a, b] = [createPersonLists(app.deps.database.db, { now: clock }), createPersonLists(app.deps.database.db, { now: clock })];
  const row = (i: number): ListRow => ({ id: `stale-r-${i}`, v: 1, t: i, w: Date.now(), s: '{}' });
  await a.append(key, [row(0)], {}); // process A: slot 0, next slot 1
  for (let i = 1; i <= 20; i++) await b.append(key, [row(i)], {}); // process B moves the list on: slots 1..20
  expect((await b.read(key, {})).rows).toHaveLength(21); // a snapshot at 21 and the pointer there
  // Eleven minutes on (past the prune's grace): the worker's prune drops the slots under the snapshot.
  now += 11 * 60_000;
  expect(await b.prune(now)).toBeGreaterThan(0);
  // A appends again: not into slot 1 (free since the prune, and under the snapshot every reader starts from).
  await a.append(key, [row(99)], {});
  const ids = (await createPersonLists(app.deps.database.db).read(key, {})).rows.map((r) => r.id);
  expect(ids).toContain('stale-r-99');
  expect(ids).toHaveLength(22);
});
