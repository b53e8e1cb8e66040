/**
 * Paging of desk listings: page sizes, the opaque queue cursor and the seq
 * cursor of audit-backed lists. Cursors come from clients, so decoding
 * treats them as untrusted input (BAD_USER_INPUT on anything malformed).
 */
import { badInput } from '../../errors.js';
import type { QueueSummary } from '../store/desk-queue.js';
import type { QueueCursor } from '../store/repository.js';
import { PRIORITIES } from '../model/types.js';

/** Page sizes of the desk queue and the reveal log. */
export const PAGE_SIZE = { default: 20, max: 100 } as const;

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/** A forward-only connection from one page of edges. */
export function connectionOf<T>(edges: { cursor: string; node: T }[], hasNextPage: boolean): Connection<T> {
  return { edges, pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Opaque queue cursor: base64url JSON of {priority, receivedAt, id}. */
export function encodeQueueCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify({ priority: c.priority, receivedAt: c.receivedAt.toISOString(), id: c.id })).toString('base64url');
}

/** Parses a queue cursor; anything malformed is BAD_USER_INPUT. */
export function decodeQueueCursor(raw: string): QueueCursor {
  const invalid = () => badInput('`after` is not a cursor returned by this queue', ['after']);
  if (typeof raw !== 'string' || raw.length > 300 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const v = value as { priority?: unknown; receivedAt?: unknown; id?: unknown } | null;
  if (!v || typeof v !== 'object') throw invalid();
  if (!PRIORITIES.includes(v.priority as never)) throw invalid();
  if (typeof v.receivedAt !== 'string' || typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 64) throw invalid();
  const receivedAt = new Date(v.receivedAt);
  if (Number.isNaN(receivedAt.getTime())) throw invalid();
  return { priority: v.priority as QueueCursor['priority'], receivedAt, id: v.id };
}

/** The cursor of a queue row: where the next page starts after it. */
export function queueCursorOf(doc: QueueSummary): QueueCursor {
  // Triaged reports always carry a priority (set with the desk by triage).
  return { priority: doc.priority as QueueCursor['priority'], receivedAt: doc.receivedAt, id: doc._id };
}

/** The client's `first`, bounded by PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_SIZE.default;
  if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) throw badInput(`first must be between 1 and ${PAGE_SIZE.max}`, ['first']);
  return first;
}

/** The client's `after` on a list paged by audit seq. */
export function seqCursor(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw badInput('`after` is not a cursor returned by this list', ['after']);
  return Number(raw);
}
