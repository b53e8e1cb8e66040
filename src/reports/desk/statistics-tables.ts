/**
 * THE published statistics tables: the only figures OVERSIGHT can ask for
 * (`statistics` with one of these measure × dimension pairs, by whole ISO
 * week), each suppressed together with every other table of its measure and
 * week so that no total or difference between them reveals a small count
 * (reports/desk/suppression.ts). A fixed list, not free-form grouping, is what
 * lets suppression hold across everything OVERSIGHT can see; adding a table
 * here is adding it to what suppression protects.
 * Guarded by: tests/unit/reports/statistics-suppression.test.ts
 */
import type { StatisticsDimension, StatisticsMeasure } from '../model/statistics.js';

export interface PublishedTable {
  id: string;
  measure: StatisticsMeasure;
  by: StatisticsDimension;
  /**
   * How the table's cells relate to the measure's total for the week:
   * 'partition' (each event in exactly one cell: the cells sum to the total) or
   * 'multi' (each event in one cell or more: the cells sum to at least the total; categories).
   */
  cells: 'partition' | 'multi';
  /** Median and 90th percentile of the time from receipt, per cell (measures with durations only). */
  durations?: boolean;
  /**
   * The table breaks down one cell of another table of the measure instead of the total: its cells sum to that
   * cell (each partner referral comes through the partner-organisation channel, and only they do), and are
   * suppressed with it.
   */
  within?: { by: StatisticsDimension; value: string };
}

export const PUBLISHED_TABLES: readonly PublishedTable[] = [
  { id: 'received-by-channel', measure: 'RECEIVED', by: 'CHANNEL', cells: 'partition' },
  { id: 'received-by-category', measure: 'RECEIVED', by: 'CATEGORY', cells: 'multi' },
  { id: 'received-by-borough', measure: 'RECEIVED', by: 'BOROUGH', cells: 'partition' },
  { id: 'received-by-imminent-threat', measure: 'RECEIVED', by: 'IMMINENT_THREAT', cells: 'partition' },
  { id: 'triaged-by-desk', measure: 'TRIAGED', by: 'DESK', cells: 'partition', durations: true },
  { id: 'claimed-by-priority', measure: 'CLAIMED', by: 'PRIORITY', cells: 'partition', durations: true },
  { id: 'claimed-by-sla', measure: 'CLAIMED', by: 'SLA', cells: 'partition' },
  // By the referring partner organisation's id (as every partner figure is keyed: no name is counted; the statistics service labels each with its name), by whole weeks like every published table.
  { id: 'received-by-partner', measure: 'RECEIVED', by: 'PARTNER', cells: 'partition', within: { by: 'CHANNEL', value: 'PARTNER_ORGANISATION' } },
  { id: 'closed-by-outcome', measure: 'CLOSED', by: 'OUTCOME', cells: 'partition', durations: true },
];

/** A duration is published for a cell of at least this many events (a median of three says too much about each). */
export const PUBLISHED_DURATION_MIN_COUNT = 10;
