/**
 * The portal's frame: a skip link, the service name, the navigation (with the count of questions waiting for
 * an answer) and one screen at a time. Screens are chosen by path (`/`, `/referrals`); a referral's receipt is
 * never put in the address, so it stays out of the browser's history.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { gql, onSignedOut } from './api';
import type { Translate } from './i18n';
import { OurReferrals } from './screens/OurReferrals';
import { PassOn } from './screens/PassOn';
import { Referral } from './screens/Referral';

type Route = { name: 'passOn' } | { name: 'referrals' } | { name: 'referral'; receipt: string } | { name: 'notFound' };

const routeOf = (path: string): Route => (path === '/' ? { name: 'passOn' } : path === '/referrals' ? { name: 'referrals' } : { name: 'notFound' });
const WAITING = `query Waiting { ourReferrals(first: 1) { questionsWaiting } }`;

export function App({ t }: { t: Translate }) {
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
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
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
          <Referral t={t} receipt={route.receipt} onBack={() => go('/referrals')} onChanged={refreshWaiting} />
        ) : (
          <h1>{t('notFound.title')}</h1>
        )}
      </main>
    </>
  );
}
