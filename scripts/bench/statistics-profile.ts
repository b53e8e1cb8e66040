/**
 * Where a `statistics` query's time goes, in process (no HTTP): seeds the
 * statistics phase's figures (scripts/bench/statistics.ts, `STATISTICS_BENCH_DAYS`
 * days, 91 by default) into a FerretDB of its own, then for each of the bench's
 * query kinds times, `STATISTICS_PROFILE_ROUNDS` times (5 by default): the span
 * register read, the piece lookups (each by `_id`, as the store sends them), the
 * decoding of the pieces, and the whole service call (store, summing,
 * suppression), first on a fresh store (nothing cached) and then repeated on
 * the same store; and counts the store commands of each (the driver's command
 * monitoring). Measured, not asserted; quote it with the load average.
 *
 *   STATISTICS_BENCH_DAYS=91 node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/statistics-profile.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import type { StaffPrincipal } from '../../src/auth/types.js';
import { createStatisticsService, type StatisticsQuery } from '../../src/reports/desk/statistics.js';
import { coverOf, createStatisticsStore, decodeSlice, sliceId, spanSliceId, type SliceDoc } from '../../src/reports/store/statistics.js';
import { startServices } from '../stack/services.js';
import { seedStatistics } from './statistics.js';
import { latency } from './support.js';

const supervisor: StaffPrincipal = { kind: 'staff', userId: 'p', username: 'profile.supervisor', roles: ['SUPERVISOR'], desk: null, sessionId: 'p' };
const oversight: StaffPrincipal = { ...supervisor, roles: ['OVERSIGHT'] };

async function main() {
  const days = Number(process.env.STATISTICS_BENCH_DAYS ?? 91);
  const rounds = Number(process.env.STATISTICS_PROFILE_ROUNDS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'hotline-statistics-profile-'));
  const services = await startServices({ dataDir: dir });
  const client = new MongoClient(services.mongoUri, { monitorCommands: true });
  const commands: string[] = [];
  client.on('commandStarted', (e: CommandStartedEvent) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    await client.connect();
    const db = client.db('hotline_statistics_profile');
    const seeded = await seedStatistics(db, days, Math.round((1_000_000 * days) / 730));
    out(`seeded ${days} days, ${seeded.spans.length} spans in ${seeded.seedSeconds.toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const integrity = { mac: () => 'x', macAll: () => ['x'] };
    const first = new Date(`${seeded.from}T00:00:00Z`);
    const monday = new Date(first.getTime() + ((8 - (first.getUTCDay() || 7)) % 7) * 86_400_000).toISOString().slice(0, 10);
    const last = new Date(`${seeded.to}T00:00:00Z`);
    const sunday = new Date(last.getTime() - ((last.getUTCDay() || 7) % 7) * 86_400_000).toISOString().slice(0, 10);
    const q = (over: Partial<StatisticsQuery>): StatisticsQuery => ({ from: seeded.from, to: seeded.to, measure: 'RECEIVED', groupBy: [], filter: [], interval: 'PERIOD', ...over });
    const kinds: [string, StaffPrincipal, StatisticsQuery][] = [
      ['received by channel', supervisor, q({ groupBy: ['CHANNEL'] })],
      ['received by week (trend)', supervisor, q({ interval: 'WEEK' })],
      ['borough x category', supervisor, q({ groupBy: ['BOROUGH', 'CATEGORY'] })],
      ['claimed desk x priority', supervisor, q({ measure: 'CLAIMED', groupBy: ['DESK', 'PRIORITY'] })],
      ['oversight borough weekly', oversight, q({ from: monday, to: sunday, groupBy: ['BOROUGH'] })],
    ];
    const slices = db.collection<SliceDoc>('statistics_slices');
    const meta = db.collection<{ _id: string; built?: string }>('statistics_meta');
    for (const [name, who, query] of kinds) {
      const t = { meta: [] as number[], lookups: [] as number[], decode: [] as number[], cold: [] as number[], warm: [] as number[], coldStore: [] as number[], warmStore: [] as number[] };
      let pieces = 0;
      let bytes = 0;
      let coldCommands = 0;
      let warmCommands = 0;
      for (let r = 0; r < rounds; r++) {
        // The store's reads, taken apart: the register, then every piece by `_id` (32 at a time, as the store sends them), then decoding.
        let t0 = performance.now();
        const register = await meta.findOne({ _id: 'spans' });
        t.meta.push(performance.now() - t0);
        const built = new Set((register?.built ?? '').split(','));
        const buckets: [string, string][] = [];
        if (query.interval === 'WEEK' || who === oversight) {
          for (let d = Date.parse(`${query.from}T00:00:00Z`); d <= Date.parse(`${query.to}T00:00:00Z`); d += 7 * 86_400_000) {
            const s = new Date(d).toISOString().slice(0, 10);
            const e = new Date(Math.min(d + 6 * 86_400_000, Date.parse(`${query.to}T00:00:00Z`))).toISOString().slice(0, 10);
            buckets.push([s, e]);
          }
        } else buckets.push([query.from, query.to]);
        const dims = [...query.groupBy];
        const ids = buckets.flatMap(([a, b]) => coverOf(a, b, built)).map((p) => (p.id.length === 10 ? sliceId(p.id, query.measure, dims) : spanSliceId(p.id, query.measure, dims)));
        pieces = ids.length;
        t0 = performance.now();
        const docs: (SliceDoc | null)[] = [];
        for (let i = 0; i < ids.length; i += 32) docs.push(...(await Promise.all(ids.slice(i, i + 32).map((id) => slices.findOne({ _id: id })))));
        t.lookups.push(performance.now() - t0);
        bytes = docs.reduce((a, d) => a + (d ? (d.c?.length ?? 0) + (d.h?.length ?? 0) : 0), 0);
        t0 = performance.now();
        for (const d of docs) if (d) decodeSlice(d, query.measure);
        t.decode.push(performance.now() - t0);
        // The whole service call on a fresh store (nothing cached in it), then again on the same store; and what of
        // each call was the store's `slices` (reads, decoding, the cache) rather than summing and suppression.
        const store = createStatisticsStore(db, integrity);
        let inStore = 0;
        const service = createStatisticsService({
          store: {
            slices: async (...args: Parameters<typeof store.slices>) => {
              const s0 = performance.now();
              try { return await store.slices(...args); } finally { inStore += performance.now() - s0; }
            },
          },
        });
        commands.length = 0;
        t0 = performance.now();
        inStore = 0;
        await service.statistics(who, query);
        t.cold.push(performance.now() - t0);
        t.coldStore.push(inStore);
        coldCommands = commands.length;
        commands.length = 0;
        t0 = performance.now();
        inStore = 0;
        await service.statistics(who, query);
        t.warm.push(performance.now() - t0);
        t.warmStore.push(inStore);
        warmCommands = commands.length;
      }
      const p = (xs: number[]) => { const l = latency(xs); return `p50 ${l.p50} p99 ${l.p99}`; };
      out(`${name}: ${pieces} piece lookups (${Math.round(bytes / 1024)} KB of cell strings)`);
      out(`  register read ${p(t.meta)} ms; lookups ${p(t.lookups)} ms; decoding ${p(t.decode)} ms`);
      out(`  service, fresh store ${p(t.cold)} ms (in slices ${p(t.coldStore)} ms; ${coldCommands} store commands); repeated ${p(t.warm)} ms (in slices ${p(t.warmStore)} ms; ${warmCommands} store commands)`);
    }
    out(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await client.close().catch(() => {});
    await services.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
