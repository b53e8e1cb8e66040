/** The national threat level in force during a day or a week, in words, from the spans the statistics query gives (`threatLevels`). */
import type { ThreatLevel } from '../../gql/graphql';
import { formatTime, humanise } from '../../ui/ui';
import { dayNumber } from './period';

/** "Substantial", or "Substantial, then Severe from 03/12/2026, 14:05" when it changed within the days. */
export function threatDuring(spans: readonly { level: ThreatLevel; since: string | null }[], start: string, end: string): string {
  const a = dayNumber(start) * 86_400_000;
  const b = (dayNumber(end) + 1) * 86_400_000;
  const at = (s: { since: string | null }) => (s.since ? Date.parse(s.since) : -Infinity);
  const inForce = spans.filter((s) => at(s) < a).at(-1) ?? spans[0];
  const changes = spans.filter((s) => at(s) >= a && at(s) < b);
  if (!inForce) return '—';
  return [humanise(inForce.level), ...changes.map((c) => `then ${humanise(c.level)} from ${formatTime(c.since)}`)].join(', ');
}
