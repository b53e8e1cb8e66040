/**
 * The portal's frame: a skip link, the service name, the navigation (with the count of questions waiting for
 * an answer) and one screen at a time. Screens are chosen by path (`/`, `/referrals`); a referral's receipt is
 * never put in the address, so it stays out of the browser's history.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { onSignedOut } from './api';
import type { Translate } from './i18n';
import { PassOn } from './screens/PassOn';

type Route = { name: 'passOn' } | { name: 'notFound' };

const routeOf = (path: string): Route => (path === '/' ? { name: 'passOn' } : { name: 'notFound' });

export function App({ t }: { t: Translate }) {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.pathname));
  const [signedOut, setSignedOut] = useState(false);
  const main = useRef<HTMLElement>(null);

  useEffect(() => onSignedOut(() => setSignedOut(true)), []);
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

  const link = (path: string, label: string, current: boolean) => (
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
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {signedOut ? (
          <>
            <h1>{t('signedOut.title')}</h1>
            <p>{t('signedOut.body')}</p>
          </>
        ) : route.name === 'passOn' ? (
          <PassOn t={t} />
        ) : (
          <h1>{t('notFound.title')}</h1>
        )}
      </main>
    </>
  );
}
