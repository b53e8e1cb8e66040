/**
 * Reports a process has read and found current, kept as stored (sealed: no
 * plaintext, no key) for a short while for the next read of them by the link
 * chart, by linking (triage's candidates), by search (a page's candidates) or
 * by a read that opens one report's indexed values (search's deconfliction,
 * an entity page, a link's shared values: repository `findForConfirming`),
 * which then costs the freshness check alone: a lookup of a small record
 * instead of the report.
 *
 * Why: FerretDB decodes a stored document whole for any read of it, whatever
 * the projection, and a report (about 9 KB in 36 fields) costs it about 2.6 ms
 * of CPU (1.8 ms a read, 32 at once, on this machine's two cores) against
 * about 0.25 ms for a version claim (measured on 2026-12-07). A chart of 200
 * reports spent most of its time there; an investigator opens the chart at
 * depth 1 and 2, again after a pivot, and charts neighbouring reports that
 * share most of its reports; under a crowded term (a hot postcode) the
 * newest reports are every next report's link candidates, read again within
 * seconds; and a crowded search term (a common given name) gives every search
 * under it the same newest candidates. On MongoDB this cache would not be needed.
 *
 * Why a kept copy is as good as a fresh read of what the service wrote:
 * every change of a report claims its next version before it writes
 * (repository.ts `applyChange`, the one writer; it throws on a version it did
 * not make), and claims are insert-only; an erasure removes them only after
 * writing its tombstone. So a kept copy at version v is the current report
 * while no claim for v+1 exists and, read after that, no tombstone
 * (freshness.ts `unchangedSince`), the same two records a fresh read's check
 * reads. Anything else (a claim for v+1, a tombstone) drops the copy and
 * reads the report from the store, with that read's own check: a rollback is
 * found as before, and never alarmed for a copy that is merely old. Erased
 * reports are never kept (their claims are removed on every later change). A
 * restore of a backup restarts every process, so no copy outlives one.
 *
 * What it does not see: a document changed in the database behind the
 * service (no version claim: a forged field, found by its envelope MAC on
 * read) while a copy is kept. The readers above then use the copy, the report
 * as the service wrote it, and notice the forgery only once the copy has
 * expired (KEEP_MS after it was read); every other read (the report page and
 * its export, the desk, a change) checks the stored document as before and
 * alarms at once.
 *
 * Bounded (MAX_KEPT, the least recently used leave first; each copy KEEP_MS),
 * per process, and the copies are frozen, so no reader can change what the
 * next one is given.
 */
import type { ReportDoc } from '../model/types.js';

/** Reports kept per process: five full charts (about 9 KB each as stored, some 20–30 MB of heap). */
export const MAX_KEPT = 1_000;
/** How long a copy is used after it was read: a chart's rounds and a burst of triage under one term, not longer. */
export const KEEP_MS = 60_000;

/** Freezes a stored document's objects and arrays (byte buffers cannot be and are not shared out for writing). */
function freezeDeep<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) freezeDeep(inner);
  }
  return value;
}

export type ReportCache = ReturnType<typeof createReportCache>;

/**
 * `now`: the clock copies age by (tests move it). `T`: what is kept of a report, the report itself by default (the
 * link chart also keeps the cards it read, reports/model/card.ts, on the same terms).
 */
export function createReportCache<T extends Pick<ReportDoc, '_id' | 'status'> = ReportDoc>(max = MAX_KEPT, opts: { now?: () => number } = {}) {
  const clock = opts.now ?? Date.now;
  const kept = new Map<string, { doc: T; at: number }>();
  return {
    /** The kept copy of a report, if any and not expired (not yet checked: `unchangedSince` first); counts as a use. */
    get(id: string): T | undefined {
      const entry = kept.get(id);
      if (!entry) return undefined;
      kept.delete(id);
      if (clock() - entry.at >= KEEP_MS) return undefined;
      kept.set(id, entry);
      return entry.doc;
    },
    /** Keeps a report just read and found current (not an erased one); returns it frozen. */
    put(doc: T): T {
      kept.delete(doc._id);
      if (doc.status === 'ERASED') return doc;
      kept.set(doc._id, { doc: freezeDeep(doc), at: clock() });
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
