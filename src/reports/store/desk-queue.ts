/**
 * The desk queues: one entry per TRIAGED, unclaimed report, kept beside
 * `reports` (see side-tables.ts for why) and split into one collection per
 * desk and priority, `desk_queue_<desk>_<priority>`.
 *
 * Why split: FerretDB reads and decodes every row of a collection for any
 * query but `{ _id }` (~0.1 ms a row), so a listing costs what the table
 * holds. Measured with one table: 731 ms per `deskQueue` at 100,000 reports
 * (5,900 queued). Split, the first page of a desk reads its P1 table, then
 * P2 and so on only while the page is not full: it costs what the most
 * urgent tables hold. On MongoDB each table's index makes it cheap anyway.
 *
 * Entries are derived from the report; the repository writes a new entry
 * before a change and removes the old one after it (stale possible, missing
 * never), and claims repair the stale ones they meet.
 *
 * Claims read heads, not tables (`desk_queue_heads`, one per desk and
 * priority: the ids of its first HEAD_SIZE entries). FerretDB pushes down
 * neither the empty filter nor the sort of a table read, so each read
 * decoded the whole table (docs/performance-history.md, "The slow claims at 10,000 reports");
 * a claim now looks up the heads by `_id` and reads the reports they name
 * (its check of each id), and a table is scanned only to rebuild its head,
 * once per HEAD_SIZE claims from it. A head
 * is kept like the entries: `put` drops the head an entry belongs in (one that
 * sorts before the head's last, or any entry when the head holds the whole
 * table, or a builder's placeholder) after writing the entry, a head is kept by
 * its builder only if no `put` came between its scan and its write (the
 * builder's placeholder, in the head's own document), and each
 * claim takes the ids it is done with (taken, or found no longer queued there)
 * out of the head. On MongoDB each table's
 * index would make the read cheap and no head would be needed.
 */
import { randomBytes } from 'node:crypto';
import { BSON, type Collection, type Db, type Filter } from 'mongodb';
import { DESKS, type Desk } from '../../auth/types.js';
import { isDuplicateKey } from '../../db/errors.js';
import { canonicalJson } from '../../crypto/canonical.js';
import { PRIORITIES, type Priority, type ReportDoc } from '../model/types.js';
import { QUEUED_STATUS } from '../rules/state-machine.js';

const { EJSON } = BSON;

/** What a queue listing shows of a report: everything but content, keys, index terms, history, pending audit events and attachment records. */
export type QueueSummary = Omit<ReportDoc, 'content' | 'dataKey' | 'bidx' | 'history' | 'auditPending'>;

export interface QueueEntry {
  _id: string;
  desk: Desk;
  priority: Priority;
  receivedAt: Date;
  dueBy: Date | null;
  escalated: boolean;
  /**
   * Present (true) only on an imminent threat's entry, so that the urgent
   * alerts (urgentAlerts) find one a supervisor moved below P1 without
   * decoding every summary; absent otherwise, so other entries are unchanged.
   */
  imminent?: true;
  /**
   * The report as listed (Extended JSON of a QueueSummary), so that reading a
   * queue touches nothing but this table. A string, not a sub-document:
   * FerretDB decodes every field of every row it scans, and a nested summary
   * made a scan ~4x slower per row (measured: 0.37 against 0.10 ms a row).
   */
  summary: string;
}

/**
 * A table's head (`desk_queue_heads`, `_id` the table's name): the ids of its first HEAD_SIZE entries in queue order
 * as a scan found them, the last one's position, and whether entries may follow it (false only for an empty table). Kept like the entries: dropped by a
 * `put` of an entry that sorts before its last (or of any entry when it holds the whole table), trimmed by the
 * claims of the ids they are done with, rebuilt from a scan when missing or used up.
 */
interface QueueHead {
  _id: string;
  ids: string[];
  last: { receivedAt: Date; id: string } | null;
  more: boolean;
  at: Date;
  /** False on a builder's placeholder (written before its scan), true on the head it replaces it with: only a confirmed head is trusted. */
  confirmed: boolean;
  /** Its builder's token: the head replaces the placeholder only if the placeholder is still this builder's. */
  token?: string;
}

/**
 * Ids a head holds: a claim scans a table once per this many claims from it (the scan costs what the table holds,
 * whatever the head's size, so a larger head makes fewer of them; a head of 128 ids is about 5 kB, read by each claim
 * and each put). 32 until December 2026: at 100,000 reports SO12's P1 table (about 100 entries) was then scanned
 * three times in the bench's 100 claims.
 */
export const HEAD_SIZE = 128;

/** An id from the front of a desk's queue (`candidates`), with the table and the head it was read from. */
export interface QueueCandidate {
  id: string;
  desk: Desk;
  priority: Priority;
  /** The head's `at` as read, or null when it came from a scan whose head was not kept. */
  head: Date | null;
}

export interface QueueCursor {
  priority: Priority;
  receivedAt: Date;
  id: string;
}

/** The listing of a report, from its queue entry. */
export const summaryOf = (entry: Pick<QueueEntry, 'summary'>): QueueSummary => EJSON.parse(entry.summary, { relaxed: false }) as QueueSummary;

/** The one definition of "in a desk queue": triaged, on a desk, prioritised, unclaimed. */
export function queueEntryOf(doc: ReportDoc): QueueEntry | null {
  if (doc.status !== QUEUED_STATUS || !doc.desk || !doc.priority || doc.assignee) return null;
  // Attachment records stay on the report: a listing shows none (they are for the audited read), and an upload leaves the queue entry as it was.
  const { content: _c, dataKey: _k, bidx: _b, history: _h, auditPending: _a, attachments: _f, ...summary } = doc;
  return {
    _id: doc._id,
    desk: doc.desk,
    priority: doc.priority,
    receivedAt: doc.receivedAt,
    dueBy: doc.triage?.dueBy ?? null,
    escalated: !!doc.escalated,
    ...(doc.imminentThreat ? { imminent: true as const } : {}),
    summary: EJSON.stringify(summary, { relaxed: false }),
  };
}

export const sameEntry = (a: QueueEntry | null, b: QueueEntry | null) => a === b || (!!a && !!b && canonicalJson(a) === canonicalJson(b));

/** The collection holding a desk's queue entries of one priority. */
export const queueCollectionName = (desk: Desk, priority: Priority) => `desk_queue_${desk}_${priority}`;

export function createDeskQueues(db: Db, headSize = HEAD_SIZE) {
  const tables = new Map<string, Collection<QueueEntry>>();
  for (const desk of DESKS) for (const p of PRIORITIES) tables.set(queueCollectionName(desk, p), db.collection<QueueEntry>(queueCollectionName(desk, p)));
  const tableOf = (e: Pick<QueueEntry, 'desk' | 'priority'>) => tables.get(queueCollectionName(e.desk, e.priority))!;
  const heads = db.collection<QueueHead>('desk_queue_heads');

  /**
   * The first `headSize` ids of a table, from a scan (what every claim did before heads), kept as its head when no
   * entry was put meanwhile. The builder's marker is the head document itself: a placeholder under the builder's
   * token (unconfirmed, so no claim trusts it) is written before the scan, and the head replaces it after the scan
   * only if that placeholder is still there; a put since then deleted it (see `dropHeadFor`), and a builder that
   * started later replaced it with its own (its own scan saw at least as much). A builder that dies leaves its
   * placeholder for the next claim to replace.
   */
  async function buildHead(desk: Desk, priority: Priority): Promise<{ ids: string[]; more: boolean; at: Date | null }> {
    const name = queueCollectionName(desk, priority);
    const token = randomBytes(9).toString('base64url');
    // Two builders upserting a missing head at once: one insert fails on the `_id` (FerretDB upserts as read, then
    // insert); that builder leaves the head to the other and only scans.
    const marked = await heads.replaceOne({ _id: name }, { ids: [], last: null, more: true, at: new Date(), confirmed: false, token }, { upsert: true }).then(
      () => true,
      (err: unknown) => {
        if (isDuplicateKey(err)) return false;
        throw err;
      },
    );
    const batch = await tableOf({ desk, priority }).find({}, { projection: { _id: 1, receivedAt: 1 } }).sort({ receivedAt: 1, _id: 1 }).limit(headSize).toArray();
    const ids = batch.map((e) => e._id);
    // Entries may follow the last unless the table was empty: a later entry (the usual put: the newest report) then
    // leaves the head as it is, and a claim that uses the head up rescans (the table it scans is small when it held
    // fewer than headSize entries). Saying "none follow" would make every such put drop the head.
    const more = batch.length > 0;
    if (!marked) return { ids, more, at: null };
    const last = batch.at(-1);
    const at = new Date();
    const kept = await heads.replaceOne({ _id: name, token }, { ids, last: last ? { receivedAt: last.receivedAt, id: last._id } : null, more, at, confirmed: true, token });
    return { ids, more, at: kept.modifiedCount ? at : null };
  }

  /**
   * A table's head as claims use it: its ids (lookups by `_id` of the head only; a claim's own read of each report
   * stands for checking an id, see `candidates`), whether entries follow its last, and the head's `at` (null when the
   * ids come from a scan whose head was not kept). Rebuilt from a scan when missing, not yet confirmed by its builder,
   * or used up while entries follow it.
   */
  async function headOf(desk: Desk, priority: Priority): Promise<{ ids: string[]; more: boolean; at: Date | null }> {
    const head = await heads.findOne({ _id: queueCollectionName(desk, priority) });
    if (head?.confirmed && Array.isArray(head.ids) && (head.ids.length || !head.more)) return { ids: head.ids, more: head.more, at: head.at };
    return buildHead(desk, priority);
  }

  /**
   * After an entry is written: the table's head (one lookup) is dropped if the entry may belong in it (it sorts before
   * the head's last, or the head holds the whole table) or if it is a builder's placeholder, so no head misses it: a
   * builder whose placeholder this deletes does not write its head (`buildHead`), and one that wrote its head before
   * this read left a confirmed head, judged like any other.
   */
  async function dropHeadFor(entry: QueueEntry) {
    const name = queueCollectionName(entry.desk, entry.priority);
    const head = await heads.findOne({ _id: name }, { projection: { ids: 0 } });
    const before = (last: QueueHead['last']) => !last || entry.receivedAt < last.receivedAt || (entry.receivedAt.getTime() === last.receivedAt.getTime() && entry._id <= last.id);
    if (head && (!head.confirmed || !head.more || before(head.last))) await heads.deleteOne({ _id: name });
  }

  /** Entries of a desk in queue order (priority, then age, then id), after `after`, up to `limit`. */
  async function inOrder(desk: Desk, limit: number, after: QueueCursor | null, projection?: Record<string, 0 | 1>) {
    const found: QueueEntry[] = [];
    for (const priority of PRIORITIES) {
      if (found.length >= limit) break;
      if (after && priority < after.priority) continue;
      const filter: Filter<QueueEntry> =
        after && priority === after.priority
          ? { $or: [{ receivedAt: { $gt: after.receivedAt } }, { receivedAt: after.receivedAt, _id: { $gt: after.id } }] }
          : {};
      const batch = await tableOf({ desk, priority })
        .find(filter, projection ? { projection } : {})
        .sort({ receivedAt: 1, _id: 1 })
        .limit(limit - found.length)
        .toArray();
      found.push(...batch);
    }
    return found;
  }

  return {
    async ensureIndexes() {
      // One at a time: FerretDB 1.24 fails on a createIndexes listing several that already exist.
      for (const t of tables.values()) {
        await t.createIndex({ receivedAt: 1, _id: 1 });
        await t.createIndex({ escalated: 1, dueBy: 1 });
      }
    },

    /** Writes a report's entry into its desk and priority's table, then drops that table's head if the entry belongs in it. */
    async put(entry: QueueEntry) {
      await tableOf(entry).replaceOne({ _id: entry._id }, entry, { upsert: true });
      await dropHeadFor(entry);
    },

    /**
     * Writes a report's entry as a change landed, over `earlier`: the entry a `put` wrote before the change (or the
     * report's entry before it, written by the change that queued it). When it takes the same place (table, age, id),
     * the head was judged when `earlier` was put, so no head is read unless the entry had gone meanwhile (a claim's
     * repair that read the report before the change): then it is a new entry, and the head is judged as by `put`.
     */
    async refresh(entry: QueueEntry, earlier: QueueEntry | null) {
      const samePlace = !!earlier && tableOf(earlier) === tableOf(entry) && earlier._id === entry._id && earlier.receivedAt.getTime() === entry.receivedAt.getTime();
      const r = await tableOf(entry).replaceOne({ _id: entry._id }, entry, { upsert: true });
      if (!samePlace || r.upsertedCount) await dropHeadFor(entry);
    },

    /** After a change: removes the report's former entries (`formerly`) from every table but the one `now` is in. */
    async dropOutside(now: QueueEntry | null, formerly: (QueueEntry | null)[]) {
      const keep = now ? tableOf(now) : null;
      const done = new Set<Collection<QueueEntry>>();
      for (const old of formerly) {
        if (!old || tableOf(old) === keep || done.has(tableOf(old))) continue;
        done.add(tableOf(old));
        await tableOf(old).deleteOne({ _id: old._id });
      }
    },

    /** Removes a report's entries from every table but `keep`'s (repair: where stale entries are is unknown). */
    async dropElsewhere(id: string, keep: QueueEntry | null): Promise<QueueEntry[]> {
      const keepName = keep ? queueCollectionName(keep.desk, keep.priority) : null;
      const dropped: QueueEntry[] = [];
      for (const [name, t] of tables) {
        const found = name !== keepName ? await t.findOne({ _id: id }) : null;
        if (found && (await t.deleteOne({ _id: id })).deletedCount) dropped.push(found);
      }
      return dropped;
    },

    /** Puts back entries `dropElsewhere` removed (repository.ts `syncSideTables`: a change began meanwhile). */
    async restore(entries: readonly QueueEntry[]) {
      for (const entry of entries) {
        await tableOf(entry).replaceOne({ _id: entry._id }, entry, { upsert: true });
        await dropHeadFor(entry);
      }
    },

    /** One entry by report id, wherever it is (tests, repair). */
    async find(id: string) {
      for (const t of tables.values()) {
        const e = await t.findOne({ _id: id });
        if (e) return e;
      }
      return null;
    },

    /** A page of a desk's queue: `first` entries after the cursor, and whether more follow. */
    async page(desk: Desk, first: number, after: QueueCursor | null) {
      const batch = await inOrder(desk, first + 1, after);
      return { entries: batch.slice(0, first), hasNextPage: batch.length > first };
    },

    /**
     * A desk's urgent entries, most urgent first: its P1 table, then the
     * imminent threats of the others (on FerretDB that filter reads those
     * tables' rows; it runs when a console opens, not per event).
     */
    async urgent(desk: Desk, limit: number) {
      const found: QueueEntry[] = [];
      for (const priority of PRIORITIES) {
        if (found.length >= limit) break;
        const filter: Filter<QueueEntry> = priority === 'P1' ? {} : { imminent: true };
        found.push(...(await tableOf({ desk, priority }).find(filter).sort({ receivedAt: 1, _id: 1 }).limit(limit - found.length).toArray()));
      }
      return found;
    },

    /** A report's entry in one desk's queue (lookups by _id, one table per priority), or null. */
    async findOn(desk: Desk, id: string) {
      for (const priority of PRIORITIES) {
        const e = await tableOf({ desk, priority }).findOne({ _id: id });
        if (e) return e;
      }
      return null;
    },

    /**
     * Up to `limit` ids from the front of a desk's queue, from the tables' heads (one lookup by `_id` a table read; a
     * scan only to rebuild a head): most urgent table first, as `page` orders them. No id is checked against its table:
     * the claim reads each report anyway and takes it only if it is still queued on that desk and priority, and it
     * hands the ids it is done with to `passed`, which takes them out of the head. A table whose head lists fewer than
     * wanted while entries follow it ends the list (what follows it there is not known without a scan, and sorts before
     * any less urgent table's), so a claim may get fewer than `limit`; the head is rebuilt once it is used up.
     */
    async candidates(desk: Desk, limit: number): Promise<QueueCandidate[]> {
      const out: QueueCandidate[] = [];
      for (const priority of PRIORITIES) {
        if (out.length >= limit) break;
        const head = await headOf(desk, priority);
        out.push(...head.ids.slice(0, limit - out.length).map((id) => ({ id, desk, priority, head: head.at })));
        if (head.more) break;
      }
      return out;
    },

    /**
     * The candidates a claim is done with (the one it took, and those it found no longer queued there and repaired) out
     * of their heads, one update a table: only of the head they were read from (a head rebuilt since, with a new `at`,
     * is left alone). Racing claims may each write back the other's id (FerretDB updates as read-then-write): that id
     * is then read again by a later claim, found taken, and passed again (as is every id of an update that failed); no id
   * leaves a head unless its claim is done.
     */
    async passed(done: readonly QueueCandidate[]) {
      const byHead = new Map<string, { at: Date; ids: string[] }>();
      for (const c of done) {
        if (!c.head) continue;
        const name = queueCollectionName(c.desk, c.priority);
        const group = byHead.get(name) ?? { at: c.head, ids: [] };
        group.ids.push(c.id);
        byHead.set(name, group);
      }
      await Promise.all([...byHead].map(([name, { at, ids }]) => heads.updateOne({ _id: name, at }, { $pullAll: { ids } }).catch(() => undefined)));
    },

    /** Erasure: the report's id out of every head (a scan of that small table), so no head names it. */
    async forgetInHeads(id: string) {
      for (const head of await heads.find({ $or: [{ ids: id }, { 'last.id': id }] }).toArray()) {
        // A head whose last entry it was goes whole (it is rebuilt from a scan); otherwise only the id.
        if (head.last?.id === id) await heads.deleteOne({ _id: head._id });
        else await heads.updateOne({ _id: head._id }, { $set: { ids: head.ids.filter((x) => x !== id) } });
      }
    },

    /** Drops every head (an entry written around `put`: the bench's seeding, a restore). */
    dropHeads: async () => void (await heads.deleteMany({})),

    /** Unescalated entries past their deadline, any desk (the SLA safety net). */
    async overdue(now: Date, limit: number) {
      const ids: string[] = [];
      for (const t of tables.values()) {
        if (ids.length >= limit) break;
        const batch = await t.find({ escalated: false, dueBy: { $lte: now } }, { projection: { _id: 1 } }).limit(limit - ids.length).toArray();
        ids.push(...batch.map((e) => e._id));
      }
      return ids;
    },

    /** Escalated entries of every desk, most urgent table first, oldest first within it (the supervisor overview). */
    async escalated(limit: number) {
      const found: QueueEntry[] = [];
      for (const priority of PRIORITIES) {
        for (const desk of DESKS) {
          if (found.length >= limit) return found;
          found.push(...(await tableOf({ desk, priority }).find({ escalated: true }).sort({ receivedAt: 1, _id: 1 }).limit(limit - found.length).toArray()));
        }
      }
      return found;
    },

    /** Per desk and priority: how many entries, and how many of them escalated (the supervisor overview; each table is small). */
    counts: () =>
      Promise.all(
        DESKS.flatMap((desk) =>
          PRIORITIES.map(async (priority) => {
            const t = tableOf({ desk, priority });
            const [count, escalated] = await Promise.all([t.countDocuments(), t.countDocuments({ escalated: true })]);
            return { desk, priority, count, escalated };
          }),
        ),
      ),

    /** Per desk and priority: how many entries, and when the oldest was received (metrics; each table is small). */
    stats: () =>
      Promise.all(
        DESKS.flatMap((desk) =>
          PRIORITIES.map(async (priority) => {
            const t = tableOf({ desk, priority });
            const [count, oldest] = await Promise.all([
              t.countDocuments(),
              t.find({}, { projection: { receivedAt: 1 } }).sort({ receivedAt: 1, _id: 1 }).limit(1).next(),
            ]);
            return { desk, priority, count, oldestReceivedAt: oldest?.receivedAt ?? null };
          }),
        ),
      ),
  };
}

