/**
 * Links between reports as records of their own: one edge document per
 * linked pair in `report_links`, never a write into either report, so the
 * cost of linking a new report does not grow with how many reports it meets.
 *
 * Nothing here names a report in plaintext (the link graph is as sensitive
 * as the reports: see docs/encryption.md):
 * - an edge's `_id` is a keyed hash of the pair (`integrity.mac('linkId', …)`,
 *   the same whichever report records it, and however often: one document,
 *   made unique by the insert); its ends (ids, references, desks at link
 *   time) are sealed (crypto/link-ids.ts), bound to the edge's id; beside
 *   them only the kinds of value that matched and the time;
 * - each end files the edge in its slots `<keyed hash of the report id>#<n>`,
 *   taken by insert like the link terms' (side-tables.ts), so reading a
 *   report's links is lookups by _id only. On MongoDB this would be a plain
 *   index on a keyed hash of each end of `report_links`, with no slots.
 * - a slot filed by the run that stored the edge also carries the edge as
 *   stored then (its sealed `ends`, `reasons`, `at`: the same ciphertext as
 *   the edge's, so nothing more is said), and a reader takes the link from
 *   the slot without reading the edge: one lookup a link instead of two (a
 *   depth-2 chart read 350 edges besides its 676 slots). A slot is written
 *   once, by insert, so its copy cannot follow the edge's later changes; the
 *   only ones are by hand (a manual link, an unlink, a possible link flagged
 *   wrong), and before making one `recordManual` and `dismiss` file the edge
 *   again under each end as a hand entry (`hand: true`, no copy; insert-only
 *   like every slot). A reader that meets a hand entry for an edge among a
 *   report's slots reads that edge from `report_links` (a dismissal
 *   tombstone and a manual link win, as before). Why no change can slip
 *   past: a report's slots are a dense prefix claimed in order, a reader
 *   reads them up to the first missing one, and the hand entry is claimed
 *   before the edge changes; so if the change was made before the reader
 *   met that missing slot, the hand entry lies below it and was read. No
 *   lookup is added to a read, and copies are never rewritten (a `$set` on
 *   a slot would be FerretDB's read-then-write, and could put back a copy an
 *   erasure just emptied). Slots without a copy (filed before copies, by a
 *   retried record, by key rotation of an edge changed by hand) and copies
 *   that no longer open (sealed under an index key since removed) read the
 *   edge, as before: both shapes are read, no migration.
 * Erasure (`eraseLinksOf`) deletes the erased report's edges and slots and
 * empties the other ends' slots naming them, copies and hand entries
 * included: nothing then links to it.
 *
 * A supervisor's manual link (`recordManual`) is an edge flagged `manual`
 * (an automatic edge of the same pair becomes manual); an unlink
 * (`dismiss`) keeps the edge as a tombstone (`dismissedAt`) rather than
 * deleting it, so a later triage that meets the pair again (its `record` is
 * an insert-if-absent) does not bring it back; only a manual link revives it.
 */
import type { Db } from 'mongodb';
import type { Desk } from '../../auth/types.js';
import type { Crypto } from '../../crypto/index.js';
import { insertIfAbsent } from '../../db/errors.js';
import type { ReportDoc, ReportLink } from '../model/types.js';

interface LinkEnd {
  id: string;
  reference: string;
  desk: Desk | null;
}

/** An edge before it is sealed: what the worker knows when it records a link. */
export interface LinkEdge {
  /** Keyed hash of the pair (`pairKey`). */
  _id: string;
  older: LinkEnd;
  newer: LinkEnd;
  reasons: string[];
  at: Date;
  /** Made (or confirmed) by a supervisor by hand. */
  manual?: boolean;
  /** Unlinked by a supervisor: a tombstone, read by no one, that a later triage cannot overwrite. */
  dismissedAt?: Date | null;
  /**
   * Who made or confirmed it by hand, or, on a tombstone, who flagged it wrong (a staff user id; sealed when stored).
   * Written by every manual link and every dismissal, so it never names an earlier hand: a tombstone without it
   * is a supervisor's unlink (reports/desk/link-review.ts keeps investigators from reviving those).
   */
  by?: string | null;
}

/** An edge as stored: the ends sealed. */
interface StoredEdge {
  _id: string;
  ends: unknown;
  reasons: string[];
  at: Date;
  manual?: boolean;
  dismissedAt?: Date | null;
  /** The user id of `LinkEdge.by`, sealed for this edge. */
  by?: unknown;
}

/** A report's links are read slot by slot (several lookups at once: `slotsOf`); more than this many links on one report is not a useful list. */
const MAX_SLOTS = 1_024;
/**
 * How many of a report's slots are read at once, window after window (the last repeated): slot 0 alone (most
 * reports have no link: one lookup, as the desk queue reads a page of them), then a few, then doubling.
 */
const SLOT_WINDOWS = [1, 4, 4, 8, 16, 32];
/** How many reports' slot counts one process remembers (`knownSlots`; each entry a few dozen bytes); the oldest are forgotten first. */
const KNOWN_SLOT_COUNTS = 50_000;

/** A slot as stored: the edge it files, and (when filed by the run that stored the edge) the edge as stored then. */
interface StoredSlot {
  _id: string;
  /** The edge's id; '' once emptied by the other end's erasure. */
  edge: string;
  ends?: unknown;
  reasons?: string[];
  at?: Date;
  /** Filed by a change by hand (`recordManual`, `dismiss`): this edge is read from `report_links`, whatever any copy says. */
  hand?: boolean;
}

/** Edges already read by one reader (by edge id; null: gone or dismissed), kept for its next `ofMany`: one chart's, never shared further. */
export type EdgesSeen = Map<string, LinkEdge | null>;

type LinkedReport = Pick<ReportDoc, '_id' | 'recordedAt' | 'reference'> & { desk: Desk | null };
export type LinkCrypto = Pick<Crypto, 'integrity' | 'linkIds'>;

/** The keyed, order-free id of a pair of reports: edge ids, and what audit details name instead of the other report. */
export const pairKey = (crypto: Pick<Crypto, 'integrity'>, a: string, b: string) => crypto.integrity.mac('linkId', ['pair', ...[a, b].sort()].join('\n'));
const slotsKey = (crypto: Pick<Crypto, 'integrity'>, reportId: string) => crypto.integrity.mac('linkId', `slots\n${reportId}`);

/** The edge and its ends in order (older by recordedAt, then id). */
export function edgeOf(crypto: Pick<Crypto, 'integrity'>, a: LinkedReport, b: LinkedReport, reasons: string[], at: Date): LinkEdge {
  const aFirst = a.recordedAt.getTime() < b.recordedAt.getTime() || (a.recordedAt.getTime() === b.recordedAt.getTime() && a._id < b._id);
  const [older, newer] = (aFirst ? [a, b] : [b, a]).map((r) => ({ id: r._id, reference: r.reference, desk: r.desk }));
  return { _id: pairKey(crypto, a._id, b._id), older: older!, newer: newer!, reasons, at };
}

/** The edge as seen from `reportId`: a link to the other end. */
export function linkFrom(edge: LinkEdge, reportId: string): ReportLink {
  const other = edge.older.id === reportId ? edge.newer : edge.older;
  return { reportId: other.id, reference: other.reference, desk: other.desk, reasons: edge.reasons, at: edge.at, manual: !!edge.manual, by: edge.by ?? null };
}

export function createLinkStore(db: Db, crypto?: LinkCrypto) {
  const edges = db.collection<StoredEdge>('report_links');
  const slots = db.collection<StoredSlot>('report_link_slots');
  const keys = () => {
    if (!crypto) throw new Error('the link store needs the crypto module');
    return crypto;
  };
  const where = (edgeId: string) => `report_links/${edgeId}`;
  /** What a slot carries of its edge: the edge as stored, sealed ends and all (no flags: an edge with flags is never copied). */
  const copyOf = (stored: StoredEdge) => ({ ends: stored.ends, reasons: stored.reasons, at: stored.at });
  const sealBy = (edgeId: string, by: string) => keys().linkIds.seal(`${where(edgeId)}/by`, by);

  function seal(edge: LinkEdge): StoredEdge {
    const flags = { ...(edge.manual ? { manual: true } : {}), ...(edge.dismissedAt ? { dismissedAt: edge.dismissedAt } : {}), ...(edge.by ? { by: sealBy(edge._id, edge.by) } : {}) };
    return { _id: edge._id, ends: keys().linkIds.seal(where(edge._id), JSON.stringify({ older: edge.older, newer: edge.newer })), reasons: edge.reasons, at: edge.at, ...flags };
  }
  function open(stored: StoredEdge): LinkEdge {
    const { older, newer } = JSON.parse(keys().linkIds.open(where(stored._id), stored.ends)) as Pick<LinkEdge, 'older' | 'newer'>;
    let by: string | null = null;
    try {
      by = stored.by ? keys().linkIds.open(`${where(stored._id)}/by`, stored.by) : null;
    } catch {
      by = null; // sealed under a key since removed: who is not said
    }
    return { _id: stored._id, older, newer, reasons: stored.reasons, at: stored.at, manual: !!stored.manual, dismissedAt: stored.dismissedAt ?? null, by };
  }

  /**
   * What this process last knew of each report's count of slots (by slot base, a report's under one audit key),
   * never lowered here: a lower bound of its first free slot, since slots are claimed in order and deleted only by
   * the report's own erasure (which forgets it here; another process's erasure leaves a later filing there unread,
   * as a filing from slot 0 would be: nothing reads an erased report's links). Filing probes there with its insert
   * (`fileInTurn`); a reader reads one window of that many and the one after (k + 1 lookups for k links, where the
   * windows cost up to about 2k + 2: a depth-2 chart reads the slots of dozens of reports). For a reader it is only
   * a window's size: it still reads up to the first missing slot, whatever this says, so the hand-entry rule above is
   * untouched. As search-index.ts's `known` counts: per process, bounded, the oldest forgotten first.
   */
  const knownSlots = new Map<string, number>();
  function rememberSlots(base: string, n: number) {
    if ((knownSlots.get(base) ?? -1) >= n) return;
    knownSlots.delete(base);
    knownSlots.set(base, n);
    if (knownSlots.size > KNOWN_SLOT_COUNTS) knownSlots.delete(knownSlots.keys().next().value!);
  }

  /**
   * The keys of a report's slots and the edges named there, up to the first
   * missing slot (an emptied one is skipped): under the current audit key,
   * then under each previous one (during a rotation, before `keys:rotate`
   * re-keyed this report's edges: reports/content/rotate-audit-index-keys.ts).
   */
  async function slotsOf(reportId: string) {
    const bases = keys().integrity.macAll('linkId', `slots\n${reportId}`);
    const found: StoredSlot[] = [];
    for (const base of bases) {
      // Read in windows of lookups sent at once (SLOT_WINDOWS), each by `_id`, kept up to the first missing one: a
      // report with k links costs about log2(k) waits, not k, and fewer than 2k + 2 lookups (one with none, one).
      // Not one `_id: {$in}`: FerretDB decodes the whole collection for it (measured: ~1 s for 4 ids among 20,000
      // slots, against ~3.5 ms a lookup).
      // A count this process remembers (`knownSlots`) makes the first window that count and the slot after it.
      let slot = 0;
      const known = knownSlots.get(base) ?? 0;
      for (let w = known ? -1 : 0; slot < MAX_SLOTS; w++) {
        const window = w < 0 ? known + 1 : SLOT_WINDOWS[Math.min(w, SLOT_WINDOWS.length - 1)]!;
        const ids = Array.from({ length: Math.min(window, MAX_SLOTS - slot) }, (_, i) => `${base}#${slot + i}`);
        const entries = await Promise.all(ids.map((_id) => slots.findOne({ _id })));
        const missing = entries.findIndex((e) => !e);
        found.push(...(entries.slice(0, missing < 0 ? entries.length : missing) as StoredSlot[]));
        if (missing >= 0) {
          rememberSlots(base, slot + missing);
          break;
        }
        slot += ids.length;
      }
    }
    return { base: bases[0]!, found };
  }

  /** Per slot base, the last filing of this process queued on it (`file`). */
  const slotTurns = new Map<string, Promise<void>>();

  /**
   * Files `edgeId` in the first free slot of `reportId` (or finds it there).
   * `maybeFiled`: the edge was already stored (a retried or concurrent
   * record), so it may sit in one of the last slots; a fresh edge cannot.
   * `copy`: the edge as this run stored it, carried by the slot (only the
   * run that inserted an edge without flags passes one), or `{ hand: true }`:
   * a hand entry, always a slot of its own (see the module comment).
   */
  async function file(reportId: string, edgeId: string, maybeFiled: boolean, copy?: ReturnType<typeof copyOf> | { hand: true }) {
    const base = slotsKey(keys(), reportId);
    // Filings of this process under one report take turns (`slotTurns`), each from the count the previous one left:
    // concurrent triage jobs linking to the same newest reports of a hot term, and the edges of one report recorded
    // at once, no longer race each other for the same slot.
    const before = slotTurns.get(base);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    slotTurns.set(base, mine);
    try {
      await before;
      await fileInTurn(base, edgeId, maybeFiled, copy);
    } finally {
      done();
      if (slotTurns.get(base) === mine) slotTurns.delete(base);
    }
  }

  async function fileInTurn(base: string, edgeId: string, maybeFiled: boolean, copy?: ReturnType<typeof copyOf> | { hand: true }) {
    const at = (slot: number) => slots.findOne({ _id: `${base}#${slot}` });
    const hand = !!copy && 'hand' in copy;
    const known = knownSlots.get(base);
    // The count this process last knew is a lower bound of the first free slot, so the insert there is the probe: it
    // lands only when that slot is the first free one (the slots are a dense prefix). One command where the gallop
    // below costs ~2·log2(links) lookups before its insert.
    if (known !== undefined && known < MAX_SLOTS && !maybeFiled) {
      if (await insertIfAbsent(slots, { _id: `${base}#${known}`, edge: edgeId, ...copy })) return void rememberSlots(base, known + 1);
      if ((await at(known))?.edge === edgeId && !hand) return void rememberSlots(base, known + 1); // the same edge, recorded at once by another run
    }
    // A report's slots are a dense prefix (claimed in order; only its own erasure deletes them, all at once): gallop then
    // bisect to the first free one, so filing costs ~2·log2(links) lookups, not one per link (a hot term's reports have many).
    let lo = known === undefined ? -1 : maybeFiled ? known - 1 : known; // a slot known taken (the probe's), or -1
    let hi = lo + 1;
    for (let step = 1; hi < MAX_SLOTS && (await at(hi)); step *= 2) [lo, hi] = [hi, Math.min(MAX_SLOTS, hi + step * 2)];
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (await at(mid)) lo = mid;
      else hi = mid;
    }
    // A retried record finds its edge among the last slots (a duplicate further down is harmless: reads and erasure go by edge).
    if (maybeFiled && !(copy && 'hand' in copy)) {
      const last = await Promise.all(Array.from({ length: Math.min(4, hi) }, (_, i) => at(hi - 1 - i)));
      if (last.some((entry) => entry?.edge === edgeId)) return;
    }
    for (let slot = hi; slot < MAX_SLOTS; slot++) {
      if (await insertIfAbsent(slots, { _id: `${base}#${slot}`, edge: edgeId, ...copy })) return void rememberSlots(base, slot + 1);
      if ((await at(slot))?.edge === edgeId && !hand) return void rememberSlots(base, slot + 1); // taken by the same edge, recorded at once by another run
    }
  }

  return {
    /**
     * Records an edge once and files it under both ends. Idempotent: a second call finds the edge and its slots.
     * The run that stores the edge files it with its copy; a later run (a retry, or a pair already linked or
     * unlinked by hand) files none, so its slot reads the edge.
     */
    async record(edge: LinkEdge) {
      const stored = seal(edge);
      const fresh = await insertIfAbsent(edges, stored);
      const copy = fresh && !edge.manual && !edge.dismissedAt ? copyOf(stored) : undefined;
      await Promise.all([file(edge.older.id, edge._id, !fresh, copy), file(edge.newer.id, edge._id, !fresh, copy)]);
    },

    /** A report's links, in both directions. */
    async of(reportId: string): Promise<ReportLink[]> {
      return (await this.ofMany([reportId]))[0]!;
    },

    /**
     * Several reports' links, in their order: their slots read at once, each
     * the links taken from the slots' copies unless a hand entry among them
     * names the same edge, and every other edge read once however
     * many of them it joins (the link chart reads the links of reports linked
     * to each other); `seen` carries the edges already known from one call to
     * the next (one chart's), so none is read twice.
     */
    async ofMany(reportIds: readonly string[], seen: EdgesSeen = new Map()): Promise<ReportLink[][]> {
      const filed = await Promise.all(reportIds.map(async (id) => ({ found: (await slotsOf(id)).found })));
      // An edge with a hand entry in any of these reports' slots is read from the edge, not taken from a copy.
      const byHand = new Set(filed.flatMap((f) => f.found.filter((s) => s.hand).map((s) => s.edge)));
      for (const { found } of filed) {
        if (found.length >= MAX_SLOTS) continue; // full: a hand entry could not be filed there, so no copy is trusted
        for (const s of found) {
          if (!s.edge || seen.has(s.edge) || byHand.has(s.edge) || s.ends === undefined || !s.reasons || !s.at) continue;
          try {
            seen.set(s.edge, open({ _id: s.edge, ends: s.ends, reasons: s.reasons, at: s.at }));
          } catch {
            // sealed under an index key since removed: the edge is read instead
          }
        }
      }
      const ids = [...new Set(filed.flatMap((f) => f.found).map((s) => s.edge).filter((id) => id && !seen.has(id)))];
      const read = await Promise.all(ids.map((_id) => edges.findOne({ _id })));
      ids.forEach((id, i) => {
        const e = read[i];
        seen.set(id, e && !e.dismissedAt ? open(e) : null);
      });
      return reportIds.map((reportId, r) => {
        const all = [...new Set(filed[r]!.found.map((s) => s.edge))].flatMap((id) => (seen.get(id) ? [linkFrom(seen.get(id)!, reportId)] : []));
        // Mid-rotation a pair may briefly have its edge under both audit keys: once each.
        return all.filter((l, i) => all.findIndex((o) => o.reportId === l.reportId) === i);
      });
    },

    /**
     * Erasure: deletes every edge of `reportId` and its slots, and empties
     * the other ends' slots naming those edges, their copies with them
     * and hand entries with them (emptied, not deleted: their readers stop at
     * the first missing slot). Idempotent.
     */
    async eraseLinksOf(reportId: string) {
      const { found } = await slotsOf(reportId);
      knownSlots.delete(slotsKey(keys(), reportId));
      for (const { _id: slotId, edge: edgeId } of [...found].reverse()) {
        const stored = edgeId ? await edges.findOne({ _id: edgeId }) : null;
        if (stored) {
          const edge = open(stored);
          const other = edge.older.id === reportId ? edge.newer.id : edge.older.id;
          const theirs = await slotsOf(other);
          for (const s of theirs.found) if (s.edge === edgeId) await slots.replaceOne({ _id: s._id }, { edge: '' });
          await edges.deleteOne({ _id: edgeId });
        }
        await slots.deleteOne({ _id: slotId });
      }
      for (const base of keys().integrity.macAll('linkId', `slots\n${reportId}`)) knownSlots.delete(base);
    },

    /**
     * Key rotation: re-keys up to `limit` edges not yet under the current
     * keys (id keyed with the current audit key, ends sealed with the current
     * index key, `sealedUnderCurrent` says): the new edge is stored and filed
     * under both ends first, then the old one's slots are emptied and it is
     * deleted, so a crash at any point leaves the pair linked and a rerun
     * finishes the move. Returns how many were re-keyed and how many remain.
     */
    async rekeyEdges(sealedUnderCurrent: (where: string, sealed: unknown) => boolean, limit: number): Promise<{ rekeyed: number; remaining: number }> {
      let rekeyed = 0;
      let remaining = 0;
      for await (const stored of edges.find({})) {
        const edge = open(stored);
        const id = pairKey(keys(), edge.older.id, edge.newer.id);
        if (stored._id === id && sealedUnderCurrent(where(id), stored.ends)) continue;
        if (rekeyed >= limit) {
          remaining++;
          continue;
        }
        if (stored._id === id) {
          await edges.replaceOne({ _id: id }, seal(edge));
        } else {
          // Filed with its copy when this run stores it and no hand ever changed it (one with flags reads the edge).
          const moved = seal({ ...edge, _id: id });
          const copy = (await insertIfAbsent(edges, moved)) && !edge.manual && !edge.dismissedAt ? copyOf(moved) : undefined;
          await file(edge.older.id, id, true, copy);
          await file(edge.newer.id, id, true, copy);
          for (const end of [edge.older.id, edge.newer.id]) {
            for (const s of (await slotsOf(end)).found) if (s.edge === stored._id) await slots.replaceOne({ _id: s._id }, { edge: '' });
          }
          await edges.deleteOne({ _id: stored._id });
        }
        rekeyed++;
      }
      return { rekeyed, remaining };
    },

    /**
     * A supervisor's link: the pair's edge, stored manual and live (an
     * existing one, automatic or dismissed, is flagged so), filed under both
     * ends by hand entries, filed before the edge is changed (see the module
     * comment). Idempotent, like `record` (a repeat files two more hand entries: reads go by edge).
     */
    async recordManual(edge: LinkEdge) {
      const existing = await this.find(edge.older.id, edge.newer.id);
      const id = existing?._id ?? edge._id;
      await Promise.all([file(edge.older.id, id, false, { hand: true }), file(edge.newer.id, id, false, { hand: true })]);
      // Always written: a relink must not keep the name of whoever linked, or flagged wrong, before.
      const by = { by: edge.by ? sealBy(existing?._id ?? edge._id, edge.by) : null };
      if (existing) await edges.updateOne({ _id: existing._id }, { $set: { manual: true, dismissedAt: null, ...by } });
      else await insertIfAbsent(edges, seal({ ...edge, manual: true, dismissedAt: null }));
    },

    /**
     * A supervisor's unlink, or an investigator flagging a possible link wrong (`by`): the pair's edge becomes a
     * tombstone (see the module comment), after a hand entry is filed under each end. A supervisor's unlink of a
     * pair already flagged wrong turns that tombstone into a supervisor's (`by` cleared, `dismissedAt` kept), so it
     * stands against investigators as any unlink of theirs; an investigator's flag never turns a supervisor's
     * tombstone into theirs. False when there was no edge. Idempotent (an edge already dismissed had its hand
     * entries filed before it was, so clearing its `by` needs none).
     */
    async dismiss(a: string, b: string, at: Date, by?: string): Promise<boolean> {
      const existing = await this.find(a, b);
      if (!existing) return false;
      if (!existing.dismissedAt) {
        await Promise.all([file(existing.older.id, existing._id, false, { hand: true }), file(existing.newer.id, existing._id, false, { hand: true })]);
        await edges.updateOne({ _id: existing._id }, { $set: { dismissedAt: at, manual: false, by: by ? sealBy(existing._id, by) : null } });
      } else if (!by && existing.by) await edges.updateOne({ _id: existing._id }, { $set: { by: null } });
      return true;
    },

    /** One edge by the ids of its ends, opened (tests). */
    async find(a: string, b: string): Promise<LinkEdge | null> {
      for (const id of keys().integrity.macAll('linkId', ['pair', ...[a, b].sort()].join('\n'))) {
        const stored = await edges.findOne({ _id: id });
        if (stored) return open(stored);
      }
      return null;
    },
  };
}

