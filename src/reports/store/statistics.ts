/**
 * The statistics store: `statistics_entries` (one insert-only entry per
 * counted report event), `statistics_slices` (per-day figures rolled up from
 * them, one small document per measure and dimension set) and
 * `statistics_days` (each day's manifest of its slices). docs/statistics.md
 * tells the whole design.
 *
 * Exactly once without `$inc`: FerretDB applies `$inc` and every conditional
 * update as read-then-write, so racing increments lose counts. An event is
 * instead one inserted entry whose `_id` is a keyed hash of the change's own
 * event key (`<report id>#<history seq>`: reports/model/statistics.ts), so a
 * retried or replayed change, or the reconciliation re-deriving it, writes the
 * same `_id` and the duplicate key is success. The keyed hash also keeps the
 * entries from naming a report: an erased report's counts stay (a count is
 * not content) and nothing in them says whose they were.
 *
 * The roll-up (tasks/statistics-rollup.ts) reads the entries written since a
 * watermark, and for each day they touch recomputes the day from all its
 * entries and replaces the day's figures whole: running it twice, or again
 * after it died half-way (the watermark moves only once every day is
 * written), gives the same figures. The reconciliation
 * (tasks/statistics-reconcile.ts) re-derives the events of a window from the
 * reports themselves, inserts the entries a crash lost (a process killed
 * between a change and its entry) and recomputes the window's days.
 *
 * Entries are kept ENTRY_KEEP_DAYS, far longer than the reconciliation's
 * window; older days are final. On FerretDB the entry reads are scans of the
 * entries table (indexes on `writtenAt` and `day` serve MongoDB); slices and
 * manifests are read by `_id` only.
 */
import { createHash } from 'node:crypto';
import type { Collection, Db, Filter, WithoutId } from 'mongodb';
import { insertEachIfAbsent, isDuplicateKey } from '../../db/errors.js';
import type { Integrity } from '../../crypto/index.js';
import { figuresOf, partsOf, statisticsEvents, utcDay, type DayFigures, type StatisticsDimension, type StatisticsEvent, type StatisticsMeasure } from '../model/statistics.js';
import type { ReportDoc } from '../model/types.js';
import { toMinute } from '../../time.js';

/** Entries older than this (by their day) are pruned; their days are final. */
export const ENTRY_KEEP_DAYS = 30;
/** Entries written this long before the watermark are read again (clock skew between processes, slow inserts). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;

type StoredEntry = Omit<StatisticsEvent, 'key'> & { _id: string; writtenAt: Date };

export interface DayDoc extends DayFigures {
  /** The UTC day, YYYY-MM-DD. */
  _id: string;
  rolledAt: Date;
}

/** The report fields the events are derived from (no content). */
export const STATISTICS_SOURCE_PROJECTION = {
  _id: 1, receivedAt: 1, channel: 1, source: 1, recordedBy: 1, categories: 1, borough: 1, desk: 1, priority: 1, imminentThreat: 1, triage: 1, outcome: 1, history: 1,
} as const;
export type StatisticsSource = Pick<ReportDoc, keyof typeof STATISTICS_SOURCE_PROJECTION>;

export type StatisticsStore = ReturnType<typeof createStatisticsStore>;

const dayMs = 24 * 3600_000;
const addDays = (day: string, n: number) => utcDay(new Date(new Date(`${day}T00:00:00Z`).getTime() + n * dayMs));

export function createStatisticsStore(db: Db, integrity: Pick<Integrity, 'mac' | 'macAll'>) {
  const entries = db.collection<StoredEntry>('statistics_entries');
  const days = db.collection<ManifestDoc>('statistics_days');
  const sliceColl = db.collection<SliceDoc>('statistics_slices');
  const meta = db.collection<{ _id: string; at: Date }>('statistics_meta');
  const idOf = (key: string) => integrity.mac('statisticsEntry', key);

  // Written to the minute, for every entry: a partner referral's entry names its partner, and nothing about a partner is kept finer.
  const stored = (e: StatisticsEvent, writtenAt: Date): StoredEntry => {
    const { key, ...rest } = e;
    return { _id: idOf(key), writtenAt: toMinute(writtenAt), ...rest };
  };

  /**
   * Replaces a day's figures whole: one small document per measure and dimension set (a "slice",
   * `<day>|<measure>|<dims>`), so a query reads by `_id` only the slice it needs, then the day's
   * manifest naming its slices (written last: the commit point), then drops slices the day no longer has.
   * Upserts (read-then-write on FerretDB) are harmless here: every writer writes the whole truth of its read.
   */
  async function writeDay(doc: DayDoc) {
    const before = await days.findOne({ _id: doc._id }, { projection: { slices: 1, sliceDigests: 1 } });
    const slices = slicesOf(doc);
    const digests = slices.map(sliceDigest);
    // Only the slices whose figures changed are written (a minute's new events touch a few dozen of some hundreds).
    const had = new Map((before?.slices ?? []).map((id, i) => [id, before?.sliceDigests?.[i]]));
    for (const [i, slice] of slices.entries()) if (had.get(slice._id) !== digests[i]) await replaceWhole(sliceColl, slice);
    const ids = slices.map((x) => x._id);
    await replaceWhole(days, { _id: doc._id, rolledAt: doc.rolledAt, events: doc.events, digest: digestOf(doc), slices: ids, sliceDigests: digests } as ManifestDoc);
    const gone = (before?.slices ?? []).filter((id) => !ids.includes(id));
    if (gone.length) await sliceColl.deleteMany({ _id: { $in: gone } });
  }

  /** Recomputes `dayList` from their entries; `failAfterWrites` (tests) throws after that many day writes, as a killed worker would stop. */
  async function recompute(dayList: readonly string[], failAfterWrites?: number): Promise<{ changed: number }> {
    let written = 0;
    let changed = 0;
    for (const day of [...dayList].sort()) {
      const own = await entries.find({ day }, { projection: { _id: 0, writtenAt: 0 } }).toArray();
      const figures = figuresOf(own as unknown as Omit<StatisticsEvent, 'key'>[]);
      const before = await days.findOne({ _id: day }, { projection: { digest: 1 } });
      const doc: DayDoc = { _id: day, rolledAt: new Date(), ...figures };
      if ((before?.digest ?? digestOf({ counts: [] })) !== digestOf(doc)) changed++;
      if (failAfterWrites !== undefined && written >= failAfterWrites) throw new Error(`statistics roll-up stopped after ${written} day writes (injected)`);
      await writeDay(doc);
      written++;
    }
    return { changed };
  }

  return {
    /**
     * Records the events of one change: one insert command for all of them
     * (the one store write statistics add to a change), each keyed by its
     * event key, so a replay stores nothing twice. Returns how many were new.
     */
    async record(events: readonly StatisticsEvent[]): Promise<number> {
      if (!events.length) return 0;
      const at = new Date();
      return (await insertEachIfAbsent(entries, events.map((e) => stored(e, at)))).filter(Boolean).length;
    },

    /**
     * The periodic roll-up: every day touched by an entry written since the
     * watermark is recomputed whole from its entries, then the watermark moves
     * to when this run began. Idempotent; a run that dies leaves the watermark
     * where it was, and the next run redoes its days.
     */
    async rollUp(opts: { failAfterWrites?: number; now?: Date } = {}): Promise<{ days: string[]; changed: number }> {
      const started = opts.now ?? new Date();
      const mark = await meta.findOne({ _id: 'watermark' });
      const since = new Date((mark?.at.getTime() ?? 0) - WATERMARK_OVERLAP_MS);
      const touched = await entries.find({ writtenAt: { $gte: since } }, { projection: { day: 1 } }).toArray();
      const dayList = [...new Set(touched.map((e) => e.day))];
      const { changed } = await recompute(dayList, opts.failAfterWrites);
      await meta.replaceOne({ _id: 'watermark' }, { at: started }, { upsert: true }).catch((err) => (isDuplicateKey(err) ? meta.replaceOne({ _id: 'watermark' }, { at: started }) : Promise.reject(err)));
      return { days: dayList.sort(), changed };
    },

    /**
     * The nightly reconciliation of the `windowDays` days up to `now`: derives
     * every event of the window from the reports themselves (`reports`: each
     * report that has a history entry in the window, without content), inserts
     * the entries that are missing (under the current audit key or any
     * previous one: `macAll`), and recomputes the window's days. Returns what it
     * corrected: entries added (by measure) and day documents that changed.
     */
    async reconcile(reports: AsyncIterable<StatisticsSource>, opts: { windowDays: number; now?: Date }) {
      const now = opts.now ?? new Date();
      const last = utcDay(now);
      const first = addDays(last, -(opts.windowDays - 1));
      const window: string[] = [];
      for (let d = first; d <= last; d = addDays(d, 1)) window.push(d);
      const existing = new Set((await entries.find({ day: { $gte: first, $lte: last } }, { projection: { _id: 1 } }).toArray()).map((e) => e._id));
      const missing: StatisticsEvent[] = [];
      for await (const doc of reports) {
        for (const e of statisticsEvents(doc, doc.history ?? [], null)) {
          if (e.day < first || e.day > last) continue;
          if (integrity.macAll('statisticsEntry', e.key).some((id) => existing.has(id))) continue;
          missing.push(e);
        }
      }
      const at = new Date();
      for (let i = 0; i < missing.length; i += 500) await insertEachIfAbsent(entries, missing.slice(i, i + 500).map((e) => stored(e, at)));
      const added: Record<string, number> = {};
      for (const e of missing) added[e.measure] = (added[e.measure] ?? 0) + 1;
      const { changed } = await recompute(window);
      return { window: { from: first, to: last }, added, entriesAdded: missing.length, daysChanged: changed };
    },

    /**
     * The figures of `measure` by exactly the dimension set `dims`, for each day from `from` to `to` (UTC, inclusive)
     * that has any: one lookup by `_id` per day (the one filter FerretDB serves from an index), a few at a time.
     */
    async slices(from: string, to: string, measure: StatisticsMeasure, dims: readonly StatisticsDimension[]): Promise<DayDoc[]> {
      const ids: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) ids.push(sliceId(d, measure, dims));
      const out: DayDoc[] = [];
      for (let i = 0; i < ids.length; i += 32) {
        const found = await Promise.all(ids.slice(i, i + 32).map((id) => sliceColl.findOne({ _id: id })));
        for (const x of found) if (x) out.push({ _id: x.day, rolledAt: x.rolledAt, counts: x.counts, histograms: x.histograms, events: 0 });
      }
      return out;
    },

    /** A day's whole figures (every slice of its manifest), or null: tests and the drift check. */
    async dayFigures(day: string): Promise<DayDoc | null> {
      const manifest = await days.findOne({ _id: day });
      if (!manifest) return null;
      const slices = await Promise.all(manifest.slices.map((id) => sliceColl.findOne({ _id: id })));
      return {
        _id: day, rolledAt: manifest.rolledAt, events: manifest.events,
        counts: slices.flatMap((x) => x?.counts ?? []), histograms: slices.flatMap((x) => x?.histograms ?? []),
      };
    },

    /** Drops entries of days older than ENTRY_KEEP_DAYS (their day documents stay, final). */
    async prune(now = new Date()): Promise<number> {
      return (await entries.deleteMany({ day: { $lt: addDays(utcDay(now), -ENTRY_KEEP_DAYS) } })).deletedCount;
    },

    async ensureIndexes() {
      await entries.createIndex({ writtenAt: 1 });
      // Every read of days and slices is by `_id`.
      await entries.createIndex({ day: 1 });
    },

    /** Writes a day's figures as the roll-up does (tests seed figures with it). */
    writeDay,
  };
}

/** A day's manifest: which slices it has, and a digest of its counts (the reconciliation's drift check). */
interface ManifestDoc {
  _id: string;
  rolledAt: Date;
  events: number;
  digest: string;
  slices: string[];
  /** Each slice's digest (sliceDigest), in the order of `slices`: a slice is rewritten only when it changed. */
  sliceDigests?: string[];
}

/** One measure's figures by one dimension set on one day. */
export interface SliceDoc {
  _id: string;
  day: string;
  rolledAt: Date;
  counts: DayFigures['counts'];
  histograms: DayFigures['histograms'];
}

const dimsOfKey = (key: string) => partsOf(key).map(([d]) => d).sort().join(',');
export const sliceId = (day: string, measure: StatisticsMeasure, dims: readonly StatisticsDimension[]) => `${day}|${measure}|${[...dims].sort().join(',')}`;

/** A day's figures cut into slices by measure and dimension set (the bench seeds them the same way). */
export function slicesOf(doc: DayDoc): SliceDoc[] {
  const by = new Map<string, SliceDoc>();
  const slice = (m: StatisticsMeasure, key: string) => {
    const id = `${doc._id}|${m}|${dimsOfKey(key)}`;
    let x = by.get(id);
    if (!x) by.set(id, (x = { _id: id, day: doc._id, rolledAt: doc.rolledAt, counts: [], histograms: [] }));
    return x;
  };
  for (const c of doc.counts) slice(c.m, c.k).counts.push(c);
  for (const h of doc.histograms) slice(h.m, h.k).histograms.push(h);
  return [...by.values()];
}

/** Order-free digest of a day's counts. */
function digestOf(doc: Pick<DayDoc, 'counts'>): string {
  return createHash('sha256').update(doc.counts.map((c) => `${c.m} ${c.k} ${c.n}`).sort().join('\n')).digest('hex');
}

/** A slice's figures, digested (counts and histograms, order-free). */
function sliceDigest(x: SliceDoc): string {
  const lines = [...x.counts.map((c) => `c ${c.m} ${c.k} ${c.n}`), ...x.histograms.map((h) => `h ${h.m} ${h.k} ${h.h.join(',')}`)].sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/** Replaces a document whole by `_id`, inserting it when absent. */
async function replaceWhole<T extends { _id: string }>(collection: Collection<T>, doc: T) {
  const { _id, ...rest } = doc;
  try {
    await collection.replaceOne({ _id } as Filter<T>, rest as WithoutId<T>, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await collection.replaceOne({ _id } as Filter<T>, rest as WithoutId<T>); // two upserts raced to insert: the other's is there now
  }
}
