/**
 * In-service notifications: what happened to a report I hold. They are
 * derived, never typed: from the history entries a committed change wrote
 * (reassigned to me, a follow-up or a partner's answer: `afterChange`, run by
 * the report writer), from triage's confirmed links (`linksConfirmed`) and
 * from the SLA check (`warnSla`, periodic). Deriving never fails or blocks
 * the change it comes from: a failure is logged (ids only) and dropped.
 * Each event has a key, so a retried job notifies once.
 *
 * The SLA warning: the SLA (triage `dueBy`) is a deadline for a report to be
 * taken up. A report claimed or given to someone but not yet started (still
 * ASSIGNED, not moved to UNDER_RESEARCH) has been taken but not worked: its
 * holder is warned once when `dueBy` is NOTIFY_SLA_WARNING_MINUTES away (or
 * already past when the check first sees it). Unclaimed reports are the
 * escalation's business (triage/tasks/escalate.ts), not this one's.
 */
import { toMinute } from '../time.js';
import { createHash } from 'node:crypto';
import type { Principal, StaffPrincipal } from '../auth/types.js';
import { badInput, forbidden, unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import { connectionOf, pageSize, type Connection } from '../paging.js';
import type { ReportDoc } from '../reports/model/types.js';
import type { NotificationEvents } from './events.js';
import type { NotificationRepository } from './repository.js';
import { NOTIFIED_ACTIONS, type Notice, type NotificationSlot, type NotificationView } from './types.js';

/** How many of a user's newest notifications one page or the unread count reads, at most. */
const MAX_SCAN = 500;
/** Watches the SLA check handles per run. */
const SLA_BATCH = 500;

export type NotificationService = ReturnType<typeof createNotificationService>;

export interface NotificationDeps {
  repo: NotificationRepository;
  events: NotificationEvents;
  /** Reads a report by id (the SLA check confirms each watch against the report). */
  findReport(id: string): Promise<ReportDoc | null>;
  log: Pick<Logger, 'warn'>;
  /** NOTIFY_SLA_WARNING_MINUTES. */
  slaWarningMs: number;
}

const eventHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);
const view = (s: NotificationSlot): NotificationView => ({ id: s._id, kind: s.kind, reportId: s.reportId, reference: s.reference, at: s.at, read: s.read });

/** A report held and not yet started, with a deadline ahead: what the SLA warning watches. */
const watchable = (d: ReportDoc) => d.status === 'ASSIGNED' && !!d.assignee && !!d.triage?.dueBy;

function recipientOf(principal: Principal | null): StaffPrincipal {
  if (!principal) throw unauthenticated();
  if (principal.kind !== 'staff') throw forbidden();
  return principal;
}

export function createNotificationService(deps: NotificationDeps) {
  const { repo, events, log } = deps;

  /** Stores and publishes one notification, once per event key; true when it is new. */
  async function notify(userId: string, eventKey: string, notice: Omit<Notice, 'at'> & { at: Date }) {
    const stored = await repo.add(userId, eventHash(eventKey), { ...notice, at: toMinute(notice.at) });
    if (stored) events.publish(userId, view(stored));
    return !!stored;
  }

  /** Runs derived work whose failure must never reach the change it comes from. */
  async function safely(what: string, reportId: string, run: () => Promise<unknown>) {
    try {
      await run();
    } catch (err) {
      log.warn({ reportId, what, err: (err as Error).name }, 'notification not delivered');
    }
  }

  /** Keeps the SLA watch of a report in step with a change (started, released, reassigned: watch moves or goes). */
  async function followSla(before: ReportDoc, after: ReportDoc) {
    if (watchable(after) && after.triage!.dueBy.getTime() > Date.now()) {
      const same = watchable(before) && before.assignee === after.assignee && before.triage!.dueBy.getTime() === after.triage!.dueBy.getTime();
      if (!same) await repo.watchSla({ _id: after._id, userId: after.assignee!, reference: after.reference, dueBy: after.triage!.dueBy });
    } else if (watchable(before)) {
      await repo.unwatchSla(after._id);
    }
  }

  return {
    notify,
    /** Erasure (trust review 2, item 9): the report's notifications name it no more (repository.ts). */
    forgetReport: (reportId: string) => repo.forgetReport(reportId),

    /**
     * From a committed change (reports/store/writer.ts): the holder hears of a
     * follow-up or a partner's answer, a new holder of their reassignment;
     * nobody hears of what they did themselves.
     */
    async afterChange(before: ReportDoc, after: ReportDoc) {
      const last = before.history.at(-1)?.seq ?? 0;
      for (const entry of after.history.filter((e) => e.seq > last)) {
        const kind = NOTIFIED_ACTIONS[entry.action];
        if (!kind) continue;
        const to = kind === 'REASSIGNED' ? entry.to?.assignee : after.assignee;
        if (typeof to !== 'string' || !to || (entry.actor.type === 'user' && entry.actor.id === to)) continue;
        await safely(entry.action, after._id, () => notify(to, `history:${after._id}:${entry.seq}`, { kind, reportId: after._id, reference: after.reference, at: entry.at }));
      }
      await safely('sla-watch', after._id, () => followSla(before, after));
    },

    /** From the admin requests (src/auth/grants.ts): each admin named hears that a request waits for a second admin, once per request. */
    async approvalNeeded(adminIds: readonly string[], requestId: string, at = new Date()) {
      for (const to of adminIds) {
        await safely('approval', requestId, () => notify(to, `approval:${requestId}`, { kind: 'APPROVAL_NEEDED', reportId: null, reference: null, at }));
      }
    },

    /** From triage: each confirmed link to a report someone holds tells its holder (keyed by the link's edge id). */
    async linksConfirmed(links: readonly { doc: ReportDoc; edgeId: string }[], at = new Date()) {
      for (const { doc, edgeId } of links) {
        if (!doc.assignee) continue;
        await safely('link', doc._id, () => notify(doc.assignee!, `link:${edgeId}`, { kind: 'LINK_ADDED', reportId: doc._id, reference: doc.reference, at }));
      }
    },

    /**
     * The periodic SLA check: warns the holder of each watched report whose
     * deadline is within the warning period, once per holder and deadline,
     * after confirming against the report; how many it warned.
     */
    async warnSla(now = new Date()): Promise<number> {
      const due = await repo.slaDue(new Date(now.getTime() + deps.slaWarningMs), SLA_BATCH);
      let n = 0;
      for (const watch of due) {
        const doc = await deps.findReport(watch._id);
        const current = doc && watchable(doc) && doc.assignee === watch.userId && doc.triage!.dueBy.getTime() === watch.dueBy.getTime();
        if (current) {
          const key = `sla:${doc._id}:${watch.dueBy.toISOString()}:${watch.userId}`;
          if (await notify(watch.userId, key, { kind: 'SLA_WARNING', reportId: doc._id, reference: doc.reference, at: now })) n++;
        }
        // A stale watch (the report moved on) or a warned one: gone. A newer watch of the report stays.
        await repo.unwatchSla(watch._id, { userId: watch.userId, dueBy: watch.dueBy });
      }
      return n;
    },

    /** The caller's notifications, newest first, with their unread count. */
    async list(principal: Principal | null, args: { unreadOnly?: boolean | null; first?: number | null; after?: string | null }) {
      const me = recipientOf(principal);
      const limit = pageSize(args.first);
      const before = args.after == null ? undefined : seqOf(me, args.after, 'after');
      const [page, unreadCount] = await Promise.all([
        repo.page(me.userId, { before, limit, unreadOnly: !!args.unreadOnly, maxScan: MAX_SCAN }),
        repo.unreadCount(me.userId, MAX_SCAN),
      ]);
      const conn: Connection<NotificationView> = connectionOf(page.items.map((s) => ({ cursor: s._id, node: view(s) })), page.more);
      return { ...conn, unreadCount };
    },

    /** Marks some of the caller's notifications read; the unread count after. Not audited: no content is read or changed. */
    async markRead(principal: Principal | null, ids: readonly string[]) {
      const me = recipientOf(principal);
      if (ids.length > 100) throw badInput('At most 100 ids at a time', ['ids']);
      await repo.markRead(me.userId, ids.map((id) => seqOf(me, id, 'ids')));
      return repo.unreadCount(me.userId, MAX_SCAN);
    },

    /** Marks all the caller's notifications read (one write); the unread count after (0). */
    async markAllRead(principal: Principal | null) {
      const me = recipientOf(principal);
      await repo.markAllRead(me.userId);
      return repo.unreadCount(me.userId, MAX_SCAN);
    },

    /** The caller's live notifications (SSE); the subscription guard ends the stream with the session. */
    subscribe(principal: Principal | null) {
      return events.subscribe(recipientOf(principal).userId);
    },
  };
}

/** The seq of one of the caller's own notification ids (`<userId>#<seq>`); anything else is BAD_USER_INPUT. */
function seqOf(me: StaffPrincipal, id: string, field: string): number {
  const prefix = `${me.userId}#`;
  const rest = typeof id === 'string' && id.startsWith(prefix) ? id.slice(prefix.length) : '';
  if (!/^\d{1,12}$/.test(rest)) throw badInput('Not one of your notifications', [field]);
  return Number(rest);
}
