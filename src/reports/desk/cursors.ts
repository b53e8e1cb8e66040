/**
 * The desk queue's opaque cursor (priority, time received, id). Cursors come
 * from clients, so decoding treats them as untrusted input (BAD_USER_INPUT on
 * anything malformed). Page sizes and connections: src/paging.ts.
 */
import { badInput } from '../../errors.js';
import type { QueueSummary } from '../store/desk-queue.js';
import type { QueueCursor } from '../store/repository.js';
import { PRIORITIES } from '../model/types.js';

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
