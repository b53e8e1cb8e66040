/**
 * Finding reports: by reference, the reports I hold, and search over the
 * blind indexes (reports/store/search-index.ts), open and closed alike.
 *
 * A search answers two things, kept apart so that neither says anything of
 * a report the viewer may not read beyond "a report on desk X matches one of
 * your terms" (trust review 2, item 3):
 *
 * - **Hits**: the reports the viewer MAY read that meet every term and
 *   every filter, newest filed first, paged. The walk goes down the slots of
 *   ONE term field, chosen by a fixed order (phone, vehicle, postcode, name:
 *   never by how many reports a term holds, which counts unreadable ones
 *   too), reads each candidate by `_id` (or uses the copy this process kept
 *   from reading it less than a minute ago: reports/store/report-cache.ts),
 *   passes over every report the viewer may not read before anything else
 *   is looked at (no filter, no other
 *   term, no decryption, no count towards the page's budget), applies the
 *   plain filters and the other terms' `bidx`, then CONFIRMS it by
 *   decrypting its indexed groups (terms are truncated and collide on
 *   purpose). A page's cursor is sealed (it would otherwise show the slot
 *   numbers, and so how many reports sit between two hits).
 * - **Deconfliction**: for the reports the viewer may NOT read, at most one
 *   notice per desk (or "awaiting triage"), computed from the terms alone:
 *   OR over the terms, every filter ignored, no per-term match, no
 *   reference, time, status or count. Each candidate of a desk not yet
 *   noticed is confirmed by decryption against any of the terms. The same
 *   on every page of a search. It starts from what the page walk read, stops
 *   once every desk the viewer cannot read is noticed, and looks for a report
 *   awaiting triage only above each term's routed floor (`deconflict`).
 *
 * Each decryption is audited as a `report.read` (purpose `search`,
 * `disclosed` saying whether it became a hit), and the search as a
 * `report.search` carrying each term's kind and blind-index value, never the
 * value typed, and the desks noticed; all before anything is returned.
 *
 * No silent cap: a page confirms at most SCAN_BUDGET readable candidates and
 * reads at most SLOT_BUDGET slots; when either runs out the page may be short
 * and `hasNextPage` is true with a cursor where the walk stopped. The
 * deconfliction walk reads at most SLOT_BUDGET slots from the store too (the
 * page walk's are not read again), and says when it could not finish
 * (`deconflictionComplete`).
 */
import { randomBytes } from 'node:crypto';
import { Binary } from 'mongodb';
import { DESKS, type Desk, type Principal, type StaffPrincipal } from '../../auth/types.js';
import type { BlindIndexer, IndexKind } from '../../crypto/index.js';
import { badInput, notFound } from '../../errors.js';
import * as access from '../rules/access.js';
import { pageSize, type Connection } from '../../paging.js';
import type { DeskDeps } from './deps.js';
import { searchTermsOf } from '../model/indexed-content.js';
import type { IndexedRead } from '../content/vault.js';
import { createEnvelopeMac, type EnvelopeDoc } from '../model/envelope-mac.js';
import { listed, userActor } from './presenters.js';
import type { ReportView } from './view.js';
import type { Borough, ReportStatus, ThreatCategory } from '../model/types.js';

/** Readable candidates one page may confirm before it stops (and says where). */
export const SCAN_BUDGET = 200;
/** Slots one walk (a page's, or the deconfliction's) reads at most: bounds the work a crowded term costs. */
export const SLOT_BUDGET = 5_000;
/** Slots the deconfliction walk reads at once: it usually reads a term to its end (a desk no report is on is never noticed). */
const DECONFLICTION_BATCH = 128;

/** The searchable terms and the filters that narrow them (GraphQL `ReportSearchInput`). */
export interface ReportSearchFilter {
  subjectName?: string | null;
  phone?: string | null;
  vehicleRegistration?: string | null;
  postcode?: string | null;
  desk?: Desk | null;
  status?: ReportStatus | null;
  borough?: Borough | null;
  category?: ThreatCategory | null;
  receivedFrom?: Date | null;
  receivedTo?: Date | null;
}

type TermField = 'subjectName' | 'phone' | 'vehicleRegistration' | 'postcode';
const TERM_KINDS: Record<TermField, IndexKind> = { subjectName: 'name', phone: 'phone', vehicleRegistration: 'vehicle', postcode: 'postcode' };
const TERM_FIELDS = Object.keys(TERM_KINDS) as TermField[];
/** Which term field a page walks: the first given in this order (the usually rarer values first; a name walks its spelling variants). */
const DRIVER_ORDER: TermField[] = ['phone', 'vehicleRegistration', 'postcode', 'subjectName'];

/** A report the viewer may read that meets every term and filter. */
export interface SearchHit {
  reportId: string;
  reference: string;
  desk: Desk | null;
  /** Plain state of the report (never encrypted): what an entity page lists beside the reference. */
  status: ReportStatus;
  receivedAt: Date;
  categories: ThreatCategory[];
  borough: Borough | null;
  /** How each term met the report: `subjectName:EXACT`, `subjectName:PHONETIC`, `subjectName:NAME_PART` (a word of the name), `subjectName:NAME_PART_PHONETIC`, `phone:EXACT`… */
  matches: string[];
}

/** That a report the viewer may not read, on `desk` (null: awaiting triage), meets one of the terms. Nothing else. */
export interface DeconflictionNotice {
  desk: Desk | null;
  message: string;
}

export type SearchConnection = Connection<SearchHit> & { deconfliction: DeconflictionNotice[]; deconflictionComplete: boolean };

/** The one sentence a deconfliction notice says. */
export function deconflictionMessage(desk: Desk | null): string {
  return desk ? `A report on desk ${desk} matches one of your terms` : 'A report awaiting triage matches one of your terms';
}

interface Cursor {
  /** The term field walked, the index of its term, and the slot the walk continues below. */
  f: TermField;
  t: number;
  s: number;
}

/** A slot of a term as read: its number and the report filed there ('' for a blanked slot). */
interface Slot {
  slot: number;
  reportId: string;
}

/** What a page walk read, which the deconfliction walk then reads from instead of the store. */
interface PageReads {
  /** Each candidate as read, in the order read (null: not stored, or one the viewer may read that is not its current version; another desk's is not checked). */
  docs: Map<string, EnvelopeDoc | null>;
  /** Per term, the slots read: every slot from `lo` up to (not including) `hi`, but any not found. */
  slots: Map<string, { lo: number; hi: number; slots: Slot[] }>;
}

/** What one term field looks for: the query value, the terms walked for it, and the exact terms a `bidx` may hold. */
interface Wanted {
  field: TermField;
  kind: IndexKind;
  value: string;
  /** Terms walked for this field (a name: its phonetic lookup terms, `phoneticLookupTermsFor`), under the current then previous index keys. */
  walk: string[];
  /** The exact terms (current and previous keys): a candidate whose `bidx` holds none cannot match (names: decrypted instead). */
  exact: string[];
}

function wantedOf(indexers: readonly BlindIndexer[], filter: ReportSearchFilter): Wanted[] {
  const wanted: Wanted[] = [];
  for (const field of TERM_FIELDS) {
    const raw = filter[field];
    if (raw === null || raw === undefined || raw.trim() === '') continue;
    if (raw.length > 200) throw badInput('A search term is at most 200 characters', ['filter', field]);
    const kind = TERM_KINDS[field];
    const exact = indexers.map((ix) => ix.termFor(kind, raw)).filter((t): t is string => !!t);
    if (!exact.length) throw badInput(`This ${field} cannot be searched: check how it is written`, ['filter', field]);
    const phonetic = kind === 'name' ? indexers.flatMap((ix) => ix.phoneticLookupTermsFor(raw)) : [];
    // A one-word name is also a part of longer names (a surname alone, a given name misspelt): its part terms are walked after its own.
    const parts = kind === 'name' ? indexers.map((ix) => ix.partQueryTermsFor(raw)).flatMap((p) => [...p.exact, ...p.phonetic]) : [];
    wanted.push({ field, kind, value: raw, walk: [...new Set([...(phonetic.length ? phonetic : exact), ...parts])], exact: [...new Set(exact)] });
  }
  if (!wanted.length) throw badInput('Give at least one of subjectName, phone, vehicleRegistration or postcode', ['filter']);
  return wanted;
}

/** The plain filters (no decryption): desk, status, borough, category, received between. Readable candidates only. */
function passesFilters(doc: EnvelopeDoc, f: ReportSearchFilter): boolean {
  if (f.desk && doc.desk !== f.desk) return false;
  if (f.status && doc.status !== f.status) return false;
  if (f.borough && doc.borough !== f.borough) return false;
  if (f.category && !doc.categories.includes(f.category)) return false;
  if (f.receivedFrom && doc.receivedAt < f.receivedFrom) return false;
  if (f.receivedTo && doc.receivedAt > f.receivedTo) return false;
  return true;
}

/** The find reads of the desk service. */
export function createFinding(deps: Pick<DeskDeps, 'reports' | 'crypto' | 'vault' | 'audit' | 'log'>, read: (principal: Principal | null, id: string) => Promise<ReportView>) {
  const { reports, crypto, vault, audit, log } = deps;
  const envelope = createEnvelopeMac(crypto.integrity);
  const indexers = [crypto.blindIndex, ...crypto.previousBlindIndexes];

  // The cursor is sealed to its viewer: its slot numbers would say how many reports (readable or not) lie between two hits.
  const cursorPlace = (viewer: StaffPrincipal) => `search-cursor/${viewer.userId}`;
  function encodeCursor(viewer: StaffPrincipal, c: Cursor) {
    return Buffer.from(crypto.linkIds.seal(cursorPlace(viewer), JSON.stringify(c)).value()).toString('base64url');
  }
  function decodeCursor(viewer: StaffPrincipal, raw: string): Cursor {
    const invalid = () => badInput('`after` is not a cursor returned by this search', ['after']);
    if (raw.length > 400 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
    try {
      const c = JSON.parse(crypto.linkIds.open(cursorPlace(viewer), new Binary(Buffer.from(raw, 'base64url')))) as Cursor;
      if (TERM_FIELDS.includes(c.f) && Number.isInteger(c.t) && c.t >= 0 && Number.isInteger(c.s) && c.s >= 0) return c;
    } catch {
      // falls through
    }
    throw invalid();
  }

  /**
   * Decrypts a candidate's indexed values (the content module's read: reports/content/vault.ts)
   * and says how each wanted term meets them (`null` for a term that does not:
   * a false positive of the truncated index, or simply another term's
   * report), and the terms it is filed under, with the read to record. A
   * candidate whose envelope fails or that does not decrypt is logged and
   * left out (null).
   */
  function termsMet(doc: EnvelopeDoc, wanted: Wanted[]): { matches: (string | null)[]; terms: Set<string>; read: IndexedRead } | null {
    const problems = envelope.problems(doc);
    if (problems) {
      log.error({ reportId: doc._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'search-candidate' }, 'data integrity failure');
      return null;
    }
    try {
      const read = vault.openIndexed(doc);
      const matches = wanted.map((w) => {
        const mine = read.values[w.kind];
        if (mine.some((v) => crypto.blindIndex.sameNormalised(w.kind, v, w.value))) return `${w.field}:EXACT`;
        if (w.kind === 'name' && mine.some((v) => crypto.blindIndex.samePhonetic(v, w.value))) return `${w.field}:PHONETIC`;
        if (w.kind === 'name') {
          const part = mine.map((v) => crypto.blindIndex.partMatch(v, w.value));
          if (part.includes('EXACT')) return `${w.field}:NAME_PART`;
          if (part.includes('PHONETIC')) return `${w.field}:NAME_PART_PHONETIC`;
        }
        return null;
      });
      return { matches, terms: new Set(indexers.flatMap((ix) => searchTermsOf(ix, read.values))), read };
    } catch (err) {
      log.error({ reportId: doc._id, errName: (err as Error)?.name, purpose: 'search-candidate' }, 'search candidate does not decrypt');
      return null;
    }
  }

  /**
   * The audit entry of one candidate decrypted by a search. Its promise is awaited with the others before any hit
   * leaves (with the search's own entry, below), but only after more candidates were read: it is marked handled here, so that an
   * append refused meanwhile is not a rejection nobody waits for yet (that would end the process).
   */
  const candidateRead = (viewer: StaffPrincipal, searchId: string, read: IndexedRead, matched: boolean, disclosed: boolean) => {
    const recorded = read.record(userActor(viewer), { purpose: 'search', search: searchId, matched, disclosed });
    recorded.catch(() => undefined);
    return recorded;
  };

  /**
   * The desks (null: awaiting triage) holding a report the viewer may not
   * read that meets ANY of the terms: every filter ignored, one notice a
   * desk at most, each confirmed by decrypting a candidate (audited as any
   * search read). A supervisor reads every desk: nothing to notice.
   *
   * What it costs, and why each saving keeps the answer exact:
   * - **What the page walk read first.** Its candidates the viewer may not
   *   read were read whole and passed over undecrypted (and unchecked for
   *   freshness): they are confirmed here without a second read (checked
   *   first, as every decrypted candidate is), and the slots it read
   *   are not read again (they are candidates of the same terms; the page
   *   walk's terms are among the walked ones).
   * - **It stops** as soon as every desk the viewer cannot read has a
   *   notice: a further match would add nothing.
   * - **The routed floor.** When "awaiting triage" is the only notice still
   *   open, a term is walked only above its routed floor (reports/store/search-index.ts
   *   `routedFloor`): below it no report awaits triage, and none ever will
   *   again (a report leaves that state once). A walk that covered a term
   *   down to its floor raises the floor to the lowest slot still holding a
   *   report awaiting triage or one not stored yet, or a slot not found (or
   *   to the term's count: none), so the next search of the term
   *   reads only what was filed since. A desk other than "awaiting triage"
   *   still open makes the walk go to the term's end, as before.
   * Otherwise as before: every term's slots newest first, a light read of
   * where each report sits, a whole read only for a report on a desk not yet
   * noticed; at most SLOT_BUDGET slots read from the store, and not complete
   * when that ran out first.
   */
  async function deconflict(
    viewer: StaffPrincipal,
    wanted: Wanted[],
    counts: Map<string, number>,
    floors: Map<string, number>,
    page: PageReads,
    searchId: string,
    reads: Promise<unknown>[],
  ) {
    const unreadable = [...DESKS, null].filter((desk) => !access.canReadReport(viewer, { desk }));
    const noticed = new Set<Desk | null>();
    const done = () => noticed.size === unreadable.length;
    const onlyAwaitingOpen = () => unreadable.every((desk) => desk === null || noticed.has(desk));
    /** Where each report met sits: its desk and status, or null when it is not stored (or not current). */
    const where = new Map<string, { desk: Desk | null; status: ReportStatus } | null>();
    for (const [id, doc] of page.docs) where.set(id, doc ? { desk: doc.desk, status: doc.status } : null);
    const examined = new Set<string>();
    const floorRaises: Promise<unknown>[] = [];
    let slotsRead = 0;
    let exhausted = false;

    /** Confirms one report for its desk's notice: the page walk's read when it made one, else a read by `_id` now. */
    async function confirm(id: string) {
      if (examined.has(id)) return;
      examined.add(id);
      // A page walk's fresh read of another desk's report was not checked for freshness: it is now, before it is
      // decrypted (a kept copy was found current as the page walk took it: the repository does not check it twice).
      const doc = page.docs.has(id) ? await reports.currentOrNull(page.docs.get(id) ?? null) : await reports.findForConfirming(id);
      if (!doc?.content || !doc.dataKey || access.canReadReport(viewer, doc) || noticed.has(doc.desk)) return;
      const met = termsMet(doc, wanted);
      if (!met) return;
      const any = met.matches.some((m) => m !== null);
      reads.push(candidateRead(viewer, searchId, met.read, any, false));
      if (any) noticed.add(doc.desk);
    }

    // What the page walk read, in its order.
    for (const [id, doc] of page.docs) {
      if (done()) break;
      if (doc && !access.canReadReport(viewer, doc) && !noticed.has(doc.desk)) await confirm(id);
    }

    walk: for (const term of [...new Set(wanted.flatMap((w) => w.walk))]) {
      if (done()) break;
      const top = counts.get(term) ?? 0;
      const floor = Math.min(floors.get(term) ?? 0, top);
      const bottom = () => (onlyAwaitingOpen() ? floor : 0);
      const cached = page.slots.get(term);
      /** Slots of this term this walk saw blank, or holding a report with a desk or erased: a raised floor passes only these. */
      const seenOk = new Set<number>();
      let below = top;
      while (below > bottom() && !done()) {
        let batch: Slot[];
        if (cached && below <= cached.hi && below > cached.lo) {
          // The page walk read these already.
          const to = Math.max(bottom(), cached.lo);
          batch = cached.slots.filter((s) => s.slot < below && s.slot >= to);
          below = to;
        } else {
          if (slotsRead >= SLOT_BUDGET) {
            exhausted = true;
            break walk;
          }
          const stop = cached && below > cached.hi ? Math.max(cached.hi, bottom()) : bottom();
          const limit = Math.min(DECONFLICTION_BATCH, below - stop, SLOT_BUDGET - slotsRead);
          batch = (await reports.search.read(term, below, limit)).filter((s) => s.slot >= below - limit);
          slotsRead += limit;
          below -= limit;
        }
        // Where each sits first (a light read, once a report); only a report on a desk not yet noticed is read whole and decrypted.
        const unknown = [...new Set(batch.map((s) => s.reportId).filter((id) => id && !where.has(id)))];
        if (unknown.length) {
          const located = new Map((await reports.findDesks(unknown)).map((d) => [d._id, d] as const));
          for (const id of unknown) where.set(id, located.get(id) ?? null);
        }
        for (const { slot, reportId } of batch) {
          const at = reportId ? where.get(reportId) : undefined;
          if (!reportId || (at && (at.desk !== null || at.status === 'ERASED'))) seenOk.add(slot);
          if (!at || done() || access.canReadReport(viewer, at) || noticed.has(at.desk)) continue;
          await confirm(reportId);
        }
      }
      // Covered from the top down to the floor: raise it to the lowest slot that may still await triage.
      if (unreadable.includes(null) && below <= floor) {
        let raised = floor;
        while (raised < top && seenOk.has(raised)) raised++;
        if (raised > floor) floorRaises.push(reports.search.raiseFloor(term, raised));
      }
    }
    const order = (d: Desk | null) => (d === null ? DESKS.length : DESKS.indexOf(d));
    const notices = [...noticed].sort((a, b) => order(a) - order(b)).map((desk) => ({ desk, message: deconflictionMessage(desk) }));
    return { notices, complete: done() || !exhausted, floorRaises };
  }

  return {
    /** The report holding an ATH reference, read exactly as `report` reads it (same rules, same audit). */
    async reportByReference(principal: Principal | null, reference: string): Promise<ReportView> {
      access.assertStaff(principal);
      const wanted = typeof reference === 'string' ? reference.trim().toUpperCase() : '';
      if (!/^[A-Z]{2,8}-\d{4}-\d{1,12}$/.test(wanted)) throw notFound('Report');
      const id = await reports.search.idOfReference(wanted);
      const held = id ? await reports.findSummary(id) : null;
      if (!id || held?.reference !== wanted) throw notFound('Report'); // a claim left by an insert that failed
      return read(principal, id);
    },

    /**
     * The reports the caller holds, by status then age; state only (nothing
     * decrypted: open one with `report`). Read from the holder's list
     * (reports/store/person-lists.ts), whose rows carry the listing: a
     * handful of lookups by `_id`, never a scan and no read of a report a row.
     */
    async myReports(principal: Principal | null): Promise<ReportView[]> {
      access.assertStaff(principal);
      const docs = await reports.heldListOf(principal.userId, 500);
      const held = docs.filter((d) => access.holdsReport(principal, d));
      held.sort((a, b) => a.status.localeCompare(b.status) || a.receivedAt.getTime() - b.receivedAt.getTime());
      return held.map((d) => listed(principal, d, d.links ?? []));
    },

    /** Equality search over the blind indexes: readable hits, and deconfliction notices for the rest (see the file's comment). */
    async searchReports(principal: Principal | null, filter: ReportSearchFilter, first?: number | null, after?: string | null): Promise<SearchConnection> {
      access.assertStaff(principal);
      const viewer = principal;
      const size = pageSize(first);
      const wanted = wantedOf(indexers, filter);
      const cursor = after === null || after === undefined ? null : decodeCursor(viewer, after);
      const byOrder = (w: Wanted) => DRIVER_ORDER.indexOf(w.field);
      const driver = cursor ? wanted.find((w) => w.field === cursor.f) : [...wanted].sort((a, b) => byOrder(a) - byOrder(b))[0];
      if (!driver || (cursor && cursor.t >= driver.walk.length)) throw badInput('`after` is not a cursor returned by this search', ['after']);
      const allTerms = [...new Set(wanted.flatMap((w) => w.walk))];
      // The routed floors (read with the counts, at once) serve only the deconfliction: a supervisor has none.
      const noticing = !access.isSupervisor(viewer);
      const [counts, floors] = await Promise.all([
        Promise.all(allTerms.map(async (t) => [t, await reports.search.count(t)] as const)).then((c) => new Map(c)),
        Promise.all(allTerms.map(async (t) => [t, noticing ? await reports.search.routedFloor(t) : 0] as const)).then((f) => new Map(f)),
      ]);
      const pageReads: PageReads = { docs: new Map(), slots: new Map() };
      const others = wanted.filter((w) => w !== driver && w.kind !== 'name');
      const searchId = randomBytes(9).toString('base64url');
      const reads: Promise<unknown>[] = [];

      // Each candidate costs a lookup of its slot and of its report: read about as many as the page still needs
      // (a name's candidates nearly all confirm), more when plain filters will turn some away.
      const filtered = !!(filter.desk || filter.status || filter.borough || filter.category || filter.receivedFrom || filter.receivedTo || others.length);
      const batchFor = (needed: number) => Math.max(4, Math.min(32, filtered ? needed * 2 : needed));
      const hits: { hit: SearchHit; cursor: Cursor }[] = [];
      const seen = new Set<string>();
      let examined = 0;
      let slotsRead = 0;
      let position: Cursor | null = null; // where the walk stopped, when it did before the end
      walk: for (let t = cursor?.t ?? 0; t < driver.walk.length; t++) {
        const term = driver.walk[t]!;
        let below = t === cursor?.t ? cursor.s : counts.get(term)!;
        while (below > 0) {
          if (hits.length > size) break walk;
          if (examined >= SCAN_BUDGET || slotsRead >= SLOT_BUDGET) {
            position = { f: driver.field, t, s: below };
            break walk;
          }
          const limit = Math.min(batchFor(size + 1 - hits.length), SCAN_BUDGET - examined, SLOT_BUDGET - slotsRead);
          const slots = await reports.search.read(term, below, limit);
          if (!slots.length) break;
          slotsRead += slots.length;
          // Kept for the deconfliction walk: the range read (down to the lowest slot asked for or returned) and what it held.
          const range = pageReads.slots.get(term) ?? { lo: below, hi: below, slots: [] };
          range.lo = Math.max(0, Math.min(below - limit, slots.at(-1)!.slot));
          range.slots.push(...slots);
          pageReads.slots.set(term, range);
          // The batch's candidates are read at once (lookups by _id), then examined in slot order.
          const fresh = [...new Set(slots.map((s) => s.reportId).filter((id) => id && !seen.has(id)))];
          // Only a candidate the viewer may read is then checked to be its report's current version (two lookups): another
          // desk's is passed over unused here, and checked only if the deconfliction walk decrypts it. A candidate this
          // process kept from an earlier read costs its check alone (repository `findCandidates`).
          const read = await reports.findCandidates(fresh, (doc) => access.canReadReport(viewer, doc));
          const docs = new Map(fresh.map((id, i) => [id, read[i] ?? null] as const));
          for (const [id, doc] of docs) pageReads.docs.set(id, doc);
          for (const { slot, reportId } of slots) {
            below = slot;
            if (hits.length > size) break walk;
            if (!reportId || seen.has(reportId)) continue;
            seen.add(reportId);
            const doc = docs.get(reportId) ?? null;
            // A report the viewer may not read is passed over before anything else: it is deconfliction's alone.
            if (!doc?.content || !doc.dataKey || !access.canReadReport(viewer, doc)) continue;
            examined++;
            if (!passesFilters(doc, filter)) continue;
            if (others.some((w) => !w.exact.some((e) => doc.bidx.includes(e)))) continue;
            const met = termsMet(doc, wanted);
            if (!met) continue;
            const confirmed = met.matches.every((m) => m !== null);
            reads.push(candidateRead(viewer, searchId, met.read, confirmed, confirmed));
            // Met under an earlier walked term: returned there already.
            if (!confirmed || driver.walk.slice(0, t).some((earlier) => met.terms.has(earlier))) continue;
            hits.push({
              hit: { reportId: doc._id, reference: doc.reference, desk: doc.desk, status: doc.status, receivedAt: doc.receivedAt, categories: doc.categories, borough: doc.borough ?? null, matches: met.matches as string[] },
              cursor: { f: driver.field, t, s: slot },
            });
          }
        }
      }
      const page = hits.slice(0, size);
      const hasNextPage = hits.length > size || position !== null;
      const deconfliction = noticing ? await deconflict(viewer, wanted, counts, floors, pageReads, searchId, reads) : { notices: [], complete: true, floorRaises: [] };
      // Confidentiality over availability: the search and every decryption are on record before any result leaves.
      await Promise.all([
        ...reads,
        ...deconfliction.floorRaises,
        audit.record({
          action: 'report.search',
          actor: userActor(viewer),
          outcome: 'success',
          details: {
            search: searchId,
            terms: wanted.map((w) => ({ field: w.field, kind: w.kind, blindIndex: w.exact, variants: w.kind === 'name' ? w.walk : [] })),
            filters: {
              desk: filter.desk ?? null,
              status: filter.status ?? null,
              borough: filter.borough ?? null,
              category: filter.category ?? null,
              receivedFrom: filter.receivedFrom ?? null,
              receivedTo: filter.receivedTo ?? null,
            },
            examined,
            hits: page.length,
            hasNextPage,
            deconfliction: deconfliction.notices.map((n) => n.desk ?? 'awaiting-triage'),
          },
        }),
      ]);
      const edges = page.map((h) => ({ cursor: encodeCursor(viewer, h.cursor), node: h.hit }));
      const endCursor = hits.length > size || !position ? (edges.at(-1)?.cursor ?? null) : encodeCursor(viewer, position);
      return {
        edges,
        pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor },
        deconfliction: deconfliction.notices,
        deconflictionComplete: deconfliction.complete,
      };
    },
  };
}
