/**
 * Is the report as read its CURRENT version? The envelope MAC (reports/model/envelope-mac.ts)
 * proves a document is one the service wrote, not that it is the latest: a
 * database writer could put back an older snapshot of the report (research
 * notes, grading or closure undone) or the document an erasure replaced
 * (content and data key back). Two insert-only records outside the report
 * document, and the audit chain behind them, say which version is current:
 *
 * - the version claims (`report_versions`, `<report id>:<version>`, written by
 *   applyChange before every change: repository.ts). A claim for the version
 *   after the one read (v+1) is either a change in flight, a change whose
 *   writer died before its update (abandoned), or a sign that the report was
 *   rolled back. A claim for v+2 settles it (a writer claims v+2 only after
 *   reading the report at v+1, so v+1 was written); otherwise the change's
 *   audit event, keyed `<report id>:<v+1>:0` in the keyed, checkpointed audit
 *   chain, does (a change in flight or abandoned is not in the chain yet).
 *   The report's version is read first, and again while the change may be in
 *   flight (IN_FLIGHT_WAITS_MS), so a reader that raced a writer (read v, the
 *   change to v+1 landed since, or is landing) is not one and asks no chain.
 * - the erasure tombstone (`report_tombstones`): `_id` is the keyed hash
 *   (`reportTombstone` subkey of HOTLINE_AUDIT_KEY) of the report id, so it
 *   names no report to a reader and cannot be made by a writer without the
 *   key. A report found not ERASED that has a tombstone was brought back.
 *   The erasure also removes the report's version claims (they name it): the
 *   tombstone alone answers for it afterwards.
 *
 * Cost: one lookup by `_id` for the claim and one for the tombstone, in
 * parallel, on every read that trusts the report (and on every use of a
 * copy kept from one: report-cache.ts); more (the report's version,
 * then the v+2 claim and the chain) only when a claim for v+1 is found: a
 * rollback, a writer that died, or a change in flight. A reader of many
 * reports at once (`assertAllCurrent`: the link chart) reads, after reading
 * them, every tombstone in one `find` while there are at most
 * TOMBSTONES_READ_WHOLE (one an erased report) instead of one lookup each:
 * the same records, read after the reports as each lookup would be, so the
 * same answer; its claims are still one lookup a report. No write
 * per change beyond the claim applyChange always made; one insert per erasure.
 *
 * What a writer who also deletes the claims or the tombstone gets: reads pass,
 * but the audit chain still holds the later changes of the report (their
 * `version` detail, under the chain's keyed hash and its checkpoints), and
 * verifyReportHistory compares the two (reports/desk/queries.ts). A restore of an older
 * backup brings back its claims and tombstones with its reports (one
 * database snapshot), so nothing here needs to know of it; erasures made
 * after the backup are made again at start-up (reports/desk/erasure-reapply.ts),
 * which writes their tombstones as any erasure does.
 */
import type { Db } from 'mongodb';
import type { Integrity } from '../../crypto/integrity.js';
import { insertIfAbsent } from '../../db/errors.js';
import { ReportIntegrityError } from '../model/envelope-mac.js';
import type { ReportDoc } from '../model/types.js';

/** After this long, an unfinished version claim is presumed abandoned by a dead writer. */
export const STALE_CLAIM_MS = 30_000;

/**
 * A batch of at least this many reports (not erased) reads the tombstones whole rather than one lookup each
 * (`assertAllCurrent`), while they are at most TOMBSTONES_READ_WHOLE: one tombstone an erased report, so few.
 */
const READ_TOMBSTONES_WHOLE_FROM = 4;
const TOMBSTONES_READ_WHOLE = 1_000;
/** How long (ms, one after another) a reader that met a claim for the next version waits for its update before asking the chain. */
const IN_FLIGHT_WAITS_MS = [25, 50, 100, 200, 400];

export type FreshnessIntegrity = Pick<Integrity, 'mac' | 'verify' | 'macAll'>;


/** Why a report as read is not its current version. */
export type Staleness = 'rolled back' | 'erased';

/** A report that is not its current version (rolled back, or brought back after erasure): DATA_INTEGRITY, no content. */
export class ReportRollbackError extends ReportIntegrityError {
  constructor(
    recordId: string,
    readonly staleness: Staleness,
  ) {
    super(recordId, [staleness === 'erased' ? 'erased (the report was erased; this document was put back)' : 'version (a later change of this report is on record)']);
    this.name = 'ReportRollbackError';
  }
}

/** What the check needs of the audit chain, and who hears of a failure. */
export interface FreshnessDeps {
  /** Which of these audit event keys are in the chain (audit/service.ts chainedKeys; a scan on FerretDB, rare here). */
  chainedKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Logs and audits a failure (integrity-alarm.ts); must not throw. */
  alarm?(reportId: string, staleness: Staleness): Promise<void>;
}

export interface VersionClaim {
  _id: string;
  at: Date;
}

export const claimIdOf = (reportId: string, version: number) => `${reportId}:${version}`;
const tombstoneInput = (reportId: string) => `tombstone|${reportId}`;

export type Freshness = ReturnType<typeof createFreshness>;

export function createFreshness(db: Db, integrity: FreshnessIntegrity, deps?: FreshnessDeps) {
  const versions = db.collection<VersionClaim>('report_versions');
  const reports = db.collection<Pick<ReportDoc, '_id' | 'version'>>('reports');
  const tombstones = db.collection<{ _id: string }>('report_tombstones');

  /** Whether a tombstone names the report: from `buriedIds` (every tombstone id, read once) when given, else one lookup by `_id` per configured audit key. */
  async function isBuried(reportId: string, buriedIds?: ReadonlySet<string>): Promise<boolean> {
    const ids = integrity.macAll('reportTombstone', tombstoneInput(reportId));
    if (buriedIds) return ids.some((id) => buriedIds.has(id));
    // One lookup by `_id` each: FerretDB decodes the whole collection for an `$in`.
    return (await Promise.all(ids.map((_id) => tombstones.findOne({ _id }, { projection: { _id: 1 } })))).some(Boolean);
  }

  /** Whether the change from `version` to `version + 1` was made (a later claim, or its audit event in the chain). */
  async function changedPast(reportId: string, version: number): Promise<boolean> {
    if (await versions.findOne({ _id: claimIdOf(reportId, version + 2) }, { projection: { _id: 1 } })) return true;
    if (!deps) return false; // without the chain, an abandoned claim and a rollback by one version look alike
    const key = `${reportId}:${version + 1}:0`;
    return (await deps.chainedKeys([key])).has(key);
  }

  /** Which of these reports a tombstone names (erased): one lookup by `_id` each (per configured audit key), or the tombstones read once for several while they are few. */
  async function buried(reportIds: readonly string[]): Promise<Set<string>> {
    const buriedIds = reportIds.length >= READ_TOMBSTONES_WHOLE_FROM ? await tombstonesIfFew() : null;
    const found = await Promise.all(reportIds.map((id) => isBuried(id, buriedIds ?? undefined)));
    return new Set(reportIds.filter((_, i) => found[i]));
  }

  /**
   * Why `doc` is not the report's current version, or null when nothing on record says so. `buriedIds`: every
   * tombstone id on record, read after `doc` was (`tombstonesIfFew`), instead of a lookup of its own.
   */
  async function staleness(doc: Pick<ReportDoc, '_id' | 'version' | 'status'>, buriedIds?: ReadonlySet<string>): Promise<Staleness | null> {
    const [next, buried] = await Promise.all([versions.findOne({ _id: claimIdOf(doc._id, doc.version + 1) }), doc.status === 'ERASED' ? false : isBuried(doc._id, buriedIds)]);
    if (buried) return 'erased';
    if (!next) return null;
    // Most often a reader racing a writer: the change to v+1 has landed since the read, or is landing (claimed, its
    // update on its way). The report's version is asked first, and again while such an update may be in flight, before
    // the chain, whose check by event key decodes the whole audit collection on FerretDB (seconds at 100,000 reports:
    // 48 of them in the bench's hot-postcode phase, 15:13 on 2026-12-07). A rollback is still found, later by the waits.
    const movedOn = async () => ((await reports.findOne({ _id: doc._id }, { projection: { version: 1 } }))?.version ?? -1) > doc.version;
    if (await movedOn()) return null;
    for (const ms of IN_FLIGHT_WAITS_MS) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (await movedOn()) return null;
    }
    if (!(await changedPast(doc._id, doc.version))) return null;
    // The change was made: unless the report has moved on since (a reader racing a writer), it was rolled back.
    return (await movedOn()) ? null : 'rolled back';
  }

  /**
   * Whether this process has seen more than TOMBSTONES_READ_WHOLE tombstones: they are only ever added (a restore
   * restarts every process), so it never reads them whole again and looks each report's up instead.
   */
  let tombstonesMany = false;
  /**
   * Every tombstone id on record, when there are at most TOMBSTONES_READ_WHOLE of them (one `find` with a limit, no
   * filter and no sort: the shape whose limit FerretDB hands to SQLite, as its issue #3644 describes; and were all
   * of them decoded, it happens once in a process's life, `tombstonesMany` then set); null otherwise.
   */
  async function tombstonesIfFew(): Promise<Set<string> | null> {
    if (tombstonesMany) return null;
    const all = await tombstones.find({}, { projection: { _id: 1 } }).limit(TOMBSTONES_READ_WHOLE + 1).toArray();
    if (all.length > TOMBSTONES_READ_WHOLE) {
      tombstonesMany = true;
      return null;
    }
    return new Set(all.map((t) => t._id));
  }

  /** Alarms (logged and audited by the caller's alarm) and returns the error to throw. */
  async function fail(reportId: string, found: Staleness): Promise<ReportRollbackError> {
    await deps?.alarm?.(reportId, found);
    return new ReportRollbackError(reportId, found);
  }

  return {
    staleness,

    /**
     * The tombstone half of `assertCurrent` alone (one lookup): for a writer whose `doc` passed `assertCurrent` when
     * read and who claims the next version before writing (repository.ts applyChange, `checkedAtRead`). A change
     * since that read holds the claim, so the claim fails; an erasure since deletes the claims but leaves this tombstone.
     */
    async assertNotErased(doc: Pick<ReportDoc, '_id' | 'version' | 'status'>): Promise<void> {
      if (doc.status === 'ERASED') return;
      if (await isBuried(doc._id)) throw await fail(doc._id, 'erased');
    },

    /** Throws ReportRollbackError (DATA_INTEGRITY, alarmed) unless `doc` is the report's current version. */
    async assertCurrent(doc: Pick<ReportDoc, '_id' | 'version' | 'status'>): Promise<void> {
      const found = await staleness(doc);
      if (found) throw await fail(doc._id, found);
    },

    fail,

    /**
     * `assertCurrent` of several reports read moments ago (the link chart's): each its claim lookup as ever, and
     * the tombstones, when there are few (`tombstonesIfFew`), read once for all of them, after they were read,
     * instead of one lookup each; the same answers as one `assertCurrent` each (the first failure is thrown,
     * every one alarmed).
     */
    async assertAllCurrent(docs: readonly Pick<ReportDoc, '_id' | 'version' | 'status'>[]): Promise<void> {
      const live = docs.filter((d) => d.status !== 'ERASED').length;
      const buriedIds = live >= READ_TOMBSTONES_WHOLE_FROM ? ((await tombstonesIfFew()) ?? undefined) : undefined;
      const found = await Promise.all(docs.map(async (doc) => ({ doc, found: await staleness(doc, buriedIds) })));
      const stale = found.filter((f) => f.found);
      const errors = await Promise.all(stale.map((f) => fail(f.doc._id, f.found!)));
      if (errors.length) throw errors[0];
    },

    /**
     * Which of these reports, read earlier and found current then (report-cache.ts), are still at the version read:
     * no claim for the next version, then, read after the claims, no tombstone (an erasure writes its tombstone before
     * it removes the claims, so one of the two is always seen). Nothing is alarmed: a report left out is merely read
     * again, and that read's own check says whether it was rolled back. Erased reports are never in the answer.
     */
    async unchangedSince(docs: readonly Pick<ReportDoc, '_id' | 'version' | 'status'>[]): Promise<Set<string>> {
      const live = docs.filter((d) => d.status !== 'ERASED');
      const claimed = await Promise.all(live.map((d) => versions.findOne({ _id: claimIdOf(d._id, d.version + 1) }, { projection: { _id: 1 } })));
      const quiet = live.filter((_, i) => !claimed[i]);
      const erased = await buried(quiet.map((d) => d._id));
      return new Set(quiet.filter((d) => !erased.has(d._id)).map((d) => d._id));
    },

    buried,

    /** `doc` if current; null (alarmed) if not: for readers of many candidates that leave a failing one out (search, linking). */
    async currentOrNull<T extends Pick<ReportDoc, '_id' | 'version' | 'status'>>(doc: T | null): Promise<T | null> {
      if (!doc) return null;
      const found = await staleness(doc);
      if (!found) return doc;
      await deps?.alarm?.(doc._id, found);
      return null;
    },

    /** Whether a stale claim on `version` (of a report read at `version - 1`) may be taken over: false when the report was rolled back past it. */
    mayTakeOver: async (reportId: string, version: number) => !(await changedPast(reportId, version - 1)),

    /**
     * After an erasure is stored: the tombstone (insert-only, keyed id), then
     * the report's version claims go (they name it); a crash in between leaves
     * the claims, which still catch a put-back document. Claims of versions
     * 2..`upTo` (version 1 is the intake's insert, never claimed): one delete each by `_id` (FerretDB decodes the whole
     * collection for an `$in` of ids; on MongoDB one `deleteMany`).
     */
    async bury(reportId: string, upTo: number): Promise<void> {
      await insertIfAbsent(tombstones, { _id: integrity.mac('reportTombstone', tombstoneInput(reportId)) });
      for (let v = 2; v <= upTo; v++) await versions.deleteOne({ _id: claimIdOf(reportId, v) });
    },
  };
}
