/**
 * The console's idle time-out, on the server (trust review 2, item 11): a
 * console session (a cookie from consoleSignIn or single sign-on) unused for
 * longer than CONSOLE_IDLE_MINUTES is refused like an expired one (the request
 * is UNAUTHENTICATED) and deleted, however its token is presented (cookie or
 * bearer header), and an open subscription on it ends at its next re-check
 * (src/graphql/subscription-guard.ts authenticates again).
 *
 * What counts as use: only a sign-in and the console's activity heartbeat
 * (`consoleActivity`), which the console sends when someone has typed,
 * clicked, scrolled or touched the screen, at most once a minute. Nothing
 * else a request does counts: a console merely left open keeps polling (the
 * threat level, urgent alerts) and holds subscriptions (the desk, the bell),
 * and if those counted a console nobody is at would never time out, which is
 * the case the rule exists for. Keystrokes into a long form make no request,
 * so the heartbeat, not the requests, is what keeps a working person in.
 *
 * Resolution: the local store commits every write alone, so the last use
 * is written at most once per TOUCH_EVERY_MS per session (a heartbeat within
 * that of the last written one writes nothing), and the server allows
 * IDLE_GRACE_MS on top of the idle time for the heartbeat's cadence. The
 * console's own lock fires at the idle time to the second and signs out;
 * the server ends a session the console did not sign out (a closed lid, a
 * killed tab, a copied cookie) within a minute after that.
 *
 * The mark `console` is under the session's MAC and the last use under one of
 * its own (src/auth/seal.ts): a database writer without HOTLINE_AUDIT_KEY can
 * neither turn a console session into an unlimited one nor move its last
 * use forward; a missing or wrong last-use MAC ends the session.
 */
import type { SessionDoc } from './types.js';

/** A heartbeat within this long of the last recorded use writes nothing. */
export const TOUCH_EVERY_MS = 30_000;
/** What the server allows beyond the idle time: the console's heartbeat comes at most once a minute. */
export const IDLE_GRACE_MS = 60_000;

/** True when this console session has gone unused past the idle time (API sessions never do). */
export function idleExpired(session: Pick<SessionDoc, 'console' | 'lastSeenAt'>, now: number, idleMs: number): boolean {
  if (!session.console) return false;
  return !session.lastSeenAt || now - session.lastSeenAt.getTime() > idleMs + IDLE_GRACE_MS;
}

/** True when a heartbeat should record a new last use (the coarse touch). */
export function touchDue(session: Pick<SessionDoc, 'console' | 'lastSeenAt'>, now: number): boolean {
  return Boolean(session.console) && (!session.lastSeenAt || now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS);
}
