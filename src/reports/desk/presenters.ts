/**
 * What desk work returns: views of a stored report without envelopes, keys
 * or index terms, and its links as the viewer may see them. Nothing here
 * decrypts (the reads that do ask the content module, reports/content/vault.ts:
 * disclosure.ts, bundle.ts, search.ts).
 */
import type { StaffPrincipal } from '../../auth/types.js';
import * as access from '../rules/access.js';
import type { QueueSummary } from '../store/desk-queue.js';
import type { ReportRepository } from '../store/repository.js';
import { hideSealedReasons } from '../content/reasons.js';
import type { ReportView } from './view.js';
import { REFERENCE_PREFIX } from '../../intake/service.js';
import { toMinute } from '../../time.js';
import type { SubmittedRow } from '../store/people-rows.js';
import { PARTNER_STATE } from '../rules/state-machine.js';
import type { Grading, ReportDoc, ReportLink } from '../model/types.js';
import type { FileReceived } from '../model/attachments.js';


/** The audit and history actor of a staff member's action. */
export const userActor = (p: StaffPrincipal) => ({ type: 'user' as const, id: p.userId, name: p.username });

/** The stored document without envelopes, keys or index terms. */
export function publicDoc(doc: ReportDoc): ReportView['doc'] {
  const { content: _content, dataKey: _dataKey, bidx: _bidx, auditPending: _audit, ...rest } = doc;
  return { ...rest, history: hideSealedReasons(rest.history) as ReportDoc['history'] }; // reasons are opened only by the audited read
}

/** A link as a view shows it: its reference only where the viewer may read the linked report. */
type SeenLink = Pick<ReportLink, 'reference'> & { visible: boolean };

/** Any report reference as intake issues them (ATH-2026-000123). */
const REFERENCE_PATTERN = new RegExp(`\\b${REFERENCE_PREFIX}-\\d{4}-\\d+\\b`, 'g');

/**
 * THE need-to-know rule for references: a view names another report only
 * where its links say the viewer may read that report (`links[].reference`).
 * Every other report reference is blanked wherever the report records one
 * (triage reasons such as `linked-desk:ATH-…`, history entries, reasons),
 * exactly as in `links`. Supervisors read every desk and see them all; a
 * view built without links (the result of a change) names none.
 */
export function redacted(doc: ReportView['doc'], seen: readonly SeenLink[] = [], readsEveryDesk = false): ReportView['doc'] {
  if (readsEveryDesk) return doc;
  const readable = new Set([doc.reference, ...seen.filter((l) => l.visible).map((l) => l.reference)]);
  const blank = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(REFERENCE_PATTERN, (ref) => (readable.has(ref) ? ref : ''));
    if (Array.isArray(v)) return v.map(blank);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x)]));
    return v;
  };
  return {
    ...doc,
    links: doc.links?.map((l) => (readable.has(l.reference) ? l : { ...l, reference: '' })),
    triage: doc.triage ? { ...doc.triage, reasons: doc.triage.reasons.map((r) => blank(r) as string) } : doc.triage,
    history: doc.history?.map((e) => ({ ...e, from: blank(e.from) as typeof e.from, to: blank(e.to) as typeof e.to, reason: blank(e.reason) as typeof e.reason })),
  };
}

/** Listings: state only. */
export const summary = (doc: ReportDoc | QueueSummary): ReportView => ({ doc: redacted({ ...publicDoc(doc as ReportDoc), history: undefined }), content: null });

/** A listed report with its links as the viewer may see them (queueRowLinks). */
export function listed(p: StaffPrincipal, doc: ReportDoc | QueueSummary, links: readonly ReportLink[]): ReportView {
  const seen = queueRowLinks(p, links);
  return { doc: redacted({ ...publicDoc(doc as ReportDoc), history: undefined }, seen, access.isSupervisor(p)), content: null, links: seen };
}

/** A report read in full: state, history and its links as the viewer may see them (linkViews). */
export const disclosed = (p: StaffPrincipal, doc: ReportDoc, content: ReportView['content'], links: NonNullable<ReportView['links']>): ReportView => ({
  doc: redacted(publicDoc(doc), links, access.isSupervisor(p)),
  content,
  links,
});

/** Results of changes: state and history, no content, no links (so no other report's reference). */
export const changed = (doc: ReportDoc): ReportView => ({ doc: redacted(publicDoc(doc)), content: null });

/** The 3x5x2 grading as its three-character code ("2BP"), as history and audit record it. */
export const gradingCode = (g: Grading | null) => (g ? `${g.source}${g.intelligence}${g.handling}` : null);

/** A queue row's links: that they exist (the badge an investigator triages by), with references only where readable. */
export function queueRowLinks(p: StaffPrincipal, links: readonly ReportLink[]) {
  return links.map((l) => ({ ...l, ...(access.canReadReport(p, { desk: l.desk }) ? { visible: true } : { reference: '', visible: false }) }));
}

/** Links to other reports at their current desks; those on a desk the viewer cannot read show only that they exist and where. */
export async function linkViews(reports: ReportRepository, p: StaffPrincipal, doc: ReportDoc): Promise<NonNullable<ReportView['links']>> {
  const links = await reports.linksOf(doc); // both directions: embedded, and recorded by later reports
  if (!links.length) return [];
  const current = new Map((await reports.findDesks(links.map((l) => l.reportId))).map((d) => [d._id, d.desk]));
  return links.map((link) => {
    const desk = current.has(link.reportId) ? (current.get(link.reportId) ?? null) : link.desk;
    const visible = access.canReadReport(p, { desk });
    return { ...link, desk, reference: visible ? link.reference : '', visible };
  });
}

/**
 * What a submitter (call handler, partner) may learn of a report: that it
 * was received and how far along it is, never where it went or what is
 * known (desk, links, grading, assignee, priority, triage reasons would tell
 * a handler submitting a made-up call whether a plate is already known).
 */
export interface SubmissionView {
  id: string;
  reference: string;
  status: (typeof PARTNER_STATE)[keyof typeof PARTNER_STATE];
  categories: ReportDoc['categories'];
  /** To the minute. */
  receivedAt: Date;
  imminentThreat: boolean;
  /** The files the viewing call handler attached (reports/model/attachments.ts filesAttachedBy), when the list read them with the row. */
  filesAttached?: FileReceived[];
}

/** The submission view of a report: listed fields only, so a new stored field never reaches a submitter. */
/** A row of "my submissions" (reports/store/people-rows.ts), as its recorder sees it: the same view, the row's files included. */
export const submittedView = (row: SubmittedRow): SubmissionView => ({
  id: row._id,
  reference: row.reference,
  status: row.state,
  categories: row.categories,
  receivedAt: toMinute(row.receivedAt),
  imminentThreat: row.imminentThreat,
  filesAttached: row.filesAttached,
});

export const submission = (doc: Pick<ReportDoc, '_id' | 'reference' | 'status' | 'categories' | 'receivedAt' | 'imminentThreat'>): SubmissionView => ({
  id: doc._id,
  reference: doc.reference,
  status: PARTNER_STATE[doc.status],
  categories: doc.categories,
  receivedAt: toMinute(doc.receivedAt),
  imminentThreat: doc.imminentThreat,
});
