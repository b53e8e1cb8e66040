/**
 * A probe, not part of `npm run bench`: how the local store (FerretDB 1.24 on
 * SQLite, started by the test launcher in a throwaway directory) commits an
 * unordered `insertMany`, which the group commit
 * relies on. For N = 1, 10, 100 documents of about 1 KB, with the client's
 * write concern (w: majority, j: true), it times:
 *   - one unordered insertMany of N fresh documents;
 *   - N insertOne one after the other;
 *   - one unordered insertMany of N whose middle document's `_id` is taken,
 *     and what comes back (error class, code, writeErrors, insertedCount) and
 *     whether every other document was stored.
 * One commit per batch shows as a batch costing about one insert; one commit
 * per document as a batch costing about N inserts.
 *
 *   node scripts/stack/bootstrap.mjs exec tsx scripts/bench/insert-many-probe.ts [rounds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startServices } from '../stack/services.js';

const rounds = Number(process.argv[2] ?? 20);
const pad = 'x'.repeat(1_000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'insert-many-probe-'));
const services = await startServices({ dataDir: dir, appendOnly: false });
const client = new MongoClient(services.mongoUri, { writeConcern: { w: 'majority', journal: true } });
try {
  await client.connect();
  const coll = client.db('probe').collection<{ _id: string; pad: string }>('docs');
  await coll.insertOne({ _id: 'warm', pad });
  await services.indexIdLookups();
  let seq = 0;
  const fresh = (n: number) => Array.from({ length: n }, () => ({ _id: `d${++seq}`, pad }));
  const time = async (f: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const rows: string[] = [];
  for (const n of [1, 10, 100]) {
    const batch: number[] = [];
    const singles: number[] = [];
    const withDup: number[] = [];
    let shape = '';
    let allOthersStored = true;
    for (let r = 0; r < rounds; r++) {
      batch.push(await time(() => coll.insertMany(fresh(n), { ordered: false })));
      const docs = fresh(n);
      singles.push(await time(async () => { for (const d of docs) await coll.insertOne(d); }));
      if (n > 1) {
        const dupDocs = fresh(n);
        const mid = Math.floor(n / 2);
        dupDocs[mid] = { _id: 'warm', pad };
        withDup.push(
          await time(async () => {
            try {
              await coll.insertMany(dupDocs, { ordered: false });
              shape = 'no error';
            } catch (err) {
              const e = err as { name?: string; code?: unknown; writeErrors?: unknown; insertedCount?: number; result?: { insertedCount?: number } };
              const we = (Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []) as { index?: number; code?: number }[];
              shape = `${e.name} code ${String(e.code)}, writeErrors [${we.map((w) => `{index ${w.index}, code ${w.code}}`).join(', ')}], insertedCount ${e.insertedCount ?? e.result?.insertedCount}`;
            }
          }),
        );
        const others = dupDocs.filter((_, i) => i !== mid).map((d) => d._id);
        const stored = await coll.countDocuments({ _id: { $in: others } });
        if (stored !== others.length) allOthersStored = false;
      }
    }
    rows.push(
      `| ${n} | ${median(batch).toFixed(1)} ms | ${median(singles).toFixed(1)} ms | ${(median(singles) / median(batch)).toFixed(1)}× | ` +
        (n > 1 ? `${median(withDup).toFixed(1)} ms | ${allOthersStored ? 'yes' : 'NO'} | ${shape} |` : '– | – | – |'),
    );
  }
  console.log(`rounds: ${rounds} (medians)`);
  console.log('| N | insertMany (unordered) | N × insertOne | ratio | insertMany with one taken _id | others stored | error shape |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  await client.close();
  await services.stop();
  rmSync(dir, { recursive: true, force: true });
}
