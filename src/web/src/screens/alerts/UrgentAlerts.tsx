/**
 * Urgent alerts on every screen: the unclaimed P1 and imminent-threat
 * reports on the user's desk (supervisors: every desk), from `urgentAlerts`
 * when the console opens and live from `urgentAlertChanged`. Shown as a
 * banner above every screen and a badge in the tab title until someone
 * claims the report; a newly arrived (or escalated) one also sounds, raises
 * a browser notification where permitted, is announced to screen readers,
 * and is highlighted in the desk queue. Reference, priority and desk only:
 * the server sends nothing else.
 */
import { useQuery } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { subscribe } from '../../api/subscribe';
import type { UrgentAlertChangedSubscription, UrgentAlertsQuery } from '../../gql/graphql';
import { URGENT_ALERT_CHANGED, URGENT_ALERTS } from './operations';
import { playAlertSound, showAlertNotification, unlockSoundOnFirstGesture } from './signals';

export type UrgentAlert = UrgentAlertsQuery['urgentAlerts'][number];

interface AlertsState {
  alerts: UrgentAlert[];
  /** Report ids that arrived (or escalated) while this console was open: highlighted in the desk queue. */
  fresh: ReadonlySet<string>;
  /** The latest arrival, for screen readers. */
  announcement: string;
}

const EMPTY: AlertsState = { alerts: [], fresh: new Set(), announcement: '' };

export type UrgentAlertChange = UrgentAlertChangedSubscription['urgentAlertChanged'];
/** Hears every change on the watched desks; returns the function that stops listening. */
type ListenToChanges = (listener: (change: UrgentAlertChange) => void) => () => void;

const AlertsContext = createContext<AlertsState & { listen: ListenToChanges | null }>({ ...EMPTY, listen: null });

/**
 * The alerts as the provider holds them (none outside it: roles without
 * alerts), and `listen`: the provider's stream carries every change on the
 * watched desks, so the desk queue refreshes from it instead of opening a
 * stream of its own (browsers allow six connections to a host, across tabs).
 */
export const useUrgentAlerts = () => useContext(AlertsContext);

const PRIORITY_ORDER: Record<string, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };
const ordered = (list: UrgentAlert[]) =>
  [...list].sort((a, b) => (PRIORITY_ORDER[a.priority] ?? 9) - (PRIORITY_ORDER[b.priority] ?? 9) || a.receivedAt.localeCompare(b.receivedAt));

/** Holds the alerts for the signed-in user; render only for those the policy gives `urgentAlerts`. */
export function UrgentAlertsProvider({ children }: { children: ReactNode }) {
  // Read again now and then and when the tab comes back: a change made while the stream was reconnecting is not replayed.
  const initial = useQuery({ queryKey: ['urgentAlerts'], queryFn: () => request(URGENT_ALERTS), gcTime: 0, refetchInterval: 120_000, refetchOnWindowFocus: true });
  const [state, setState] = useState<AlertsState>(EMPTY);
  // The state as last set, so that an event is judged (new or known) once, outside React's render.
  const current = useRef<AlertsState>(EMPTY);
  const update = (next: AlertsState) => {
    current.current = next;
    setState(next);
  };
  // Live changes seen before the first list arrived are applied on top of it.
  const early = useRef<Map<string, UrgentAlert | null>>(new Map());
  const loaded = useRef(false);

  useEffect(() => {
    if (!initial.data) return;
    loaded.current = true;
    const byId = new Map(initial.data.urgentAlerts.map((a) => [a.reportId, a]));
    for (const [id, alert] of early.current) {
      if (alert) byId.set(id, alert);
      else byId.delete(id);
    }
    early.current.clear();
    const fresh = new Set([...current.current.fresh].filter((id) => byId.has(id)));
    update({ ...current.current, alerts: ordered([...byId.values()]), fresh });
  }, [initial.data]);

  useEffect(() => unlockSoundOnFirstGesture(), []);

  const listeners = useRef(new Set<(change: UrgentAlertChange) => void>());
  const listen = useCallback<ListenToChanges>((listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);

  useEffect(
    () =>
      subscribe(URGENT_ALERT_CHANGED, {}, (data) => {
        const change = data.urgentAlertChanged;
        for (const listener of listeners.current) listener(change);
        if (!loaded.current) early.current.set(change.reportId, change.alert ?? null);
        const s = current.current;
        const known = s.alerts.some((a) => a.reportId === change.reportId);
        const others = s.alerts.filter((a) => a.reportId !== change.reportId);
        if (!change.alert) {
          if (!known) return;
          const fresh = new Set(s.fresh);
          fresh.delete(change.reportId);
          update({ ...s, alerts: others, fresh });
          return;
        }
        const alert = change.alert;
        const escalated = change.kind === 'escalated';
        if (known && !escalated) {
          update({ ...s, alerts: ordered([...others, alert]) });
          return;
        }
        const verb = escalated ? 'escalated, still unclaimed' : 'waiting to be claimed';
        update({
          alerts: ordered([...others, alert]),
          fresh: new Set(s.fresh).add(alert.reportId),
          announcement: `Urgent: ${alert.priority} report ${alert.reference} on ${alert.desk}, ${verb}.`,
        });
        playAlertSound();
        showAlertNotification(alert, escalated);
      }),
    [],
  );

  useTitleBadge(state.alerts);
  const value = useMemo(() => ({ ...state, listen }), [state, listen]);
  return <AlertsContext.Provider value={value}>{children}</AlertsContext.Provider>;
}

/** Matches the badge this module puts in front of the title, so the screen's own title is kept. */
const BADGE = /^\(\d+\) ⚠ P\d — /;

/**
 * "(n) ⚠ P1 — <screen title>" while alerts are open. The screens set their
 * own titles; an observer on <title> puts the badge back in front of
 * whatever title a screen sets.
 */
function useTitleBadge(alerts: UrgentAlert[]) {
  const badge = alerts.length ? `(${alerts.length}) ⚠ ${alerts[0]!.priority} — ` : '';
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(BADGE, '');
      const wanted = badge + base;
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = document.title.replace(BADGE, '');
    };
  }, [badge]);
}

/** The banner above every screen (kept in view as the page scrolls) while any urgent report is unclaimed. */
export function UrgentBanner() {
  const { alerts, announcement } = useUrgentAlerts();
  const desks = useMemo(() => [...new Set(alerts.map((a) => a.desk))], [alerts]);
  const section = useRef<HTMLElement>(null);
  const shown = alerts.length > 0;
  // The banner stays at the top while the page scrolls: keep what scrolling brings into view (a focused field, an anchor) below it.
  useEffect(() => {
    const el = section.current;
    if (!shown || !el) return;
    const root = document.documentElement;
    const fit = () => {
      root.style.scrollPaddingTop = `${el.offsetHeight + 8}px`;
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    return () => {
      observer.disconnect();
      root.style.scrollPaddingTop = '';
    };
  }, [shown]);
  return (
    <>
      <p className="sr-only" role="alert">
        {announcement}
      </p>
      {alerts.length > 0 && (
        <section ref={section} className="urgent-banner" aria-label="Urgent reports waiting to be claimed">
          <p className="urgent-banner-title">
            <span aria-hidden="true">⚠ </span>
            {alerts.length === 1 ? '1 urgent report is' : `${alerts.length} urgent reports are`} waiting to be claimed
          </p>
          <ul>
            {alerts.slice(0, 5).map((a) => (
              <li key={a.reportId}>
                <span className="badge P1">{a.priority}</span> <span className="mono">{a.reference}</span> on {a.desk}
                {a.escalated ? ' (escalated: past its deadline)' : ''}
              </li>
            ))}
            {alerts.length > 5 && <li>and {alerts.length - 5} more</li>}
          </ul>
          <p>
            {desks.map((d) => (
              <Link key={d} to="/desk" state={{ desk: d }} className="urgent-banner-link">
                Go to the {d} queue
              </Link>
            ))}
          </p>
        </section>
      )}
    </>
  );
}
