/**
 * Who is signed in, from the server (consoleSession): the token lives only
 * in an HttpOnly cookie, so a reload asks the server again. Signs out after
 * the configured idle time, with a visible, announced warning first (the
 * server ends the session too, within a minute after: src/auth/idle.ts, told
 * of use by the heartbeat below); with a
 * form draft kept (drafts.tsx) the sign-out locks the screen instead of
 * discarding it: the same user signing in again resumes it, anyone else
 * discards it.
 */
import { useQueryClient, useQuery } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { onUnauthenticated, request } from '../api/client';
import { graphql } from '../gql';
import type { ConsoleSessionQuery } from '../gql/graphql';
import { useDrafts } from './drafts';

export const CONSOLE_SESSION = graphql(`
  query ConsoleSession {
    consoleSession {
      expiresAt
      idleTimeoutSeconds
      attachmentMaxBytes
      operations
      user { id username roles desk }
    }
  }
`);

const SIGN_OUT = graphql(`
  mutation SignOut {
    logout
  }
`);

const CONSOLE_ACTIVITY = graphql(`
  mutation ConsoleActivity {
    consoleActivity
  }
`);

/**
 * How often at most the server is told someone is using the console. Only this heartbeat keeps the session from
 * the server's idle time-out: the console's polls and subscriptions do not, so a console nobody uses still ends.
 */
const HEARTBEAT_MS = 60_000;

export type Session = NonNullable<ConsoleSessionQuery['consoleSession']>;

interface SessionState {
  session: Session | null;
  loading: boolean;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: string | null;
  /** The user whose draft this locked screen keeps (only they resume it), or null. */
  lockedFor: string | null;
  /** True when the signed-in user may run the operation (from the server's policy table). */
  can(operation: string): boolean;
  signedIn(session: Session): void;
  /** Ends the session and discards any draft (the user chose to). */
  signOut(reason?: string): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const query = useQuery({ queryKey: ['consoleSession'], queryFn: () => request(CONSOLE_SESSION), retry: 1, staleTime: Infinity });
  const session = query.data?.consoleSession ?? null;

  const drafts = useDrafts();
  const [lockedFor, setLockedFor] = useState<string | null>(null);
  // Read inside callbacks that outlive a render (the idle timer, the client's listeners).
  const current = useRef({ drafts, username: session?.user.username ?? null });
  current.current = { drafts, username: session?.user.username ?? null };

  /** Forgets the session; `lock` keeps a draft for the same user to resume (an idle time-out, a session the server ended). */
  const end = useCallback(
    (reason: string | null, lock: boolean) => {
      const { drafts: kept, username } = current.current;
      if (lock && username && kept.names.length > 0) setLockedFor(username);
      else {
        kept.discardAll();
        setLockedFor(null);
      }
      // Forget every answer the server gave this user: nothing stays in memory for the next person at the desk.
      queryClient.clear();
      queryClient.setQueryData(['consoleSession'], { consoleSession: null });
      setEndedBecause(reason);
    },
    [queryClient],
  );

  // The screen is cleared at once and the server told after: a slow or unreachable server never keeps a
  // signed-out (or idle) console on screen.
  const signOut = useCallback(
    async (reason?: string) => {
      end(reason ?? null, false);
      await request(SIGN_OUT).catch(() => undefined);
    },
    [end],
  );

  const lock = useCallback(
    async (idleMinutes: number) => {
      const draft = current.current.drafts.names.length > 0;
      end(
        draft
          ? `The screen was locked after ${idleMinutes} minutes without activity.`
          : `You were signed out after ${idleMinutes} minutes without activity.`,
        true,
      );
      await request(SIGN_OUT).catch(() => undefined);
    },
    [end],
  );

  const hadSession = useRef(false);
  hadSession.current = session !== null;
  useEffect(
    () =>
      onUnauthenticated(() => {
        if (!hadSession.current) return;
        // UNAUTHENTICATED also answers a wrong current password (changing it) while this session stays valid: ask before ending.
        void request(CONSOLE_SESSION).then(
          (d) => {
            if (!d.consoleSession) end('Your session has ended (expired, revoked or signed out elsewhere). Sign in again.', true);
          },
          () => undefined,
        );
      }),
    [end],
  );

  const value: SessionState = {
    session,
    loading: query.isLoading,
    endedBecause,
    lockedFor,
    can: (op) => Boolean(session?.operations.includes(op)),
    signedIn: (s) => {
      // Only the user who typed a draft may see it again.
      if (lockedFor && s.user.username !== lockedFor) drafts.discardAll();
      setLockedFor(null);
      setEndedBecause(null);
      queryClient.setQueryData(['consoleSession'], { consoleSession: s });
    },
    signOut,
  };
  return (
    <SessionContext.Provider value={value}>
      {children}
      {session && (
        <IdleGuard timeoutSeconds={session.idleTimeoutSeconds} locks={drafts.names.length > 0} onIdle={() => void lock(Math.round(session.idleTimeoutSeconds / 60))} />
      )}
    </SessionContext.Provider>
  );
}

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** Counts down from the last keyboard or pointer action; warns for the last minute (or quarter), then signs out (or locks, with a draft kept). */
function IdleGuard({ timeoutSeconds, locks, onIdle }: { timeoutSeconds: number; locks: boolean; onIdle: () => void }) {
  const warnSeconds = Math.min(60, Math.ceil(timeoutSeconds / 4));
  const last = useRef(Date.now());
  const fired = useRef(false);
  const [left, setLeft] = useState(timeoutSeconds);
  // When the server was last told of use, and whether there has been use since (sent once HEARTBEAT_MS has passed).
  const told = useRef(0);
  const untold = useRef(true);
  useEffect(() => {
    const tellServer = () => {
      if (!untold.current || Date.now() - told.current < HEARTBEAT_MS) return;
      told.current = Date.now();
      untold.current = false;
      void request(CONSOLE_ACTIVITY).catch(() => undefined);
    };
    const touch = () => {
      last.current = Date.now();
      untold.current = true;
      tellServer();
    };
    // Opening the console counts as use here (the countdown starts full), so it does for the server too.
    tellServer();
    ACTIVITY_EVENTS.forEach((e) => window.addEventListener(e, touch, { passive: true, capture: true }));
    const timer = setInterval(() => {
      tellServer();
      const remaining = Math.max(0, timeoutSeconds - Math.floor((Date.now() - last.current) / 1000));
      setLeft(remaining);
      if (remaining === 0 && !fired.current) {
        fired.current = true;
        onIdle();
      }
    }, 1000);
    return () => {
      clearInterval(timer);
      ACTIVITY_EVENTS.forEach((e) => window.removeEventListener(e, touch, { capture: true }));
    };
  }, [timeoutSeconds, onIdle]);
  if (left > warnSeconds) return null;
  return (
    <div className="idle-warning" role="alertdialog" aria-live="assertive" aria-labelledby="idle-title">
      <p id="idle-title">
        <strong>
          {locks ? 'The screen will lock' : 'You will be signed out'} in {left} seconds
        </strong>{' '}
        because nothing has happened for a while.{locks && ' What you are typing is kept: sign in again to carry on.'}
      </p>
      <button type="button" className="primary" onClick={() => (last.current = Date.now())}>
        Stay signed in
      </button>
    </div>
  );
}
