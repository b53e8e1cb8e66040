/**
 * Who is signed in, from the server (consoleSession): the token lives only
 * in an HttpOnly cookie, so a reload asks the server again. Signs out after
 * the configured idle time, with a visible, announced warning first.
 */
import { useQueryClient, useQuery } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { onUnauthenticated, request } from '../api/client';
import { graphql } from '../gql';
import type { ConsoleSessionQuery } from '../gql/graphql';

export const CONSOLE_SESSION = graphql(`
  query ConsoleSession {
    consoleSession {
      expiresAt
      idleTimeoutSeconds
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

export type Session = NonNullable<ConsoleSessionQuery['consoleSession']>;

interface SessionState {
  session: Session | null;
  loading: boolean;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: string | null;
  /** True when the signed-in user may run the operation (from the server's policy table). */
  can(operation: string): boolean;
  signedIn(session: Session): void;
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

  const end = useCallback(
    (reason: string | null) => {
      // Forget every answer the server gave this user: nothing stays in memory for the next person at the desk.
      queryClient.clear();
      queryClient.setQueryData(['consoleSession'], { consoleSession: null });
      setEndedBecause(reason);
    },
    [queryClient],
  );

  const signOut = useCallback(
    async (reason?: string) => {
      await request(SIGN_OUT).catch(() => undefined);
      end(reason ?? null);
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
            if (!d.consoleSession) end('Your session has ended (expired, revoked or signed out elsewhere). Sign in again.');
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
    can: (op) => Boolean(session?.operations.includes(op)),
    signedIn: (s) => {
      setEndedBecause(null);
      queryClient.setQueryData(['consoleSession'], { consoleSession: s });
    },
    signOut,
  };
  return (
    <SessionContext.Provider value={value}>
      {children}
      {session && <IdleGuard timeoutSeconds={session.idleTimeoutSeconds} onIdle={() => void signOut(`You were signed out after ${Math.round(session.idleTimeoutSeconds / 60)} minutes without activity.`)} />}
    </SessionContext.Provider>
  );
}

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/** Counts down from the last keyboard or pointer action; warns for the last minute (or quarter), then signs out. */
function IdleGuard({ timeoutSeconds, onIdle }: { timeoutSeconds: number; onIdle: () => void }) {
  const warnSeconds = Math.min(60, Math.ceil(timeoutSeconds / 4));
  const last = useRef(Date.now());
  const [left, setLeft] = useState(timeoutSeconds);
  useEffect(() => {
    const touch = () => {
      last.current = Date.now();
    };
    ACTIVITY_EVENTS.forEach((e) => window.addEventListener(e, touch, { passive: true, capture: true }));
    const timer = setInterval(() => {
      const remaining = Math.max(0, timeoutSeconds - Math.floor((Date.now() - last.current) / 1000));
      setLeft(remaining);
      if (remaining === 0) onIdle();
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
        <strong>You will be signed out in {left} seconds</strong> because nothing has happened for a while.
      </p>
      <button type="button" className="primary" onClick={() => (last.current = Date.now())}>
        Stay signed in
      </button>
    </div>
  );
}
