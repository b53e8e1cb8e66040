/**
 * A report's card: what the link chart draws of a report the viewer may
 * read, without its content (reports/desk/neighbourhood.ts). The local store
 * decodes a stored document whole for any read of it (reports/store/cards.ts): a report (about 9 KB: its
 * narrative alone 3 KB) costs it several times what this small document does,
 * and the first chart of a neighbourhood read 200 reports whole for their
 * reference, desk, status, categories and history, and to decrypt every one
 * for the values they share.
 *
 * What it holds is in the report in plaintext already (nothing encrypted, no
 * key): the workflow fields, the times, actions and statuses of the history
 * entries a timeline draws (`onTimeline`; not their reasons or actors), and the report's blind-index terms, which
 * say which values two reports share without saying the values. The terms
 * are computed from the values as decrypted when the card is made (never
 * copied from `bidx`, which no MAC covers: links are confirmed by
 * decryption), under the index key named beside them.
 *
 * A card is sealed by a keyed MAC (`reportCard`, HOTLINE_AUDIT_KEY: not in the
 * database) over all of it, the report id and version included, so a
 * database writer can neither forge one nor move one to another report; it
 * is used only while it is its report's current version (the version claims
 * and tombstones, as a kept copy: reports/store/report-cache.ts), and erased
 * with its report (reports/store/cards.ts).
 */
import { canonicalJson } from '../../crypto/canonical.js';
import type { Desk } from '../../auth/types.js';
import type { HistoryEntry, ReportDoc, ReportLink, ReportStatus, ThreatCategory } from './types.js';

/** A history entry as the timeline reads it: when, what, and the statuses it moved between. */
export interface CardHistoryEntry {
  at: Date;
  action: HistoryEntry['action'];
  from: { status?: unknown } | null;
  to: { status?: unknown } | null;
}

export interface ReportCard {
  _id: string;
  version: number;
  reference: string;
  status: ReportStatus;
  desk: Desk | null;
  receivedAt: Date;
  categories: ThreatCategory[];
  history: CardHistoryEntry[];
  /** Links kept in the report itself (before links were records of their own: reports/store/links.ts); usually none. */
  links: ReportLink[];
  /** Its blind-index terms (crypto/blind-index.ts `termFor`, as in `bidx`), computed from its decrypted values under `termsKeyId`. */
  terms: string[];
  /** The index key the terms are under (crypto `indexKeyId`): terms under another key are not compared. */
  termsKeyId: string;
}

const statusOnly = (side: Record<string, unknown> | null) => (side && 'status' in side ? { status: side.status } : side ? {} : null);

/** History actions a chart's timeline draws whatever they did to the status (reports/desk/neighbourhood.ts). */
export const TIMELINE_ACTIONS = ['follow_up_recorded', 'referral_added', 'partner_answered'] as const;
/**
 * Whether a history entry is on a chart's timeline: one of TIMELINE_ACTIONS, or one that moved the status (triaged,
 * claimed, referred, closed…). Not `received` (the report's own first event) nor a link or a note: a card keeps only
 * these (a linked report's history holds an entry per link: most of it).
 */
export function onTimeline(entry: Pick<CardHistoryEntry, 'action' | 'from' | 'to'>): boolean {
  if (entry.action === 'received') return false;
  if ((TIMELINE_ACTIONS as readonly string[]).includes(entry.action)) return true;
  const to = entry.to?.status;
  return typeof to === 'string' && to !== entry.from?.status;
}

/** The card of a report as read (current, its envelope checked) and of its terms as computed from its decrypted values. */
export function cardOf(doc: ReportDoc, terms: readonly string[], termsKeyId: string): ReportCard {
  return {
    _id: doc._id,
    version: doc.version,
    reference: doc.reference,
    status: doc.status,
    desk: doc.desk,
    receivedAt: doc.receivedAt,
    categories: [...doc.categories],
    history: (doc.history ?? []).filter(onTimeline).map((h) => ({ at: h.at, action: h.action, from: statusOnly(h.from), to: statusOnly(h.to) })),
    // Every field present (null rather than absent): the store keeps no `undefined`, and the MAC is over what is read back.
    links: (doc.links ?? []).map((l) => ({ reportId: l.reportId, reference: l.reference, reasons: [...l.reasons], desk: l.desk ?? null, at: l.at, manual: !!l.manual, by: l.by ?? null })),
    terms: [...new Set(terms)].sort(),
    termsKeyId,
  };
}

/** What the card's MAC is over: every field, dates as milliseconds, in a fixed order. */
export function cardMacInput(card: ReportCard): string {
  return canonicalJson({
    id: card._id,
    version: card.version,
    reference: card.reference,
    status: card.status,
    desk: card.desk,
    receivedAt: card.receivedAt.getTime(),
    categories: card.categories,
    history: card.history.map((h) => ({ at: h.at.getTime(), action: h.action, from: h.from, to: h.to })),
    links: card.links,
    terms: card.terms,
    termsKeyId: card.termsKeyId,
  });
}
