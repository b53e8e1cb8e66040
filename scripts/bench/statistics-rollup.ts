/**
 * A probe, not part of `npm run bench`: how long the statistics roll-up (src/reports/store/statistics.ts `rollUp`)
 * takes, and how many reads of the entries table it starts, with `STATISTICS_ROLLUP_ENTRIES` entries of today in the
 * table (100,000 by default: a full bench's intake writes some), in a FerretDB of its own. It records the entries,
 * runs the roll-up once (the watermark), then `STATISTICS_ROLLUP_ROUNDS` times (3) records 100 new entries of today
 * and times a run, as the worker's minute would. Measured, not asserted; quote it with the load average.
 *
 *   node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/statistics-rollup.ts
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { utcDay, type StatisticsEvent } from '../../src/reports/model/statistics.js';
import { createStatisticsStore } from '../../src/reports/store/statistics.js';
import { startServices } from '../stack/services.js';

const total = Number(process.env.STATISTICS_ROLLUP_ENTRIES ?? 100_000);
const rounds = Number(process.env.STATISTICS_ROLLUP_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'statistics-rollup-'));
const services = await startServices({ dataDir: dir, appendOnly: false });
const client = new MongoClient(`${services.mongoUri}${services.mongoUri.includes('?') ? '&' : '?'}monitorCommands=true`);
let finds = 0;
client.on('commandStarted', (e: CommandStartedEvent) => {
  if (e.commandName === 'find' && e.command.find === 'statistics_entries') finds++;
});
const hash = (key: string) => createHash('sha256').update(key).digest('base64url');
const store = createStatisticsStore(client.db('rollup'), { mac: (_p: string, key: string) => hash(key), macAll: (_p: string, key: string) => [hash(key)] } as never);
let seq = 0;
const event = (): StatisticsEvent => ({
  key: `r${seq}#${seq++}`, day: utcDay(new Date()), measure: 'RECEIVED', status: 'RECEIVED', channel: 'ANTI_TERRORIST_HOTLINE', source: 'PUBLIC',
  partner: null, categories: ['OTHER'], borough: 'CAMDEN', desk: null, priority: null, imminentThreat: false, outcome: null, bucket: null, sla: null,
} as unknown as StatisticsEvent);
try {
  await client.connect();
  await store.ensureIndexes();
  for (let n = 0; n < total; n += 1_000) await store.record(Array.from({ length: Math.min(1_000, total - n) }, event));
  await store.rollUp();
  for (let r = 0; r < rounds; r++) {
    await store.record(Array.from({ length: 100 }, event));
    finds = 0;
    const t = performance.now();
    await store.rollUp();
    console.log(`roll-up with ${total + 100 * (r + 1)} entries of today: ${(performance.now() - t).toFixed(0)} ms, ${finds} read(s) of the entries table (load ${loadavg()[0]!.toFixed(2)})`);
  }
} finally {
  await client.close();
  await services.stop();
  rmSync(dir, { recursive: true, force: true });
}
