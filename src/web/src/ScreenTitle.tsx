/**
 * Names the screen in the tab's title and, on navigation, moves focus to the
 * screen's heading (WCAG 2.4.2 page titled, 2.4.3 focus order), unless the
 * screen already put focus in a field of its own (the call form's first
 * field). The title is the screen's navigation label, or its `title`.
 */
import { useEffect, useRef } from 'react';
import { matchPath, useLocation } from 'react-router';
import type { Screen } from './routes';

export const APP_TITLE = 'Hotline console';

export function ScreenTitle({ screens }: { screens: Screen[] }) {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    const screen = screens.find((s) => matchPath(s.path, pathname));
    const name = screen?.title ?? screen?.label;
    document.title = name ? `${name} · ${APP_TITLE}` : APP_TITLE;
    // The first screen after sign-in or a reload keeps the browser's own focus (or the screen's autofocus).
    if (first.current) {
      first.current = false;
      return;
    }
    // After the new screen has rendered: its heading, if nothing inside it took focus already.
    const t = setTimeout(() => {
      const main = document.getElementById('main');
      if (!main || main.contains(document.activeElement)) return;
      const heading = main.querySelector('h1');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus();
      } else main.focus();
    }, 0);
    return () => clearTimeout(t);
  }, [pathname, screens]);
  return null;
}
