/**
 * Links between reports as records of their own: one edge document per
 * linked pair in `report_links`, never a write into either report, so the
 * cost of linking a new report does not grow with how many reports it meets.
 *
 * - an edge's `_id` is `<older id>|<newer id>` (older by recordedAt, then
 *   id): whoever writes it, and however often (a retried job), it is one
 *   document, made unique by the insert;
 * - the report that found the link embeds it in its own routing update (as
 *   `links`); the other end learns of it from `report_link_slots`, slots
 *   `<report id>#<n>` naming the edge, taken by insert like the link terms'
 *   (side-tables.ts) so reading a report's links is lookups by _id only.
 *   On MongoDB this would be a plain index on each end's id of `report_links`
 *   and a find by it, with no slots.
 *
 * Edges hold what the embedded links hold (ids, references, desks at link
 * time, the kinds of value that matched, the time): never a value.
 */
import type { Db } from 'mongodb';
import type { Desk } from '../auth/types.js';
import { insertIfAbsent } from '../db/errors.js';
import type { ReportDoc, ReportLink } from './types.js';

interface LinkEnd {
  id: string;
  reference: string;
  desk: Desk | null;
}

export interface LinkEdge {
  _id: string;
  older: LinkEnd;
  newer: LinkEnd;
  reasons: string[];
  at: Date;
}

/** A report's links are read slot by slot; more than this many incoming links on one report is not a useful list. */
const MAX_SLOTS = 1_024;

type LinkedReport = Pick<ReportDoc, '_id' | 'recordedAt' | 'reference'> & { desk: Desk | null };

/** The edge's `_id` and its ends in order: the same whichever report records it. */
export function edgeOf(a: LinkedReport, b: LinkedReport, reasons: string[], at: Date): LinkEdge {
  const aFirst = a.recordedAt.getTime() < b.recordedAt.getTime() || (a.recordedAt.getTime() === b.recordedAt.getTime() && a._id < b._id);
  const [older, newer] = (aFirst ? [a, b] : [b, a]).map((r) => ({ id: r._id, reference: r.reference, desk: r.desk }));
  return { _id: `${older!.id}|${newer!.id}`, older: older!, newer: newer!, reasons, at };
}

/** The edge as seen from `reportId`: a link to the other end. */
export function linkFrom(edge: LinkEdge, reportId: string): ReportLink {
  const other = edge.older.id === reportId ? edge.newer : edge.older;
  return { reportId: other.id, reference: other.reference, desk: other.desk, reasons: edge.reasons, at: edge.at };
}

export function createLinkStore(db: Db) {
  const edges = db.collection<LinkEdge>('report_links');
  const slots = db.collection<{ _id: string; edge: string }>('report_link_slots');

  return {
    /**
     * Records an edge once and files it under `notify`, the end that did not
     * embed it. Idempotent: a second call finds the edge and its slot.
     * Costs two inserts and one lookup per link `notify` already has.
     */
    async record(edge: LinkEdge, notify: string) {
      await insertIfAbsent(edges, edge);
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const key = `${notify}#${slot}`;
        const entry = await slots.findOne({ _id: key });
        if (entry?.edge === edge._id) return;
        if (entry) continue;
        if (await insertIfAbsent(slots, { _id: key, edge: edge._id })) return;
        slot--; // Taken between our read and our insert: read it again.
      }
    },

    /** The links filed under a report by others (those it did not embed itself). */
    async filedUnder(reportId: string): Promise<ReportLink[]> {
      const ids: string[] = [];
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const entry = await slots.findOne({ _id: `${reportId}#${slot}` });
        if (!entry) break;
        ids.push(entry.edge);
      }
      const found = await Promise.all(ids.map((id) => edges.findOne({ _id: id })));
      return found.filter((e): e is LinkEdge => !!e).map((e) => linkFrom(e, reportId));
    },

    /** One edge by the ids of its ends (tests). */
    find: async (a: string, b: string) => (await edges.findOne({ _id: `${a}|${b}` })) ?? edges.findOne({ _id: `${b}|${a}` }),
  };
}

export type LinkStore = ReturnType<typeof createLinkStore>;
