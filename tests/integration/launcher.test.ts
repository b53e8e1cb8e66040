/**
 * The launcher's FerretDB workaround (scripts/stack/ferretdb-id-index.ts): every
 * collection gets an index on the expression FerretDB's `_id` lookups use,
 * so SQLite searches instead of scanning. Checked on SQLite's own query plan.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSqlite3 } from '../../scripts/stack/binaries.mjs';
import { startOwnServices, type OwnServices } from '../support/own-services.js';

let services: OwnServices;
let client: MongoClient;

beforeAll(async () => {
  services = await startOwnServices('launcher');
  client = await MongoClient.connect(services.mongoUri);
});
afterAll(async () => {
  await client?.close();
  await services?.stop();
});

/** SQLite's plan for the statement FerretDB runs for `findOne({ _id })` on `collection`. */
function planOfIdLookup(collection: string) {
  const sqlite3 = ensureSqlite3()!;
  const file = join(services.dir, 'ferretdb', 'launcher.sqlite');
  const table = execFileSync(sqlite3, [file, `SELECT table_name FROM _ferretdb_collections WHERE name = '${collection}'`], { encoding: 'utf8' }).trim();
  expect(table).toMatch(/^things_/);
  return execFileSync(sqlite3, [file, `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "${table}" WHERE _ferretdb_sjson->'$._id' = '"x"'`], { encoding: 'utf8' });
}

describe('FerretDB _id lookups', () => {
  it('get an index the launcher adds to every new collection, and still find and enforce _id', async () => {
    const things = client.db('launcher').collection<{ _id: string; n: number }>('things');
    await things.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: `t${n}`, n })));
    // The launcher's own watch may have been first (it looks every second): either way, one index now.
    expect(await services.indexIdLookups()).toBeLessThanOrEqual(1);
    expect(planOfIdLookup('things')).toMatch(/SEARCH .* USING INDEX things_\w+_id_lookup/);
    expect(await services.indexIdLookups()).toBe(0);
    // FerretDB works on as before: finds by _id, and its own unique index still refuses a duplicate.
    expect(await things.findOne({ _id: 't49' })).toEqual({ _id: 't49', n: 49 });
    await expect(things.insertOne({ _id: 't1', n: 1 })).rejects.toMatchObject({ code: 11000 });
  });
});
