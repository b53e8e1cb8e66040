/**
 * Finding reports: by reference, the reports I hold, and search over the
 * blind indexes (reports/search-index.ts), open and closed alike.
 *
 * Search walks the slots of ONE term kind (the one filed by the fewest
 * reports; a name walks its phonetic terms, which contain its exact ones),
 * newest slot first, reads each candidate by `_id`, applies the plain
 * filters and the other terms' `bidx`, then CONFIRMS it by decrypting its
 * indexed groups (terms are truncated and collide on purpose). Every
 * candidate is confirmed, readable or not: otherwise another desk's
 * investigator would be shown the references of reports that merely collide.
 * Each decryption is audited as a `report.read` (purpose `search`,
 * `disclosed` saying whether the viewer may read it), and the search as a
 * `report.search` carrying each term's kind and blind-index value, never the
 * value typed; all before anything is returned. A hit the viewer may not read
 * shows its reference and desk only (deconfliction); its `report` is read
 * through `report` (disclosure.ts), audited like any other read.
 *
 * No silent cap: a page examines at most SCAN_BUDGET candidates; when that
 * runs out, the page may be short and `hasNextPage` is true with a cursor
 * where the walk stopped.
 */
import { randomBytes } from 'node:crypto';
import type { Desk, Principal, StaffPrincipal } from '../auth/types.js';
import { INDEXED_GROUPS, indexedValuesOf, type BlindIndexer, type IndexKind } from '../crypto/index.js';
import { badInput, notFound } from '../errors.js';
import * as access from './access.js';
import { pageSize, type Connection } from './cursors.js';
import type { DeskServiceDeps } from './desk-deps.js';
import { createEnvelopeMac, type EnvelopeDoc } from './envelope-mac.js';
import { listed, userActor } from './presenters.js';
import type { ReportView } from './schema.js';
import type { Borough, ReportDoc, ReportStatus, ThreatCategory } from './types.js';

/** Candidates one page may read and confirm before it stops (and says where). */
export const SCAN_BUDGET = 200;

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

export interface SearchHit {
  reportId: string;
  reference: string;
  desk: Desk | null;
  readable: boolean;
  /** How each term met the report: `subjectName:EXACT`, `subjectName:PHONETIC`, `phone:EXACT`… */
  matches: string[];
}

interface Cursor {
  /** The term field walked, the index of its term, and the slot the walk continues below. */
  f: TermField;
  t: number;
  s: number;
}

function encodeCursor(c: Cursor) {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  const invalid = () => badInput('`after` is not a cursor returned by this search', ['after']);
  if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (TERM_FIELDS.includes(c.f) && Number.isInteger(c.t) && c.t >= 0 && Number.isInteger(c.s) && c.s >= 0) return c;
  } catch {
    // falls through
  }
  throw invalid();
}

/** What one term field looks for: the query value, the terms walked for it, and the exact terms a `bidx` may hold. */
interface Wanted {
  field: TermField;
  kind: IndexKind;
  value: string;
  /** Terms walked when this field drives the search (a name: its phonetic terms), under the current then previous index keys. */
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
    const phonetic = kind === 'name' ? indexers.flatMap((ix) => ix.phoneticTermsFor(raw)) : [];
    wanted.push({ field, kind, value: raw, walk: [...new Set(phonetic.length ? phonetic : exact)], exact: [...new Set(exact)] });
  }
  if (!wanted.length) throw badInput('Give at least one of subjectName, phone, vehicleRegistration or postcode', ['filter']);
  return wanted;
}

/** The plain filters (no decryption): desk, status, borough, category, received between. */
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
export function createFinding(deps: Pick<DeskServiceDeps, 'reports' | 'crypto' | 'audit' | 'log'>, read: (principal: Principal | null, id: string) => Promise<ReportView>) {
  const { reports, crypto, audit, log } = deps;
  const envelope = createEnvelopeMac(crypto.integrity);
  const indexers = [crypto.blindIndex, ...crypto.previousBlindIndexes];

  /**
   * Decrypts a candidate's indexed values and says how each wanted term
   * meets them (null: one does not, a false positive of the truncated index).
   */
  function confirm(doc: EnvelopeDoc, wanted: Wanted[]): { matches: string[]; terms: Set<string> } | null {
    const content = crypto.cipher.withDataKey(doc._id, doc.dataKey!, (key) => crypto.codec.decryptContent(key, doc._id, doc.content!, { fields: [...INDEXED_GROUPS] }));
    const values = indexedValuesOf(content);
    const matches: string[] = [];
    for (const w of wanted) {
      const mine = values[w.kind];
      if (mine.some((v) => crypto.blindIndex.sameNormalised(w.kind, v, w.value))) matches.push(`${w.field}:EXACT`);
      else if (w.kind === 'name' && mine.some((v) => crypto.blindIndex.samePhonetic(v, w.value))) matches.push(`${w.field}:PHONETIC`);
      else return null;
    }
    return { matches, terms: new Set(indexers.flatMap((ix) => ix.searchTermsFor(content))) };
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
     * decrypted: open one with `report`). Read through the holdings table
     * (holdings.ts), never a scan of `reports`.
     */
    async myReports(principal: Principal | null): Promise<ReportView[]> {
      access.assertStaff(principal);
      const docs = await reports.findHeldBy(principal.userId, 500);
      const held = docs.filter((d) => access.holdsReport(principal, d));
      held.sort((a, b) => a.status.localeCompare(b.status) || a.receivedAt.getTime() - b.receivedAt.getTime());
      return held.map((d) => listed(principal, d, d.links ?? []));
    },

    /** Equality search over the blind indexes (see the file's comment). */
    async searchReports(principal: Principal | null, filter: ReportSearchFilter, first?: number | null, after?: string | null): Promise<Connection<SearchHit>> {
      access.assertStaff(principal);
      const size = pageSize(first);
      const wanted = wantedOf(indexers, filter);
      const cursor = after === null || after === undefined ? null : decodeCursor(after);
      const counts = new Map(await Promise.all(wanted.flatMap((w) => w.walk).map(async (t) => [t, await reports.search.count(t)] as const)));
      const cost = (w: Wanted) => w.walk.reduce((n, t) => n + counts.get(t)!, 0);
      const driver = cursor ? wanted.find((w) => w.field === cursor.f) : [...wanted].sort((a, b) => cost(a) - cost(b))[0];
      if (!driver || (cursor && cursor.t >= driver.walk.length)) throw badInput('`after` is not a cursor returned by this search', ['after']);
      const others = wanted.filter((w) => w !== driver && w.kind !== 'name');
      const searchId = randomBytes(9).toString('base64url');
      const viewer = principal as StaffPrincipal;

      // Each candidate costs a lookup of its slot and of its report: read about as many as the page still needs
      // (a name's candidates nearly all confirm), more when plain filters will turn some away.
      const filtered = !!(filter.desk || filter.status || filter.borough || filter.category || filter.receivedFrom || filter.receivedTo || others.length);
      const batchFor = (needed: number) => Math.max(4, Math.min(32, filtered ? needed * 2 : needed));
      const hits: { hit: SearchHit; cursor: Cursor }[] = [];
      const reads: Promise<unknown>[] = [];
      const seen = new Set<string>();
      let examined = 0;
      let position: Cursor | null = null; // where the walk stopped, when it did before the end
      walk: for (let t = cursor?.t ?? 0; t < driver.walk.length; t++) {
        const term = driver.walk[t]!;
        let below = t === cursor?.t ? cursor.s : counts.get(term)!;
        while (below > 0) {
          if (hits.length > size) break walk;
          if (examined >= SCAN_BUDGET) {
            position = { f: driver.field, t, s: below };
            break walk;
          }
          const slots = await reports.search.read(term, below, Math.min(batchFor(size + 1 - hits.length), SCAN_BUDGET - examined));
          if (!slots.length) break;
          // The batch's candidates are read at once (lookups by _id), then examined in slot order.
          const fresh = [...new Set(slots.map((s) => s.reportId).filter((id) => id && !seen.has(id)))];
          const docs = new Map(await Promise.all(fresh.map(async (id) => [id, await reports.findForConfirming(id)] as const)));
          for (const { slot, reportId } of slots) {
            below = slot;
            if (hits.length > size) break walk;
            if (!reportId || seen.has(reportId)) continue;
            seen.add(reportId);
            examined++;
            const doc = docs.get(reportId) ?? null;
            if (!doc?.content || !doc.dataKey || !passesFilters(doc, filter)) continue;
            if (others.some((w) => !w.exact.some((e) => doc.bidx.includes(e)))) continue;
            const problems = envelope.problems(doc);
            if (problems) {
              log.error({ reportId: doc._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'search-candidate' }, 'data integrity failure');
              continue;
            }
            let confirmed: ReturnType<typeof confirm>;
            try {
              confirmed = confirm(doc, wanted);
            } catch (err) {
              log.error({ reportId: doc._id, errName: (err as Error)?.name, purpose: 'search-candidate' }, 'search candidate does not decrypt');
              continue;
            }
            const readable = access.canReadReport(viewer, doc);
            reads.push(
              audit.record({
                action: 'report.read',
                actor: userActor(viewer),
                target: { type: 'report', id: doc._id },
                outcome: 'success',
                details: { purpose: 'search', search: searchId, fields: [...INDEXED_GROUPS], matched: !!confirmed, disclosed: !!confirmed && readable },
              }),
            );
            // Met under an earlier walked term: returned there already.
            if (!confirmed || driver.walk.slice(0, t).some((earlier) => confirmed.terms.has(earlier))) continue;
            hits.push({
              hit: { reportId: doc._id, reference: doc.reference, desk: doc.desk, readable, matches: confirmed.matches },
              cursor: { f: driver.field, t, s: slot },
            });
          }
        }
      }
      const page = hits.slice(0, size);
      const hasNextPage = hits.length > size || position !== null;
      // Confidentiality over availability: the search and every decryption are on record before any result leaves.
      await Promise.all([
        ...reads,
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
          },
        }),
      ]);
      const edges = page.map((h) => ({ cursor: encodeCursor(h.cursor), node: h.hit }));
      const endCursor = hits.length > size || !position ? (edges.at(-1)?.cursor ?? null) : encodeCursor(position);
      return { edges, pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor } };
    },
  };
}
