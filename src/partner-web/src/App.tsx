/**
 * The portal's frame: a skip link, the service name, the navigation (with the count of questions waiting for
 * an answer) and one screen at a time. Screens are chosen by path (`/`, `/referrals`, and for the organisation's
 * partner admin only `/caseworkers` and `/activity`); a referral's receipt is
 * never put in the address, so it stays out of the browser's history.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { gql, onSignedOut } from './api';
import type { Translate } from './i18n';
import { Activity } from './screens/Activity';
import { Caseworkers } from './screens/Caseworkers';
import { OurReferrals } from './screens/OurReferrals';
import { PassOn } from './screens/PassOn';
import { Referral } from './screens/Referral';
import { SignIn } from './screens/SignIn';

type Route = { name: 'passOn' } | { name: 'referrals' } | { name: 'referral'; receipt: string } | { name: 'caseworkers' } | { name: 'activity' } | { name: 'notFound' };

const PATHS: Record<string, Route> = { '/': { name: 'passOn' }, '/referrals': { name: 'referrals' }, '/caseworkers': { name: 'caseworkers' }, '/activity': { name: 'activity' } };
const routeOf = (path: string): Route => PATHS[path] ?? { name: 'notFound' };
const WAITING = `query Waiting { ourReferrals(first: 1) { questionsWaiting } }`;
const SESSION = `query Session { partnerSession { organisation idleTimeoutSeconds isAdmin attachmentMaxBytes } }`;

/**
 * Who the page is for: a caseworker signed in (a portal session, with its idle time-out), an organisation's
 * machine credential (an API key sent by the client: no sign-in, no idle time-out), or nobody yet.
 */
type Auth = { state: 'checking' } | { state: 'out'; idle: boolean } | { state: 'in'; idleSeconds: number | null; organisation: string | null; isAdmin: boolean; maxFileBytes: number | null };

export function App({ t }: { t: Translate }) {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const check = useCallback(async () => {
    try {
      const { partnerSession } = await gql<{ partnerSession: { organisation: string; idleTimeoutSeconds: number; isAdmin: boolean; attachmentMaxBytes: number } | null }>(SESSION);
      if (partnerSession) return setAuth({
          state: 'in',
          idleSeconds: partnerSession.idleTimeoutSeconds,
          organisation: partnerSession.organisation,
          isAdmin: partnerSession.isAdmin,
          maxFileBytes: partnerSession.attachmentMaxBytes,
        });
      await gql(WAITING);
      setAuth({ state: 'in', idleSeconds: null, organisation: null, isAdmin: false, maxFileBytes: null });
    } catch {
      setAuth({ state: 'out', idle: false });
    }
  }, []);
  useEffect(() => void check(), [check]);

  if (auth.state === 'checking') return null;
  if (auth.state === 'out')
    return (
      <Frame t={t}>
        {auth.idle && (
          <div className="notice warning" role="status">
            <p>{t('idle.signedOut')}</p>
          </div>
        )}
        <SignIn t={t} onSignedIn={() => void check()} />
      </Frame>
    );
  return <Portal t={t} idleSeconds={auth.idleSeconds} isAdmin={auth.isAdmin} maxFileBytes={auth.maxFileBytes} onSignedOut={(idle) => setAuth({ state: 'out', idle })} />;
}

/** The header and main landmark around a screen that has no navigation (signing in). */
function Frame({ t, children }: { t: Translate; children: React.ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skip')}
      </a>
      <header className="header">
        <p className="service-name">{t('service.name')}</p>
        <p className="service-org">{t('service.org')}</p>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

const SIGN_OUT = `mutation SignOut { partnerSignOut }`;
const ACTIVITY = `mutation Activity { partnerActivity }`;
/** The warning shows this long before an idle session is signed out. */
const WARN_SECONDS = 60;

/**
 * Idle sign-out, as the console: a key press or a click is activity (told to the server at most once a minute,
 * `partnerActivity`); past the session's idle time-out without any, the portal signs out and forgets the screen.
 */
function useIdleSignOut(idleSeconds: number | null, signOut: () => void): number | null {
  const [left, setLeft] = useState<number | null>(null);
  useEffect(() => {
    if (!idleSeconds) return;
    let last = Date.now();
    let told = Date.now();
    const active = () => {
      last = Date.now();
      setLeft(null);
      if (Date.now() - told > 60_000) {
        told = Date.now();
        void gql(ACTIVITY).catch(() => undefined);
      }
    };
    const tick = setInterval(() => {
      const remaining = Math.ceil(idleSeconds - (Date.now() - last) / 1000);
      if (remaining <= 0) {
        clearInterval(tick);
        signOut();
      } else setLeft(remaining <= WARN_SECONDS ? remaining : null);
    }, 1000);
    window.addEventListener('keydown', active);
    window.addEventListener('pointerdown', active);
    return () => {
      clearInterval(tick);
      window.removeEventListener('keydown', active);
      window.removeEventListener('pointerdown', active);
    };
  }, [idleSeconds, signOut]);
  return left;
}

function Portal({
  t,
  idleSeconds,
  isAdmin,
  maxFileBytes,
  onSignedOut: signedOutBy,
}: {
  t: Translate;
  idleSeconds: number | null;
  isAdmin: boolean;
  /** The upload limit, when a session said it (an API key's client has none). */
  maxFileBytes: number | null;
  onSignedOut: (idle: boolean) => void;
}) {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.pathname));
  const [signedOut, setSignedOut] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const main = useRef<HTMLElement>(null);

  const refreshWaiting = useCallback(() => {
    gql<{ ourReferrals: { questionsWaiting: number } }>(WAITING).then(
      (d) => setWaiting(d.ourReferrals.questionsWaiting),
      () => undefined,
    );
  }, []);

  useEffect(() => onSignedOut(() => setSignedOut(true)), []);
  const idleOut = useCallback(() => {
    void gql(SIGN_OUT).catch(() => undefined).finally(() => signedOutBy(true));
  }, [signedOutBy]);
  const idleLeft = useIdleSignOut(idleSeconds, idleOut);
  useEffect(() => {
    refreshWaiting();
    // The badge follows new questions while the portal is open (a count only, no content).
    const every = setInterval(refreshWaiting, 60_000);
    return () => clearInterval(every);
  }, [refreshWaiting]);
  useEffect(() => {
    const back = () => setRoute(routeOf(window.location.pathname));
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);

  const go = useCallback((path: string) => {
    // The chosen language (?lang=) goes along; nothing else is kept in the address.
    window.history.pushState(null, '', `${path}${window.location.search}`);
    setRoute(routeOf(path));
    main.current?.focus();
  }, []);

  const open = useCallback((receipt: string) => setRoute({ name: 'referral', receipt }), []);

  const link = (path: string, label: React.ReactNode, current: boolean) => (
    <a
      href={`${path}${window.location.search}`}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        go(path);
      }}
    >
      {label}
    </a>
  );

  return (
    <>
      <a className="skip-link" href="#main">
        {t('skip')}
      </a>
      <header className="header">
        <p className="service-name">{t('service.name')}</p>
        <p className="service-org">{t('service.org')}</p>
        <nav aria-label={t('nav.label')}>
          <ul>
            <li>{link('/', t('nav.passOn'), route.name === 'passOn')}</li>
            <li>
              {link(
                '/referrals',
                <>
                  {t('nav.referrals')}
                  {waiting > 0 && (
                    <span className="badge">
                      <span aria-hidden="true">{t('nav.questionsWaiting', { count: waiting })}</span>
                      <span className="visually-hidden">{t('nav.questionsWaitingLong', { count: waiting })}</span>
                    </span>
                  )}
                </>,
                route.name === 'referrals' || route.name === 'referral',
              )}
            </li>
            {isAdmin && (
              <>
                <li>{link('/caseworkers', t('nav.caseworkers'), route.name === 'caseworkers')}</li>
                <li>{link('/activity', t('nav.activity'), route.name === 'activity')}</li>
              </>
            )}
            {idleSeconds !== null && (
              <li>
                <button type="button" onClick={() => void gql(SIGN_OUT).catch(() => undefined).finally(() => signedOutBy(false))}>
                  {t('nav.signOut')}
                </button>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {idleLeft !== null && (
          <div className="notice warning" role="alert">
            <p>{t('idle.warning', { seconds: idleLeft })}</p>
          </div>
        )}
        {signedOut && (
          <div className="notice warning" role="alert">
            <h2>{t('signedOut.title')}</h2>
            <p>{t('signedOut.body')}</p>
          </div>
        )}
        {route.name === 'passOn' ? (
          <PassOn t={t} />
        ) : route.name === 'referrals' ? (
          <OurReferrals t={t} onOpen={open} onWaiting={setWaiting} />
        ) : route.name === 'referral' ? (
          <Referral t={t} receipt={route.receipt} maxFileBytes={maxFileBytes} onBack={() => go('/referrals')} onChanged={refreshWaiting} />
        ) : route.name === 'caseworkers' && isAdmin ? (
          <Caseworkers t={t} />
        ) : route.name === 'activity' && isAdmin ? (
          <Activity t={t} />
        ) : (
          <h1>{t('notFound.title')}</h1>
        )}
      </main>
    </>
  );
}
