/**
 * The find tables, read by `_id` only (FerretDB indexes nothing else):
 *
 * - `search_terms`: blind-index term → every report filed under it, open or
 *   closed, with no cap. Slots `<term>#<n>` are claimed by insert (the one
 *   write FerretDB makes atomic) and only ever appended, so the taken slots
 *   of a term are always 0..n-1: a term's count starts from the count
 *   this process last knew (at intake, else slot 0, claimed unread), or else its hint (`<term>#n`, a lower bound
 *   rewritten every 32 filings) and the slots above it, and a term is read newest first from its last slot. Report ids
 *   are sealed (crypto/link-ids.ts), bound to their slot, so the table does
 *   not say which reports share a value. A report's slots are listed, sealed,
 *   in its manifest `@<report id>`: erasure and re-indexing blank those of
 *   them that hold the report (a blanked slot stays, holding ''). A term's routed floor
 *   (`<term>#r`, sealed to its key) says every slot below it held, when a
 *   search last looked, no report awaiting triage: search's deconfliction
 *   need not look below it for one (reports/desk/search.ts, `deconflict`).
 *   Separate from `link_terms`,
 *   which triage fills with linking's own bounds and which holds only
 *   `bidx` terms: search needs every report and the phonetic terms too.
 * - `report_refs`: reference → report id, claimed by insert at intake before
 *   the report is stored (so it is also what makes references unique on
 *   FerretDB); a lookup checks the report still carries that reference.
 *   Erasure deletes the entry (nothing but the tombstone and the audit log
 *   names an erased report); its reference is never handed out again, as
 *   reference blocks are claimed once (repository.ts nextReference).
 *
 * On MongoDB both would be plain indexes on the reports collection (`bidx`
 * multikey, `reference` unique); they are tables here so FerretDB never
 * scans `reports`.
 */
import type { Db } from 'mongodb';
import type { LinkIds } from '../../crypto/link-ids.js';
import { insertEachIfAbsent, insertIfAbsent } from '../../db/errors.js';

/** Slots read at most at once when walking a term (parallel lookups by _id). */
const READ_BATCH = 32;
/**
 * A term's count hint is rewritten when its count reaches a multiple of this (one extra write, a commit of its own,
 * per that many filings). Only a process that does not know the term's count yet reads the hint (see `known`), so it
 * is kept rare: at 8 it cost about 2 writes an intake at 16 connections (2026-12-07).
 */
const HINT_EVERY = 32;
/** Slots probed at once above the hint; past them, a gallop (a hint up to HINT_EVERY behind costs a few more lookups). */
const PROBE = 8;
/**
 * Batches a sync sends for its slots before filing what is still lost one by one. Syncs of one process take turns
 * on a shared term, so a slot is lost only to another process (a worker, a second API); each round starts from the
 * counts known after the last.
 */
const RACE_ROUNDS = 3;
/** Retry lists of one report (`retryListId`): read up to the first missing one, so this is only a cap against a runaway client. */
const RETRY_LISTS = 1_000;
/** Terms whose count this process remembers (a term is a keyed hash; each entry is a few dozen bytes). */
const KNOWN_COUNTS = 50_000;

export interface FiledSlot {
  slot: number;
  /** The report filed there, '' for a blanked slot. */
  reportId: string;
}

export function createSearchIndex(db: Db, linkIds?: LinkIds) {
  const terms = db.collection<{ _id: string; reportId: unknown }>('search_terms');
  const manifests = db.collection<{ _id: string; slots: unknown }>('search_terms');
  const hints = db.collection<{ _id: string; n: number }>('search_terms');
  const refs = db.collection<{ _id: string; reportId: string }>('report_refs');
  const ids = () => {
    if (!linkIds) throw new Error('the search index needs the crypto module');
    return linkIds;
  };
  const manifestId = (reportId: string) => `@${reportId}`;
  const has = async (key: string) => !!(await terms.findOne({ _id: key }, { projection: { _id: 1 } }));

  const hintKey = (term: string) => `${term}#n`;
  const floorKey = (term: string) => `${term}#r`;
  const floors = db.collection<{ _id: string; floor: unknown }>('search_terms');

  /**
   * What this process last knew of each term's count: a true lower bound for as long as the table lives, since
   * slots are only ever added (erasure blanks them; a restore from a backup restarts every process). A count
   * then costs one lookup (the slot at the known count is free: that is the count), or a gallop from there, where
   * the hint and its probe cost ten (intake files a report's name parts and sound-alikes under terms other reports
   * share: 43 lookups of `search_terms` an intake in the full bench of 2026-12-07, one at a time on the store).
   * Bounded: the oldest entries go first (a Map keeps insertion order).
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

  /**
   * Per term, the last claim of a sync of this process queued on it: a sync waits for the claims queued before its
   * own on any of its terms (then reads their counts from `known`). Claims queue in the order syncs reach them, the
   * same order on every term, so no two wait on each other.
   */
  const turns = new Map<string, Promise<void>>();

  /** The first free slot above `taken` (a slot known taken): galloping, then a binary search. */
  async function gallopFrom(term: string, taken: number): Promise<number> {
    let lo = taken;
    let step = 1;
    let hi = lo + step;
    while (await has(`${term}#${hi}`)) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await has(`${term}#${mid}`)) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /**
   * How many slots a term has taken (taken slots are always 0..n-1). Starts
   * from the count this process last knew (`known`: one lookup when nobody
   * filed since), else from the term's count hint (`<term>#n`, written by
   * every HINT_EVERY-th filing): the hint, then the next few slots at once,
   * instead of a binary search over the whole term (13 lookups in a row at
   * 40 slots). The hint only ever says a count that was true, so it is a
   * lower bound; one that is not (a damaged table) is ignored.
   */
  async function count(term: string): Promise<number> {
    const from = known.get(term);
    if (from !== undefined) return (await has(`${term}#${from}`)) ? remember(term, await gallopFrom(term, from)) : from;
    return remember(term, await countFromHint(term));
  }

  /** `count` for a term this process knows nothing of: its hint, then the slots above it (`zeroTaken`: slot 0 is known taken). */
  async function countFromHint(term: string, zeroTaken = false): Promise<number> {
    // Most terms a process does not know are new: one lookup says so (intake does not look: `sync` with `fresh` claims
    // slot 0 unread, and comes here with `zeroTaken` when it was taken). A term with fewer than HINT_EVERY slots has no hint yet.
    if (!zeroTaken && !(await has(`${term}#0`))) return 0;
    const hint = (await terms.findOne({ _id: hintKey(term) })) as { n?: unknown } | null;
    const h = typeof hint?.n === 'number' && Number.isInteger(hint.n) && hint.n > 1 ? hint.n : 1;
    if (h === 1) return gallopFrom(term, 0);
    // Slots h-1 .. h+PROBE-1 at once: h-1 must be taken (else the hint is not a true count), the first free one is the count.
    const probe = Array.from({ length: PROBE + 1 }, (_, i) => h - 1 + i);
    const present = await Promise.all(probe.map((slot) => has(`${term}#${slot}`)));
    if (!present[0]) return gallopFrom(term, 0);
    const free = present.indexOf(false);
    return free > 0 ? h - 1 + free : gallopFrom(term, h - 1 + PROBE);
  }

  /**
   * Raises the term's count hint to `n`. Best effort: a lost or stale write
   * only leaves a lower hint (a longer probe). On FerretDB `$max` is not
   * atomic, so a racing writer may lower it again: still a true lower bound.
   * On MongoDB this table would be an index and need no hint.
   */
  async function writeHint(term: string, n: number) {
    await hints.updateOne({ _id: hintKey(term) }, { $max: { n } }, { upsert: true }).catch(() => undefined);
  }

  /** Files `reportId` in the next free slot of `term` from `from` (default: its count); returns the slot key. */
  async function file(term: string, reportId: string, from?: number): Promise<string> {
    for (let slot = from ?? (await count(term)); ; slot++) {
      const key = `${term}#${slot}`;
      if (await insertIfAbsent(terms, { _id: key, reportId: ids().seal(`search_terms/${key}`, reportId) })) {
        remember(term, slot + 1);
        if ((slot + 1) % HINT_EVERY === 0) await writeHint(term, slot + 1);
        return key;
      }
    }
  }

  /** The slot keys the report is filed in, from its manifest (not the retries' lists: `allSlotsOf`). */
  async function slotsOf(reportId: string): Promise<string[]> {
    const manifest = await manifests.findOne({ _id: manifestId(reportId) });
    if (!manifest) return [];
    return JSON.parse(ids().open(`search_terms/${manifestId(reportId)}`, manifest.slots)) as string[];
  }

  /**
   * A retried intake's list of the slots it filed (`sync` with `fresh`, its manifest refused): inserted under a key
   * of its own, never rewritten, so neither the first attempt's rewrite of the manifest nor another retry can drop
   * it (FerretDB applies a conditional replace as read-then-write, so merging into one document could lose a list).
   */
  const retryListId = (reportId: string, k: number) => `${manifestId(reportId)}#r${k}`;
  async function retryListsOf(reportId: string): Promise<{ keys: string[]; ids: string[] }> {
    const keys: string[] = [];
    const found: string[] = [];
    for (let k = 0; k < RETRY_LISTS; k++) {
      const list = await manifests.findOne({ _id: retryListId(reportId, k) });
      if (!list) break;
      found.push(list._id);
      keys.push(...(JSON.parse(ids().open(`search_terms/${list._id}`, list.slots)) as string[]));
    }
    return { keys, ids: found };
  }
  /** Every slot key the report may be filed in: its manifest and its retries' lists (re-indexing, erasure, migrations). */
  async function allSlotsOf(reportId: string): Promise<{ keys: string[]; retryLists: string[] }> {
    const [listed, retries] = await Promise.all([slotsOf(reportId), retryListsOf(reportId)]);
    return { keys: [...listed, ...retries.keys.filter((key) => !listed.includes(key))], retryLists: retries.ids };
  }

  /**
   * Blanks the report's own slots among `keys` (from its manifest). Each is read first and blanked only when it holds
   * this report: a manifest stored with a batch lists a slot the batch then lost until its rewrite, and a crash in
   * between leaves it listing another report's slot, which must stay (else that report is no longer found under the
   * term). A read a slot, on re-indexing and erasure only.
   */
  async function blank(reportId: string, keys: readonly string[]) {
    await Promise.all(
      keys.map(async (key) => {
        const entry = await terms.findOne({ _id: key });
        if (!entry || entry.reportId === '') return;
        let holder: string | null = null;
        try {
          holder = ids().open(`search_terms/${key}`, entry.reportId);
        } catch {
          holder = null; // a slot that does not open (a foreign or damaged entry) names no report: blanked
        }
        if (holder === null || holder === reportId) await terms.replaceOne({ _id: key }, { reportId: '' });
      }),
    );
  }

  const termOf = (key: string) => key.slice(0, key.lastIndexOf('#'));

  return {
    count,

    /**
     * `count` from a lower bound known otherwise (`atLeast`: a slot known taken, plus one; the larger of it and this
     * process's `known` is taken): one lookup when nobody filed above it since (the slot there is free: that is the
     * count), else a gallop from it. Triage counts a sound-alike term from the report's own slot (`filedSlots`), so a
     * worker that never met the term pays one lookup, not the hint and its probes.
     */
    async countFrom(term: string, atLeast: number): Promise<number> {
      const from = Math.max(known.get(term) ?? 0, atLeast);
      if (from <= 0) return count(term);
      return remember(term, (await has(`${term}#${from}`)) ? await gallopFrom(term, from) : from);
    },

    /**
     * The slot of each term the report is filed under, from its manifest (one lookup): each a slot known taken, so
     * each term's count is at least that slot plus one. (A manifest may, after a crash, list a slot its batch lost:
     * one taken by another report, still a true lower bound.)
     */
    async filedSlots(reportId: string): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const key of await slotsOf(reportId)) {
        const slot = Number(key.slice(key.lastIndexOf('#') + 1));
        if (Number.isInteger(slot) && slot >= 0) out.set(termOf(key), Math.max(slot, out.get(termOf(key)) ?? -1));
      }
      return out;
    },

    /**
     * The term's routed floor: no slot below it holds a report awaiting
     * triage (0 when none was recorded, or one does not open). Why it stays
     * true once written: a report leaves "awaiting triage" (no desk) once, at
     * triage, and nothing puts it back (refer moves it between desks; erasure
     * is final), a slot is never refilled (blanked at most), and a slot whose
     * report was not stored yet never lies below a floor (see `raiseFloor`).
     * Sealed to its key, like the slots' report ids: a writer without the
     * index key cannot forge one, nor copy another term's; an older one put
     * back only says less.
     */
    async routedFloor(term: string): Promise<number> {
      const doc = await floors.findOne({ _id: floorKey(term) });
      if (!doc) return 0;
      try {
        const n = Number(ids().open(`search_terms/${floorKey(term)}`, doc.floor));
        return Number.isInteger(n) && n > 0 ? n : 0;
      } catch {
        return 0;
      }
    },

    /**
     * Records `n` as the term's routed floor: the caller saw every slot below
     * `n` blank, or holding a stored report with a desk or erased. Best effort
     * (a lost write leaves a lower floor: a longer walk); a racing search may
     * write a lower one, also true. Written by a search (the only reader that
     * learns it), so a store reader sees which terms were searched, as the
     * `report.search` audit entries already say.
     */
    async raiseFloor(term: string, n: number) {
      const key = floorKey(term);
      await floors.replaceOne({ _id: key }, { floor: ids().seal(`search_terms/${key}`, String(n)) }, { upsert: true }).catch(() => undefined);
    },

    /** True when the report has a manifest here, i.e. is filed under its terms (a report with no terms has none). */
    isFiled: async (reportId: string) => has(manifestId(reportId)),

    /**
     * Makes the report filed under exactly `wanted` (intake, a re-index, a
     * change of indexed content; [] at erasure): files the new terms, then
     * records the manifest, then blanks the slots of dropped terms. A crash
     * midway leaves a report filed twice or under a stale term, never
     * missing: search confirms every candidate by decryption and dedupes.
     * Returns how many terms were newly filed (0: it was filed so already).
     * `addOnly` (a migration filing terms of a new kind): files what is missing and blanks nothing, so a change
     * committed while the migration held an older read of the report keeps the terms it filed; with nothing to
     * file it writes nothing, and it merges the manifest read again just before writing it, so slots a concurrent
     * sync filed meanwhile stay listed (erasure blanks what the manifest lists).
     * `fresh` (intake: a report just made): its manifest is not read first, and a term this process knows no count of
     * is claimed at slot 0 unread (0 is a true lower bound; most such terms are new, and a taken slot 0 sends the term
     * to its hint and probe in the next round), so intake reads nothing here. A manifest already there (a retried
     * intake) refuses the batch's; the retry then lists the slots it filed apart (`retryListId`, insert-only), so
     * erasure and re-indexing still find every slot (the retry files the report twice under its terms: search dedupes).
     */
    async sync(reportId: string, wanted: readonly string[], opts: { addOnly?: boolean; fresh?: boolean } = {}): Promise<number> {
      const all = opts.fresh && !opts.addOnly ? { keys: [], retryLists: [] } : await allSlotsOf(reportId);
      const current = all.keys;
      const kept = opts.addOnly ? current : current.filter((key) => wanted.includes(termOf(key)));
      const fresh = wanted.filter((t) => !kept.some((key) => termOf(key) === t));
      if (opts.addOnly && !fresh.length) return 0;
      const dropped = current.filter((key) => !kept.includes(key));
      if (!fresh.length && !dropped.length && !opts.addOnly) return 0; // filed so already: the manifest says so, nothing to write
      const manifest = (list: string[]) => ({ slots: ids().seal(`search_terms/${manifestId(reportId)}`, JSON.stringify(list)) });
      // Each new term's first free slot claimed in ONE unordered insert (with the manifest of a report that has none):
      // one write where a write per term was, on FerretDB's single writer. A term whose count this process knows goes
      // straight to that slot, unread: the insert is the probe (the slot at a true lower bound of the count is free only
      // when it is the count). Syncs of this process that share a term claim its slots in turn (`turns`), each from the
      // count the previous one left, so they do not lose slots to each other (intake at 16 connections: name parts and
      // sound-alikes reports share); a slot lost all the same (another process filed) goes again in one more batch,
      // for a few rounds, before the one-by-one walk of `file`. The manifest is written once: with the first batch, or
      // rewritten at the end if that batch lost a slot it listed.
      const slotOf = new Map<string, string>();
      const first = !current.length && !opts.addOnly; // the manifest is new: it may ride a batch
      let manifestListed: string[] | null = null; // what a manifest stored with a batch lists
      let manifestRefused = false; // `fresh`: a manifest was already there (a retried intake)
      const blind = new Set<string>(); // `fresh`: terms claimed at slot 0 unread, this round
      let pending = fresh;
      for (let round = 0; pending.length && round < RACE_ROUNDS; round++) {
        const claim = pending;
        const before = claim.map((t) => turns.get(t));
        let done!: () => void;
        const mine = new Promise<void>((resolve) => (done = resolve));
        claim.forEach((t) => turns.set(t, mine));
        let stored: boolean[];
        let guesses: number[];
        let withManifest = false;
        try {
          await Promise.all(before);
          guesses = await Promise.all(
            claim.map((t) =>
              blind.delete(t) ? countFromHint(t, true).then((n) => remember(t, n)) : known.has(t) ? known.get(t)! : opts.fresh ? (blind.add(t), 0) : count(t),
            ),
          );
          const keys = claim.map((t, i) => `${t}#${guesses[i]}`);
          claim.forEach((t, i) => slotOf.set(t, keys[i]!));
          const listed = [...kept, ...fresh.map((t) => slotOf.get(t)!)];
          withManifest = first && !manifestListed;
          const batch = keys.map((key) => ({ _id: key, reportId: ids().seal(`search_terms/${key}`, reportId) as unknown }));
          stored = await insertEachIfAbsent(terms, withManifest ? [...batch, { _id: manifestId(reportId), ...manifest(listed) } as never] : batch);
          if (withManifest && stored[batch.length]) manifestListed = listed;
          if (withManifest && !stored[batch.length]) manifestRefused = true;
          // A lost slot is taken all the same: the count is past it.
          claim.forEach((t, i) => void remember(t, guesses[i]! + 1));
        } finally {
          done();
          claim.forEach((t) => turns.get(t) === mine && turns.delete(t));
        }
        claim.forEach((t, i) => void (!stored[i] && slotOf.delete(t)));
        await Promise.all(claim.map((t, i) => (stored[i] && (guesses[i]! + 1) % HINT_EVERY === 0 ? writeHint(t, guesses[i]! + 1) : undefined)));
        pending = claim.filter((_, i) => !stored[i]);
        for (const t of blind) if (!pending.includes(t)) blind.delete(t);
      }
      for (const t of pending) slotOf.set(t, await file(t, reportId));
      let final = [...kept, ...fresh.map((t) => slotOf.get(t)!)];
      if (manifestRefused) {
        // A retry: its slots listed apart, in the first free retry list (insert-only), and the manifest left alone.
        for (let k = 0; k < RETRY_LISTS; k++) {
          const listId = retryListId(reportId, k);
          if (await insertIfAbsent(manifests, { _id: listId, slots: ids().seal(`search_terms/${listId}`, JSON.stringify(final)) })) break;
        }
        return fresh.length;
      }
      if (opts.addOnly) {
        // The manifest as it is now, plus the slots just filed: not this read's older list, which may name a slot a sync blanked since.
        const latest = await slotsOf(reportId);
        final = [...latest, ...final.slice(kept.length).filter((key) => !latest.includes(key))];
      }
      const exact = !!manifestListed && final.length === manifestListed.length && final.every((key, i) => key === manifestListed![i]);
      if (final.length && !exact) await manifests.replaceOne({ _id: manifestId(reportId) }, manifest(final), { upsert: true });
      await blank(reportId, dropped);
      if (!final.length && current.length) await manifests.deleteOne({ _id: manifestId(reportId) });
      // Retries' lists are folded into the manifest just written (`kept` came from them too): they go.
      if (!opts.addOnly) for (const listId of all.retryLists) await manifests.deleteOne({ _id: listId });
      return fresh.length;
    },

    /**
     * The report leaves `retired` terms, codes nothing files or looks up any more (store migration 4: the bare
     * skeleton codes, src/migrations/0004-skeleton-scripts.ts): its own slots of them in its manifest are blanked,
     * then dropped from the manifest, read again just before it is written (as `sync` with `addOnly` merges it), so
     * slots a concurrent sync filed meanwhile stay listed. Blanked first: a crash in between leaves a listed blank
     * slot, never an unlisted one holding the report (erasure follows the manifest). Answers how many slots it
     * dropped (0: filed under none of them, nothing written).
     */
    async unfile(reportId: string, retired: readonly string[]): Promise<number> {
      const gone = (await allSlotsOf(reportId)).keys.filter((key) => retired.includes(termOf(key)));
      if (!gone.length) return 0;
      await blank(reportId, gone);
      const final = (await slotsOf(reportId)).filter((key) => !gone.includes(key));
      if (final.length) await manifests.replaceOne({ _id: manifestId(reportId) }, { slots: ids().seal(`search_terms/${manifestId(reportId)}`, JSON.stringify(final)) }, { upsert: true });
      else await manifests.deleteOne({ _id: manifestId(reportId) });
      return gone.length;
    },

    /** Erasure: the report leaves every term it was filed under (slots blanked, manifest deleted). */
    async remove(reportId: string) {
      const { keys, retryLists } = await allSlotsOf(reportId);
      await blank(reportId, keys);
      await manifests.deleteOne({ _id: manifestId(reportId) });
      for (const listId of retryLists) await manifests.deleteOne({ _id: listId });
    },

    /**
     * Slots of `term` below `below` (exclusive), newest first, at most
     * `limit`; blanked slots come back with reportId ''. A slot that does
     * not open (a damaged or foreign entry) is left out.
     */
    async read(term: string, below: number, limit: number): Promise<FiledSlot[]> {
      const out: FiledSlot[] = [];
      for (let top = below; top > 0 && out.length < limit; top -= READ_BATCH) {
        const slots = Array.from({ length: Math.min(READ_BATCH, top, limit - out.length) }, (_, i) => top - 1 - i);
        const entries = await Promise.all(slots.map((slot) => terms.findOne({ _id: `${term}#${slot}` })));
        entries.forEach((entry, i) => {
          if (!entry) return;
          let reportId = '';
          try {
            reportId = entry.reportId === '' ? '' : ids().open(`search_terms/${entry._id}`, entry.reportId);
          } catch {
            reportId = '';
          }
          out.push({ slot: slots[i]!, reportId });
        });
      }
      return out;
    },

    /**
     * Claims a reference for a report before it is stored. False when
     * another report holds it (intake then takes the next reference).
     */
    async claimReference(reference: string, reportId: string): Promise<boolean> {
      if (await insertIfAbsent(refs, { _id: reference, reportId })) return true;
      return (await refs.findOne({ _id: reference }))?.reportId === reportId;
    },

    /**
     * Files the references of reports stored before this table existed, once
     * (a scan of `reports`, at start-up; a marker records that it ran).
     */
    async backfillReferences(stored: AsyncIterable<{ _id: string; reference: string }>) {
      if (await refs.findOne({ _id: '#backfilled' })) return;
      for await (const doc of stored) await insertIfAbsent(refs, { _id: doc.reference, reportId: doc._id });
      await insertIfAbsent(refs, { _id: '#backfilled', reportId: '' });
    },

    /**
     * Erasure: the reference leaves the table (trust review 2, item 9: only
     * the report's tombstone and audit entries name it). It is never issued
     * again all the same: references come from reserved blocks, and the
     * tombstone keeps it under the unique index of `reports`.
     */
    async releaseReference(reference: string, reportId: string) {
      await refs.deleteOne({ _id: reference, reportId });
    },

    /** The id of the report holding `reference`, or null when none does (unknown, or erased: one lookup by _id). */
    async idOfReference(reference: string): Promise<string | null> {
      return (await refs.findOne({ _id: reference }))?.reportId ?? null;
    },
  };
}

