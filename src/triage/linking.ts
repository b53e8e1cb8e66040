/**
 * Linking: reports that share a blind-index term are candidates; a link is
 * recorded only after decrypting both and confirming that the normalised
 * values really are equal (blind indexes are truncated and collide on
 * purpose). The caller's identity is never used for linking.
 *
 * No silent caps: every report is filed under every term (reports/store/link-terms.ts);
 * open and closed reports are candidates alike; when a term was filed by
 * more reports than it is reasonable to decrypt (LINK_SHARED_THRESHOLD), the
 * most recent ones are compared and the report says so
 * (`shared-by-more-than:<kind>:<N>`, shown as "vehicle shared by more than N
 * reports"); the others stay filed, for search. Routing follows only links
 * to open reports found through a term that is not crowded (`routingLinks`).
 * Subject names that only sound alike make a possible link (reason
 * `namePhonetic`: `possibleCandidates`), which never steers routing.
 */
import type { AuditLog } from '../audit/types.js';
import type { Crypto, IndexKind } from '../crypto/index.js';
import { INDEX_KINDS, kindOfTerm } from '../crypto/blind-index.js';
import { createContentVault, type ContentVault, type IndexedRead } from '../reports/content/vault.js';
import { indexTermsOf, type IndexedValues } from '../reports/model/indexed-content.js';
import { edgeOf, pairKey } from '../reports/store/links.js';
import type { ReportRepository } from '../reports/store/repository.js';
import { assertEnvelope, createEnvelopeMac } from '../reports/model/envelope-mac.js';
import type { Logger } from '../logger.js';
import { timeFor } from '../reports/rules/partner-time.js';
import { OPEN_STATUSES } from '../reports/rules/state-machine.js';
import { POSSIBLE_REASON, REPORT_STATUSES, type ReportDoc, type ReportStatus } from '../reports/model/types.js';

/** Every report with content is a link candidate, closed ones included (an erased one has none). */
const LINKABLE_STATUSES: readonly ReportStatus[] = REPORT_STATUSES.filter((s) => s !== 'ERASED');

/** A report's blind-index terms under each previous index key (read, never filed: reports/content/rotate-audit-index-keys.ts). */
function previousTerms(crypto: Crypto, values: IndexedValues): string[] {
  return [...new Set(crypto.previousBlindIndexes.flatMap((indexer) => indexTermsOf(indexer, values)))];
}

export interface ConfirmedLink {
  doc: ReportDoc;
  reasons: IndexKind[];
}

/** What linking found for one report, and what it deliberately did not read. */
export interface LinkFindings {
  links: ConfirmedLink[];
  /** Kinds of this report's terms filed by more than `threshold` earlier reports: only the most recent were compared. */
  crowdedKinds: IndexKind[];
  /** LINK_SHARED_THRESHOLD: a term filed by more reports than this is crowded. */
  threshold: number;
  /** How many of a crowded term's most recent reports were compared (CROWDED_COMPARE, at most the threshold). */
  compared: number;
  /** Set when more candidates existed than the bound allows decrypting: the bound, and how many were left unread. */
  capped: { max: number; unread: number } | null;
  /**
   * The blind-index terms (current index key) of the report and of each report linked to it, computed from their
   * values as decrypted here: what their cards are filed under (reports/model/card.ts). Empty when nothing was linked.
   */
  terms: Map<string, string[]>;
  /** The index key they are under (crypto `indexKeyId`). */
  termsKeyId: string;
}


/**
 * The triage reasons that say what linking did not compare:
 * `shared-by-more-than:vehicle:20` (a vehicle of this report was filed by
 * more than LINK_SHARED_THRESHOLD earlier reports: the 20 most recent were
 * compared), `link-candidates-capped:50` (more candidates than
 * LINK_MAX_CANDIDATES; the rest were not read). Facts on the report, shown
 * in its view (`linkWarnings`); they never change routing.
 */
export function linkingNotes(f: Pick<LinkFindings, 'crowdedKinds' | 'capped' | 'threshold' | 'compared'>): string[] {
  return [
    ...f.crowdedKinds.map((kind) => `shared-by-more-than:${kind}:${f.threshold}:${f.compared}`),
    ...(f.capped ? [`link-candidates-capped:${f.capped.max}`] : []),
  ];
}

/** Plain words for a kind of linked value. */
const KIND_WORDS: Record<string, string> = { vehicle: 'vehicle', phone: 'phone number', postcode: 'postcode', name: 'subject name', [POSSIBLE_REASON]: 'sound-alike subject name' };

/**
 * The linking notes of a report's triage reasons in plain words, for its
 * view: "vehicle shared by more than 20 reports: the 20 most recent were
 * compared; search finds the others". Notes of the earlier design
 * (`shared-by-many:<kind>`, when such reports were not linked) too.
 */
export function linkWarningsOf(reasons: readonly string[]): string[] {
  const words = (kind: string) => KIND_WORDS[kind] ?? kind;
  return reasons.flatMap((r) => {
    const [tag, kind = '', n = '', compared = n] = r.split(':');
    if (tag === 'shared-by-more-than') return [`${words(kind)} shared by more than ${n} reports: the ${compared} most recent were compared; search finds the others`];
    if (tag === 'link-candidates-capped') return [`more than ${kind} reports share values with this report: ${kind} were compared; search finds the others`];
    if (tag === 'shared-by-many') return [`${words(kind)} shared by many reports: not linked by it at triage; search finds them`];
    return [];
  });
}

/**
 * The links that steer routing (rules.ts `decide`): to open reports only (a
 * closed report is linked, but does not pull a new one to its desk), and
 * through at least one kind of value that was not crowded (a value shared by
 * more than the threshold, e.g. a station's postcode, is weak evidence).
 */
export function routingLinks(f: Pick<LinkFindings, 'links' | 'crowdedKinds'>): ConfirmedLink[] {
  // A possible link (names that only sound alike) never steers routing.
  return f.links.filter((l) => OPEN_STATUSES.includes(l.doc.status) && l.reasons.some((kind) => kind !== POSSIBLE_REASON && !f.crowdedKinds.includes(kind)));
}

/** Candidates in turn from each term's list (newest first), once each, so every term is represented within the bound. */
function interleave(lists: string[][]): string[] {
  const out = new Set<string>();
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.add(l[i]!);
  return [...out];
}

/** Linking's bounds (config.triage.linking: LINK_MAX_CANDIDATES, LINK_SHARED_THRESHOLD). */
export interface LinkingLimits {
  maxCandidates: number;
  sharedThreshold: number;
}

/** The configuration's defaults, for linkers built without a config (tests). */
const DEFAULT_LIMITS: LinkingLimits = { maxCandidates: 50, sharedThreshold: 20 };

/**
 * Of a crowded term (filed by more than LINK_SHARED_THRESHOLD reports),
 * only this many of its most recent reports are compared: such a value is
 * weak evidence that never steers routing, search finds the rest, and
 * comparing the threshold's worth for every report naming a common
 * postcode cut triage to a tenth (npm run bench, hot term).
 */
const CROWDED_COMPARE = 5;

/** How many windows of `sharedThreshold + 2` slots a sound-alike term is read in at most (`possibleCandidates`). */
const SOUND_ALIKE_READ_WINDOWS = 4;

/**
 * Linking at a bounded cost per report, whatever its terms' frequency:
 * filing reads about 2·log2(n) + `sharedThreshold` slots per term (one
 * slot from the count this worker knew, and only the CROWDED_COMPARE newest
 * once a term holds more slots than a window reads), at most
 * `maxCandidates` reports are read and decrypted, and a term shared by more
 * than `sharedThreshold` reports has its most recent ones compared and the
 * rest reported, never silently dropped.
 */
export function createLinker(deps: { reports: ReportRepository; crypto: Crypto; audit: AuditLog; limits?: LinkingLimits; log?: Pick<Logger, 'error'> }) {
  const { crypto } = deps;
  /** Opens the indexed groups linking compares, and records each read (reports/content/vault.ts). */
  const vault: ContentVault = createContentVault(deps);
  const { maxCandidates, sharedThreshold } = deps.limits ?? DEFAULT_LIMITS;

  /**
   * Reports whose subject names sound like this report's (possible links):
   * the newest filed under each of its names' phonetic lookup terms in the search
   * table (reports/store/search-index.ts: every report is filed there at
   * intake, under the current index key), this report left out. A term filed
   * by more than `sharedThreshold` reports (a common name's sound: "Mohammed
   * Ali"), or with slots left unread after SOUND_ALIKE_READ_WINDOWS windows,
   * is crowded like any other: only its `compared` newest are read and
   * the report says so, so a common name costs a few decrypts, not the
   * threshold's worth for every report that names it. Decrypts this report
   * only when its `bidx` holds a name.
   */
  async function possibleCandidates(doc: ReportDoc, mineOf: () => IndexedRead, compared: number): Promise<{ ids: string[]; crowded: boolean }> {
    const namePrefix = `${INDEX_KINDS.name.prefix}:`;
    if (!doc.bidx.some((t) => t.startsWith(namePrefix))) return { ids: [], crowded: false };
    const terms = [...new Set(mineOf().values.name.flatMap((name) => crypto.blindIndex.phoneticLookupTermsFor(name)))];
    let crowded = false;
    const batch = sharedThreshold + 2;
    // The report's own slot under each term (filed there at intake): each term's count is at least that slot plus one,
    // confirmed by one lookup above it (reports/store/search-index.ts `countFrom`) instead of the count hint and its probes. The
    // window is still read from the top, above the report's own slot too: a report filed later whose triage came
    // first may have found this one not yet stored, and this one must then meet it.
    const own = await deps.reports.searchFilings.filedSlots(doc._id);
    const lists = await Promise.all(
      terms.map(async (term) => {
        // Slots blanked (a name edited, a report erased) or naming one report twice count for nothing: read on, window
        // after window, until more than the threshold's distinct reports are found or the slots run out, at most
        // SOUND_ALIKE_READ_WINDOWS windows; slots left unread make the term crowded too (said, never silently cut).
        const ids = new Set<string>();
        const mine = own.get(term);
        let below = mine === undefined ? await deps.reports.search.count(term) : await deps.reports.searchFilings.countFrom(term, mine + 1);
        for (let n = 0; below > 0 && ids.size <= sharedThreshold && n < SOUND_ALIKE_READ_WINDOWS; n++) {
          const slots = await deps.reports.search.read(term, below, batch);
          for (const s of slots) if (s.reportId && s.reportId !== doc._id) ids.add(s.reportId);
          below = slots.length < batch ? 0 : slots.at(-1)!.slot;
        }
        if (ids.size <= sharedThreshold && below === 0) return [...ids];
        crowded = true;
        return [...ids].slice(0, compared);
      }),
    );
    return { ids: interleave(lists), crowded };
  }

  return {
    /** The edge of a confirmed link, keyed with this linker's keys (reports/store/links.ts). */
    edgeOf: (doc: Parameters<typeof edgeOf>[1], other: Parameters<typeof edgeOf>[2], reasons: string[], at: Date) => edgeOf(crypto, doc, other, reasons, at),

    /** Reports, open or closed, that share a confirmed value of a blind-indexed field (vehicle, phone, postcode, subject name) with `doc`. */
    async confirmedLinks(doc: ReportDoc): Promise<LinkFindings> {
      const compared = Math.min(CROWDED_COMPARE, sharedThreshold);
      const none: LinkFindings = { links: [], crowdedKinds: [], threshold: sharedThreshold, compared, capped: null, terms: new Map(), termsKeyId: crypto.indexKeyId };
      if (!doc.content || !doc.dataKey || !doc.bidx.length) return none;
      assertEnvelope(crypto.integrity, doc); // a tampered report is neither filed nor compared
      // Filing meets the reports filed before: of two reports triaged at once, the later one sees the other.
      const { met, crowded } = await deps.reports.fileLinkTerms(doc._id, doc.bidx, sharedThreshold, compared);
      for (const term of crowded) met.set(term, (met.get(term) ?? []).slice(0, compared)); // newest first
      // During an index-key rotation, reports not yet re-indexed are filed under the previous key's terms: read those too.
      // Its values, decrypted once and only when needed (its envelope was checked above).
      let opened: IndexedRead | undefined;
      const mineOf = () => (opened ??= vault.openIndexed(doc));
      const earlier = crypto.previousBlindIndexes.length ? await deps.reports.readLinkTerms(doc._id, previousTerms(crypto, mineOf().values), sharedThreshold) : { found: [], crowded: [] };
      const soundAlike = await possibleCandidates(doc, mineOf, compared);
      const crowdedKinds: IndexKind[] = [
        ...new Set([...[...crowded, ...earlier.crowded].map(kindOfTerm).filter((k): k is IndexKind => !!k), ...(soundAlike.crowded ? ['namePhonetic' as const] : [])]),
      ].sort();
      const others = interleave([...met.values(), earlier.found, soundAlike.ids]);
      const capped = others.length > maxCandidates ? { max: maxCandidates, unread: others.length - maxCandidates } : null;
      const envelope = createEnvelopeMac(crypto.integrity);
      // A candidate failing its envelope check is left out (logged once here), so one tampered report cannot stop the triage of others.
      const intact = (c: ReportDoc) => {
        const problems = envelope.problems(c);
        if (problems) deps.log?.error({ reportId: c._id, fieldPath: `envelope: ${problems.join(', ')}`, purpose: 'link-candidate' }, 'data integrity failure');
        return !problems;
      };
      const candidates = (await deps.reports.findLinkCandidates(others, LINKABLE_STATUSES, maxCandidates)).filter((c) => c.content && c.dataKey && intact(c));
      if (!candidates.length) return { ...none, crowdedKinds, capped };
      const mine = mineOf();
      const links: ConfirmedLink[] = [];
      const reads = new Map<string, IndexedRead>();
      for (const other of candidates) {
        const theirs = vault.openIndexed(other); // `intact` checked its envelope
        reads.set(other._id, theirs);
        const reasons = (Object.keys(mine.values) as IndexKind[]).filter((kind) =>
          mine.values[kind].some((a) => theirs.values[kind].some((b) => crypto.blindIndex.sameNormalised(kind, a, b))),
        );
        // No shared value, but names that sound alike (Tarik Hasan, Tariq Hassan; محمد, Mohammed): a possible link.
        if (!reasons.length && mine.values.name.some((a) => theirs.values.name.some((b) => crypto.blindIndex.samePhonetic(a, b)))) reasons.push(POSSIBLE_REASON);
        if (reasons.length) links.push({ doc: other, reasons });
      }
      // Every report decrypted is audited under its own id; the details name the other report only by the
      // keyed id of the pair (the link edge's id when linked), never its id, which would outlive its erasure.
      const actor = { type: 'system' as const, id: 'triage-worker' };
      const pair = (c: ReportDoc) => pairKey(crypto, doc._id, c._id);
      await mine.record(
        actor,
        {
          purpose: 'link-confirmation',
          candidates: candidates.map(pair),
          linked: links.map((l) => pair(l.doc)),
          ...(capped ? { unreadCandidates: capped.unread } : {}),
        },
        { at: timeFor(doc) }, // a partner report's: to the minute
      );
      // At once, so the audit log's group commit appends them together.
      await Promise.all(
        candidates.map((c) => reads.get(c._id)!.record(actor, { purpose: 'link-candidate', pair: pair(c), linked: links.some((l) => l.doc._id === c._id) }, { at: timeFor(c) })),
      );
      const terms = new Map<string, string[]>(links.length ? [[doc._id, indexTermsOf(crypto.blindIndex, mine.values)], ...links.map((l) => [l.doc._id, indexTermsOf(crypto.blindIndex, reads.get(l.doc._id)!.values)] as [string, string[]])] : []);
      return { links, crowdedKinds, threshold: sharedThreshold, compared, capped, terms, termsKeyId: crypto.indexKeyId };
    },
  };
}
