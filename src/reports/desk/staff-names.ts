/**
 * THE rule for naming staff in a report view (trust review 2, item 14): who
 * a viewer may see by id and username among the people a report names (the
 * actors and holders of its history, its holder, its grader).
 *
 *   SUPERVISOR    everyone (reads every desk)
 *   anyone else   themselves, staff of their own desk, and staff of no desk
 *                 (supervisors, call handlers); another desk's staff are
 *                 "an investigator on SO12", an unknown account "a staff
 *                 member": never their id or username
 *
 * A person's desk is read from their (sealed) user record as it is now: an
 * investigator since moved to the viewer's desk is a colleague, one moved
 * away is no longer named. A report referred from SO12 to SO13 thus shows an
 * SO13 investigator that "an investigator on SO12" held it, not who.
 */
import type { Desk, Principal, UserDoc } from '../../auth/types.js';
import * as access from '../rules/access.js';
import type { DeskServiceDeps } from './deps.js';
import { userIdsIn, type UserNames } from './history-words.js';
import type { HistoryEntry } from '../model/types.js';
import type { ReportView, StaffNames } from './view.js';

export type StaffMember = Pick<UserDoc, '_id' | 'username' | 'desk'>;


/** What the viewer may know of each of `ids`, given the people found for them (unknown ids are absent from `people`). */
export function staffNamesFor(viewer: Principal | null, ids: readonly string[], people: readonly StaffMember[]): StaffNames {
  const byId = new Map(people.map((p) => [p._id, p]));
  const names = new Map<string, string>();
  const hidden = new Set<string>();
  const everyone = access.isSupervisor(viewer);
  const own: { userId: string | null; desk: Desk | null } = viewer?.kind === 'staff' ? { userId: viewer.userId, desk: viewer.desk } : { userId: null, desk: null };
  for (const id of new Set(ids)) {
    const person = byId.get(id);
    const shown = everyone || id === own.userId || (!!person && (person.desk === null || (own.desk !== null && person.desk === own.desk)));
    if (shown) {
      if (person) names.set(id, person.username);
      continue;
    }
    hidden.add(id);
    names.set(id, person?.desk ? `an investigator on ${person.desk}` : 'a staff member');
  }
  return { names, hidden };
}

/** Every user id a view's report names: history actors and holders, its holder, its grader. */
function staffIdsOf(doc: ReportView['doc']): string[] {
  return userIdsIn(doc.history ?? [], [doc.assignee, doc.grading?.by ?? null]);
}

/** Looks the people up (by id, from the user store) and applies the rule. */
export async function resolveStaffNames(users: DeskServiceDeps['users'], viewer: Principal | null, doc: ReportView['doc']): Promise<StaffNames> {
  const ids = staffIdsOf(doc);
  const found = await Promise.all(ids.map((id) => users.findById(id)));
  return staffNamesFor(viewer, ids, found.filter((u): u is StaffMember => !!u));
}

/** A value of a history entry's from/to as the viewer may see it: a hidden person's id becomes their words. */
export function withoutHiddenIds(value: Record<string, unknown> | null, staff: StaffNames): Record<string, unknown> | null {
  if (!value || !staff.hidden.size) return value;
  const swap = (v: unknown): unknown => {
    if (typeof v === 'string') return staff.hidden.has(v) ? staff.names.get(v) : v;
    if (Array.isArray(v)) return v.map(swap);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    return v;
  };
  return swap(value) as Record<string, unknown>;
}

/**
 * A history entry as the viewer may see it, for what copies entries out
 * whole (a signed bundle, the list of disseminations): another desk's staff
 * as their words (`actor.id` empty), never their id or username.
 */
export function entrySeenBy<T extends Pick<HistoryEntry, 'actor' | 'from' | 'to'>>(entry: T, staff: StaffNames): T {
  const hidden = entry.actor.type === 'user' && staff.hidden.has(entry.actor.id);
  return {
    ...entry,
    actor: hidden ? { type: 'user' as const, id: '', name: staff.names.get(entry.actor.id)! } : entry.actor,
    from: withoutHiddenIds(entry.from, staff),
    to: withoutHiddenIds(entry.to, staff),
  };
}

/**
 * The desk service's lazy lookup, for views that did not resolve their
 * people (results of changes): once per view object.
 */
export function createStaffNaming(deps: Pick<DeskServiceDeps, 'users'>) {
  const cache = new WeakMap<object, Promise<StaffNames>>();
  return {
    /** The people `view` names, as `viewer` may see them (resolved once per view). */
    staffNamesOf(viewer: Principal | null, view: ReportView): Promise<StaffNames> {
      if (view.staff) return Promise.resolve(view.staff);
      let pending = cache.get(view.doc);
      if (!pending) {
        pending = resolveStaffNames(deps.users, viewer, view.doc);
        cache.set(view.doc, pending);
      }
      return pending;
    },
  };
}
