import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startServices } from './services.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const s = await startServices({ dataDir: dir });
const client = await MongoClient.connect(s.mongoUri);
const db = client.db('p');
const summary = () => ({ _id: 'x', reference: 'ATH-2026-000001', status: 'TRIAGED', desk: 'SO12', priority: 'P3', categories: ['a', 'b'], borough: 'Camden', imminentThreat: false, receivedAt: new Date(), recordedAt: new Date(), recordedBy: { type: 'user', id: 'u1' }, triage: { at: new Date(), dueBy: new Date(), reasons: ['r1 long reason text here', 'r2 another reason'], ruleSetVersion: 'v1', threatLevel: 'SUBSTANTIAL' }, links: [], version: 3, escalated: false, triagePending: false, assignee: null, fingerprint: 'f'.repeat(64), idempotencyKey: 'u:k'.repeat(10), receiptHash: null, anonymous: true, channel: 'PHONE', source: 'HOTLINE_CALL', callDurationSeconds: 120 });
for (const n of [40, 200, 1000]) {
  const c = db.collection(`q${n}`);
  await c.insertMany(Array.from({ length: n }, (_, i) => ({ _id: `e${i}` as any, desk: i % 2 ? 'SO12' : 'SO13', priority: 'P3', receivedAt: new Date(Date.now() - i * 1000), dueBy: new Date(), escalated: false })));
  const runs = 20; const t0 = performance.now();
  for (let i = 0; i < runs; i++) await c.find({ desk: 'SO12' }).sort({ priority: 1, receivedAt: 1, _id: 1 }).limit(21).toArray();
  const a = (performance.now() - t0) / runs;
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await c.find({ desk: 'SO12' }).limit(21).toArray();
  const b = (performance.now() - t1) / runs;
  const t2 = performance.now();
  for (let i = 0; i < runs; i++) await c.find({ desk: 'SO12' }, { projection: { _id: 1 } }).sort({ priority: 1, receivedAt: 1, _id: 1 }).limit(21).toArray();
  const d = (performance.now() - t2) / runs;
  console.log(`n=${n} sorted ${a.toFixed(1)} ms; unsorted ${b.toFixed(1)} ms; sorted ids only ${d.toFixed(1)} ms; doc ${JSON.stringify(summary()).length} B`);
}
await client.close(); await s.stop();
