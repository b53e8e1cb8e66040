/**
 * Reports a process has read and found current, kept as stored (sealed: no
 * plaintext, no key) for the link chart's next read of them, which then costs
 * the freshness check alone: a lookup of a small record instead of the report.
 *
 * Why: FerretDB decodes a stored document whole for any read of it, whatever
 * the projection, and a report (about 9 KB in 36 fields) costs it about 1.5 ms
 * against about 0.25 ms for a version claim (measured on 2026-12-07: 200
 * lookups 32 at once, 245–360 ms for reports, 40–55 ms for claims). A chart of
 * 200 reports spent most of its time there; an investigator opens the chart
 * at depth 1 and 2, again after a pivot, and charts neighbouring reports that
 * share most of its reports. On MongoDB this cache would not be needed.
 *
 * Why a kept copy is exactly as good as a fresh read: every change of a
 * report claims its next version before it writes (repository.ts
 * `applyChange`, the one writer; it throws on a version it did not make), and
 * claims are insert-only; an erasure removes them only after writing its
 * tombstone. So a kept copy at version v is the current report while no claim
 * for v+1 exists and, read after that, no tombstone (freshness.ts
 * `unchangedSince`), the same two records a fresh read's check reads. Anything
 * else (a claim for v+1, a tombstone) drops the copy and reads the report from
 * the store, with that read's own check: a rollback is found as before, and
 * never alarmed for a copy that is merely old. Erased reports are never kept
 * (their claims are removed on every later change). A restore of a backup
 * restarts every process, so no copy outlives one.
 *
 * Bounded (MAX_KEPT, the least recently used leave first), per process, and
 * the copies are frozen, so no reader can change what the next one is given.
 */
import type { ReportDoc } from '../model/types.js';

/** Reports kept per process: five full charts (about 9 KB each as stored, some 20–30 MB of heap). */
export const MAX_KEPT = 1_000;

/** Freezes a stored document's objects and arrays (byte buffers cannot be and are not shared out for writing). */
function freezeDeep<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) freezeDeep(inner);
  }
  return value;
}

export type ReportCache = ReturnType<typeof createReportCache>;

export function createReportCache(max = MAX_KEPT) {
  const kept = new Map<string, ReportDoc>();
  return {
    /** The kept copy of a report, if any (not yet checked: `unchangedSince` first); counts as a use. */
    get(id: string): ReportDoc | undefined {
      const doc = kept.get(id);
      if (doc) {
        kept.delete(id);
        kept.set(id, doc);
      }
      return doc;
    },
    /** Keeps a report just read and found current (not an erased one); returns it frozen. */
    put(doc: ReportDoc): ReportDoc {
      if (doc.status === 'ERASED') {
        kept.delete(doc._id);
        return doc;
      }
      kept.delete(doc._id);
      kept.set(doc._id, freezeDeep(doc));
      while (kept.size > max) kept.delete(kept.keys().next().value!);
      return doc;
    },
    drop(id: string): void {
      kept.delete(id);
    },
    get size() {
      return kept.size;
    },
  };
}
