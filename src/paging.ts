/**
 * Paging of every list the API returns: page sizes, the connection shape and
 * the seq cursor of audit-backed lists. Cursors come from clients, so
 * decoding treats them as untrusted input (BAD_USER_INPUT on anything
 * malformed). The desk queue's own cursor: src/reports/desk/cursors.ts.
 */
import { badInput } from './errors.js';

/** Page sizes of every paged list (the desk queue, the reveal log, notifications, search). */
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
