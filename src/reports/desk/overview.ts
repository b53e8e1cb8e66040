/**
 * The supervisor's overview: what the desks hold right now, read from the
 * side tables the repository already keeps, never from a scan of `reports`
 * (on the local store a scan decodes every report: about a minute at 100,000).
 *
 *   unclaimed by desk × priority  the desk queue tables (reports/store/desk-queue.ts): a count per table
 *   unclaimed list, SLA deadlines  the first entries of each desk's queue tables
 *   escalated unclaimed            the queue tables' `escalated` flag (indexed)
 *   held by desk × priority, who   the holdings table (reports/store/holdings.ts), each entry checked
 *   holds what and how many        against its report by `_id`
 *   today's intake by channel      the intake tally (reports/store/intake-tally.ts)
 *   the desk's people and load     the users collection (a few dozen rows) and the holdings
 *
 * Nothing here decrypts: listings are state only, like the desk queue.
 */
import { DESKS, type Desk, type Principal, type StaffPrincipal } from '../../auth/types.js';
import { badInput } from '../../errors.js';
import * as access from '../rules/access.js';
import type { DeskServiceDeps } from './deps.js';
import { londonDay } from '../store/intake-tally.js';
import { listed } from './presenters.js';
import type { ReportView } from './view.js';
import { PRIORITIES, type IntakeChannel, type Priority, type ReportDoc } from '../model/types.js';

/** How many unclaimed reports of each desk the overview lists (the counts cover them all). */
const OVERVIEW_UNCLAIMED_PER_DESK = 25;
const OVERVIEW_ESCALATED = 50;

export interface DeskPriorityCount {
  desk: Desk;
  priority: Priority;
  unclaimed: number;
  escalated: number;
  held: number;
}

export interface Holder {
  userId: string;
  username: string;
  desk: Desk | null;
  reports: ReportView[];
}

export interface SupervisorOverview {
  at: Date;
  /** The London day "today" means, YYYY-MM-DD. */
  day: string;
  counts: DeskPriorityCount[];
  unclaimed: ReportView[];
  escalated: ReportView[];
  holders: Holder[];
  intakeToday: { channel: IntakeChannel; count: number }[];
}

export interface DeskPerson {
  userId: string;
  username: string;
  desk: Desk | null;
  held: number;
}

/** The overview and the people a report may be reassigned to, on the desk service's dependencies. */
export function createOverview(deps: Pick<DeskServiceDeps, 'reports' | 'users'>) {
  const { reports, users } = deps;

  return {
    /** The live overview (SUPERVISOR): counts, unclaimed with their deadlines, escalations, holders, today's intake. */
    async supervisorOverview(principal: Principal | null): Promise<SupervisorOverview> {
      access.assertSupervisor(principal);
      const p = principal as StaffPrincipal;
      const at = new Date();
      const day = londonDay(at);
      const [queued, unclaimedByDesk, escalated, held, intakeToday] = await Promise.all([
        reports.queueCounts(),
        Promise.all(DESKS.map((desk) => reports.unclaimedOf(desk, OVERVIEW_UNCLAIMED_PER_DESK))),
        reports.escalatedUnclaimed(OVERVIEW_ESCALATED),
        reports.holdingsNow(),
        reports.intakeOn(day),
      ]);
      const heldCount = (desk: Desk, priority: Priority) => held.filter((h) => h.doc.desk === desk && h.doc.priority === priority).length;
      const counts = DESKS.flatMap((desk) =>
        PRIORITIES.map((priority) => {
          const q = queued.find((c) => c.desk === desk && c.priority === priority);
          return { desk, priority, unclaimed: q?.count ?? 0, escalated: q?.escalated ?? 0, held: heldCount(desk, priority) };
        }),
      );
      // Soonest deadline first: the one to chase is at the top, whichever desk it is on.
      const unclaimed = unclaimedByDesk.flat().sort((a, b) => (a.triage?.dueBy?.getTime() ?? Infinity) - (b.triage?.dueBy?.getTime() ?? Infinity));
      const view = (d: Parameters<typeof listed>[1]) => listed(p, d, []);
      return { at, day, counts, unclaimed: unclaimed.map(view), escalated: escalated.map(view), holders: await holdersOf(held, view), intakeToday };
    },

    /**
     * The people a supervisor may hand a report of `desk` to: its active
     * investigators, with how many reports each holds now, fewest first.
     */
    async deskPeople(principal: Principal | null, desk: Desk): Promise<DeskPerson[]> {
      access.assertSupervisor(principal);
      if (!DESKS.includes(desk)) throw badInput('Unknown desk', ['desk']);
      const [investigators, held] = await Promise.all([users.findEnabledWithRole('INVESTIGATOR'), reports.holdingsNow()]);
      const load = new Map<string, number>();
      for (const h of held) load.set(h.holder, (load.get(h.holder) ?? 0) + 1);
      return investigators
        .filter((u) => !u.disabled && u.desk === desk)
        .map((u) => ({ userId: u._id, username: u.username, desk: u.desk, held: load.get(u._id) ?? 0 }))
        .sort((a, b) => a.held - b.held || a.username.localeCompare(b.username));
    },
  };

  /** Groups held reports by holder, most loaded first, with each holder's username (one lookup by `_id` per holder). */
  async function holdersOf(held: { holder: string; doc: ReportDoc }[], view: (d: ReportDoc) => ReportView): Promise<Holder[]> {
    const byHolder = new Map<string, ReportDoc[]>();
    for (const h of held) byHolder.set(h.holder, [...(byHolder.get(h.holder) ?? []), h.doc]);
    const people = await Promise.all([...byHolder.keys()].map(async (id) => users.findById(id)));
    return [...byHolder.entries()]
      .map(([userId, docs], i) => ({
        userId,
        username: people[i]?.username ?? 'unknown user',
        desk: people[i]?.desk ?? null,
        reports: docs.sort((a, b) => (a.priority ?? 'P9').localeCompare(b.priority ?? 'P9')).map(view),
      }))
      .sort((a, b) => b.reports.length - a.reports.length || a.username.localeCompare(b.username));
  }
}
