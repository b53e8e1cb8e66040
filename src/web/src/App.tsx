/** The shell: sign-in when nobody is signed in, otherwise the navigation the user's role allows and the routes. */
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { SCREENS, homeOf } from './routes';
import { ThreatLevelBadge } from './screens/oversight/ThreatLevelBadge';
import { NotFound } from './screens/NotFound';
import { SignIn } from './screens/SignIn';
import { NotificationBell } from './screens/notifications/Bell';
import { useSession } from './session/session';
import { Loading, humanise } from './ui/ui';

export function App() {
  const { session, loading, can, signOut } = useSession();
  if (loading) return <Loading what="Starting the console" />;
  if (!session) return <SignIn />;
  const screens = SCREENS.filter((s) => can(s.operation));
  const home = homeOf(screens);
  return (
    <>
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
        {can('threatLevel') && <ThreatLevelBadge />}
        {can('myNotifications') && <NotificationBell />}
        <span className="who">
          {session.user.username} · {session.user.roles.map(humanise).join(', ')}
          {session.user.desk ? ` · ${session.user.desk}` : ''}
        </span>
        <button type="button" onClick={() => void signOut('You signed out.')}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Routes>
          <Route path="/" element={home ? <Navigate to={home} replace /> : <p>Your role has no screen in the console.</p>} />
          {screens.map((s) => (
            <Route key={s.path} path={s.path} element={s.element} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}
