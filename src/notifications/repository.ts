/**
 * The only code touching the `notifications` and `notification_sla_watch`
 * collections.
 *
 * Each recipient has an inbox of numbered slots `<userId>#<seq>` (one
 * notification each), claimed by insert: a unique `_id` insert is the one
 * write the local store makes atomic, and every read here is a lookup by `_id`
 * (the only lookup the local store indexes), so reading one user's newest
 * notifications costs a few lookups whatever the size of the collection.
 * Beside the slots, per user: `<userId>#meta` (a hint of the newest slot and
 * `readThrough`, the seq up to which "mark all read" read everything) and
 * one marker `<userId>#e#<event hash>` per event notified, which makes
 * notifying an event twice (a retried job) a no-op.
 * On MongoDB this would be one document per notification with an index on
 * `{ userId: 1, seq: -1 }` and a unique one on `{ userId: 1, event: 1 }`.
 *
 * `notification_sla_watch`: one entry per held report whose deadline the SLA
 * warning watches (service.ts), read whole by the periodic check (a small
 * table of reports held and not yet started; on MongoDB: an index on `dueBy`).
 */
import type { Db } from 'mongodb';
import { insertIfAbsent } from '../db/errors.js';
import type { Notice, NotificationSlot, SlaWatch } from './types.js';

/** A marker left unfinished this long was left by a writer that died: another may finish the event. */
const STALE_MARKER_MS = 30_000;
/** How many recent slots a takeover reads to find whether the dead writer got as far as the slot. */
const TAKEOVER_LOOKBACK = 20;

interface Meta {
  _id: string;
  head: number;
  readThrough: number;
}
interface Marker {
  _id: string;
  seq: number | null;
  at: Date;
}
type Row = NotificationSlot | Meta | Marker;

const slotId = (userId: string, seq: number) => `${userId}#${seq}`;
const metaId = (userId: string) => `${userId}#meta`;
const markerId = (userId: string, event: string) => `${userId}#e#${event}`;

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;

export function createNotificationRepository(db: Db) {
  const rows = db.collection<Row>('notifications');
  const watches = db.collection<SlaWatch>('notification_sla_watch');
  const slot = (userId: string, seq: number) => rows.findOne({ _id: slotId(userId, seq) }) as Promise<NotificationSlot | null>;
  const meta = async (userId: string) => ((await rows.findOne({ _id: metaId(userId) })) as Meta | null) ?? { _id: metaId(userId), head: 0, readThrough: 0 };

  /** The newest slot taken: from the hint, reading forward (slots are taken in order, without gaps). */
  async function headOf(userId: string, hint: number) {
    let head = hint;
    while (await rows.findOne({ _id: slotId(userId, head + 1) }, { projection: { _id: 1 } })) head++;
    return head;
  }

  /** Moves the head hint forward (a hint only: a lost race is corrected by `headOf`). */
  const raiseHead = (userId: string, seq: number) =>
    rows.updateOne({ _id: metaId(userId) }, { $max: { head: seq }, $setOnInsert: { readThrough: 0 } } as never, { upsert: true }).catch(() => undefined);

  /** Takes the next free slot for a notice; its seq. */
  async function claimSlot(userId: string, event: string, notice: Notice, hint: number): Promise<NotificationSlot> {
    for (let seq = hint + 1; ; seq++) {
      const row: NotificationSlot = { _id: slotId(userId, seq), userId, seq, event, read: false, ...notice };
      if (await insertIfAbsent(rows, row)) return row;
    }
  }

  return {
    /**
     * Stores `notice` for `userId` once per `event` (a hash of the event's
     * key); null when that event was notified already. The marker is taken
     * first, then the slot, then the marker names its slot: a writer dying
     * in between leaves a marker another writer finishes once it is stale.
     */
    async add(userId: string, event: string, notice: Notice): Promise<NotificationSlot | null> {
      const id = markerId(userId, event);
      if (!(await insertIfAbsent(rows, { _id: id, seq: null, at: new Date() }))) {
        const marker = (await rows.findOne({ _id: id })) as Marker | null;
        if (!marker || marker.seq !== null || Date.now() - marker.at.getTime() < STALE_MARKER_MS) return null;
        // Taken over from a dead writer: did it store the slot before dying?
        const head = await headOf(userId, (await meta(userId)).head);
        for (let seq = head; seq > Math.max(0, head - TAKEOVER_LOOKBACK); seq--) {
          const s = await slot(userId, seq);
          if (s?.event === event) {
            await rows.updateOne({ _id: id }, { $set: { seq } });
            return null;
          }
        }
      }
      const { head } = await meta(userId);
      const stored = await claimSlot(userId, event, notice, head);
      await rows.updateOne({ _id: id }, { $set: { seq: stored.seq } });
      await raiseHead(userId, stored.seq);
      return stored;
    },

    /**
     * One user's notifications, newest first, from `before` (exclusive;
     * default: the newest) down: at most `limit`, reading at most `maxScan`
     * slots; with `unreadOnly`, the read ones are skipped and the walk stops
     * at `readThrough` (everything below was read at once). `more` says
     * whether older ones may match.
     */
    async page(userId: string, opts: { before?: number; limit: number; unreadOnly: boolean; maxScan: number }) {
      const m = await meta(userId);
      const head = await headOf(userId, m.head);
      const floor = opts.unreadOnly ? m.readThrough : 0;
      const found: NotificationSlot[] = [];
      let seq = Math.min(opts.before !== undefined ? opts.before - 1 : head, head);
      let scanned = 0;
      while (seq > floor && found.length <= opts.limit && scanned < opts.maxScan) {
        // A batch of lookups by _id at a time.
        const batch = Array.from({ length: Math.min(opts.limit + 1, seq - floor, opts.maxScan - scanned) }, (_, i) => seq - i);
        const slots = await Promise.all(batch.map((s) => slot(userId, s)));
        for (const s of slots) if (s && (!opts.unreadOnly || !(s.read || s.seq <= m.readThrough))) found.push(s);
        seq -= batch.length;
        scanned += batch.length;
      }
      const items = found.slice(0, opts.limit).map((s) => ({ ...s, read: s.read || s.seq <= m.readThrough }));
      return { items, more: found.length > opts.limit || (seq > floor && scanned >= opts.maxScan) };
    },

    /** Unread notifications among the newest `maxScan` (above `readThrough`). */
    async unreadCount(userId: string, maxScan: number) {
      const { items } = await this.page(userId, { limit: maxScan, unreadOnly: true, maxScan });
      return items.length;
    },

    /** Marks some of a user's own slots read (ids of other users' slots are ignored); how many changed. */
    async markRead(userId: string, seqs: readonly number[]) {
      let n = 0;
      for (const seq of new Set(seqs)) {
        const r = await rows.updateOne({ _id: slotId(userId, seq), read: false } as never, { $set: { read: true } });
        n += r.modifiedCount;
      }
      return n;
    },

    /** Everything up to the newest slot now becomes read, in one write. */
    async markAllRead(userId: string) {
      const m = await meta(userId);
      const head = await headOf(userId, m.head);
      if (head <= m.readThrough) return;
      await rows.updateOne({ _id: metaId(userId) }, { $max: { readThrough: head, head } } as never, { upsert: true });
    },

    /** Watches a held report's deadline (replacing any earlier watch of the report). */
    watchSla: (w: SlaWatch) => watches.replaceOne({ _id: w._id }, w, { upsert: true }),
    /** Stops watching a report; with `only`, only the watch for that holder and deadline (a newer one stays). */
    unwatchSla: (reportId: string, only?: Pick<SlaWatch, 'userId' | 'dueBy'>) => watches.deleteOne({ _id: reportId, ...(only ?? {}) }),
    /**
     * Erasure: notifications about the report keep their slot (the inbox's
     * numbering) and kind, but name no report any more; its SLA watch goes.
     * A scan on the local store: erasure is rare.
     */
    async forgetReport(reportId: string) {
      await rows.updateMany({ reportId } as never, { $set: { reportId: null, reference: null } } as never);
      await watches.deleteOne({ _id: reportId });
    },
    /** Watches whose deadline is before `horizon` (a scan of the small watch table). */
    slaDue: (horizon: Date, limit: number) => watches.find({ dueBy: { $lte: horizon } }).limit(limit).toArray(),
    findSlaWatch: (reportId: string) => watches.findOne({ _id: reportId }),
  };
}
