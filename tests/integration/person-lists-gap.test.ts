/**
 * A person's list is read up to its first missing slot (src/reports/store/person-lists.ts), so an append that
 * fails (the store away) must not leave its slot a gap under the slots this process hands out next: the next
 * append takes it again, and every row written since stays visible.
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
