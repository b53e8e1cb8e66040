/**
 * The `statistics` query: figures read from the per-day documents the
 * roll-up keeps (reports/store/statistics.ts), never from reports. Nothing
 * here reads a report or decrypts anything.
 *
 * - SUPERVISOR: exact counts of any measure, grouped by up to two dimensions
 *   (or one grouped and one filtered), per day, per week or over the period.
 * - OVERSIGHT: the published tables only (statistics-tables.ts), by whole ISO
 *   weeks (Monday to Sunday, UTC), each week's tables suppressed together
 *   (suppression.ts); no free-form grouping, no filter.
 * - Both: nothing finer than a day; partner-organisation figures (the
 *   PARTNER dimension, grouped or filtered) by whole weeks only.
 * Durations (TRIAGED, CLAIMED, CLOSED) are given as the histogram bucket
 * holding the median and the 90th percentile (DURATION_EDGES_MINUTES).
 */
import type { Principal } from '../../auth/types.js';
import { badInput, forbidden } from '../../errors.js';
import {
  cellKey,
  DURATION_BUCKETS,
  DURATION_EDGES_MINUTES,
  partsOf,
  utcDay,
  type StatisticsDimension,
  type StatisticsMeasure,
} from '../model/statistics.js';
import type { Piece, SliceFigures, StatisticsStore } from '../store/statistics.js';
import { PUBLISHED_DURATION_MIN_COUNT, PUBLISHED_TABLES, type PublishedTable } from './statistics-tables.js';
import { suppress, type CellState, type SuppressionGroup } from './suppression.js';

export const STATISTICS_INTERVALS = ['PERIOD', 'WEEK', 'DAY'] as const;
export type StatisticsInterval = (typeof STATISTICS_INTERVALS)[number];
/** The longest period one query may cover. */
export const STATISTICS_MAX_DAYS = 3 * 366;

export interface StatisticsQuery {
  /** UTC days, YYYY-MM-DD, both included. */
  from: string;
  to: string;
  measure: StatisticsMeasure;
  groupBy: StatisticsDimension[];
  filter: { dimension: StatisticsDimension; value: string }[];
  interval: StatisticsInterval;
}

/** A bucket of a duration histogram: from `fromMinutes` up to `toMinutes` (null: open-ended). */
export interface DurationRange {
  fromMinutes: number;
  toMinutes: number | null;
}

export interface StatisticsRow {
  /** The time bucket: its first and last UTC day. */
  start: string;
  end: string;
  /**
   * The group's values, one per groupBy dimension; empty on the total row. `label`: the value's name where the
   * value is an id, a partner organisation's name for PARTNER (the value stays the id, the key across periods).
   */
  group: { dimension: StatisticsDimension; value: string; label?: string | null }[];
  /** The count, or null where suppressed. */
  count: number | null;
  /** What to print: the count, "fewer than 5" or "suppressed". */
  display: string;
  suppression: CellState;
  median: DurationRange | null;
  p90: DurationRange | null;
}

export interface StatisticsResult {
  measure: StatisticsMeasure;
  from: string;
  to: string;
  interval: StatisticsInterval;
  /** Published-table answer (OVERSIGHT): the table's id; null for a supervisor's exact figures. */
  table: string | null;
  rows: StatisticsRow[];
}

const DAY_MS = 24 * 3600_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayOf = (n: number) => utcDay(new Date(n * DAY_MS));
/** ISO weekday, Monday 1 … Sunday 7. */
const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;

/** The bucket holding the q-th quantile of a histogram, or null when it is empty. */
export function quantileBucket(h: readonly number[], q: number): DurationRange | null {
  const total = h.reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!;
    if (seen >= rank) return { fromMinutes: i === 0 ? 0 : DURATION_EDGES_MINUTES[i - 1]!, toMinutes: DURATION_EDGES_MINUTES[i] ?? null };
  }
  return null;
}

function assertPeriod(q: StatisticsQuery, wholeWeeks: boolean, why: string) {
  if (!DAY_RE.test(q.from) || Number.isNaN(dayNumber(q.from)) || dayOf(dayNumber(q.from)) !== q.from) throw badInput('period.from: a UTC day, YYYY-MM-DD', ['period', 'from']);
  if (!DAY_RE.test(q.to) || Number.isNaN(dayNumber(q.to)) || dayOf(dayNumber(q.to)) !== q.to) throw badInput('period.to: a UTC day, YYYY-MM-DD', ['period', 'to']);
  const days = dayNumber(q.to) - dayNumber(q.from) + 1;
  if (days < 1) throw badInput('period: `to` is before `from`', ['period']);
  if (days > STATISTICS_MAX_DAYS) throw badInput(`period: at most ${STATISTICS_MAX_DAYS} days`, ['period']);
  if (wholeWeeks && (weekday(q.from) !== 1 || weekday(q.to) !== 7)) throw badInput(`period: ${why} are given by whole weeks: from a Monday to a Sunday`, ['period']);
}

/** The time buckets of the period: [first day, last day] each. */
function bucketsOf(q: StatisticsQuery): [string, string][] {
  const first = dayNumber(q.from);
  const last = dayNumber(q.to);
  if (q.interval === 'PERIOD') return [[q.from, q.to]];
  const out: [string, string][] = [];
  for (let d = first; d <= last; ) {
    const end = q.interval === 'DAY' ? d : Math.min(last, d + (7 - weekday(dayOf(d))));
    out.push([dayOf(d), dayOf(end)]);
    d = end + 1;
  }
  return out;
}

/** Sums the counts and histograms of the given days' cells whose dimensions are exactly `dims`, by key. */
function sumCells(docs: readonly SliceFigures[], measure: StatisticsMeasure, dims: readonly StatisticsDimension[]) {
  const want = [...dims].sort().join(',');
  const counts = new Map<string, number>();
  const hists = new Map<string, number[]>();
  // A few hundred keys at most, each met once a piece: each is taken apart once.
  const seen = new Map<string, boolean>();
  const matches = (key: string) => {
    let yes = seen.get(key);
    if (yes === undefined) seen.set(key, (yes = partsOf(key).map(([d]) => d).sort().join(',') === want));
    return yes;
  };
  for (const doc of docs) {
    for (const c of doc.counts) if (c.m === measure && matches(c.k)) counts.set(c.k, (counts.get(c.k) ?? 0) + c.n);
    for (const h of doc.histograms) {
      if (h.m !== measure || !matches(h.k)) continue;
      const sum = hists.get(h.k) ?? new Array<number>(DURATION_BUCKETS).fill(0);
      h.h.forEach((n, i) => (sum[i] = (sum[i] ?? 0) + n));
      hists.set(h.k, sum);
    }
  }
  return { counts, hists };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;

/**
 * `partners`: the organisations' names, so a PARTNER figure names its organisation rather than its id (a name is
 * no secret to those who may see the figure: supervisors, and OVERSIGHT in the published table that lists it).
 * Without it (tests of the figures alone) the label is null.
 */
export function createStatisticsService(deps: { store: Pick<StatisticsStore, 'slices'>; partners?: { namesOf(ids: readonly string[]): Promise<Map<string, string>> } }) {
  const { store, partners } = deps;

  /** Puts each PARTNER value's organisation name in its `label`: one lookup for the whole answer. Counts and suppression are untouched. */
  async function named(result: StatisticsResult): Promise<StatisticsResult> {
    const ids = [...new Set(result.rows.flatMap((r) => r.group.filter((g) => g.dimension === 'PARTNER').map((g) => g.value)))];
    if (!ids.length) return result;
    const names = partners ? await partners.namesOf(ids) : new Map<string, string>();
    const rows = result.rows.map((r) => ({ ...r, group: r.group.map((g) => (g.dimension === 'PARTNER' ? { ...g, label: names.get(g.value) ?? null } : g)) }));
    return { ...result, rows };
  }

  /** A supervisor's exact figures. */
  async function exact(q: StatisticsQuery): Promise<StatisticsResult> {
    const partner = q.groupBy.includes('PARTNER') || q.filter.some((f) => f.dimension === 'PARTNER');
    if (partner && q.interval === 'DAY') throw badInput('Partner-organisation figures are given by week, never by day', ['interval']);
    assertPeriod(q, partner, 'partner-organisation figures');
    const dims = [...q.groupBy, ...q.filter.map((f) => f.dimension)];
    const totalDims = q.filter.map((f) => f.dimension);
    // Two slices per piece at most (a day, or a built week or month: reports/store/statistics.ts): the grouped cells and their total.
    const buckets = bucketsOf(q);
    const [docs, totalDocs] = await store.slices(buckets, q.measure, q.groupBy.length ? [dims, totalDims] : [dims]);
    const filterParts = q.filter.map((f) => [f.dimension, f.value] as const);
    const rows: StatisticsRow[] = [];
    for (const [start, end] of buckets) {
      const within = (list: readonly Piece[]) => list.filter((d) => d.start >= start && d.end <= end);
      const { counts, hists } = sumCells(within(docs!), q.measure, dims);
      const totalKey = cellKey(filterParts);
      const total = totalDocs ? sumCells(within(totalDocs), q.measure, totalDims) : { counts, hists };
      const row = (group: StatisticsRow['group'], n: number, h: number[] | undefined): StatisticsRow => ({
        start, end, group, count: n, display: String(n), suppression: 'SHOWN', median: h ? quantileBucket(h, 0.5) : null, p90: h ? quantileBucket(h, 0.9) : null,
      });
      rows.push(row([], total.counts.get(totalKey) ?? 0, total.hists.get(totalKey)));
      if (!q.groupBy.length) continue;
      const groups: StatisticsRow[] = [];
      for (const [key, n] of counts) {
        const parts = partsOf(key);
        if (!filterParts.every(([d, v]) => parts.some(([pd, pv]) => pd === d && pv === v))) continue;
        const group = q.groupBy.map((dimension) => ({ dimension, value: parts.find(([d]) => d === dimension)![1] }));
        groups.push(row(group, n, hists.get(key)));
      }
      groups.sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || a.group.map((g) => g.value).join().localeCompare(b.group.map((g) => g.value).join()));
      rows.push(...groups);
    }
    return { measure: q.measure, from: q.from, to: q.to, interval: q.interval, table: null, rows };
  }

  /** OVERSIGHT's published table, week by week, suppressed with every table of its measure. */
  async function published(q: StatisticsQuery): Promise<StatisticsResult> {
    const table = PUBLISHED_TABLES.find((t) => t.measure === q.measure && q.groupBy.length === 1 && t.by === q.groupBy[0]);
    if (!table || q.filter.length) {
      throw badInput(
        `Oversight figures are the published tables, one dimension each, without a filter: ${PUBLISHED_TABLES.map((t) => `${t.measure} by ${t.by}`).join('; ')}`,
        ['groupBy'],
      );
    }
    assertPeriod(q, true, 'published figures');
    // The slices every table of the measure needs (its total and each table's dimension), put back together per piece.
    const siblings = PUBLISHED_TABLES.filter((t) => t.measure === table.measure);
    const buckets = bucketsOf({ ...q, interval: 'WEEK' });
    const parts = await store.slices(buckets, q.measure, [[], ...siblings.map((t) => [t.by])]);
    const byPiece = new Map<string, Piece>();
    for (const d of parts.flat()) {
      const piece = byPiece.get(d.id) ?? { ...d, counts: [], histograms: [] };
      piece.counts.push(...d.counts);
      piece.histograms.push(...d.histograms);
      byPiece.set(d.id, piece);
    }
    const docs = [...byPiece.values()];
    const rows: StatisticsRow[] = [];
    for (const [start, end] of buckets) {
      rows.push(...publishedWeek(table, docs.filter((d) => d.start >= start && d.end <= end), start, end));
    }
    return { measure: q.measure, from: q.from, to: q.to, interval: 'WEEK', table: table.id, rows };
  }

  return {
    async statistics(principal: Principal | null, q: StatisticsQuery): Promise<StatisticsResult> {
      if (!principal || principal.kind !== 'staff') throw forbidden();
      if (new Set(q.groupBy).size !== q.groupBy.length) throw badInput('groupBy: each dimension once', ['groupBy']);
      const dims = new Set([...q.groupBy, ...q.filter.map((f) => f.dimension)]);
      if (dims.size !== q.groupBy.length + q.filter.length) throw badInput('filter: a dimension is either grouped or filtered, once', ['filter']);
      if (dims.size > 2) throw badInput('At most two dimensions in all, grouped or filtered', ['groupBy']);
      if (principal.roles.includes('SUPERVISOR')) return named(await exact(q));
      if (principal.roles.includes('OVERSIGHT')) return named(await published(q));
      throw forbidden();
    },
  };
}

/** One week of a published table: its total row and cells, suppressed together with the measure's other tables. */
export function publishedWeek(table: PublishedTable, docs: readonly SliceFigures[], start: string, end: string): StatisticsRow[] {
  const siblings = PUBLISHED_TABLES.filter((t) => t.measure === table.measure);
  const total = sumCells(docs, table.measure, []);
  const perTable = new Map(siblings.map((t) => [t, sumCells(docs, t.measure, [t.by])]));
  // A breakdown of a cell from 1 to 4 lists nothing that week: each listed value counts at least 1, so the listing alone would narrow it.
  const withheld = (t: PublishedTable) => {
    if (!t.within) return false;
    const n = perTable.get(siblings.find((o) => o.by === t.within!.by)!)!.counts.get(cellKey([[t.within.by, t.within.value]])) ?? 0;
    return n >= 1 && n <= 4;
  };
  const active = siblings.filter((t) => !withheld(t));
  const group: SuppressionGroup = {
    total: { n: total.counts.get('') ?? 0 },
    tables: active.map((t) => ({
      kind: t.cells,
      cells: [...perTable.get(t)!.counts].map(([key, n]) => ({ value: partsOf(key)[0]![1], n })),
      within: t.within ? { table: active.findIndex((o) => o.by === t.within!.by), value: t.within.value } : undefined,
    })),
  };
  suppress(group);
  const mine = active.indexOf(table);
  const hists = perTable.get(table)!.hists;
  const present = (n: number, state: CellState, h: number[] | undefined, group: StatisticsRow['group']): StatisticsRow => {
    const shown = state === 'SHOWN';
    const timed = shown && table.durations && n >= PUBLISHED_DURATION_MIN_COUNT && h;
    return {
      start, end, group, count: shown ? n : null,
      display: shown ? String(n) : state === 'FEWER_THAN_5' ? 'fewer than 5' : 'suppressed',
      suppression: state,
      median: timed ? quantileBucket(h, 0.5) : null,
      p90: timed ? quantileBucket(h, 0.9) : null,
    };
  };
  const rows = [present(group.total.n, group.total.state!, total.hists.get(''), [])];
  if (mine === -1) return rows;
  const cells = group.tables[mine]!.cells.sort((a, b) => a.value.localeCompare(b.value));
  for (const c of cells) rows.push(present(c.n, c.state!, hists.get(cellKey([[table.by, c.value]])), [{ dimension: table.by, value: c.value }]));
  return rows;
}
