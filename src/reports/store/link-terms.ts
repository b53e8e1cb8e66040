/**
 * `link_terms`: blind-index term → the reports filed under it, with no cap on
 * how many, read at a bounded cost however hot the term.
 *
 * Layout (every read a lookup by `_id`, the one FerretDB indexes):
 * - `<term>#<n>` → `{ reportId }`: slot n, sealed report id (crypto/link-ids.ts,
 *   so the table does not say which reports share a value), or '' once its
 *   report was erased. Slots are claimed by insert (the one write FerretDB
 *   makes atomic), in order, and never deleted: they form a dense prefix
 *   0…top-1, so the first free slot is found by a galloping then binary
 *   search (about 2·log2(n) lookups: 20 at 1,000 reports; one lookup from the count
 *   this process last knew: `known`), and the slot
 *   number is the order of filing (newest highest).
 * - `<term>#by#<keyed hash of term and report>` → `{ slot }`: where a report
 *   is filed, so refiling and erasure go straight to its slot (keyed:
 *   `integrity.mac('linkId', …)`, so it names neither the report nor which
 *   terms share one).
 *
 * Reading a term reads down from the top, newest first, until `want` live
 * filings are found or `want`·DEAD_READS slots were read: a hot term costs a
 * filing report the same whatever its size, and says so (`crowded`) rather
 * than being dropped. The older filings stay, for search (`entries`).
 * A term with more than want·DEAD_READS slots below the reader's is
 * crowded whatever they hold (the read would stop with slots unread) and
 * stays so (slots are never deleted): filing under it reads only the few
 * newest its caller compares (`crowdedWant`), not the window.
 * An erased report's slot is emptied and its backref deleted; an emptied
 * slot caps nothing (slots are unlimited) and costs one skipped lookup to
 * readers that reach it. (The `<term>#many` markers of the earlier design, which
 * stopped filing at 64 slots, are no longer read or written.)
 *
 * On MongoDB this would be one document per (term, report) with an index on
 * `{ term, seq }`: a filing report would read `find({ term }).sort({ seq: -1
 * }).limit(want)` and `countDocuments({ term })`, with no slots or backrefs.
 */
import type { Db } from 'mongodb';
import type { Crypto } from '../../crypto/index.js';
import { insertEachIfAbsent } from '../../db/errors.js';

/** A read of a term stops after this many slots per live filing wanted (erased filings are skipped, not counted). */
const DEAD_READS = 4;
/** A term's default window: the configuration's LINK_SHARED_THRESHOLD default. */
const DEFAULT_WANT = 20;
/** Terms whose count of slots this process remembers (a term is a keyed hash; each entry is a few dozen bytes). */
const KNOWN_COUNTS = 50_000;

type TermCrypto = Pick<Crypto, 'integrity' | 'linkIds'>;

/** What one term holds below a slot, newest first. */
interface Window {
  /** Live report ids, newest first (at most `want`). */
  ids: string[];
  /** The slot this report already holds, met while reading (a filing whose backref a crash lost). */
  own: number | null;
  /** More live filings (or unread slots) lie beyond `ids`. */
  more: boolean;
}

export function createLinkTerms(db: Db, linkCrypto?: TermCrypto) {
  const terms = db.collection<{ _id: string; reportId?: unknown; slot?: number }>('link_terms');
  const keys = () => {
    if (!linkCrypto) throw new Error('link terms need the crypto module');
    return linkCrypto;
  };
  const slotKey = (term: string, n: number) => `${term}#${n}`;
  const backrefKeys = (term: string, reportId: string) => keys().integrity.macAll('linkId', `term-slot\n${term}\n${reportId}`).map((h) => `${term}#by#${h}`);
  /** The report id filed in a slot ('' for an emptied one). */
  const idIn = (entry: { _id: string; reportId?: unknown }) => (!entry.reportId ? '' : keys().linkIds.open(`link_terms/${entry._id}`, entry.reportId));
  const readSlot = (term: string, n: number) => terms.findOne({ _id: slotKey(term, n) });
  const taken = async (term: string, n: number) => !!(await terms.findOne({ _id: slotKey(term, n) }, { projection: { _id: 1 } }));

    /**
   * What this process last knew of each term's count of slots (the first free slot): a true lower bound for as long
   * as the table lives, since slots are claimed in order and never deleted. The worker files every report, so a term
   * it filed before costs one lookup (the slot at the known count is free: that is the count) instead of a gallop
   * from slot 0 (about 2·log2(n)). Bounded: the oldest entries go first.
   */
  const known = new Map<string, number>();
  function remember(term: string, n: number): number {
    const before = known.get(term);
    if (before !== undefined && before >= n) return before;
    known.delete(term);
    known.set(term, n);
    if (known.size > KNOWN_COUNTS) known.delete(known.keys().next().value!);
    return n;
  }

  /** The first slot never claimed: slots are a dense prefix, so from the known count (one lookup), else gallop then bisect. */
  async function firstFree(term: string): Promise<number> {
    const from = known.get(term);
    if (from !== undefined && from > 0) return remember(term, (await taken(term, from)) ? await freeAbove(term, from) : from);
    return remember(term, await freeAbove(term, -1));
  }

  /** The first free slot above `lo` (a slot known taken, or -1): galloping, then a binary search. */
  async function freeAbove(term: string, lo: number): Promise<number> {
    if (lo < 0) {
      if (!(await taken(term, 0))) return 0;
      lo = 0;
    }
    let step = 1;
    while (await taken(term, lo + step)) {
      lo += step;
      step *= 2;
    }
    let hi = lo + step;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (await taken(term, mid)) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** The live filings below slot `below`, newest first; reads in parallel batches, at most `budget` slots (want·DEAD_READS). */
  async function readDown(term: string, below: number, want: number, self?: string, budget = Math.max(want, 1) * DEAD_READS): Promise<Window> {
    const out: Window = { ids: [], own: null, more: false };
    let next = below - 1;
    let read = 0;
    while (next >= 0 && read < budget) {
      if (out.ids.length > want) break;
      const batch = Array.from({ length: Math.min(want + 1 - out.ids.length, next + 1, budget - read) }, (_, i) => next - i);
      const entries = await Promise.all(batch.map((n) => readSlot(term, n)));
      batch.forEach((n, i) => {
        const id = entries[i] ? idIn(entries[i]!) : '';
        if (!id) return;
        if (id === self) out.own ??= n;
        else if (!out.ids.includes(id)) out.ids.push(id);
      });
      next -= batch.length;
      read += batch.length;
    }
    out.more = out.ids.length > want || (next >= 0 && read >= budget);
    out.ids = out.ids.slice(0, want);
    return out;
  }

  /**
   * The window of `want` below slot `below`, or, when more than `want`·DEAD_READS slots lie below it, only the
   * `crowdedWant` newest: such a term is crowded whatever those slots hold (a window reads at most that many, so it
   * would end with slots unread), and stays so, since slots are never deleted. `below` is a count just confirmed
   * (firstFree) or the report's own slot, never only remembered: a stale memory costs lookups, not the answer.
   * The ids returned are the same `crowdedWant` newest the full window would have begun with, read within the
   * same budget of slots.
   */
  async function windowBelow(term: string, below: number, want: number, crowdedWant: number, self?: string): Promise<Window> {
    const budget = Math.max(want, 1) * DEAD_READS;
    if (below <= budget || crowdedWant >= want) return readDown(term, below, want, self);
    return { ...(await readDown(term, below, crowdedWant, self, budget)), more: true };
  }

  /** Where `reportId` is filed under `term`, by its backref (checked against the slot), or null. */
  async function slotOf(term: string, reportId: string): Promise<{ slot: number; backref: string } | null> {
    for (const key of backrefKeys(term, reportId)) {
      const ref = await terms.findOne({ _id: key });
      if (typeof ref?.slot !== 'number') continue;
      const entry = await readSlot(term, ref.slot);
      if (entry && idIn(entry) === reportId) return { slot: ref.slot, backref: key };
    }
    return null;
  }

  return {
    /**
     * Files a report under each of its terms, in the first free slot, and
     * returns per term the `want` most recent reports filed before it
     * (`met`) and the terms filed by more than `want` reports before it
     * (`crowded`: the rest are still filed, for search, just not returned;
     * of a crowded term only the `crowdedWant` most recent, so one with more
     * than `want`·DEAD_READS slots below the report's is crowded without its
     * window being read: `windowBelow`).
     * Of two reports filed at once, the later meets the earlier: a report
     * that loses a slot to another reads that slot and takes the next.
     * Filing again finds the report's own slot (its backref).
     */
    async fileTerms(reportId: string, filed: readonly string[], want = DEFAULT_WANT, crowdedWant = want): Promise<{ met: Map<string, string[]>; crowded: string[] }> {
      const met = new Map<string, string[]>();
      const crowded = new Set<string>();
      const claims: { term: string; slot: number; before: string[] }[] = [];
      const backrefs: { term: string; slot: number }[] = [];
      await Promise.all(
        [...new Set(filed)].map(async (term) => {
          // A term with no slot taken cannot hold this report: its backref is looked for only under a term that has some.
          const free = await firstFree(term);
          const known = free > 0 ? await slotOf(term, reportId) : null;
          const top = known ? known.slot : free;
          const w = await windowBelow(term, top, want, crowdedWant, reportId);
          if (w.more) crowded.add(term);
          met.set(term, w.ids);
          if (known) return;
          if (w.own !== null) return void backrefs.push({ term, slot: w.own }); // filed before a crash lost the backref: adopt the slot
          claims.push({ term, slot: top, before: w.ids });
        }),
      );
      // Every term claims its slot in one unordered insert; a term whose slot another report took reads it and tries the next.
      for (let pending = claims; pending.length; ) {
        const stored = await insertEachIfAbsent(terms, pending.map((c) => ({ _id: slotKey(c.term, c.slot), reportId: keys().linkIds.seal(`link_terms/${slotKey(c.term, c.slot)}`, reportId) })));
        for (const c of pending.filter((_, i) => stored[i])) backrefs.push({ term: c.term, slot: c.slot });
        // A slot lost is taken all the same: either way the count is past it.
        for (const c of pending) remember(c.term, c.slot + 1);
        const lost = pending.filter((_, i) => !stored[i]);
        const filedMeanwhile = await Promise.all(
          lost.map(async (c) => {
            const entry = await readSlot(c.term, c.slot);
            const id = entry ? idIn(entry) : '';
            if (id === reportId) return true; // the same report filed at once by another run (a duplicate job): its slot, not another's
            if (id && !c.before.includes(id)) c.before.unshift(id);
            if (c.before.length > want) crowded.add(c.term);
            met.set(c.term, c.before.slice(0, want));
            c.slot += 1;
            return false;
          }),
        );
        pending = lost.filter((_, i) => !filedMeanwhile[i]);
      }
      await insertEachIfAbsent(terms, backrefs.map((b) => ({ _id: backrefKeys(b.term, reportId)[0]!, slot: b.slot })));
      for (const term of crowded) met.set(term, (met.get(term) ?? []).slice(0, crowdedWant));
      return { met, crowded: [...crowded] };
    },

    /** The `want` most recent reports filed under each of `looked`, other than `reportId`, filing nothing (a previous index key's terms, during a rotation). */
    async readTerms(reportId: string, looked: readonly string[], want = DEFAULT_WANT): Promise<{ found: string[]; crowded: string[] }> {
      const found = new Set<string>();
      const crowded: string[] = [];
      await Promise.all(
        looked.map(async (term) => {
          const w = await readDown(term, await firstFree(term), want, reportId);
          w.ids.forEach((id) => found.add(id));
          if (w.more) crowded.push(term);
        }),
      );
      return { found: [...found], crowded };
    },

    /**
     * Every report filed under `term`, newest first, a page at a time
     * (search, and what linking left to it): `below` is the previous page's
     * `next` (null: from the newest). `filings` counts every slot ever
     * claimed, erased ones included (about 2·log2(n) lookups).
     */
    async entries(term: string, limit: number, below: number | null = null): Promise<{ reportIds: string[]; next: number | null; filings: number }> {
      const filings = await firstFree(term);
      const from = below ?? filings;
      const reportIds: string[] = [];
      let n = from - 1;
      for (; n >= 0 && reportIds.length < limit; n -= 1) {
        const entry = await readSlot(term, n);
        const id = entry ? idIn(entry) : '';
        if (id) reportIds.push(id);
      }
      return { reportIds, next: n >= 0 ? n + 1 : null, filings };
    },

    /**
     * Takes a report off its terms (erasure, re-indexing): its slot is
     * emptied (never deleted: the slots stay a dense prefix) and its backref
     * deleted. Without a backref (a crash between claim and backref, or a
     * filing older than backrefs) every slot of the term is read.
     */
    async removeTerms(reportId: string, removed: readonly string[]) {
      await Promise.all(
        removed.map(async (term) => {
          const known = await slotOf(term, reportId);
          const slots = known ? [known.slot] : Array.from({ length: await firstFree(term) }, (_, n) => n);
          for (const n of slots) {
            const entry = await readSlot(term, n);
            if (entry && idIn(entry) === reportId) await terms.replaceOne({ _id: slotKey(term, n) }, { reportId: '' });
          }
          for (const key of backrefKeys(term, reportId)) if (await terms.findOne({ _id: key }, { projection: { _id: 1 } })) await terms.deleteOne({ _id: key });
        }),
      );
    },
  };
}

