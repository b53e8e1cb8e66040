/**
 * `person_lists`: the lists a person waits on ("my submissions", "the reports I
 * hold"), each read with a handful of lookups by `_id` whatever the store
 * holds. On FerretDB any filter but `_id` reads and decodes the whole
 * collection, and each lookup by `_id` costs about a millisecond through one
 * SQLite backend, so a list of 200 rows can be neither a scan of a table
 * filtered by person nor a lookup per row. On MongoDB it would be an index on
 * `assignee` (or `recordedBy.id, recordedAt`) and the rows read from `reports`.
 *
 * A list (`<list>:<person>`) is an append-only log of row changes in slots
 * `<list>:<person>#<n>` (zero-padded), claimed by insert (the one write
 * FerretDB makes atomic) and so taken 0..n-1 without gaps, plus snapshots
 * `<list>:<person>@<n>`: the log folded up to slot n, written once (by
 * insert) by whoever reads SNAPSHOT_EVERY slots past the last one, and a
 * pointer `<list>:<person>^` to the latest (a lower bound: rewritten after the
 * snapshot, never trusted further than the slots above it). A reader that
 * finds SNAPSHOT_EVERY slots or more above the snapshot writes the next one,
 * and so does the writer of every WRITER_SNAPSHOT_EVERY-th slot, in the
 * background (its caller does not wait for it), from the snapshot
 * WRITER_SNAPSHOT_EVERY slots under its own (the previous writer's fold; the
 * pointer's when that one is not there, and then at most WRITER_FOLD_MAX
 * slots above it, snapshotted there): the erasure mark, then the 8 slots
 * (and that snapshot, unless this process keeps it: below) at once, the new
 * snapshot and its pointer, 11 commands (12). The store serves them ahead of whatever comes next, so a fold is
 * kept small: a claim writes two rows in its holder's list (and one in its
 * recorder's, whose listed state it changes), and a fold of 32 slots (36
 * commands) every 16th claim nearly tripled what the claim beside it waited
 * on (tests/integration/claim-commands.test.ts).
 * So a read is the pointer and the erasure mark, then the snapshot (unless
 * kept) and a batch of SNAPSHOT_EVERY slots above it at once (10 or 11 lookups
 * by `_id` in two round trips, a batch more when the last writer's fold is still under way,
 * more only when a writer's fold was lost), whatever
 * the collection holds. A process remembers each list's next slot (for half
 * the prune's grace: see `nextSlot`) and only ever moves it up, and when it
 * does not know it one append looks while the others wait (`slotFor`), so its
 * writers never race each other for one (intake's group commit stays one
 * commit); an append whose insert fails leaves its slot as a hole the next
 * append fills, so no gap stays under the slots given out meanwhile. A
 * process killed between two of its appends in flight may leave one: a read
 * that stops there, at a slot this process is not inserting, records it as a
 * hole, so its next append to the list fills it.
 *
 * A row is a report's entry: its version, a time the list sorts by, and
 * either the report as listed (settled), or nothing (removed), or "look at
 * the report" (pending). For each report the row of the highest version
 * wins, settled over pending at the same version, the later slot at a tie.
 * The repository keeps the rows like the desk queue's entries
 * (repository.ts applyChange): a pending row is written BEFORE the change
 * that makes or ends a person's membership, the settled or removed row
 * after it; a change that keeps the member settles its new listing after it.
 * So a row may be stale (a crash between a change and its row: one change
 * behind, or pending), never missing; readers look up the report of each
 * pending row only, drop it when it is not the person's, and write back what
 * they found (a settled or removed row), so it is looked up once.
 *
 * A process keeps the snapshots it read or wrote (KEPT_SNAPSHOTS lists, the
 * latest of each): a snapshot holds every row of its list, about 1.2 KB a
 * report held (125 KB for 100: 13 ms to read on FerretDB against 0.7 ms for
 * a slot), and a writer's fold and a reader both began with it. Snapshots
 * are written once and changed only by an erasure's `forget`, which writes a
 * new erasure mark (`#erased`, a random token) before and after it; a kept
 * snapshot is used only while the mark is the one read before it was, and
 * every read reads the mark before its snapshot and slots (beside the
 * pointer: no round trip more for a reader).
 *
 * Erasure: `forget` takes every row of the report out of every slot and
 * snapshot (a scan of this table: erasure is rare), so nothing here names an
 * erased report; the erasure itself writes no row. A reader that looked up
 * the report just before its erasure and writes its row back just after it
 * looks at the report again after writing, and takes the row out when it is
 * erased by then (repository.ts readList).
 * Old slots and snapshots under both the latest snapshot and the pointer are
 * dropped by the worker's periodic prune.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../../db/errors.js';

/** A snapshot is written once this many slots lie above the last one (by the reader or writer that finds them). */
export const SNAPSHOT_EVERY = 8;
/**
 * The writer of every this-many-th slot folds the list into a snapshot (for a person who never reads their list): small
 * folds, so no request waits behind a long one. The price is writes: a snapshot and its pointer every 8 slots (0.25 a
 * row: an intake writes one row, a claim three) where 4 × SNAPSHOT_EVERY wrote them every 32 (0.06 a row), but sent 36
 * commands at once.
 */
export const WRITER_SNAPSHOT_EVERY = SNAPSHOT_EVERY;
/**
 * A writer's fold reads at most this many slots above the snapshot it starts from, and snapshots there when its own
 * slot lies further. Its `from` is missing when the previous writer's fold did not run (one fold at a time per list
 * and process) or has not finished: it then starts from the pointer, which under a steady stream of appends can lie
 * far below, and an unbounded fold would grow with the appends that outran it. Bounded, each fold moves the pointer
 * up by as much at most and costs as much at most.
 */
export const WRITER_FOLD_MAX = 4 * SNAPSHOT_EVERY;
/** Slots read at once above the snapshot (more follow, a batch at a time, only while a batch is full). */
const READ_BATCH = SNAPSHOT_EVERY;
/** A removed row is kept in snapshots this long, so a late write of an older version cannot bring the report back. */
const TOMBSTONE_MS = 3600_000;
/** Slots and snapshots under the latest snapshot are kept this long for readers still reading them. */
const PRUNE_GRACE_MS = 10 * 60_000;
/** Lists whose latest snapshot (as read or written here) a process keeps: a list's rows are a few hundred KB at most; the least recently used go first. */
export const KEPT_SNAPSHOTS = 128;
/** The erasure mark's id: changed (a new random token) before and after every `forget`. */
const ERASED = '#erased';

/** One report's entry in a person's list. */
export interface ListRow {
  /** The report. */
  id: string;
  /** The report's version this row describes (pending: the version of the change it waits on). */
  v: number;
  /** What the list sorts and keeps by (ms): submissions their recording time, holdings their receipt. */
  t: number;
  /** When the row was written (ms). */
  w: number;
  /** The report as listed (a settled row): Extended JSON chosen by the repository. */
  s?: string;
  /** Pending: a change may be under way; look at the report. */
  p?: 1;
  /** Removed: not in the list since version `v`. */
  x?: 1;
}

interface ListDoc {
  _id: string;
  rows: ListRow[];
  at: Date;
}

/** How a list keeps its rows in snapshots: drops those past `keep`, at most `cap` of the newest (by `t`). */
export interface ListPolicy {
  keepAfter?: (now: number) => number;
  cap?: number;
}

const pad = (n: number) => String(n).padStart(9, '0');
const rank = (r: ListRow) => (r.p ? 0 : 1);

/** Folds rows in log order into the winner per report (highest version; settled over pending; later over earlier). */
export function foldRows(into: Map<string, ListRow>, rows: readonly ListRow[]) {
  for (const r of rows) {
    const had = into.get(r.id);
    if (!had || r.v > had.v || (r.v === had.v && rank(r) >= rank(had))) into.set(r.id, r);
  }
  return into;
}

/** `now`: the clock by which a remembered next slot ages (tests move it past the prune's grace). */
export function createPersonLists(db: Db, opts: { now?: () => number } = {}) {
  const clock = opts.now ?? Date.now;
  const docs = db.collection<ListDoc>('person_lists');
  const pointers = db.collection<{ _id: string; n: number }>('person_lists');
  const marks = db.collection<{ _id: string; mark: string }>('person_lists');
  /**
   * Snapshots read or written here, by id (frozen rows), with the erasure mark read before they were. Used only while
   * the mark is unchanged: a `forget` since (which may have taken a row out of the stored snapshot) changed it.
   */
  const keptSnapshots = new Map<string, { rows: readonly ListRow[]; mark: string }>();
  const keepSnapshot = (id: string, rows: ListRow[], mark: string) => {
    const key = id.slice(0, id.lastIndexOf('@'));
    for (const other of keptSnapshots.keys()) if (other.startsWith(`${key}@`)) keptSnapshots.delete(other);
    keptSnapshots.set(id, { rows: Object.freeze(rows.map((r) => Object.freeze({ ...r }))), mark });
    while (keptSnapshots.size > KEPT_SNAPSHOTS) keptSnapshots.delete(keptSnapshots.keys().next().value!);
  };
  /** The kept rows of a snapshot, when kept and no erasure has run since (counts as a use). */
  const keptRows = (id: string, mark: string) => {
    const kept = keptSnapshots.get(id);
    if (!kept) return undefined;
    keptSnapshots.delete(id);
    if (kept.mark !== mark) return undefined;
    keptSnapshots.set(id, kept);
    return kept.rows;
  };
  const markOf = async () => (await marks.findOne({ _id: ERASED }))?.mark ?? '';
  const newMark = () => marks.updateOne({ _id: ERASED }, { $set: { mark: randomUUID() } }, { upsert: true });
  /**
   * Per list, the next slot this process will try (a lower bound of the next free one), and when it learnt it. Trusted
   * for half the prune's grace only: a slot free when it was learnt and taken since by another process is younger
   * than that, so not pruned; one learnt earlier may lie under a snapshot whose slots the prune has dropped, and an
   * insert there would succeed and never be read (readers start at the pointer). Past that, the first free slot is
   * found again from the pointer (the prune keeps every slot at or above it).
   */
  const nextSlot = new Map<string, number>();
  const learntAt = new Map<string, number>();
  const learn = (key: string, n: number) => {
    nextSlot.set(key, n);
    learntAt.set(key, clock());
  };
  const trusted = (key: string) => (clock() - (learntAt.get(key) ?? -Infinity) < PRUNE_GRACE_MS / 2 ? nextSlot.get(key) : undefined);
  /** Moves a list's next slot up to `n`, never down: slots under it are handed out, some still being inserted. */
  const learnForward = (key: string, n: number) => {
    const t = trusted(key);
    learn(key, t === undefined ? n : Math.max(t, n));
  };
  /** Per list, the slots this process is inserting right now: a read that stops at one has met an append landing, not a gap. */
  const inserting = new Map<string, Set<number>>();
  const mine = (key: string) => inserting.get(key) ?? inserting.set(key, new Set()).get(key)!;
  /** Per list, slots under the next one found missing and not being inserted here (a failed insert, a process that died): the next appends fill them. */
  const holes = new Map<string, Set<number>>();
  const holesOf = (key: string) => holes.get(key) ?? holes.set(key, new Set()).get(key)!;
  /** Per list, the look for its first free slot under way (one at a time: appends at once wait for it rather than each looking and racing). */
  const finding = new Map<string, Promise<void>>();

  /**
   * The slot for this process's next append to a list: a hole first, else the next slot (one not being inserted
   * here), taken at once (no await in between, so appends at once get different slots). When the next slot is not
   * known (or no longer trusted) one caller finds it and the others wait for that.
   */
  async function slotFor(key: string): Promise<number> {
    for (;;) {
      // Holes are trusted as long as the next slot is: one older may have been filled by another process and pruned under a snapshot since.
      if (trusted(key) === undefined) holes.delete(key);
      const hole = holes.get(key);
      if (hole?.size) {
        const n = Math.min(...hole);
        hole.delete(n);
        return n;
      }
      let t = trusted(key);
      if (t !== undefined) {
        while (mine(key).has(t)) t++;
        learn(key, t + 1);
        return t;
      }
      if (!finding.has(key)) {
        const look = (async () => learn(key, await firstFree(key, Math.max(nextSlot.get(key) ?? 0, await pointerOf(key)))))().finally(() => finding.delete(key));
        finding.set(key, look);
      }
      await finding.get(key);
    }
  }
  /** Lists this process is folding into a snapshot after a write. */
  const folding = new Set<string>();
  const slotId = (key: string, n: number) => `${key}#${pad(n)}`;
  const snapId = (key: string, n: number) => `${key}@${pad(n)}`;
  const has = async (id: string) => !!(await docs.findOne({ _id: id }, { projection: { _id: 1 } }));

  async function pointerOf(key: string): Promise<number> {
    const p = await pointers.findOne({ _id: `${key}^` });
    return typeof p?.n === 'number' && Number.isInteger(p.n) && p.n > 0 ? p.n : 0;
  }

  /** The first free slot at or above `from` (slots are taken without gaps): galloping, then a binary search. */
  async function firstFree(key: string, from: number): Promise<number> {
    if (!(await has(slotId(key, from)))) return from;
    let lo = from;
    let step = 1;
    let hi = lo + step;
    while (await has(slotId(key, hi))) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await has(slotId(key, mid))) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  function policed(rows: Map<string, ListRow>, policy: ListPolicy, now: number): ListRow[] {
    const keepAfter = policy.keepAfter?.(now) ?? -Infinity;
    let kept = [...rows.values()].filter((r) => r.t >= keepAfter && !(r.x && r.w < now - TOMBSTONE_MS));
    if (policy.cap !== undefined) {
      const live = kept.filter((r) => !r.x).sort((a, b) => b.t - a.t);
      const dropped = new Set(live.slice(policy.cap).map((r) => r.id));
      kept = kept.filter((r) => !dropped.has(r.id));
    }
    return kept;
  }

  /**
   * The list as it stands: the latest snapshot and every slot above it, folded. Writes a snapshot when
   * SNAPSHOT_EVERY slots or more lay above it (best effort: a lost write only means the next reader reads more).
   * `upTo` (a writer's fold, its own slot just taken plus one): reads no slot from there on, so the fold is of the
   * slots under it only (as many lookups as slots, not a batch more to find the end); a missing slot under it still
   * stops the fold there, so a snapshot never covers a gap. `from` (a writer's fold): the snapshot to start from
   * instead of the pointer's (one lookup fewer); when it is not there, the pointer's, as for a reader. A writer's
   * fold reads at most WRITER_FOLD_MAX slots above where it starts (`upTo` lowered to that).
   */
  async function read(key: string, policy: ListPolicy, upToArg?: number, from?: number): Promise<{ rows: ListRow[]; commands: number }> {
    // The erasure mark before the snapshot and slots (a forget after this read changes it, so nothing kept from here outlives one).
    const [pointer, mark] = await Promise.all([from ?? pointerOf(key), markOf()]);
    let base = pointer;
    let commands = from === undefined ? 2 : 1;
    for (let attempt = 0; ; attempt++) {
      const upTo = upToArg === undefined ? undefined : Math.min(upToArg, base + WRITER_FOLD_MAX);
      const batchFrom = (from: number) => (upTo === undefined ? READ_BATCH : Math.max(0, Math.min(READ_BATCH, upTo - from)));
      const ids = Array.from({ length: batchFrom(base) }, (_, i) => slotId(key, base + i));
      const kept = base > 0 ? keptRows(snapId(key, base), mark) : undefined;
      const fetch = base > 0 && !kept;
      const [stored, ...slots] = await Promise.all([fetch ? docs.findOne({ _id: snapId(key, base) }) : null, ...ids.map((id) => docs.findOne({ _id: id }))]);
      commands += (fetch ? 1 : 0) + ids.length;
      if (stored) keepSnapshot(stored._id, stored.rows, mark);
      const snap = kept ? { rows: kept } : stored;
      if (base > 0 && !snap) {
        // The snapshot the pointer (or a writer's `from`) named was pruned after a newer one (or never written, or its fold is still under way): from the pointer again, else from the start.
        const again = attempt === 0 ? await pointerOf(key) : 0;
        commands += attempt === 0 ? 1 : 0;
        base = again === base ? 0 : again;
        continue;
      }
      const folded = foldRows(new Map(), snap?.rows ?? []);
      let top = base;
      let batch = slots;
      for (;;) {
        const present = batch.findIndex((d) => !d);
        const run = present < 0 ? batch : batch.slice(0, present);
        for (const d of run) foldRows(folded, d!.rows);
        top += run.length;
        if (present >= 0) break;
        if (upTo !== undefined && top >= upTo) break;
        const more = Array.from({ length: batchFrom(top) }, (_, i) => slotId(key, top + i));
        batch = await Promise.all(more.map((id) => docs.findOne({ _id: id })));
        commands += more.length;
      }
      // Where the read stopped, unless a fold stopped at `upTo` (it did not look further): a slot this process is
      // inserting right now (nothing to learn); under the next slot, a hole for the next append to fill (not the next
      // slot moved back: appends at once would then take slots already taken, each finding out by a failed insert,
      // 2,539 inserts and 7,450 lookups for 128 appends in tests/integration/intake-commands.test.ts's terms before);
      // else the first free slot as read.
      if ((upTo === undefined || top < upTo) && !mine(key).has(top)) {
        const t = trusted(key);
        if (t !== undefined && top < t) holesOf(key).add(top);
        else learnForward(key, top);
      }
      const now = Date.now();
      const rows = policed(folded, policy, now);
      if (top - base >= SNAPSHOT_EVERY) {
        // The fold of slots 0..top-1 (every one was there when read, and none is ever added under a taken one), written once.
        if (await insertIfAbsent(docs, { _id: snapId(key, top), rows, at: new Date(now) }).catch(() => false)) {
          keepSnapshot(snapId(key, top), rows, mark);
          await pointers.updateOne({ _id: `${key}^` }, { $max: { n: top } }, { upsert: true }).catch(() => undefined);
        }
      }
      return { rows, commands };
    }
  }

  return {
    read,

    /** Appends rows to a list in its next free slot (an insert; this process's next slot is remembered). */
    async append(key: string, rows: ListRow[], policy: ListPolicy): Promise<void> {
      if (!rows.length) return;
      let n = await slotFor(key);
      for (;;) {
        mine(key).add(n);
        let inserted: boolean;
        try {
          inserted = await insertIfAbsent(docs, { _id: slotId(key, n), rows, at: new Date() });
        } catch (err) {
          // Not written (the store away): a hole this process's next append fills, so it is not left a gap under
          // slots handed out meanwhile (a reader stops at the first missing slot, and would miss those).
          holesOf(key).add(n);
          throw err;
        } finally {
          mine(key).delete(n);
        }
        if (inserted) break;
        // Another process took it: this process's next slot moves up to the first free one above, if it lay under it.
        learnForward(key, await firstFree(key, n + 1));
        n = await slotFor(key);
      }
      // The writer of each WRITER_SNAPSHOT_EVERY-th slot folds the list (a read writes the snapshot) in the background
      // (intake and claims do not wait for it), so reads stay bounded for a person who never reads their list. It
      // starts from the previous writer's snapshot: that snapshot and the slots above it, not the pointer too.
      if ((n + 1) % WRITER_SNAPSHOT_EVERY === 0 && !folding.has(key)) {
        folding.add(key);
        void read(key, policy, n + 1, n + 1 - WRITER_SNAPSHOT_EVERY)
          .catch(() => undefined)
          .finally(() => folding.delete(key));
      }
    },

    /**
     * Erasure: every row of the report leaves every slot and snapshot (a scan: erasure is rare), so nothing here names
     * it. A new erasure mark before and after, so no process uses a snapshot it kept from before (or during) this.
     */
    async forget(reportId: string) {
      await newMark();
      for (const d of await docs.find({ 'rows.id': reportId } as never).toArray()) {
        await docs.updateOne({ _id: d._id }, { $set: { rows: d.rows.filter((r) => r.id !== reportId) } });
      }
      await newMark();
    },

    /**
     * Drops slots and snapshots under each list's latest snapshot and its pointer, once older than PRUNE_GRACE_MS (the worker,
     * periodically: a scan of this table's ids). Returns how many.
     */
    async prune(now = Date.now()): Promise<number> {
      const all = (await docs.find({}, { projection: { _id: 1, at: 1, n: 1 } }).toArray()) as (ListDoc & { n?: number })[];
      // Per list: its latest snapshot, and its pointer; nothing at or above the lower of the two goes (a reader starts at the pointer).
      const latest = new Map<string, number>();
      const pointer = new Map<string, number>();
      for (const d of all) {
        const at = d._id.lastIndexOf('@');
        if (at > 0) latest.set(d._id.slice(0, at), Math.max(latest.get(d._id.slice(0, at)) ?? 0, Number(d._id.slice(at + 1))));
        if (d._id.endsWith('^') && typeof d.n === 'number') pointer.set(d._id.slice(0, -1), d.n);
      }
      let dropped = 0;
      for (const d of all) {
        if (!(d.at instanceof Date) || d.at.getTime() > now - PRUNE_GRACE_MS) continue;
        const mark = Math.max(d._id.lastIndexOf('@'), d._id.lastIndexOf('#'));
        if (mark <= 0) continue;
        const key = d._id.slice(0, mark);
        const cut = Math.min(latest.get(key) ?? 0, pointer.get(key) ?? 0);
        if (Number(d._id.slice(mark + 1)) >= cut) continue;
        await docs.deleteOne({ _id: d._id });
        dropped++;
      }
      return dropped;
    },

    /** Whether anything was ever filed in this table (start-up: the one-time filing from the tables it replaces). */
    isFiledOnce: async () => has('#filed'),
    markFiled: () => insertIfAbsent(docs, { _id: '#filed', rows: [], at: new Date(8.64e15) }),
    /** Forgets the slots this process remembers (the table was emptied: a restore, a test). */
    forgetSlots: () => (nextSlot.clear(), learntAt.clear(), holes.clear(), keptSnapshots.clear()),
  };
}
