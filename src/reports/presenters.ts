/**
 * What desk work returns: views of a stored report without envelopes, keys
 * or index terms, and its links as the viewer may see them. Nothing here
 * decrypts (see disclosure.ts for the reads that do).
 */
import type { StaffPrincipal } from '../auth/types.js';
import * as access from './access.js';
import type { QueueSummary } from './desk-queue.js';
import type { ReportRepository } from './repository.js';
import type { ReportView } from './schema.js';
import type { Grading, ReportDoc, ReportLink } from './types.js';

/** The audit and history actor of a staff member's action. */
export const userActor = (p: StaffPrincipal) => ({ type: 'user' as const, id: p.userId, name: p.username });

/** The stored document without envelopes, keys or index terms. */
export function publicDoc(doc: ReportDoc): ReportView['doc'] {
  const { content: _content, dataKey: _dataKey, bidx: _bidx, auditPending: _audit, ...rest } = doc;
  return rest;
}

/** Listings: state only. */
export const summary = (doc: ReportDoc | QueueSummary): ReportView => ({ doc: { ...publicDoc(doc as ReportDoc), history: undefined }, content: null });

/** Results of changes: state and history, no content. */
export const changed = (doc: ReportDoc): ReportView => ({ doc: publicDoc(doc), content: null });

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
