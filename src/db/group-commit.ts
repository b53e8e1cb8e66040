/**
 * Group commit for insert-only writes. On the local store (FerretDB 1.24 on
 * SQLite) each write is its own durable commit through one writer, and the
 * commit, not the document, is the price: an unordered `insertMany` of 100
 * documents is one commit and costs about what two or three single inserts
 * do (docs/store.md, measured by scripts/bench/insert-many-probe.ts). So
 * inserts into the same collection from concurrent callers go out together,
 * as one unordered `insertMany`, like the audit chain's runs (src/audit/service.ts):
 *
 * - A caller alone goes at once: its insert starts when its synchronous code
 *   is done (a microtask), so one connection's latency does not grow.
 * - While a collection's batch is in flight, what arrives for it waits and
 *   goes out as the next batch as soon as that one is answered: under load
 *   the batches grow by themselves, with no timer to tune.
 * - Each caller gets its own outcome: stored, or its key taken (duplicate key,
 *   per document: so idempotency by `_id`, version claims and slot races work
 *   as with single inserts), or the error of its own document. An error the
 *   whole command met (a lost connection, a write-concern failure) reaches
 *   every caller of that batch, and only them: whether their documents were
 *   stored is unknown, as it would be for a single insert.
 * - A batch unanswered after BATCH_ANSWER_MS (a half-open connection: the
 *   client sets no socket timeout) is given up for its callers, who are told
 *   the store is unavailable (outcome unknown, as above), and the next batch
 *   goes: one stuck command must not hold every insert of a collection in the
 *   process (found in review; a killed FerretDB resets its connections, so
 *   the chaos tests do not meet it).
 *
 * Durability is unchanged: the batch goes with the client's write concern
 * (majority, journaled), and nobody is answered before it is. A batch with a
 * taken key costs the store one commit per document (it falls back to them),
 * no more than the same documents sent alone.
 *
 * Only for documents whose insert order across callers does not matter (two
 * callers' documents in one batch may be stored in either order) and that
 * carry their own `_id`.
 *
 * How the store uses it: `withGroupCommit(db, group)` gives the report store
 * (src/reports/store/repository.ts) a Db whose collections' insert-only
 * claims, made through `insertIfAbsent` / `insertEachIfAbsent`
 * (src/db/errors.ts), ride the batches; every other write (updates,
 * deletes, upserts, ordered inserts) goes as it did.
 */
import type { Collection, Db, Document, OptionalUnlessRequiredId } from 'mongodb';
import { carryInserts, DUPLICATE_KEY } from './errors.js';

/** Documents sent at most in one command (the driver splits larger ones by size anyway). */
const MAX_BATCH = 500;
/** How long a batch may go unanswered before its callers are told the store is unavailable (far above any commit seen: 1 s under load). */
export const BATCH_ANSWER_MS = 30_000;

/** A batch the store did not answer in time: its documents may or may not be stored (like a network error). */
export class MongoBatchTimeoutError extends Error {
  // "Mongo…Timeout" by name: storeErrorKind (src/db/errors.ts) reads it as 'unavailable', so a client is told to retry.
  override name = 'MongoBatchTimeoutError';
}

/** One document's own failure inside a shared batch: its code and message, none of the other documents'. */
export class BatchedWriteError extends Error {
  override readonly name = 'MongoBatchedWriteError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface GroupCommitStats {
  /** insertMany commands sent. */
  batches: number;
  /** Documents they carried. */
  documents: number;
  /** The most documents one command carried. */
  largest: number;
}

export interface GroupCommit {
  /**
   * Inserts `doc` in the collection's next batch: true when it was stored, false when its `_id` (or another unique
   * key) was taken; rejects with the error of its own document, or with the batch's when the whole command failed.
   */
  insert<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean>;
  /** Several documents of one caller, in the same batch: for each, whether it was stored (as `insert`). */
  insertEach<T extends Document>(collection: Collection<T>, docs: readonly OptionalUnlessRequiredId<T>[]): Promise<boolean[]>;
  stats(): GroupCommitStats;
}

interface Waiting {
  doc: Document;
  resolve(stored: boolean): void;
  reject(err: unknown): void;
}

interface Lane {
  collection: Collection<Document>;
  queue: Waiting[];
  /** A batch is in flight, or about to start (at the end of the current synchronous code). */
  busy: boolean;
}

/** The driver's write errors of a failed insertMany (one object or an array), or null when the command itself failed. */
function writeErrorsOf(err: unknown): { index: number; code: number; message: string }[] | null {
  const e = err as { writeErrors?: unknown; writeConcernError?: unknown; result?: { writeConcernErrors?: unknown[] } } | null | undefined;
  if (e?.writeConcernError || e?.result?.writeConcernErrors?.length) return null;
  const raw = e?.writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: unknown; code?: unknown; errmsg?: unknown; message?: unknown }[];
  if (!list.length || list.some((w) => typeof w.index !== 'number' || typeof w.code !== 'number')) return null;
  return list.map((w) => ({ index: w.index as number, code: w.code as number, message: String(w.errmsg ?? w.message ?? 'write error') }));
}

export function createGroupCommit(opts: { maxBatch?: number; answerMs?: number } = {}): GroupCommit {
  const maxBatch = opts.maxBatch ?? MAX_BATCH;
  const answerMs = opts.answerMs ?? BATCH_ANSWER_MS;
  const lanes = new Map<string, Lane>();
  const stats: GroupCommitStats = { batches: 0, documents: 0, largest: 0 };

  async function drain(lane: Lane) {
    try {
      while (lane.queue.length) {
        const batch = lane.queue.splice(0, maxBatch);
        stats.batches++;
        stats.documents += batch.length;
        stats.largest = Math.max(stats.largest, batch.length);
        try {
          const insert = lane.collection.insertMany(
            batch.map((w) => w.doc),
            { ordered: false },
          );
          insert.catch(() => undefined); // a batch given up may still fail later: nobody waits for it then
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              insert,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new MongoBatchTimeoutError(`insert batch unanswered after ${answerMs} ms`)), answerMs);
              }),
            ]);
          } finally {
            clearTimeout(timer);
          }
          batch.forEach((w) => w.resolve(true));
        } catch (err) {
          const writeErrors = writeErrorsOf(err);
          if (!writeErrors) {
            batch.forEach((w) => w.reject(err));
            continue;
          }
          const failed = new Map(writeErrors.map((w) => [w.index, w]));
          batch.forEach((w, i) => {
            const own = failed.get(i);
            if (!own) w.resolve(true);
            else if (own.code === DUPLICATE_KEY) w.resolve(false);
            else w.reject(new BatchedWriteError(own.code, own.message));
          });
        }
      }
    } finally {
      lane.busy = false;
    }
  }

  function enqueue(collection: Collection<Document>, waiting: Waiting[]) {
    const key = collection.namespace;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { collection, queue: [], busy: false };
      lanes.set(key, lane);
    }
    lane.queue.push(...waiting);
    if (lane.busy) return;
    lane.busy = true;
    const started = lane;
    // After the caller's synchronous code: what it and its neighbours insert in the same turn goes in one batch.
    queueMicrotask(() => void drain(started));
  }

  function one(collection: Collection<Document>, doc: Document): { waiting: Waiting; outcome: Promise<boolean> } {
    let waiting!: Waiting;
    const outcome = new Promise<boolean>((resolve, reject) => {
      waiting = { doc, resolve, reject };
    });
    return { waiting, outcome };
  }

  return {
    insert(collection, doc) {
      const { waiting, outcome } = one(collection as unknown as Collection<Document>, doc as Document);
      enqueue(collection as unknown as Collection<Document>, [waiting]);
      return outcome;
    },
    insertEach(collection, docs) {
      if (!docs.length) return Promise.resolve([]);
      const each = docs.map((doc) => one(collection as unknown as Collection<Document>, doc as Document));
      enqueue(
        collection as unknown as Collection<Document>,
        each.map((e) => e.waiting),
      );
      return Promise.all(each.map((e) => e.outcome));
    },
    stats: () => ({ ...stats }),
  };
}

/**
 * `db`, except that every collection it hands out sends its `insertIfAbsent` / `insertEachIfAbsent` writes
 * (src/db/errors.ts) through `group`. Everything else is `db`'s own.
 */
export function withGroupCommit(db: Db, group: GroupCommit): Db {
  const carrier = {
    insert: (c: Collection<Document>, doc: Document) => group.insert(c, doc as OptionalUnlessRequiredId<Document>),
    insertEach: (c: Collection<Document>, docs: readonly Document[]) => group.insertEach(c, docs as OptionalUnlessRequiredId<Document>[]),
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'collection') {
        return (name: string, options?: Parameters<Db['collection']>[1]) => {
          const collection = target.collection(name, options);
          carryInserts(collection, carrier);
          return collection;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
