/**
 * The national threat level in every signed-in user's header: a handler
 * hears a caller differently at "critical", so everyone sees it, not only
 * supervisors. Read once a minute (and when the window regains focus); a
 * change made in this console refreshes it at once (ThreatLevelPanel).
 */
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { humanise } from '../../ui/ui';

const THREAT_LEVEL_NOW = graphql(`
  query ThreatLevelNow {
    threatLevel { level }
  }
`);

/** The query key the panel invalidates after a change. */
export const THREAT_LEVEL_BADGE_KEY = ['threatLevelBadge'] as const;

export function ThreatLevelBadge() {
  const query = useQuery({ queryKey: THREAT_LEVEL_BADGE_KEY, queryFn: () => request(THREAT_LEVEL_NOW), refetchInterval: 60_000 });
  const level = query.data?.threatLevel.level;
  if (!level) return null;
  return (
    <span className={`threat-badge threat-${level}`} data-testid="threat-level">
      Threat level: <strong>{humanise(level)}</strong>
    </span>
  );
}
