/**
 * What both statistics views share: the query hook, the words for each
 * dimension's values and for durations, and a figure's frame (its heading,
 * its chart, and the same figures as a table behind a "Show the figures as a
 * table" toggle, read by screen readers like any table).
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { request } from '../../api/client';
import type { IntakeChannel, StatisticsDimension, StatisticsFiguresQuery, StatisticsInterval, StatisticsMeasure } from '../../gql/graphql';
import { boroughName, humanise } from '../../ui/ui';
import { CATEGORY_LABELS, CHANNELS } from '../intake/model';
import { OUTCOME_LABELS } from '../../../../reports/model/outcomes';
import { STATISTICS } from './operations';

export type Figures = StatisticsFiguresQuery['statistics'];
export type FigureRow = Figures['rows'][number];
export type Range = FigureRow['median'];

/** One statistics query (react-query keeps each answer, so going back to a period does not ask again). */
export function useFigures(period: { from: string; to: string } | null, measure: StatisticsMeasure, groupBy: StatisticsDimension[], interval: StatisticsInterval = 'PERIOD') {
  return useQuery({
    queryKey: ['statistics', period?.from, period?.to, measure, groupBy.join(','), interval],
    queryFn: () => request(STATISTICS, { period: { from: period!.from, to: period!.to }, measure, groupBy, interval }),
    enabled: period !== null,
    select: (d) => d.statistics,
    staleTime: 60_000,
  });
}

const CHANNEL_NAMES: Record<IntakeChannel, string> = {
  ...(Object.fromEntries(CHANNELS.map((c) => [c.value, c.label])) as Record<Exclude<IntakeChannel, 'PARTNER_ORGANISATION'>, string>),
  PARTNER_ORGANISATION: 'Partner organisation',
};
const DESK_NAMES: Record<string, string> = { SO12: 'SO12 (Special Branch)', SO13: 'SO13 (Anti-Terrorist Branch)' };

/** A dimension's name, as a column header. */
export const DIMENSION_NAMES: Record<StatisticsDimension, string> = {
  CHANNEL: 'Channel',
  SOURCE: 'Source',
  PARTNER: 'Partner organisation',
  CATEGORY: 'Category',
  BOROUGH: 'Borough',
  DESK: 'Desk',
  PRIORITY: 'Priority',
  IMMINENT_THREAT: 'Imminent threat',
  STATUS: 'Status entered',
  OUTCOME: 'Outcome',
  SLA: 'Claimed within the deadline',
};

/** What a measure counts, in words. */
export const MEASURE_NAMES: Record<StatisticsMeasure, string> = {
  RECEIVED: 'Received',
  TRIAGED: 'Routed to a desk',
  TRIAGE_FAILED: 'Routing failed',
  CLAIMED: 'Claimed from a desk queue',
  REQUEUED: 'Back to a queue',
  CLOSED: 'Closed',
  OTHER_STATUS: 'Other status changes',
};

/** A dimension's value in words; `label`: the server's name for a value that is an id (a partner organisation's name). */
export function valueName(dimension: StatisticsDimension, value: string, label?: string | null): string {
  switch (dimension) {
    case 'CHANNEL':
      return CHANNEL_NAMES[value as IntakeChannel] ?? humanise(value);
    case 'CATEGORY':
      return (CATEGORY_LABELS as Record<string, string>)[value] ?? humanise(value);
    case 'BOROUGH':
      return boroughName(value);
    case 'DESK':
      return DESK_NAMES[value] ?? value;
    case 'OUTCOME':
      return (OUTCOME_LABELS as Record<string, string>)[value] ?? humanise(value);
    case 'IMMINENT_THREAT':
      return value === 'YES' ? 'Imminent threat' : 'Not imminent';
    case 'SLA':
      return value === 'MET' ? 'In time' : 'Late';
    case 'PRIORITY':
      return value;
    case 'PARTNER':
      return label ?? value;
    default:
      return humanise(value);
  }
}

/** The group of a row, in words ("Total" for the total row). */
export const groupName = (row: FigureRow) => (row.group.length ? row.group.map((g) => valueName(g.dimension, g.value, g.label)).join(', ') : 'Total');
/** The server's names of the values that are ids (partner organisations), by value, over the given answers. */
export const labelsOf = (...answers: Figures[]) => new Map(answers.flatMap((f) => f.rows.flatMap((r) => r.group.flatMap((g) => (g.label ? [[g.value, g.label] as const] : [])))));
/** The key of a row's group, to match a group across periods. */
export const groupKey = (row: FigureRow) => row.group.map((g) => `${g.dimension}=${g.value}`).join('&');

const minutes = (m: number) => (m < 60 ? `${m} min` : m < 1440 ? `${m / 60} h` : m === 1440 ? '1 day' : `${m / 1440} days`);
/** A duration bucket in words: "15 to 30 min", "under 1 min", "30 days or more"; "—" when there is none. */
export function rangeText(r: Range): string {
  if (!r) return '—';
  if (r.fromMinutes === 0) return `under ${minutes(r.toMinutes ?? 1)}`;
  if (r.toMinutes === null) return `${minutes(r.fromMinutes)} or more`;
  return `${minutes(r.fromMinutes)} to ${minutes(r.toMinutes)}`;
}

/** A chart and its figures: the heading, a hint, the chart, and the table behind a toggle. */
export function Figure({ id, title, hint, chart, table, level = 3 }: { id: string; title: string; hint?: ReactNode; chart?: ReactNode; table: ReactNode; level?: 2 | 3 }) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <div className="figure" aria-labelledby={id} role="group">
      <Heading id={id}>{title}</Heading>
      {hint && <p className="hint">{hint}</p>}
      {chart ? (
        <>
          {chart}
          <details className="figure-table">
            <summary>Show the figures as a table</summary>
            {table}
          </details>
        </>
      ) : (
        table
      )}
    </div>
  );
}
