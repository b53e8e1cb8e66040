/**
 * The store's errors, recognised in one place: the duplicate key, and
 * whether a failure means the store cannot be reached (the GraphQL layer
 * answers SERVICE_UNAVAILABLE from `storeErrorKind`, without knowing the
 * driver's classes or codes).
 *
 * The duplicate key, in particular. Inserting a
 * unique `_id` is the one write FerretDB makes atomic, so much of the app
 * relies on "the insert lost a race" being told apart from a real failure.
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

/** MongoDB's (and FerretDB's) code for a unique index violation. */
export const DUPLICATE_KEY = 11000;

/** True when `err` is a unique-index violation (a single insert or the first failure of a bulk write). */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null | undefined)?.code === DUPLICATE_KEY;
}

/** What carries the inserts of a collection handed out by a batching Db (src/db/group-commit.ts `withGroupCommit`). */
export interface InsertCarrier {
  insert(collection: Collection<Document>, doc: Document): Promise<boolean>;
  insertEach(collection: Collection<Document>, docs: readonly Document[]): Promise<boolean[]>;
}

/**
 * Collections whose insert-only writes go through a group commit: registered
 * by `withGroupCommit` as its Db hands each one out, read by the two helpers
 * below, so every insert-only claim of the store (search terms, references,
 * link terms and slots, recent submissions, outbox entries, statistics
 * entries, version claims...) rides the batches without its caller knowing.
 * A WeakMap: a collection dropped by its owner leaves nothing behind.
 */
const carriers = new WeakMap<object, InsertCarrier>();

/** Makes `collection`'s inserts through the helpers below go by `carrier` (src/db/group-commit.ts). */
export function carryInserts(collection: Collection<Document>, carrier: InsertCarrier): void {
  carriers.set(collection, carrier);
}

/**
 * Inserts `doc` unless a document with its unique key already exists;
 * true when this call stored it. Other errors are thrown. An insert, not an
 * upsert: on FerretDB an upsert is a read and a write without a lock. When
 * the collection came from a batching Db, the insert rides its group commit.
 */
export async function insertIfAbsent<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
  const carrier = carriers.get(collection);
  if (carrier) return carrier.insert(collection as unknown as Collection<Document>, doc as Document);
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Server error codes that mean the store is going away or cannot be reached
 * (the driver's retryable set: shutting down, stepped down, unreachable),
 * whatever error class carries them (a MongoBulkWriteError does, for an
 * unordered insert): the client should wait and retry, as for a network error.
 */
const UNREACHABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * What a thrown value is, as the store goes: null when it is not the store's
 * error at all; 'unavailable' when the store cannot be reached now (network,
 * server selection, timeout, a closed pool or topology, or one of the codes
 * above: worth a retry shortly); 'failed' for any other store error. A
 * store error's message may quote a document or a filter, so callers log its
 * name and code only.
 */
export function storeErrorKind(err: unknown): 'unavailable' | 'failed' | null {
  const e = err as { name?: unknown; code?: unknown } | null | undefined;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (!name.startsWith('Mongo')) return null;
  if (/Network|ServerSelection|Timeout|PoolCleared|NotConnected|TopologyClosed|ServerClosed/i.test(name) || UNREACHABLE_CODES.has(Number(e?.code))) return 'unavailable';
  return 'failed';
}

/**
 * Inserts every document it can in one unordered command (one round trip, and
 * one commit on FerretDB's single writer, or a share of one through a group
 * commit); for each document, whether it was stored (false: its key was
 * taken). Any other error is thrown.
 */
export async function insertEachIfAbsent<T extends Document>(collection: Collection<T>, docs: OptionalUnlessRequiredId<T>[]): Promise<boolean[]> {
  if (!docs.length) return [];
  const carrier = carriers.get(collection);
  if (carrier) return carrier.insertEach(collection as unknown as Collection<Document>, docs as Document[]);
  try {
    await collection.insertMany(docs, { ordered: false });
    return docs.map(() => true);
  } catch (err) {
    const raw = (err as { writeErrors?: unknown } | null | undefined)?.writeErrors;
    const writeErrors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: unknown; code?: unknown }[];
    if (!writeErrors.length || writeErrors.some((e) => e.code !== DUPLICATE_KEY || typeof e.index !== 'number')) throw err;
    const taken = new Set(writeErrors.map((e) => e.index as number));
    return docs.map((_, i) => !taken.has(i));
  }
}

/**
 * For an ordered insertMany that failed: how many documents were stored
 * before the first one whose key was taken, or null when the failure was
 * anything else (the caller rethrows).
 */
export function storedBeforeDuplicate(err: unknown): number | null {
  // The driver gives one WriteError or an array of them.
  const writeErrors = (err as { writeErrors?: unknown } | null | undefined)?.writeErrors;
  const first = (Array.isArray(writeErrors) ? writeErrors[0] : writeErrors) as { index?: unknown; code?: unknown } | undefined;
  if (first && first.code === DUPLICATE_KEY && typeof first.index === 'number') return first.index;
  return null;
}
