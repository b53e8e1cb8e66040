/**
 * Desk work: the SO12/SO13 queues, claiming, the status workflow, research
 * notes, grading, referral between desks, supervision, revealing a caller
 * and erasure.
 *
 * Every change is one atomic single-document update (through the report
 * writer, `writer.ts`) guarded by the version read and by a precondition on
 * status/assignee; the same update appends its hash-chained history entry
 * and carries its audit event, which is then appended to the system-wide
 * chain (or, if that fails, by the worker's audit recovery): FerretDB has no
 * transactions, so the change and its records are one write. Reads of
 * content and caller reveals are different: they are audited BEFORE anything
 * is returned, and fail if the audit write fails.
 *
 * Mutations return the report's state and history without content: nothing
 * is decrypted for them, so nothing needs auditing as a read. `report(id)`
 * is the one audited way to read content.
 */
import { randomUUID } from 'node:crypto';
import type { Filter } from 'mongodb';
import type { AuditLog } from '../audit/types.js';
import { DESKS, type Desk, type Principal, type StaffPrincipal, type UserDoc } from '../auth/types.js';
import { DEFAULT_CONTENT_GROUPS, type Crypto } from '../crypto/index.js';
import { AppError, badInput, conflict, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DeskEvents } from '../triage/events.js';
import * as access from './access.js';
import { verifyHistory } from './history.js';
import type { QueueCursor, ReportRepository } from './repository.js';
import type { ReportWriter } from './writer.js';
import type { QueueSummary } from './desk-queue.js';
import type { ReportView } from './schema.js';
import { allows, assertAllowed, targetOf, workflowStep, type Transition } from './state-machine.js';
import { PRIORITIES, type Grading, type ReportDoc, type ReportStatus } from './types.js';
import { LIMITS } from './limits.js';

export interface DeskServiceDeps {
  reports: ReportRepository;
  /** Every change goes through it, with its audit event in the same write. */
  writer: ReportWriter;
  crypto: Crypto;
  audit: AuditLog;
  events: DeskEvents;
  log: Logger;
  /** Re-enqueues a report for triage (supervisor retry of TRIAGE_FAILED). */
  enqueueTriage(reportId: string): Promise<boolean>;
  /** Finds the user a supervisor reassigns a report to (the auth user repository). */
  users: { findByUsername(username: string): Promise<Pick<UserDoc, '_id' | 'username' | 'roles' | 'desk' | 'disabled'> | null> };
}

/** Page sizes of the desk queue and the reveal log. */
export const PAGE_SIZE = { default: 20, max: 100 } as const;
export { LIMITS };
/** A report still RECEIVED this long after it was stored is shown to supervisors. */
export const TRIAGE_STUCK_AFTER_MS = 60_000;

const CLAIM_CANDIDATES = 5;
const CLAIM_ROUNDS = 10;
const CHANGE_ATTEMPTS = 3;
const SUPERVISOR_QUEUE_LIMIT = 200;
/** History action (past tense) of each operation; the audit action is `report.<operation>`. */
const HISTORY_ACTIONS = {
  claim: 'claimed',
  release: 'released',
  transition: 'status_changed',
  add_note: 'note_added',
  grade: 'graded',
  refer: 'referred',
  reassign: 'reassigned',
  reopen: 'reopened',
  retry_triage: 'triage_retried',
  erase: 'erased',
} as const;
type Operation = keyof typeof HISTORY_ACTIONS;
/** How an error message names each operation ("Cannot claim a report in status …"). */
const OPERATION_VERBS: Record<Operation, string> = {
  claim: 'claim',
  release: 'release',
  transition: 'move',
  add_note: 'add a note to',
  grade: 'grade',
  refer: 'refer to another desk',
  reassign: 'reassign',
  reopen: 'reopen',
  retry_triage: 'send back to triage',
  erase: 'erase',
};

export type GradingInput = Pick<Grading, 'source' | 'intelligence' | 'handling'>;

export interface Caller {
  name: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  mayRecontact: boolean | null;
  preferredContactTimes: string | null;
}

export interface CallerReveal {
  seq: number;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  reportId: string | null;
  reference: string | null;
  reason: string | null;
}

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

/** One change: its row in the state machine, who may make it, and what it writes. */
interface ChangeSpec {
  op: Operation;
  /** The row of TRANSITIONS (or how to find it from the report as read): checked, and the source of the status the change sets. */
  transition: Transition | ((doc: ReportDoc) => Transition);
  /** Authorisation and other checks on the report as read (the status is the state machine's); throws. */
  check(doc: ReportDoc): void;
  /** Re-checked atomically together with the version. */
  where(doc: ReportDoc): Filter<ReportDoc>;
  set?(doc: ReportDoc, now: Date): Partial<ReportDoc>;
  push?(doc: ReportDoc): Record<string, unknown>;
  from(doc: ReportDoc): Record<string, unknown> | null;
  to(doc: ReportDoc): Record<string, unknown> | null;
  reason: string | null;
  /** False under optimistic concurrency: a lost race is CONFLICT, not a silent retry. */
  retry: boolean;
  /** Desk events to publish once the change is stored. */
  events?(before: ReportDoc, after: ReportDoc): [Desk | null, string][];
}

const rowOf = (spec: ChangeSpec, doc: ReportDoc): Transition => (typeof spec.transition === 'function' ? spec.transition(doc) : spec.transition);

// ---------------------------------------------------------------- cursors

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

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_SIZE.default;
  if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) throw badInput(`first must be between 1 and ${PAGE_SIZE.max}`, ['first']);
  return first;
}

function seqCursor(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw badInput('`after` is not a cursor returned by this list', ['after']);
  return Number(raw);
}

// ---------------------------------------------------------------- input text

// C0 controls other than tab, newline and carriage return; DEL; C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Staff-typed text (reasons, notes): trimmed, bounded, no control characters. */
function staffText(value: string, field: string, opts: { min: number; max: number; multiline?: boolean }): string {
  if (typeof value !== 'string') throw badInput(`${field} must be text`, [field]);
  const text = value.trim();
  if (text.length < opts.min) throw badInput(opts.min === 1 ? `${field} must not be empty` : `${field} must be at least ${opts.min} characters`, [field]);
  if (text.length > opts.max) throw badInput(`${field} must be at most ${opts.max} characters`, [field]);
  if (!text.isWellFormed() || CONTROL_CHARS.test(text)) throw badInput(`${field} contains a control character`, [field]);
  if (!opts.multiline && /[\r\n]/.test(text)) throw badInput(`${field} must be a single line`, [field]);
  return text;
}
const reasonText = (reason: string, min: number = LIMITS.reasonMin) => staffText(reason, 'reason', { min, max: LIMITS.reason });

// ---------------------------------------------------------------- views

const userActor = (p: StaffPrincipal) => ({ type: 'user' as const, id: p.userId, name: p.username });

/** The stored document without envelopes, keys or index terms. */
function publicDoc(doc: ReportDoc): ReportView['doc'] {
  const { content: _content, dataKey: _dataKey, bidx: _bidx, auditPending: _audit, ...rest } = doc;
  return rest;
}
/** Listings: state only. */
const summary = (doc: ReportDoc | QueueSummary): ReportView => ({ doc: { ...publicDoc(doc as ReportDoc), history: undefined }, content: null });
/** Results of changes: state and history, no content. */
const changed = (doc: ReportDoc): ReportView => ({ doc: publicDoc(doc), content: null });

const gradingCode = (g: Grading | null) => (g ? `${g.source}${g.intelligence}${g.handling}` : null);

function queueCursorOf(doc: QueueSummary): QueueCursor {
  // Triaged reports always carry a priority (set with the desk by triage).
  return { priority: doc.priority as QueueCursor['priority'], receivedAt: doc.receivedAt, id: doc._id };
}

// ---------------------------------------------------------------- service

export function createDeskService(deps: DeskServiceDeps) {
  const { reports, crypto, audit, events, log } = deps;

  async function load(id: string): Promise<ReportDoc> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw notFound('Report');
    const doc = await reports.findById(id);
    if (!doc) throw notFound('Report');
    return doc;
  }

  /** The audit event of a change, from the report as read and the values the change sets. */
  function changeEvent(p: StaffPrincipal, op: Operation, before: ReportDoc, set: Partial<ReportDoc>, reason: string | null, extra: Record<string, unknown> = {}) {
    const after = { ...before, ...set };
    return {
      action: `report.${op}`,
      actor: userActor(p),
      target: { type: 'report' as const, id: before._id },
      outcome: 'success' as const,
      details: {
        reference: before.reference,
        fromStatus: before.status,
        toStatus: after.status,
        desk: after.desk,
        ...(before.desk !== after.desk ? { fromDesk: before.desk } : {}),
        ...(before.assignee !== after.assignee ? { fromAssignee: before.assignee, toAssignee: after.assignee } : {}),
        ...(reason ? { reason } : {}),
        ...extra,
      },
    };
  }

  function publish(list: [Desk | null, string][], reportId: string) {
    for (const [desk, kind] of list) if (desk) events.publish(desk, reportId, kind);
  }

  /** One guarded update of `doc` as read, with its audit event in the same write; null when the precondition or version no longer holds. */
  function applyOnce(p: StaffPrincipal, doc: ReportDoc, spec: ChangeSpec, extra?: Record<string, unknown>) {
    const now = new Date();
    const status = targetOf(rowOf(spec, doc), doc.status);
    const set = { ...(status !== doc.status ? { status } : {}), ...spec.set?.(doc, now) };
    return deps.writer.apply(
      doc,
      {
        where: spec.where(doc),
        set,
        push: spec.push?.(doc),
        history: [{ at: now, actor: userActor(p), action: HISTORY_ACTIONS[spec.op], from: spec.from(doc), to: spec.to(doc), reason: spec.reason }],
      },
      [changeEvent(p, spec.op, doc, set, spec.reason, extra)],
      now,
    );
  }

  /** Reads, checks and applies a change; re-reads and re-checks after a lost race when allowed. */
  async function change(p: StaffPrincipal, id: string, spec: ChangeSpec, extra?: Record<string, unknown>): Promise<ReportDoc> {
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
      const doc = await load(id);
      spec.check(doc);
      assertAllowed(rowOf(spec, doc), doc.status, OPERATION_VERBS[spec.op]);
      const updated = await applyOnce(p, doc, spec, extra);
      if (updated) {
        publish(spec.events?.(doc, updated) ?? [], updated._id);
        return updated;
      }
      if (!spec.retry) throw conflict('The report was changed by someone else meanwhile; reload it and try again');
    }
    throw conflict('The report kept changing while this change was being made; reload it and try again');
  }

  function claimSpec(p: StaffPrincipal): ChangeSpec {
    return {
      op: 'claim',
      transition: 'claim',
      check(doc) {
        access.assertCanAct(p, doc);
        if (doc.assignee === p.userId) throw conflict('You already hold this report');
        if (doc.assignee) throw conflict('This report has already been claimed');
      },
      where: (doc) => ({ status: doc.status, assignee: null, desk: doc.desk }),
      set: () => ({ assignee: p.userId }),
      from: (doc) => ({ status: doc.status, assignee: null }),
      to: (doc) => ({ status: targetOf('claim', doc.status), assignee: p.userId }),
      reason: null,
      retry: true,
      events: (doc) => [[doc.desk, 'claimed']],
    };
  }

  /**
   * Hands a TRIAGE_FAILED (or stuck RECEIVED) report back to the triage
   * worker: the outbox flag is set again and the report re-enqueued; the
   * worker then makes the `triage` transition of the state machine
   * (RECEIVED | TRIAGE_FAILED → TRIAGED). The status stays as it is until then.
   */
  async function retryTriage(principal: Principal | null, id: string, reason: string) {
    access.assertSupervisor(principal);
    const why = reasonText(reason);
    const doc = await change(principal, id, {
      op: 'retry_triage',
      transition: 'retryTriage',
      check() {
        access.assertSupervisor(principal);
      },
      where: (d) => ({ status: d.status }),
      set: () => ({ triagePending: true }),
      from: (d) => ({ status: d.status, triagePending: d.triagePending }),
      to: (d) => ({ status: d.status, triagePending: true }),
      reason: why,
      retry: true,
    });
    // The outbox flag is set: if Redis does not take the job now, the sweep will.
    if (!(await deps.enqueueTriage(doc._id))) log.warn({ reportId: doc._id }, 'triage queue unavailable; the outbox sweep will enqueue the report');
    return changed(doc);
  }

  /** Links to other reports; those on a desk the viewer cannot read show only that they exist and where. */
  async function linkViews(p: StaffPrincipal, doc: ReportDoc): Promise<NonNullable<ReportView['links']>> {
    const links = await reports.linksOf(doc); // both directions: embedded, and recorded by later reports
    if (!links.length) return [];
    const current = new Map((await reports.findDesks(links.map((l) => l.reportId))).map((d) => [d._id, d.desk]));
    return links.map((link) => {
      const desk = current.has(link.reportId) ? (current.get(link.reportId) ?? null) : link.desk;
      const visible = access.canReadReport(p, { desk });
      return { ...link, desk, reference: visible ? link.reference : '', visible };
    });
  }

  return {
    /** A desk's triaged, unclaimed reports, by priority then age; no content. */
    async deskQueue(principal: Principal | null, desk: Desk, first?: number | null, after?: string | null): Promise<Connection<ReportView>> {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      const size = pageSize(first);
      const cursor = after === null || after === undefined ? null : decodeQueueCursor(after);
      const page = await reports.deskQueue(desk, size, cursor);
      // Queue rows say that links exist (the badge an investigator triages by), with references only where readable.
      const linksOf = await Promise.all(page.docs.map((doc) => reports.linksOf(doc))); // both directions, one lookup a row when none were filed
      const edges = page.docs.map((doc, i) => ({
        cursor: encodeQueueCursor(queueCursorOf(doc)),
        node: { ...summary(doc), links: linksOf[i]!.map((l) => ({ ...l, ...(access.canReadReport(principal as StaffPrincipal, { desk: l.desk }) ? { visible: true } : { reference: '', visible: false }) })) },
      }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },

    /**
     * Gives the caller the top report of the desk, or null when the queue is
     * empty. Each attempt is a conditional update on an unclaimed report, so
     * two claimers never get the same one; a lost race moves on.
     */
    async claimNextReport(principal: Principal | null, desk: Desk): Promise<ReportView | null> {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      const spec = claimSpec(principal);
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const ids = await reports.claimCandidates(desk, CLAIM_CANDIDATES);
        if (!ids.length) return null;
        for (const id of ids) {
          const candidate = await reports.findById(id);
          if (!candidate || !allows('claim', candidate.status) || candidate.assignee || candidate.desk !== desk) {
            // A queue entry a crash left behind, or one that changed since the list was read.
            if (candidate) await reports.syncSideTables(candidate);
            continue;
          }
          const updated = await applyOnce(principal, candidate, spec);
          if (!updated) continue;
          publish(spec.events?.(candidate, updated) ?? [], updated._id);
          return changed(updated);
        }
      }
      throw conflict('The queue is busy; try again');
    },

    async claimReport(principal: Principal | null, id: string) {
      access.assertStaff(principal);
      return changed(await change(principal, id, claimSpec(principal)));
    },

    /** Puts a claimed report back in its desk's queue. */
    async releaseReport(principal: Principal | null, id: string, reason: string) {
      access.assertStaff(principal);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'release',
        transition: 'release',
        check(d) {
          access.assertHolds(principal, d);
        },
        where: (d) => ({ status: d.status, assignee: d.assignee }),
        set: () => ({ assignee: null }),
        from: (d) => ({ status: d.status, assignee: d.assignee }),
        to: (d) => ({ status: targetOf('release', d.status), assignee: null }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'released']],
      });
      return changed(doc);
    },

    /**
     * Moves a held report along the workflow (the `workflow` rows of TRANSITIONS). The client
     * sends the version it last saw: anything else is CONFLICT.
     */
    async transitionReport(principal: Principal | null, id: string, to: ReportStatus, reason: string, expectedVersion: number) {
      access.assertStaff(principal);
      const why = staffText(reason ?? '', 'reason', { min: 0, max: LIMITS.reason });
      const doc = await change(principal, id, {
        op: 'transition',
        transition: (d) => workflowStep(d.status, to, why),
        check(d) {
          access.assertHolds(principal, d);
          if (d.version !== expectedVersion) {
            throw conflict(`The report has changed since you loaded it (now version ${d.version}, you sent ${expectedVersion}); reload it and try again`);
          }
          workflowStep(d.status, to, why);
        },
        where: (d) => ({ status: d.status, assignee: d.assignee }),
        set: (_d, now) => (to === 'CLOSED' ? { closedAt: now } : {}),
        from: (d) => ({ status: d.status }),
        to: () => ({ status: to }),
        reason: why || null,
        retry: false,
      });
      return changed(doc);
    },

    /** Appends an encrypted research note (1–10,000 characters; newlines and tabs allowed). */
    async addResearchNote(principal: Principal | null, id: string, text: string) {
      access.assertStaff(principal);
      const note = { id: randomUUID(), text: staffText(text, 'text', { min: 1, max: LIMITS.note, multiline: true }) };
      const doc = await change(
        principal,
        id,
        {
          op: 'add_note',
          transition: 'addNote',
          check(d) {
            access.assertHolds(principal, d);
            if (allows('addNote', d.status) && (!d.content || !d.dataKey)) throw badInput('This report has no content to add a note to');
          },
          where: (d) => ({ status: d.status }),
          push: (d) => ({
            'content.researchNotes': crypto.cipher.withDataKey(d._id, d.dataKey!, (key) => crypto.codec.encryptNote(key, d._id, note)),
          }),
          from: () => null,
          to: () => ({ noteId: note.id }),
          reason: null,
          retry: true,
        },
        { noteId: note.id },
      );
      return changed(doc);
    },

    /** Records the 3x5x2 grading of a held report. */
    async gradeReport(principal: Principal | null, id: string, input: GradingInput) {
      access.assertStaff(principal);
      if (!['1', '2', '3'].includes(input.source)) throw badInput('Unknown source evaluation', ['source']);
      if (!['A', 'B', 'C', 'D', 'E'].includes(input.intelligence)) throw badInput('Unknown intelligence assessment', ['intelligence']);
      if (!['P', 'C'].includes(input.handling)) throw badInput('Unknown handling code', ['handling']);
      const code = gradingCode({ ...input, by: '', at: new Date(0) });
      const doc = await change(
        principal,
        id,
        {
          op: 'grade',
          transition: 'grade',
          check(d) {
            access.assertHolds(principal, d);
          },
          where: (d) => ({ status: d.status }),
          set: (_d, now) => ({ grading: { source: input.source, intelligence: input.intelligence, handling: input.handling, by: principal.userId, at: now } }),
          from: (d) => ({ grading: gradingCode(d.grading) }),
          to: () => ({ grading: code }),
          reason: null,
          retry: true,
        },
        { grading: code },
      );
      return changed(doc);
    },

    /** Hands a report to the other desk's queue, unclaimed. */
    async referReport(principal: Principal | null, id: string, toDesk: Desk, reason: string) {
      access.assertStaff(principal);
      if (!DESKS.includes(toDesk)) throw badInput('Unknown desk', ['toDesk']);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'refer',
        transition: 'refer',
        check(d) {
          if (d.assignee) access.assertHolds(principal, d);
          else access.assertCanAct(principal, d);
          if (d.desk === toDesk && allows('refer', d.status)) throw badInput(`The report is already on the ${toDesk} desk`, ['toDesk']);
        },
        where: (d) => ({ status: d.status, desk: d.desk, assignee: d.assignee }),
        set: () => ({ desk: toDesk, assignee: null }),
        from: (d) => ({ desk: d.desk, status: d.status, assignee: d.assignee }),
        to: (d) => ({ desk: toDesk, status: targetOf('refer', d.status), assignee: null }),
        reason: why,
        retry: true,
        events: (d) => [
          [d.desk, 'referred-out'],
          [toDesk, 'referred-in'],
        ],
      });
      return changed(doc);
    },

    /** The report with its content decrypted except the caller's identity; audited before it is returned. */
    async report(principal: Principal | null, id: string): Promise<ReportView> {
      access.assertStaff(principal);
      const doc = await load(id);
      access.assertCanRead(principal, doc);
      const links = await linkViews(principal, doc);
      const enc = doc.content;
      const wrapped = doc.dataKey;
      if (!enc || !wrapped) return { doc: publicDoc(doc), content: null, links }; // an erased tombstone
      const fields = [...DEFAULT_CONTENT_GROUPS];
      const content = crypto.cipher.withDataKey(doc._id, wrapped, (key) => crypto.codec.decryptContent(key, doc._id, enc, { fields }));
      // Confidentiality over availability: no audit entry, no content.
      await audit.record({
        action: 'report.read',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, status: doc.status, fields },
      });
      return { doc: publicDoc(doc), content, links };
    },

    /** Checks the report's hash chain; reads no content, so auditors may call it too. */
    async verifyReportHistory(principal: Principal | null, id: string) {
      access.assertStaff(principal);
      if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw notFound('Report');
      const doc = await reports.findHistory(id);
      if (!doc) throw notFound('Report');
      access.assertCanVerify(principal, doc);
      const history = Array.isArray(doc.history) ? doc.history : [];
      // Every report is stored with its first entry; an empty chain was emptied.
      const result = history.length ? verifyHistory(history) : { valid: false, length: 0, brokenAt: 1 };
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

    /** Triage failures, escalated unclaimed reports, and reports waiting for triage for over a minute. */
    async supervisorQueue(principal: Principal | null) {
      access.assertSupervisor(principal);
      const docs = await reports.supervisorQueue(new Date(Date.now() - TRIAGE_STUCK_AFTER_MS), SUPERVISOR_QUEUE_LIMIT);
      return docs.map((d) => summary(d));
    },

    /** Gives a report to a named investigator of its desk (or a supervisor). */
    async reassignReport(principal: Principal | null, id: string, toUsername: string, reason: string) {
      access.assertSupervisor(principal);
      const why = reasonText(reason);
      const username = typeof toUsername === 'string' ? toUsername.trim().toLowerCase() : '';
      const target = username && username.length <= 64 ? await deps.users.findByUsername(username) : null;
      if (!target || target.disabled) throw badInput('There is no active user with that username', ['toUsername']);
      const targetIsSupervisor = target.roles.includes('SUPERVISOR');
      if (!targetIsSupervisor && !target.roles.includes('INVESTIGATOR')) throw badInput(`${target.username} is not an investigator`, ['toUsername']);
      const doc = await change(
        principal,
        id,
        {
          op: 'reassign',
          transition: 'reassign',
          check(d) {
            access.assertSupervisor(principal);
            if (!allows('reassign', d.status)) return; // the state machine's message
            if (!targetIsSupervisor && target.desk !== d.desk) {
              throw badInput(`${target.username} is not on the ${d.desk ?? 'report'} desk; refer the report first`, ['toUsername']);
            }
            if (d.assignee === target._id) throw badInput(`${target.username} already holds this report`, ['toUsername']);
          },
          where: (d) => ({ status: d.status, assignee: d.assignee, desk: d.desk }),
          set: () => ({ assignee: target._id }),
          from: (d) => ({ status: d.status, assignee: d.assignee }),
          to: (d) => ({ status: targetOf('reassign', d.status), assignee: target._id }),
          reason: why,
          retry: true,
          events: (d) => [[d.desk, 'reassigned']],
        },
        { toUsername: target.username },
      );
      return changed(doc);
    },

    /**
     * Reopens a finished report into its desk's queue. A TRIAGE_FAILED (or
     * stuck RECEIVED) report is instead sent back to triage (retryTriage).
     */
    async reopenReport(principal: Principal | null, id: string, reason: string) {
      access.assertSupervisor(principal);
      const current = await load(id);
      if (allows('retryTriage', current.status)) return retryTriage(principal, id, reason);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'reopen',
        transition: 'reopen',
        check() {
          access.assertSupervisor(principal);
        },
        where: (d) => ({ status: d.status }),
        set: () => ({ assignee: null, closedAt: null }),
        from: (d) => ({ status: d.status, assignee: d.assignee }),
        to: (d) => ({ status: targetOf('reopen', d.status), assignee: null }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'reopened']],
      });
      return changed(doc);
    },

    retryTriage,

    /**
     * The caller's identity, for an investigator of the report's desk or a
     * supervisor, with a stated reason; audited before it is returned.
     */
    async revealCaller(principal: Principal | null, reportId: string, reason: string): Promise<Caller> {
      access.assertStaff(principal);
      const why = reasonText(reason, LIMITS.revealReasonMin);
      const doc = await load(reportId);
      access.assertCanRead(principal, doc);
      const noIdentity = () => new AppError('NOT_FOUND', 'This report has no caller identity');
      const enc = doc.content;
      const wrapped = doc.dataKey;
      if (doc.anonymous || !enc || !wrapped) throw noIdentity();
      const { caller } = crypto.cipher.withDataKey(doc._id, wrapped, (key) => crypto.codec.decryptContent(key, doc._id, enc, { fields: ['caller'] }));
      if (!caller) throw noIdentity();
      await audit.record({
        action: 'report.reveal_caller',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, reason: why, fields: ['caller'] },
      });
      return {
        name: caller.name ?? null,
        phone: caller.phone ?? null,
        email: caller.email ?? null,
        address: caller.address ?? null,
        mayRecontact: doc.callerMayRecontact,
        preferredContactTimes: caller.preferredContactTimes ?? null,
      };
    },

    /** Who revealed which caller and why, newest first (from the audit log). */
    async callerReveals(principal: Principal | null, first?: number | null, after?: string | null): Promise<Connection<CallerReveal>> {
      access.assertSupervisor(principal);
      const size = pageSize(first);
      const page = await audit.query({ action: 'report.reveal_caller' }, { first: size, after: seqCursor(after) });
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      const edges = page.entries.map((e) => ({
        cursor: String(e.seq),
        node: {
          seq: e.seq,
          at: e.at,
          actorId: e.actor.id ?? null,
          actorName: e.actor.name ?? null,
          reportId: e.target?.id ?? null,
          reference: str(e.details?.reference),
          reason: str(e.details?.reason),
        },
      }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },

    /**
     * Crypto-shredding: one update drops the envelopes, the wrapped data key
     * and the index terms and leaves a tombstone (non-sensitive fields and
     * the history, which still verifies).
     */
    async eraseReport(principal: Principal | null, id: string, reason: string) {
      access.assertSupervisor(principal);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'erase',
        transition: 'erase',
        check(d) {
          access.assertSupervisor(principal);
          if (!allows('erase', d.status)) throw conflict('This report has already been erased');
        },
        where: (d) => ({ status: d.status }),
        set: (_d, now) => ({ content: null, dataKey: null, bidx: [], erasedAt: now, triagePending: false }),
        from: (d) => ({ status: d.status }),
        to: (d) => ({ status: targetOf('erase', d.status) }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'erased']],
      });
      return changed(doc);
    },

    /** Desk change events for the SSE subscription: ids and kinds only. */
    subscribe(principal: Principal | null, desk: Desk) {
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      access.assertCanViewDesk(principal, desk);
      return events.subscribe(desk);
    },
  };
}

export type DeskService = ReturnType<typeof createDeskService>;
