/**
 * Urgent alerts: the unclaimed P1 and imminent-threat reports waiting on the
 * desks a user may watch, for the console's banner on every screen.
 *
 * Who sees what is the desk queue's rule (access.canViewDesk): an
 * investigator their own desk, a supervisor every desk; nobody else (call
 * handlers never learn whether a report is held). An alert names the
 * report's reference, desk and priority and nothing of its content.
 *
 * Live over the desk queue's own event stream (triage/events.ts): every
 * change to a watched desk's queue is checked against that desk's queue
 * tables (lookups by _id), so a report routed or escalated to P1 raises an
 * alert and a claim, reassignment, referral or erasure (whoever made it)
 * clears it. No publisher needs to know about alerts.
 */
import { filter, map, pipe, Repeater } from 'graphql-yoga';
import { DESKS, type Desk, type Principal } from '../../auth/types.js';
import { forbidden } from '../../errors.js';
import * as access from '../rules/access.js';
import type { DeskServiceDeps } from './deps.js';
import type { QueueSummary } from '../store/desk-queue.js';
import type { Priority } from '../model/types.js';

/** Per desk: more than this many unclaimed P1s is a desk in crisis; the banner counts what it lists. */
const URGENT_LIMIT = 50;

/** What the banner shows of a report: no content. */
export interface UrgentAlert {
  reportId: string;
  reference: string;
  desk: Desk;
  priority: Priority;
  escalated: boolean;
  receivedAt: Date;
}

/** One change to the alerts: `alert` is the report's alert now, or null when it no longer needs one (claimed, moved, lowered). */
export interface UrgentAlertChange {
  reportId: string;
  desk: Desk;
  /** The desk queue event behind it (triaged, escalated, claimed, ...). */
  kind: string;
  at: Date;
  alert: UrgentAlert | null;
}

/** Urgent: P1, or an imminent threat at any priority (a supervisor may have lowered it). */
export const isUrgent = (s: Pick<QueueSummary, 'priority' | 'imminentThreat'>) => s.priority === 'P1' || s.imminentThreat;

const alertOf = (s: QueueSummary): UrgentAlert => ({
  reportId: s._id,
  reference: s.reference,
  desk: s.desk!,
  priority: s.priority!,
  escalated: !!s.escalated,
  receivedAt: s.receivedAt,
});

/** The desks whose alerts the principal receives; FORBIDDEN for anyone who watches none. */
function watchedDesks(p: Principal | null): Desk[] {
  access.assertStaff(p);
  const desks = DESKS.filter((d) => access.canViewDesk(p, d));
  if (!desks.length) throw forbidden('Urgent alerts are for the desks and supervisors');
  return desks;
}

/** How long one event's lookup is shared by the streams that hear it (they all hear it within milliseconds). */
const SHARED_LOOKUP_MS = 5_000;

const PRIORITY_ORDER: Record<Priority, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

/** The urgent-alert reads of the desk service. */
export function createUrgentAlerts(deps: Pick<DeskServiceDeps, 'reports' | 'events' | 'log'>) {
  const { reports, events, log } = deps;

  /**
   * Every watcher of a desk hears each event; one lookup per event serves
   * them all (kept a few seconds, keyed by the event itself), so an event
   * costs the queue tables the same for one console as for fifty.
   */
  const looked = new Map<string, Promise<QueueSummary | null>>();
  function queuedNow(e: { desk: Desk; reportId: string; kind: string; at: string }) {
    const key = `${e.desk}|${e.reportId}|${e.kind}|${e.at}`;
    let found = looked.get(key);
    if (!found) {
      found = reports.queuedOn(e.desk, e.reportId);
      looked.set(key, found);
      setTimeout(() => looked.delete(key), SHARED_LOOKUP_MS).unref();
      found.catch(() => looked.delete(key));
    }
    return found;
  }

  return {
    /** The unclaimed urgent reports on the principal's desks, most urgent then oldest first (the banner after a reload). */
    async urgentAlerts(principal: Principal | null): Promise<UrgentAlert[]> {
      const desks = watchedDesks(principal);
      const lists = await Promise.all(desks.map((d) => reports.urgentQueued(d, URGENT_LIMIT)));
      return lists
        .flat()
        .filter(isUrgent)
        .map(alertOf)
        .sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.receivedAt.getTime() - b.receivedAt.getTime());
    },

    /** Every change on the principal's desks, as the report's alert now (or null); ids, reference, desk and priority only. */
    subscribeUrgentAlerts(principal: Principal | null): AsyncIterable<UrgentAlertChange> {
      const desks = watchedDesks(principal);
      const merged = desks.length === 1 ? events.subscribe(desks[0]!) : Repeater.merge(desks.map((d) => events.subscribe(d)));
      return pipe(
        merged,
        map(async (e): Promise<UrgentAlertChange | null> => {
          try {
            const queued = await queuedNow(e);
            return { reportId: e.reportId, desk: e.desk, kind: e.kind, at: new Date(e.at), alert: queued && isUrgent(queued) ? alertOf(queued) : null };
          } catch (err) {
            // The store briefly away: this change is skipped, not guessed (a wrong "cleared" would hide an alert); the console re-reads the list.
            log.warn({ reportId: e.reportId, errName: (err as Error)?.name }, 'urgent alert: queue lookup failed, change skipped');
            return null;
          }
        }),
        filter((c): c is UrgentAlertChange => c !== null),
      );
    },
  };
}
