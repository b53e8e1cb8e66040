/**
 * Desk reads that decrypt nothing: the desk queue, the supervisor queue,
 * the history check and the desk event stream. Reads that decrypt or reveal
 * are in disclosure.ts, bundle.ts and search.ts, each through the content
 * module (reports/content/vault.ts).
 */
import { Repeater } from 'graphql-yoga';
import { DESKS, type Desk, type Principal, type StaffPrincipal } from '../../auth/types.js';
import { AppError, badInput, notFound } from '../../errors.js';
import type { DeskQueueEvent, SupervisionEvent } from '../../triage/events.js';
import * as access from '../rules/access.js';
import { decodeQueueCursor, encodeQueueCursor, queueCursorOf } from './cursors.js';
import { connectionOf, pageSize, type Connection } from '../../paging.js';
import { isReportId, loadReport, type DeskServiceDeps } from './deps.js';
import { verifyHistory } from '../model/history.js';
import { listed, userActor } from './presenters.js';
import type { ReportView } from './view.js';
import type { ReportDoc } from '../model/types.js';

/** A report before it is claimed: its listing and how many subjects and vehicles it names. */
export interface ReportPreview {
  view: ReportView;
  subjectCount: number;
  vehicleCount: number;
}

/**
 * How many elements a content list holds, the follow-ups' included, read
 * from the stored shape: each element is its own set of envelopes (the
 * codec keeps the tree's shape: reports/model/report-codec.ts), so the count is
 * there without opening the data key.
 */
function countOf(doc: ReportDoc, group: 'subjects' | 'vehicles'): number {
  const own = doc.content?.[group]?.length ?? 0;
  return own + (doc.content?.addenda ?? []).reduce((n, a) => n + (a[group]?.length ?? 0), 0);
}

/**
 * The highest version the audit chain records a change of the report
 * reaching (the `version` detail of its change events: reports/store/writer.ts), 0
 * when none does. Newest entries first, stopping at the first page that has
 * one. A scan of the audit collection on the local store: verification only.
 */
async function chainedVersionOf(audit: DeskServiceDeps['audit'], reportId: string): Promise<number> {
  let after: number | undefined;
  let highest = 0;
  for (let page = 0; page < 100 && !highest; page++) {
    const { entries, hasNextPage } = await audit.query({ targetType: 'report', targetId: reportId }, { first: 500, after });
    for (const e of entries) {
      const version = e.details?.version;
      if (typeof version === 'number' && version > highest) highest = version;
    }
    if (!hasNextPage || !entries.length) break;
    after = entries.at(-1)!.seq;
  }
  return highest;
}

/** A report still RECEIVED this long after it was stored is shown to supervisors. */
export const TRIAGE_STUCK_AFTER_MS = 60_000;
const SUPERVISOR_QUEUE_LIMIT = 200;
/** An ATH reference's shape (as reportByReference checks it). */
const REFERENCE = /^[A-Z]{2,8}-\d{4}-\d{1,12}$/;

/** The desk service's plain reads. */
export function createDeskQueries(deps: Pick<DeskServiceDeps, 'reports' | 'audit' | 'events' | 'log' | 'crypto' | 'waitingForTriage'>) {
  const { reports, audit, events, log } = deps;
  const queries = {
    /** A desk's triaged, unclaimed reports, by priority then age; no content. */
    async deskQueue(principal: Principal | null, desk: Desk, first?: number | null, after?: string | null): Promise<Connection<ReportView>> {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      const size = pageSize(first);
      const cursor = after === null || after === undefined ? null : decodeQueueCursor(after);
      const page = await reports.deskQueue(desk, size, cursor);
      const linksOf = await Promise.all(page.docs.map((doc) => reports.linksOf(doc))); // both directions, one lookup a row when none were filed
      const edges = page.docs.map((doc, i) => ({
        cursor: encodeQueueCursor(queueCursorOf(doc)),
        node: listed(principal as StaffPrincipal, doc, linksOf[i]!),
      }));
      return connectionOf(edges, page.hasNextPage);
    },

    /**
     * What an investigator of the report's desk (or a supervisor) may see
     * before claiming it: the queue row's state, categories (plaintext by
     * design) and the subjects' and vehicles' counts. Nothing is decrypted,
     * so nothing is audited as a read.
     */
    async reportPreview(principal: Principal | null, id: string): Promise<ReportPreview> {
      access.assertStaff(principal);
      const doc = await loadReport(reports, id);
      access.assertCanAct(principal, doc);
      const view = listed(principal, doc, await reports.linksOf(doc));
      return { view, subjectCount: countOf(doc, 'subjects'), vehicleCount: countOf(doc, 'vehicles') };
    },

    /** Checks the report's hash chain; reads no content, so auditors may call it too. */
    async verifyReportHistory(principal: Principal | null, id: string) {
      access.assertStaff(principal);
      if (!isReportId(id)) throw notFound('Report');
      const doc = await reports.findHistory(id);
      if (!doc) throw notFound('Report');
      access.assertCanVerify(principal, doc);
      const history = Array.isArray(doc.history) ? doc.history : [];
      // Every report is stored with its first entry; an empty chain was emptied.
      let result = history.length ? verifyHistory(deps.crypto.integrity, history) : { valid: false, length: 0, brokenAt: 1 };
      // A whole chain that verifies may still be an older one put back: the claims and tombstone (reports/store/freshness.ts), then
      // the audit chain, keyed and checkpointed outside the database, which records the version every change reached.
      if (result.valid && ((await reports.stalenessOf(doc)) || (await chainedVersionOf(audit, doc._id)) > doc.version)) {
        result = { valid: false, length: history.length, brokenAt: history.length + 1 };
        log.error({ reportId: doc._id }, 'report integrity failure: the stored report is older than its changes on record');
      }
      try {
        await audit.record({
          action: 'report.verify_history',
          actor: userActor(principal),
          target: { type: 'report', id: doc._id },
          outcome: result.valid ? 'success' : 'failure',
          details: { reference: doc.reference, valid: result.valid, length: result.length, brokenAt: result.brokenAt },
        });
      } catch (err) {
        log.error({ reportId: doc._id, errName: (err as Error)?.name }, 'audit write failed for a history verification');
      }
      if (!result.valid) log.warn({ reportId: doc._id, brokenAt: result.brokenAt }, 'report history does not verify');
      return result;
    },

    /**
     * `verifyReportHistory` for the report holding an ATH reference (report_refs: one lookup by _id), as people
     * know reports by reference. An unknown, malformed or erased reference is said plainly, against the field.
     */
    async verifyReportHistoryByReference(principal: Principal | null, reference: string) {
      access.assertStaff(principal);
      const wanted = typeof reference === 'string' ? reference.trim().toUpperCase() : '';
      if (!REFERENCE.test(wanted)) throw badInput('Enter a reference like ATH-2026-000123', ['reference']);
      // An erased report's reference names nothing any more (report_refs keeps no trace of it): said as for an unknown one.
      const id = await reports.search.idOfReference(wanted);
      if (!id) throw new AppError('NOT_FOUND', 'No report has this reference', { path: ['reference'] });
      return queries.verifyReportHistory(principal, id);
    },

    /** Triage failures, escalated unclaimed reports, and reports waiting for triage for over a minute. */
    async supervisorQueue(principal: Principal | null) {
      access.assertSupervisor(principal);
      const stuckBefore = new Date(Date.now() - TRIAGE_STUCK_AFTER_MS);
      // Redis down: the queue cannot say what waits in it; the outbox and the watch table still can.
      // Only jobs added over a minute ago can be stuck: the rest are not read (a backlog just queued costs no report reads).
      const waiting = await (deps.waitingForTriage?.(SUPERVISOR_QUEUE_LIMIT, stuckBefore) ?? Promise.resolve([])).catch((err: unknown) => {
        log.warn({ errName: (err as Error)?.name }, 'supervisor queue: triage queue unavailable, its waiting reports left out');
        return [] as string[];
      });
      const docs = await reports.supervisorQueue(stuckBefore, SUPERVISOR_QUEUE_LIMIT, waiting);
      return docs.map((d) => listed(principal, d, d.links ?? []));
    },

    /** Desk change events for the SSE subscription: ids and kinds only. */
    subscribe(principal: Principal | null, desk: Desk) {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      return events.subscribe(desk);
    },

    /**
     * Every desk's change events and the supervision events (a triage
     * failure, on no desk) in one stream: the supervisor's overview and
     * queue, one connection instead of one per desk.
     */
    subscribeAllDesks(principal: Principal | null) {
      access.assertSupervisor(principal);
      const streams: AsyncIterable<DeskQueueEvent | SupervisionEvent>[] = [...DESKS.map((desk) => events.subscribe(desk)), events.subscribeSupervision()];
      return Repeater.merge(streams);
    },
  };
  return queries;
}
