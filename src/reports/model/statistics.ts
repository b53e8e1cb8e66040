/**
 * What the statistics count, derived from a report's own history: one event
 * per history entry that moves the report into a status (and the intake's
 * `received` entry), described only by the report's plaintext routing fields
 * (encrypted-fields.ts lists them: channel, source, categories, borough,
 * desk, priority, imminentThreat, status, outcome) and never by content. The
 * live writer (reports/store/writer.ts), intake and the nightly reconciliation
 * (reports/store/statistics.ts) all derive events with this one function, so
 * a replayed or reconciled change yields the same event with the same key.
 * No imports of anything that stores: a pure function of a report.
 * Guarded by: tests/unit/reports/statistics-events.test.ts
 */
import type { HistoryEntry, ReportDoc, ReportStatus } from './types.js';
import type { CloseOutcome } from './outcomes.js';

/**
 * What an event counts. RECEIVED: intake; TRIAGED: routed from pending triage
 * (with the time from receipt); TRIAGE_FAILED; CLAIMED: taken from a desk queue
 * (TRIAGED → ASSIGNED, with the time from receipt and whether the SLA deadline
 * held); REQUEUED: back to a queue (release, onward referral, reopening);
 * CLOSED (with the time from receipt and the outcome); OTHER_STATUS: any other
 * status change (research, actioned, referred, no further action,
 * reassignment, erasure), told apart by the STATUS dimension.
 */
export const STATISTICS_MEASURES = ['RECEIVED', 'TRIAGED', 'TRIAGE_FAILED', 'CLAIMED', 'REQUEUED', 'CLOSED', 'OTHER_STATUS'] as const;
export type StatisticsMeasure = (typeof STATISTICS_MEASURES)[number];

/** The measures that carry a duration from receipt (received → triaged, → claimed, → closed). */
export const TIMED_MEASURES: readonly StatisticsMeasure[] = ['TRIAGED', 'CLAIMED', 'CLOSED'];

/** What a count can be broken down by: plaintext routing fields only. PARTNER: the referring partner's id, by week only. */
export const STATISTICS_DIMENSIONS = ['CHANNEL', 'SOURCE', 'PARTNER', 'CATEGORY', 'BOROUGH', 'DESK', 'PRIORITY', 'IMMINENT_THREAT', 'STATUS', 'OUTCOME', 'SLA'] as const;
export type StatisticsDimension = (typeof STATISTICS_DIMENSIONS)[number];

/**
 * Histogram bucket edges of the durations, in minutes: a duration d falls in
 * the first bucket whose edge is greater than d, or the last, open-ended one
 * (30 days and more). So a median or 90th percentile is known to the bucket:
 * "between 15 and 30 minutes".
 */
export const DURATION_EDGES_MINUTES = [1, 5, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, 43200] as const;
/** Buckets: one per edge and one open-ended. */
export const DURATION_BUCKETS = DURATION_EDGES_MINUTES.length + 1;

/** The bucket of a duration in milliseconds. */
export function durationBucket(ms: number): number {
  const minutes = Math.max(0, ms) / 60_000;
  const i = DURATION_EDGES_MINUTES.findIndex((edge) => minutes < edge);
  return i === -1 ? DURATION_EDGES_MINUTES.length : i;
}

/** One counted event, as written to `statistics_entries` (less its stored id and write time). */
export interface StatisticsEvent {
  /** The change's event key: `<report id>#<history seq>`; stored only as a keyed hash (reports/store/statistics.ts). */
  key: string;
  /** UTC day of the event, YYYY-MM-DD: nothing finer is kept. */
  day: string;
  measure: StatisticsMeasure;
  /** The status the event moved the report into. */
  status: ReportStatus;
  channel: ReportDoc['channel'];
  source: ReportDoc['source'];
  /** The referring partner's id (partner referrals), else null. */
  partner: string | null;
  categories: ReportDoc['categories'];
  borough: ReportDoc['borough'];
  desk: ReportDoc['desk'];
  priority: ReportDoc['priority'];
  imminentThreat: boolean;
  outcome: CloseOutcome | null;
  /** Duration bucket from receipt (TIMED_MEASURES only), else null. */
  bucket: number | null;
  /** CLAIMED only: claimed by the triage deadline (MET) or after it (MISSED); null when the report had no deadline. */
  sla: 'MET' | 'MISSED' | null;
}

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

const PENDING: readonly ReportStatus[] = ['RECEIVED', 'TRIAGE_FAILED'];

function measureOf(from: ReportStatus | null, to: ReportStatus): StatisticsMeasure {
  if (from === null) return 'RECEIVED';
  if (to === 'TRIAGED') return PENDING.includes(from) ? 'TRIAGED' : 'REQUEUED';
  if (to === 'TRIAGE_FAILED') return 'TRIAGE_FAILED';
  if (to === 'ASSIGNED' && from === 'TRIAGED') return 'CLAIMED';
  if (to === 'CLOSED') return 'CLOSED';
  return 'OTHER_STATUS';
}

type Source = Pick<ReportDoc, '_id' | 'receivedAt' | 'channel' | 'source' | 'recordedBy' | 'categories' | 'borough' | 'desk' | 'priority' | 'imminentThreat' | 'triage' | 'outcome'>;

/**
 * The events of `entries` (consecutive history entries of `doc`, oldest
 * first), the report's status before the first being `before` (null: the
 * report did not exist). `doc` describes each event: the live writer passes
 * the report as the change left it; the reconciliation passes the report as
 * it is now (a desk or priority changed since is then the current one, where
 * the entry does not say: the live entry, written first, wins by its key).
 */
export function statisticsEvents(doc: Source, entries: readonly HistoryEntry[], before: ReportStatus | null): StatisticsEvent[] {
  const out: StatisticsEvent[] = [];
  let status = before;
  for (const entry of entries) {
    const to = entry.to?.status as ReportStatus | undefined;
    if (!to || to === status) continue;
    const measure = measureOf(status, to);
    status = to;
    const at = new Date(entry.at);
    const timed = TIMED_MEASURES.includes(measure);
    const dueBy = doc.triage?.dueBy ? new Date(doc.triage.dueBy) : null;
    const desk = (entry.to?.desk as ReportDoc['desk'] | undefined) ?? doc.desk;
    const priority = (entry.to?.priority as ReportDoc['priority'] | undefined) ?? doc.priority;
    out.push({
      key: `${doc._id}#${entry.seq}`,
      day: utcDay(at),
      measure,
      status: to,
      channel: doc.channel,
      source: doc.source,
      partner: doc.source === 'PARTNER_REFERRAL' ? doc.recordedBy.id : null,
      categories: [...doc.categories],
      borough: doc.borough,
      desk: measure === 'RECEIVED' ? null : desk,
      priority: measure === 'RECEIVED' ? null : priority,
      imminentThreat: doc.imminentThreat,
      outcome: measure === 'CLOSED' ? ((entry.to?.outcome as CloseOutcome | undefined) ?? doc.outcome ?? null) : null,
      bucket: timed ? durationBucket(at.getTime() - new Date(doc.receivedAt).getTime()) : null,
      sla: measure === 'CLAIMED' && dueBy ? (at.getTime() <= dueBy.getTime() ? 'MET' : 'MISSED') : null,
    });
  }
  return out;
}

/** The value(s) of a dimension for an event (CATEGORY: each of the report's categories; none when it does not apply). */
export function valuesOf(e: Pick<StatisticsEvent, 'channel' | 'source' | 'partner' | 'categories' | 'borough' | 'desk' | 'priority' | 'imminentThreat' | 'status' | 'outcome' | 'sla'>, dim: StatisticsDimension): string[] {
  switch (dim) {
    case 'CHANNEL':
      return [e.channel];
    case 'SOURCE':
      return [e.source];
    case 'PARTNER':
      return e.partner ? [e.partner] : [];
    case 'CATEGORY':
      return [...new Set(e.categories)];
    case 'BOROUGH':
      return [e.borough];
    case 'DESK':
      return e.desk ? [e.desk] : [];
    case 'PRIORITY':
      return e.priority ? [e.priority] : [];
    case 'IMMINENT_THREAT':
      return [e.imminentThreat ? 'YES' : 'NO'];
    case 'STATUS':
      return [e.status];
    case 'OUTCOME':
      return e.outcome ? [e.outcome] : [];
    case 'SLA':
      return e.sla ? [e.sla] : [];
  }
}

/**
 * A cell of a day's figures: a measure and up to two dimension values, as
 * `DIM=value` joined by `|` in STATISTICS_DIMENSIONS order ('' is the total).
 * Every single dimension and every pair is kept, so any grouping by one or
 * two dimensions (or one grouped and one filtered) is a sum of stored cells.
 */
export type CellPart = readonly [StatisticsDimension, string];
export const cellKey = (parts: readonly CellPart[]): string =>
  [...parts]
    .sort((a, b) => STATISTICS_DIMENSIONS.indexOf(a[0]) - STATISTICS_DIMENSIONS.indexOf(b[0]))
    .map(([d, v]) => `${d}=${v}`)
    .join('|');

/** The parts of a cell key (inverse of cellKey). */
export const partsOf = (key: string): CellPart[] => (key ? key.split('|').map((p) => p.split('=', 2) as unknown as CellPart) : []);

/** Durations are kept for the total, each single dimension, and desk × priority (the SLA view). */
const timedKey = (key: string): boolean => {
  const parts = key ? key.split('|') : [];
  return parts.length <= 1 || (parts[0]!.startsWith('DESK=') && parts[1]!.startsWith('PRIORITY='));
};

/** A figure of a day: measure `m`, cell key `k` (cellKey), count `n`. Objects, as the local store stores no nested arrays. */
export interface CountCell {
  m: StatisticsMeasure;
  k: string;
  n: number;
}
/** A duration histogram of a day: measure, cell key, and the count per bucket (DURATION_EDGES_MINUTES). */
export interface HistogramCell {
  m: StatisticsMeasure;
  k: string;
  h: number[];
}

/** A day's figures: counts and duration histograms per measure and cell, recomputed whole from the day's events. */
export interface DayFigures {
  counts: CountCell[];
  histograms: HistogramCell[];
  /** How many events the day has (for the reconciliation's drift count). */
  events: number;
}

/** Counts a day's events into cells (pure: the roll-up and the tests use it). */
export function figuresOf(events: readonly Omit<StatisticsEvent, 'key'>[]): DayFigures {
  const counts = new Map<string, number>();
  const hist = new Map<string, number[]>();
  for (const e of events) {
    const singles: CellPart[] = [];
    for (const dim of STATISTICS_DIMENSIONS) for (const v of valuesOf(e, dim)) singles.push([dim, v]);
    const keys = [''];
    for (let i = 0; i < singles.length; i++) {
      keys.push(cellKey([singles[i]!]));
      for (let j = i + 1; j < singles.length; j++) if (singles[i]![0] !== singles[j]![0]) keys.push(cellKey([singles[i]!, singles[j]!]));
    }
    for (const key of keys) {
      const id = `${e.measure}\u0000${key}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (e.bucket !== null && timedKey(key)) {
        const h = hist.get(id) ?? new Array<number>(DURATION_BUCKETS).fill(0);
        h[e.bucket]! += 1;
        hist.set(id, h);
      }
    }
  }
  const split = (id: string) => id.split('\u0000') as [StatisticsMeasure, string];
  return {
    counts: [...counts].map(([id, n]) => {
      const [m, k] = split(id);
      return { m, k, n };
    }),
    histograms: [...hist].map(([id, h]) => {
      const [m, k] = split(id);
      return { m, k, h };
    }),
    events: events.length,
  };
}
