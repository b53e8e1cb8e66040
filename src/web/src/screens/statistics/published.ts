/**
 * The published tables OVERSIGHT is given, as the console asks for them: the
 * server's list (src/reports/desk/statistics-tables.ts) is the one that
 * counts, and tests/unit/web-statistics.test.ts fails when this copy differs
 * from it. A copy, because the server's file brings the report model's types
 * (and through them Node's) into the console's type-check.
 */
import type { StatisticsDimension, StatisticsMeasure } from '../../gql/graphql';

export interface PublishedTable {
  id: string;
  measure: StatisticsMeasure;
  by: StatisticsDimension;
  /** Its heading on the screen. */
  title: string;
}

export const PUBLISHED_TABLES: readonly PublishedTable[] = [
  { id: 'received-by-channel', measure: 'RECEIVED', by: 'CHANNEL', title: 'Received, by channel' },
  { id: 'received-by-category', measure: 'RECEIVED', by: 'CATEGORY', title: 'Received, by category' },
  { id: 'received-by-borough', measure: 'RECEIVED', by: 'BOROUGH', title: 'Received, by borough' },
  { id: 'received-by-imminent-threat', measure: 'RECEIVED', by: 'IMMINENT_THREAT', title: 'Received, by imminent threat' },
  { id: 'triaged-by-desk', measure: 'TRIAGED', by: 'DESK', title: 'Routed, by desk' },
  { id: 'claimed-by-priority', measure: 'CLAIMED', by: 'PRIORITY', title: 'Claimed, by priority' },
  { id: 'claimed-by-sla', measure: 'CLAIMED', by: 'SLA', title: 'Claimed, in time or late' },
  { id: 'received-by-partner', measure: 'RECEIVED', by: 'PARTNER', title: 'Received from partner organisations, by organisation' },
  { id: 'closed-by-outcome', measure: 'CLOSED', by: 'OUTCOME', title: 'Closed, by outcome' },
];
