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
 * window; older days are final. On FerretDB every entry read is a scan of
 * the entries table, so a roll-up reads it once (`touchedSince`; on MongoDB
 * the indexes on `writtenAt` and `day` would serve two narrow reads instead);
 * slices and manifests are read by `_id` only.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Collection, Db, Filter, WithoutId } from 'mongodb';
import { insertEachIfAbsent, insertIfAbsent, isDuplicateKey } from '../../db/errors.js';
import type { Integrity } from '../../crypto/index.js';
import { figuresOf, partsOf, statisticsEvents, utcDay, type CountCell, type DayFigures, type StatisticsDimension, type StatisticsEvent, type StatisticsMeasure } from '../model/statistics.js';
import type { ReportDoc } from '../model/types.js';
import { toMinute } from '../../time.js';

/** Entries older than this (by their day) are pruned; their days are final. */
export const ENTRY_KEEP_DAYS = 30;
/**
 * A week or month is built (summed from its days into span slices) once its last day is this many days old:
 * older than the nightly reconciliation's window (7 days), so a span is built once and rebuilt only when a
 * day under it is recomputed after all (a late entry). Only speed depends on it: a span is rebuilt whenever
 * a day under it is recomputed, and a query uses only spans the register lists as built.
 */
export const SPAN_SETTLE_DAYS = 8;
/** A run of the roll-up builds new spans for about this long (at least one), then leaves the rest to the next run. */
const SPAN_BUILD_BUDGET_MS = 15_000;
/** How long a claim on the span step holds: one that died frees it after this (a span step takes seconds, a minute at most). */
const SPAN_LEASE_MS = 5 * 60_000;
/** How long a run waits for another's span step before it fails (and is redone: the roll-up's watermark does not move). */
const SPAN_LEASE_WAIT_MS = 2 * 60_000;
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

/**
 * How many cells (counts and histograms) of built spans a store keeps decoded in memory, at most: a span's
 * bundle of total and single dimensions holds some 100 to 300, a pair up to some 400 (borough × category).
 */
export const SPAN_CACHE_CELLS = 200_000;

const dayMs = 24 * 3600_000;
const addDays = (day: string, n: number) => utcDay(new Date(new Date(`${day}T00:00:00Z`).getTime() + n * dayMs));

/**
 * `spanCacheCells`: the bound of this store's cache of built spans (SPAN_CACHE_CELLS; 0: no cache). The cache is
 * this store's own, so each process has one (a factory, never a module-level singleton).
 */
export function createStatisticsStore(db: Db, integrity: Pick<Integrity, 'mac' | 'macAll'>, opts: { spanCacheCells?: number } = {}) {
  const entries = db.collection<StoredEntry>('statistics_entries');
  const days = db.collection<ManifestDoc>('statistics_days');
  const sliceColl = db.collection<SliceDoc>('statistics_slices');
  const spanManifests = db.collection<ManifestDoc>('statistics_spans');
  const meta = db.collection<{ _id: string; at: Date; token?: string; building?: boolean; built?: string; months?: string; run?: string; details?: ReconcileDetails }>('statistics_meta');
  const leases = db.collection<{ _id: string; holder: string; until: Date }>('statistics_meta');
  const spanCache = createSpanCache(opts.spanCacheCells ?? SPAN_CACHE_CELLS);
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
    await writeCut(days, doc._id, slicesOf(doc), { rolledAt: doc.rolledAt, events: doc.events, digest: digestOf(doc), all: encodeFigures(doc) });
  }

  /** Writes `slices` (only those whose figures changed, by the digests in the manifest), then the manifest, then drops the slices gone. */
  async function writeCut(manifests: Collection<ManifestDoc>, id: string, slices: SliceDoc[], head: Omit<ManifestDoc, '_id' | 'slices' | 'sliceDigests'>) {
    const before = await manifests.findOne({ _id: id }, { projection: { slices: 1, sliceDigests: 1 } });
    const digests = slices.map(sliceDigest);
    // Only the slices whose figures changed are written (a minute's new events touch a few dozen of some hundreds).
    const had = new Map((before?.slices ?? []).map((x, i) => [x, before?.sliceDigests?.[i]]));
    for (const [i, slice] of slices.entries()) if (had.get(slice._id) !== digests[i]) await replaceWhole(sliceColl, slice);
    const ids = slices.map((x) => x._id);
    await replaceWhole(manifests, { _id: id, ...head, slices: ids, sliceDigests: digests });
    const kept = new Set(ids);
    // One by one: `_id: {$in}` is a scan of the whole collection on FerretDB.
    for (const gone of (before?.slices ?? []).filter((x) => !kept.has(x))) await sliceColl.deleteOne({ _id: gone });
  }

  /** A day's whole figures (its manifest's `all`, else every slice of its manifest), or null when the day has none. */
  async function readDay(day: string): Promise<DayDoc | null> {
    const manifest = await days.findOne({ _id: day });
    if (!manifest) return null;
    if (manifest.all !== undefined) return { _id: day, rolledAt: manifest.rolledAt, events: manifest.events, ...decodeFigures(manifest.all) };
    const slices = await Promise.all(manifest.slices.map((id) => sliceColl.findOne({ _id: id })));
    const figures = slices.map((x, i) => (x ? decodeSlice(x, measureOfId(manifest.slices[i]!)) : { counts: [], histograms: [] }));
    return { _id: day, rolledAt: manifest.rolledAt, events: manifest.events, counts: figures.flatMap((x) => x.counts), histograms: figures.flatMap((x) => x.histograms) };
  }

  /** Recomputes a week or month span whole from its days' slices (summed), and writes it. */
  async function rebuildSpan(span: string, rolledAt: Date) {
    const parts: DayDoc[] = [];
    for (const day of daysOfSpan(span)) {
      const doc = await readDay(day);
      if (doc) parts.push(doc);
    }
    const sum = addFigures(parts);
    await writeCut(spanManifests, span, spanSlicesOf(span, sum, rolledAt), { rolledAt, events: sum.events, digest: digestOf(sum) });
  }

  async function readSpansMeta(): Promise<SpansMeta> {
    const doc = await meta.findOne({ _id: 'spans' });
    const list = (x: unknown) => new Set(typeof x === 'string' && x ? x.split(',') : []);
    return {
      token: typeof doc?.token === 'string' ? doc.token : '',
      building: doc?.building === true,
      built: list(doc?.built),
      months: doc?.months === undefined ? null : list(doc.months),
    };
  }

  /**
   * Writes the span register whole, under a fresh token when `fresh` (a new token tells every reader's cache that
   * spans changed), and `building` while a run may be writing spans (no reader caches a span then).
   */
  async function writeSpansMeta(m: { built: Set<string>; months: Set<string> }, fresh: boolean, token: string, building: boolean) {
    const doc = { at: new Date(), token: fresh ? randomUUID() : token, building, built: [...m.built].sort().join(','), months: [...m.months].sort().join(',') };
    await replaceWhole(meta, { _id: 'spans', ...doc });
    return doc.token;
  }

  /**
   * The span step of a roll-up or reconciliation: every built span holding a day just recomputed is rebuilt
   * from its days (whole, whether or not the day changed: a run cut short between a day and its span is
   * redone by the next), then spans now settled and not yet built are built, newest first, within `budgetMs`
   * (at least one a run). The register of built spans is written last, under a fresh token when a span was written.
   * A roll-up and the nightly reconciliation may run at once on two workers: their span steps never overlap (the span
   * lease, `withSpanLease`), so a span one builds from a day the other recomputed meanwhile is rebuilt by the other's
   * step, which comes after its day writes and reads the register the first one wrote.
   * The register says `building` from this run's first write to its last, so no reader caches a span meanwhile
   * (slices() caches only under a register not building); a run that dies half-way leaves it so, and the
   * cache unused, until a run writes spans again and ends.
   */
  async function buildSpans(opts: { touchedDays: readonly string[]; now: Date; budgetMs?: number; rescan?: boolean; leaseWaitMs?: number }) {
    return withSpanLease(() => buildSpansHeld(opts), opts.leaseWaitMs ?? SPAN_LEASE_WAIT_MS);
  }

  /**
   * Runs `step` holding the span lease: an insert-only claim under one `_id` in `statistics_meta` (the one write FerretDB
   * makes atomic; a conditional update is a read and a write), with an expiry so a holder that died frees it. Another
   * run's claim is waited for, up to `waitMs`, then this run fails (its caller is redone).
   */
  async function withSpanLease<T>(step: () => Promise<T>, waitMs: number): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await insertIfAbsent(leases, { _id: 'spans-lease', holder, until: new Date(Date.now() + SPAN_LEASE_MS) })) break;
      const held = await leases.findOne({ _id: 'spans-lease' });
      // Expired: its holder died. Deleted by holder, so a claim someone took over meanwhile stays.
      if (held && held.until.getTime() < Date.now()) await leases.deleteOne({ _id: 'spans-lease', holder: held.holder });
      else if (Date.now() >= deadline) throw new Error('statistics span step busy: another run holds the span lease');
      else if (held) await new Promise((r) => setTimeout(r, 200));
    }
    try {
      return await step();
    } finally {
      await leases.deleteOne({ _id: 'spans-lease', holder }).catch(() => undefined); // else it expires
    }
  }

  async function buildSpansHeld(opts: { touchedDays: readonly string[]; now: Date; budgetMs?: number; rescan?: boolean }) {
    const started = Date.now();
    const register = await readSpansMeta();
    let months = register.months;
    if (!months || opts.rescan) {
      // Which months have figures: once for a store that had days before spans, then nightly (a lost update of the register).
      months = new Set((await days.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id.slice(0, 7)));
    }
    for (const d of opts.touchedDays) months.add(d.slice(0, 7));
    const rebuild = [...new Set(opts.touchedDays.flatMap(spansOfDay))].filter((x) => register.built.has(x));
    const settledBy = addDays(utcDay(opts.now), -SPAN_SETTLE_DAYS);
    const candidates = new Set<string>();
    for (const month of months) {
      const first = `${month}-01`;
      for (const span of [`M${month}`, ...weeksOverlapping(first, addDays(addMonths(first, 1), -1))]) {
        if (!register.built.has(span) && spanLast(span) <= settledBy) candidates.add(span);
      }
    }
    const todo = [...candidates].sort((a, b) => spanLast(b).localeCompare(spanLast(a)) || a.localeCompare(b));
    const changed = register.months === null || [...months].some((m) => !register.months!.has(m));
    if (!rebuild.length && !todo.length) {
      if (changed) await writeSpansMeta({ built: register.built, months }, false, register.token, register.building);
      return { rebuilt: [] as string[], built: 0, pending: 0 };
    }
    const at = new Date();
    // A fresh token first: a reader that caches spans stops trusting them before any is rewritten.
    const token = await writeSpansMeta({ built: register.built, months }, true, register.token, true);
    for (const span of rebuild.sort()) await rebuildSpan(span, at);
    let built = 0;
    for (const span of todo) {
      if (built > 0 && Date.now() - started > (opts.budgetMs ?? SPAN_BUILD_BUDGET_MS)) break;
      await rebuildSpan(span, at);
      register.built.add(span);
      built++;
    }
    await writeSpansMeta({ built: register.built, months }, true, token, false);
    return { rebuilt: rebuild, built, pending: todo.length - built };
  }

  /**
   * Recomputes `dayList` from their entries; `failAfterWrites` (tests) throws after that many day writes, as a killed
   * worker would stop. Returns how many days changed and, over the count cells of the days that changed, how many
   * cells differ from the figures they replace (`cells`) and the sum of the absolute differences (`drift`): the
   * reconciliation's record of the drift it corrected.
   */
  async function recompute(
    dayList: readonly string[],
    failAfterWrites?: number,
    beforeWrites?: (drift: { changed: number; cells: number; drift: number }) => Promise<void>,
    read?: ReadonlyMap<string, StoredEntry[]>,
  ): Promise<{ changed: number; cells: number; drift: number }> {
    let written = 0;
    let changed = 0;
    let cells = 0;
    let drift = 0;
    const write = async (doc: DayDoc) => {
      if (failAfterWrites !== undefined && written >= failAfterWrites) throw new Error(`statistics roll-up stopped after ${written} day writes (injected)`);
      await writeDay(doc);
      written++;
    };
    // With `beforeWrites` (the reconciliation's pending audit event), every day is worked out before any is written, so it knows the whole drift.
    const docs: DayDoc[] = [];
    for (const day of [...dayList].sort()) {
      const own = read?.get(day) ?? (await entries.find({ day }, { projection: { _id: 0, writtenAt: 0 } }).toArray());
      const figures = figuresOf(own as unknown as Omit<StatisticsEvent, 'key'>[]);
      const before = await days.findOne({ _id: day }, { projection: { digest: 1 } });
      const doc: DayDoc = { _id: day, rolledAt: new Date(), ...figures };
      if ((before?.digest ?? digestOf({ counts: [] })) !== digestOf(doc)) {
        changed++;
        // Only a changed day is read whole (its manifest's `all`), so a run with no drift reads no more than before.
        const diff = countDrift((await readDay(day))?.counts ?? [], doc.counts);
        cells += diff.cells;
        drift += diff.drift;
      }
      if (beforeWrites) docs.push(doc);
      else await write(doc);
    }
    if (beforeWrites) {
      await beforeWrites({ changed, cells, drift });
      for (const doc of docs) await write(doc);
    }
    return { changed, cells, drift };
  }

  /**
   * The days touched by entries written since `since`, and the entries of those of them that events written between
   * `since` and `until` can fall on (their UTC days, three at most: all of them, nearly always), read in the same pass:
   * one read of the entries table a run, not two. FerretDB pushes no filter but `_id` down, so the two reads were two
   * scans of the whole table (about 8 s each at 100,000 entries on this machine); on MongoDB it would be
   * `find({ writtenAt: { $gte: since } })` and then `find({ day })` for each day, both on their indexes. A touched day
   * outside those (an entry written now for an older day: the reconciliation's, or a test's) is read on its own.
   */
  async function touchedSince(since: Date, until: Date): Promise<{ touched: string[]; read: Map<string, StoredEntry[]> }> {
    const likely = new Map<string, StoredEntry[]>();
    for (let d = utcDay(since), n = 0; d <= utcDay(until) && n < 3; d = addDays(d, 1), n++) likely.set(d, []);
    if (utcDay(until) >= addDays(utcDay(since), 3)) likely.clear(); // the roll-up stood still for days: read each touched day on its own
    const touched = new Set<string>();
    for await (const e of entries.find({}, { projection: { _id: 0 } })) {
      if (e.writtenAt >= since) touched.add(e.day);
      likely.get(e.day)?.push(e);
    }
    return { touched: [...touched], read: new Map([...likely].filter(([day]) => touched.has(day))) };
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
    async rollUp(opts: { failAfterWrites?: number; failBeforeSpans?: boolean; now?: Date; budgetMs?: number } = {}): Promise<{ days: string[]; changed: number; spans: { rebuilt: string[]; built: number; pending: number } }> {
      const started = opts.now ?? new Date();
      const mark = await meta.findOne({ _id: 'watermark' });
      const since = new Date((mark?.at.getTime() ?? 0) - WATERMARK_OVERLAP_MS);
      const { touched: dayList, read } = await touchedSince(since, started);
      const { changed } = await recompute(dayList, opts.failAfterWrites, undefined, read);
      if (opts.failBeforeSpans) throw new Error('statistics roll-up stopped before its spans (injected)');
      const spans = await buildSpans({ touchedDays: dayList, now: started, budgetMs: opts.budgetMs });
      await meta.replaceOne({ _id: 'watermark' }, { at: started }, { upsert: true }).catch((err) => (isDuplicateKey(err) ? meta.replaceOne({ _id: 'watermark' }, { at: started }) : Promise.reject(err)));
      return { days: dayList.sort(), changed, spans };
    },

    /**
     * The nightly reconciliation of the `windowDays` days up to `now`: derives
     * every event of the window from the reports themselves (`reports`: each
     * report that has a history entry in the window, without content), inserts
     * the entries that are missing (under the current audit key or any
     * previous one: `macAll`), and recomputes the window's days. Returns what it
     * corrected: entries added (by measure), day documents that changed, count
     * cells that differed and their total absolute difference (`drift`).
     *
     * A run that corrects anything first writes what its audit event will say
     * (`statistics.reconcile`) into the meta document `reconcile-pending`, before
     * the entries and again before the days (`run` names it): the task appends
     * the event after the run and then clears it (`clearPendingReconcile`), and a
     * later run's task appends one left over (`pendingReconcile`) first. Without
     * it an append refused after the days were written lost the correction from
     * the audit record for good (the next run finds no drift). A run that dies
     * between the note and its writes may have its correction recorded twice, never not at all.
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
      const run = randomUUID();
      let noted = false;
      const note = async (d: { changed: number; cells: number; drift: number }) => {
        const details: ReconcileDetails = { from: first, to: last, daysChanged: d.changed, cellsDiffered: d.cells, drift: d.drift, entriesAdded: missing.length };
        await replaceWhole(meta, { _id: PENDING_RECONCILE, at: new Date(), run, details });
        noted = true;
      };
      // Before the entries: the roll-up may recompute their days from them before this run does.
      if (missing.length) await note({ changed: 0, cells: 0, drift: 0 });
      const at = new Date();
      for (let i = 0; i < missing.length; i += 500) await insertEachIfAbsent(entries, missing.slice(i, i + 500).map((e) => stored(e, at)));
      const added: Record<string, number> = {};
      for (const e of missing) added[e.measure] = (added[e.measure] ?? 0) + 1;
      const { changed, cells, drift } = await recompute(window, undefined, async (d) => {
        if (d.changed || missing.length) await note(d);
      });
      const spans = await buildSpans({ touchedDays: window, now, rescan: true });
      return { window: { from: first, to: last }, added, entriesAdded: missing.length, daysChanged: changed, cellsDiffered: cells, drift, spansRebuilt: spans.rebuilt, pendingRun: noted ? run : null };
    },

    /** The audit event a reconciliation noted and whose append has not been confirmed (`reconcile` says why), or null. */
    async pendingReconcile(): Promise<{ run: string; details: ReconcileDetails } | null> {
      const doc = await meta.findOne({ _id: PENDING_RECONCILE });
      return doc?.run && doc.details ? { run: doc.run, details: doc.details } : null;
    },

    /** Clears the pending event of run `run` once it is appended (a later run's note is left alone). */
    async clearPendingReconcile(run: string): Promise<void> {
      await meta.deleteOne({ _id: PENDING_RECONCILE, run });
    },

    /**
     * The figures of `measure` by exactly each dimension set of `dimSets`, for every time bucket of `buckets`
     * ([first day, last day], UTC, inclusive), as pieces that tile each bucket: a built month or ISO week
     * where one lies whole in the bucket (the span register says which are built), else a day. One lookup by
     * `_id` per piece and dimension set (the one filter FerretDB serves from an index), up to
     * SLICE_READS_AT_ONCE at a time; a span's total and single dimensions are one document, read once for all.
     *
     * A built span's figures are kept decoded in this store's cache (createSpanCache), keyed by the register's
     * token: every write of a span happens under a token written fresh before it and another written fresh
     * after it, so a span's figures never change under one token, and a repeated question reads the register
     * and its days only. Nothing is cached while the register says a run is `building`. Days are always read
     * (the roll-up rewrites recent ones every minute, under no token). `daysOnly`: ignore spans (tests compare).
     */
    async slices(buckets: readonly (readonly [string, string])[], measure: StatisticsMeasure, dimSets: readonly (readonly StatisticsDimension[])[], opts: { daysOnly?: boolean } = {}): Promise<Piece[][]> {
      const register = opts.daysOnly ? null : await readSpansMeta();
      const token = register && register.token && !register.building ? register.token : null;
      const pieces = buckets.flatMap(([from, to]) => coverOf(from, to, register?.built ?? new Set<string>()));
      const wants = dimSets.map((dims) => [...dims].sort().join(','));
      // What each (dimension set, piece) holds: figures, null (no document: no such piece), or not known yet.
      const got: (SliceFigures | null | undefined)[][] = dimSets.map(() => new Array<SliceFigures | null | undefined>(pieces.length));
      const waiting = new Map<string, { di: number; pi: number; span: boolean }[]>();
      const pick = (byDims: ReadonlyMap<string, SliceFigures> | null, di: number) => (byDims ? (byDims.get(wants[di]!) ?? EMPTY_FIGURES) : null);
      dimSets.forEach((dims, di) => {
        pieces.forEach((p, pi) => {
          const span = p.id.length !== 10;
          const id = span ? spanSliceId(p.id, measure, dims) : sliceId(p.id, measure, dims);
          const hit = span && token ? spanCache.get(token, id) : undefined;
          if (hit !== undefined) got[di]![pi] = pick(hit, di);
          else waiting.set(id, [...(waiting.get(id) ?? []), { di, pi, span }]);
        });
      });
      const ids = [...waiting.keys()];
      let next = 0;
      const reader = async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const id = ids[i]!;
          const doc = await sliceColl.findOne({ _id: id });
          // A span's bundle holds its total and every single dimension: each asker takes the cells of exactly its dimensions.
          const byDims = doc ? groupByDims(decodeSlice(doc, measure)) : null;
          const askers = waiting.get(id)!;
          for (const { di, pi } of askers) got[di]![pi] = pick(byDims, di);
          if (askers[0]!.span && token) spanCache.set(token, id, byDims);
        }
      };
      await Promise.all(Array.from({ length: Math.min(SLICE_READS_AT_ONCE, ids.length) }, reader));
      return got.map((row) => {
        const out: Piece[] = [];
        row.forEach((x, pi) => {
          if (x) out.push({ ...pieces[pi]!, counts: x.counts, histograms: x.histograms });
        });
        return out;
      });
    },

    /** What the cache of built spans holds (token, entries, cells): tests and the profile script. */
    spanCacheStats: () => spanCache.stats(),

    /** A day's whole figures (every slice of its manifest), or null: tests and the drift check. */
    dayFigures: readDay,

    /** A built span's figures (`M2026-01`, `W2026-01-05`), or null: tests. */
    async spanFigures(span: string): Promise<DayFigures | null> {
      const manifest = await spanManifests.findOne({ _id: span });
      if (!manifest) return null;
      const slices = await Promise.all(manifest.slices.map((id) => sliceColl.findOne({ _id: id })));
      const figures = slices.map((x, i) => (x ? decodeSlice(x, measureOfId(manifest.slices[i]!)) : { counts: [], histograms: [] }));
      return { events: manifest.events, counts: figures.flatMap((x) => x.counts), histograms: figures.flatMap((x) => x.histograms) };
    },

    /** The span step alone (the bench builds one span through it; the roll-up and reconciliation call it). */
    buildSpans,

    /** Rebuilds one span from its days, as the roll-up does (the bench times a month's build with it). */
    rebuildSpan: (span: string) => rebuildSpan(span, new Date()),

    /** Registers spans as built whose slices and manifests were written as spanSlicesOf cuts them (the bench's seeding only). */
    async markBuilt(spans: readonly string[]) {
      const register = await readSpansMeta();
      const months = register.months ?? new Set<string>();
      for (const span of spans) {
        register.built.add(span);
        months.add(spanRange(span)[0].slice(0, 7));
      }
      await writeSpansMeta({ built: register.built, months }, true, register.token, false);
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

/** What a `statistics.reconcile` audit event says: the window, and counts only. */
export interface ReconcileDetails {
  from: string;
  to: string;
  daysChanged: number;
  cellsDiffered: number;
  drift: number;
  entriesAdded: number;
}

/** The meta document holding a reconciliation's audit event until it is appended. */
const PENDING_RECONCILE = 'reconcile-pending';

/** How many slice lookups one query keeps in flight. */
const SLICE_READS_AT_ONCE = 32;

/** A slice's cells by their exact dimension set (`''` the total, `BOROUGH,CATEGORY` a pair, sorted). */
function groupByDims(f: SliceFigures): Map<string, SliceFigures> {
  const out = new Map<string, SliceFigures>();
  const of = (k: string) => {
    const dims = dimsOfKey(k);
    let x = out.get(dims);
    if (!x) out.set(dims, (x = { counts: [], histograms: [] }));
    return x;
  };
  for (const c of f.counts) of(c.k).counts.push(c);
  for (const h of f.histograms) of(h.k).histograms.push(h);
  return out;
}

/** No cells (a piece whose document has none of the dimensions asked). */
const EMPTY_FIGURES: SliceFigures = Object.freeze({ counts: Object.freeze([]) as unknown as CountCell[], histograms: Object.freeze([]) as unknown as SliceFigures['histograms'] });

/**
 * A bounded cache of decoded span slices (by slice `_id`: each slice's cells by exact dimension set, so every
 * question of a measure shares a span's one bundle of total and single dimensions), for one token at a time:
 * an entry is served only under the token it was stored under, and a different token empties the cache (a
 * token is never written twice: randomUUID). Least recently used entries go first once the cells held pass
 * `maxCells`. Cells are frozen, so a caller that changed one would fail loudly rather than change later answers.
 */
export function createSpanCache(maxCells: number) {
  let token: string | null = null;
  let cells = 0;
  const entries = new Map<string, { byDims: ReadonlyMap<string, SliceFigures> | null; cells: number }>();
  const sizeOf = (byDims: ReadonlyMap<string, SliceFigures> | null) => {
    let n = 1;
    for (const f of byDims?.values() ?? []) n += f.counts.length + f.histograms.length;
    return n;
  };
  return {
    /** The slice stored under `id` and `at` (null: no such document), or undefined. */
    get(at: string, id: string): ReadonlyMap<string, SliceFigures> | null | undefined {
      if (at !== token) return undefined;
      const entry = entries.get(id);
      if (!entry) return undefined;
      entries.delete(id);
      entries.set(id, entry);
      return entry.byDims;
    },
    set(at: string, id: string, byDims: ReadonlyMap<string, SliceFigures> | null) {
      const size = sizeOf(byDims);
      if (size > maxCells) return;
      if (at !== token) {
        entries.clear();
        cells = 0;
        token = at;
      }
      const old = entries.get(id);
      if (old) {
        entries.delete(id);
        cells -= old.cells;
      }
      for (const f of byDims?.values() ?? []) {
        for (const c of f.counts) Object.freeze(c);
        for (const h of f.histograms) Object.freeze(Object.freeze(h).h);
        Object.freeze(f.counts);
        Object.freeze(f.histograms);
        Object.freeze(f);
      }
      entries.set(id, { byDims, cells: size });
      cells += size;
      for (const [k, e] of entries) {
        if (cells <= maxCells) break;
        entries.delete(k);
        cells -= e.cells;
      }
    },
    /** What it holds: tests. */
    stats: () => ({ token, entries: entries.size, cells }),
  };
}

/** A day's or span's manifest: which slices it has, and a digest of its counts (the reconciliation's drift check). */
interface ManifestDoc {
  _id: string;
  rolledAt: Date;
  events: number;
  digest: string;
  slices: string[];
  /** Each slice's digest (sliceDigest), in the order of `slices`: a slice is rewritten only when it changed. */
  sliceDigests?: string[];
  /**
   * A day's whole figures as one string (encodeFigures): what a week or month is summed from, one read a day
   * (a day's some hundreds of slices read one by one took about half a second). Absent on days written before.
   */
  all?: string;
}

/** Figures as one string, one line a cell: `c<TAB>measure<TAB>cell key<TAB>count` or `h<TAB>measure<TAB>cell key<TAB>bucket counts`. */
export function encodeFigures(f: SliceFigures): string {
  return [...f.counts.map((x) => `c\t${x.m}\t${x.k}\t${x.n}`), ...f.histograms.map((x) => `h\t${x.m}\t${x.k}\t${x.h.join(',')}`)].join('\n');
}
function decodeFigures(all: string): SliceFigures {
  const out: SliceFigures = { counts: [], histograms: [] };
  for (const line of all ? all.split('\n') : []) {
    const [kind, m, k, v] = line.split('\t') as [string, StatisticsMeasure, string, string];
    if (kind === 'c') out.counts.push({ m, k, n: Number(v) });
    else out.histograms.push({ m, k, h: v.split(',').map(Number) });
  }
  return out;
}

/** Counts and histograms of one measure (a slice's, or a piece's). */
export type SliceFigures = Pick<DayFigures, 'counts' | 'histograms'>;

/**
 * One measure's figures by one dimension set on one day (or, for a span, its total and every single
 * dimension in one "bundle", or one pair). Stored as two strings, one line a cell (`<cell key>\t<count>`,
 * `<cell key>\t<bucket counts, comma-separated>`): FerretDB decodes every value of a document it reads, and
 * a widest pair (borough × category, some 400 cells) read as 400 objects took 13 ms, as one string 1.5 ms.
 * Slices written before (`counts`/`histograms` arrays of objects) are read as they are.
 */
export interface SliceDoc {
  _id: string;
  rolledAt: Date;
  c?: string;
  h?: string;
  counts?: DayFigures['counts'];
  histograms?: DayFigures['histograms'];
}

/** A piece of a time bucket (a day, an ISO week or a month) and its figures of one measure and dimension set. */
export interface Piece extends SliceFigures {
  /** The day (YYYY-MM-DD), week (`W` + its Monday) or month (`M` + YYYY-MM). */
  id: string;
  /** Its first and last day. */
  start: string;
  end: string;
}

interface SpansMeta {
  /** Changes whenever a span is written: what a reader's cache of spans is keyed by. */
  token: string;
  /** A run may be writing spans (from its first write of the register to its last): nothing is cached meanwhile. */
  building: boolean;
  /** The spans built (their slices and manifest written, and rebuilt whenever a day under them is). */
  built: Set<string>;
  /** The months that have day figures (null: not known yet, the days are listed once). */
  months: Set<string> | null;
}

const dimsOfKey = (key: string) => partsOf(key).map(([d]) => d).sort().join(',');
export const sliceId = (day: string, measure: StatisticsMeasure, dims: readonly StatisticsDimension[]) => `${day}|${measure}|${[...dims].sort().join(',')}`;
/** A span's slice: `<span>|<measure>|*` (total and single dimensions) or `<span>|<measure>|<A,B>` (a pair). */
export const spanSliceId = (span: string, measure: StatisticsMeasure, dims: readonly StatisticsDimension[]) => `${span}|${measure}|${dims.length < 2 ? '*' : [...dims].sort().join(',')}`;
const measureOfId = (id: string) => id.split('|')[1] as StatisticsMeasure;

function encodeSlice(_id: string, rolledAt: Date, f: SliceFigures): SliceDoc {
  return { _id, rolledAt, c: f.counts.map((x) => `${x.k}\t${x.n}`).join('\n'), h: f.histograms.map((x) => `${x.k}\t${x.h.join(',')}`).join('\n') };
}

/** A stored slice's figures, whichever way it was written. */
export function decodeSlice(x: SliceDoc, m: StatisticsMeasure): SliceFigures {
  if (x.c === undefined) return { counts: x.counts ?? [], histograms: x.histograms ?? [] };
  const lines = (s: string | undefined) => (s ? s.split('\n') : []);
  return {
    counts: lines(x.c).map((l) => {
      const tab = l.indexOf('\t');
      return { m, k: l.slice(0, tab), n: Number(l.slice(tab + 1)) };
    }),
    histograms: lines(x.h).map((l) => {
      const tab = l.indexOf('\t');
      return { m, k: l.slice(0, tab), h: l.slice(tab + 1).split(',').map(Number) };
    }),
  };
}

/** A day's figures cut into slices by measure and dimension set (the bench seeds them the same way). */
export function slicesOf(doc: DayDoc): SliceDoc[] {
  return cut(doc, (m, key) => `${doc._id}|${m}|${dimsOfKey(key)}`, doc.rolledAt);
}

/** A span's figures cut into slices: per measure, one bundle of its total and single dimensions, and one slice a pair. */
export function spanSlicesOf(span: string, f: SliceFigures, rolledAt: Date): SliceDoc[] {
  return cut(f, (m, key) => { const dims = dimsOfKey(key); return `${span}|${m}|${dims.includes(',') ? dims : '*'}`; }, rolledAt);
}

function cut(f: SliceFigures, idOf: (m: StatisticsMeasure, key: string) => string, rolledAt: Date): SliceDoc[] {
  const by = new Map<string, SliceFigures>();
  const slice = (m: StatisticsMeasure, key: string) => {
    const id = idOf(m, key);
    let x = by.get(id);
    if (!x) by.set(id, (x = { counts: [], histograms: [] }));
    return x;
  };
  for (const c of f.counts) slice(c.m, c.k).counts.push(c);
  for (const h of f.histograms) slice(h.m, h.k).histograms.push(h);
  return [...by].map(([id, x]) => encodeSlice(id, rolledAt, x));
}

/** How many count cells (measure and dimension key) differ between two figures of a day, and by how much in all. */
export function countDrift(before: readonly CountCell[], after: readonly CountCell[]): { cells: number; drift: number } {
  const diff = new Map<string, number>();
  for (const c of before) diff.set(`${c.m}|${c.k}`, (diff.get(`${c.m}|${c.k}`) ?? 0) - c.n);
  for (const c of after) diff.set(`${c.m}|${c.k}`, (diff.get(`${c.m}|${c.k}`) ?? 0) + c.n);
  let cells = 0;
  let drift = 0;
  for (const d of diff.values()) if (d !== 0) { cells++; drift += Math.abs(d); }
  return { cells, drift };
}

/** Figures summed: counts by measure and cell, histograms bucket by bucket (a span from its days). */
export function addFigures(parts: readonly DayFigures[]): DayFigures {
  const counts = new Map<string, CountCellOf>();
  const hists = new Map<string, HistogramCellOf>();
  for (const p of parts) {
    for (const c of p.counts) {
      const id = `${c.m}\u0000${c.k}`;
      const x = counts.get(id);
      if (x) x.n += c.n;
      else counts.set(id, { ...c });
    }
    for (const h of p.histograms) {
      const id = `${h.m}\u0000${h.k}`;
      const x = hists.get(id);
      if (x) h.h.forEach((n, i) => (x.h[i] = (x.h[i] ?? 0) + n));
      else hists.set(id, { ...h, h: [...h.h] });
    }
  }
  return { counts: [...counts.values()], histograms: [...hists.values()], events: parts.reduce((a, p) => a + p.events, 0) };
}
type CountCellOf = DayFigures['counts'][number];
type HistogramCellOf = DayFigures['histograms'][number];

const dayMsOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
/** ISO weekday, Monday 1 … Sunday 7. */
const weekdayOf = (day: string) => new Date(dayMsOf(day)).getUTCDay() || 7;
const addMonths = (first: string, n: number) => { const d = new Date(dayMsOf(first)); return utcDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1))); };
/** A span's first and last day. */
export function spanRange(span: string): [string, string] {
  if (span.startsWith('W')) return [span.slice(1), addDays(span.slice(1), 6)];
  const first = `${span.slice(1)}-01`;
  return [first, addDays(addMonths(first, 1), -1)];
}
const spanLast = (span: string) => spanRange(span)[1];
function daysOfSpan(span: string): string[] {
  const [first, last] = spanRange(span);
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}
/** The month and the ISO week a day is in. */
export const spansOfDay = (day: string): string[] => [`M${day.slice(0, 7)}`, `W${addDays(day, 1 - weekdayOf(day))}`];
function weeksOverlapping(first: string, last: string): string[] {
  const out: string[] = [];
  for (let monday = addDays(first, 1 - weekdayOf(first)); monday <= last; monday = addDays(monday, 7)) out.push(`W${monday}`);
  return out;
}

/**
 * The pieces tiling [from, to]: at each day, the month starting there if it lies whole in the range and is
 * built, else the ISO week starting there if it does and is built (unless it would cross into a month that
 * could be taken whole: then days to reach it), else the day.
 */
export function coverOf(from: string, to: string, built: ReadonlySet<string>): Omit<Piece, 'counts' | 'histograms'>[] {
  const out: Omit<Piece, 'counts' | 'histograms'>[] = [];
  const wholeMonth = (d: string) => {
    if (!d.endsWith('-01')) return null;
    const last = addDays(addMonths(d, 1), -1);
    return last <= to && built.has(`M${d.slice(0, 7)}`) ? last : null;
  };
  for (let d = from; d <= to; ) {
    const monthLast = wholeMonth(d);
    if (monthLast) {
      out.push({ id: `M${d.slice(0, 7)}`, start: d, end: monthLast });
      d = addDays(monthLast, 1);
      continue;
    }
    const sunday = addDays(d, 6);
    if (weekdayOf(d) === 1 && sunday <= to && built.has(`W${d}`)) {
      const nextMonth = addMonths(`${d.slice(0, 7)}-01`, 1);
      if (!(nextMonth <= sunday && wholeMonth(nextMonth))) {
        out.push({ id: `W${d}`, start: d, end: sunday });
        d = addDays(sunday, 1);
        continue;
      }
    }
    out.push({ id: d, start: d, end: d });
    d = addDays(d, 1);
  }
  return out;
}

/** Order-free digest of a day's counts. */
function digestOf(doc: Pick<DayDoc, 'counts'>): string {
  return createHash('sha256').update(doc.counts.map((c) => `${c.m} ${c.k} ${c.n}`).sort().join('\n')).digest('hex');
}

/** A slice's figures, digested (counts and histograms, order-free). */
function sliceDigest(stored: SliceDoc): string {
  const x = decodeSlice(stored, measureOfId(stored._id));
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
