/** The shell: sign-in when nobody is signed in, otherwise the navigation the user's role allows and the routes. */
import { Fragment } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { SCREENS } from './routes';
import { DraftIndicator } from './screens/intake/DraftIndicator';
import { ScreenTitle } from './ScreenTitle';
import { useDrafts } from './session/drafts';
import { homeOf } from './routes';
import { ThreatLevelBadge } from './screens/oversight/ThreatLevelBadge';
import { NotFound } from './screens/NotFound';
import { SignIn } from './screens/SignIn';
import { NotificationBell } from './screens/notifications/Bell';
import { UrgentAlertsProvider, UrgentBanner } from './screens/alerts/UrgentAlerts';
import { useSession } from './session/session';
import { Loading, humanise } from './ui/ui';

export function App() {
  const { session, loading, can, signOut } = useSession();
  const drafts = useDrafts();
  const location = useLocation();
  if (loading) return <Loading what="Starting the console" />;
  if (!session) return <SignIn />;
  const screens = SCREENS.filter((s) => can(s.operation));
  // Urgent alerts wrap every screen for those the policy gives them (desk investigators and supervisors).
  const Alerts = can('urgentAlerts') ? UrgentAlertsProvider : Fragment;
  const home = homeOf(screens);
  return (
    <Alerts>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Hotline console</span>
        <nav aria-label="Main">
          <ul>
            {screens
              .filter((s) => s.label)
              .map((s) => (
                <li key={s.path}>
                  <NavLink to={s.path}>{s.label}</NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <DraftIndicator here={location.pathname} />
        {can('threatLevel') && <ThreatLevelBadge />}
        {can('myNotifications') && <NotificationBell />}
        <span className="who">
          {session.user.username} · {session.user.roles.map(humanise).join(', ')}
          {session.user.desk ? ` · ${session.user.desk}` : ''}
        </span>
        <button
          type="button"
          onClick={() => {
            // Signing out on purpose discards a draft: ask first, in words.
            if (drafts.names.length > 0 && !window.confirm('What you were typing is not recorded yet. Sign out and discard it?')) return;
            void signOut('You signed out.');
          }}
        >
          Sign out
        </button>
      </header>
      {can('urgentAlerts') && <UrgentBanner />}
      <ScreenTitle screens={screens} />
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={home ? <Navigate to={home} replace /> : <p>Your role has no screen in the console.</p>} />
          {screens.map((s) => (
            <Route key={s.path} path={s.path} element={s.element} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </Alerts>
  );
}
