/**
 * Every desk's change events for a supervisor's screens (the overview and
 * the supervisor queue), over one SSE subscription (supervisionChanged):
 * the screen re-reads its figures when a report is triaged, claimed,
 * released, escalated, reassigned or erased, instead of polling.
 */
import { useEffect, useRef } from 'react';
import { subscribe } from '../../api/subscribe';
import { graphql } from '../../gql';

const SUPERVISION_CHANGED = graphql(`
  subscription SupervisionChanged {
    supervisionChanged { desk reportId kind at }
  }
`);

/** Calls `onChange` (with the event's time) after each event; a burst of events within `settleMs` is one call. */
export function useSupervisionEvents(onChange: (at: string) => void, settleMs = 300) {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe(SUPERVISION_CHANGED, {}, (data) => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(data.supervisionChanged.at), settleMs);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [settleMs]);
}
