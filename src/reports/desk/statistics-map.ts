/**
 * The London picture (`londonPicture`): reports received per tile of the
 * London tile grid (reports/model/london-tiles.ts) over a period and the
 * period before, and the unusual-rise markers (unusual-rise.ts) against the 8
 * periods before. Every figure comes from the statistics service's public
 * `statistics` query with the caller's own principal, so each role gets
 * exactly what that query lets it have:
 *
 * - SUPERVISOR: exact counts; a rise marker per borough over all categories
 *   and per borough × category.
 * - OVERSIGHT: only the published `received-by-borough` table, week by week,
 *   already suppressed (statistics-tables.ts). The period is cut to the whole
 *   ISO weeks inside it. A tile's figure over several weeks is the sum of its
 *   weekly figures only when every one of them is shown (a sum of shown
 *   figures tells nothing the weeks did not); otherwise the tile is
 *   "suppressed" (one week) or "fewer than 5" when that is the one week's mark.
 *   A rise marker is computed only for a tile whose period figure and all 8
 *   baseline figures are shown, and over all categories only (borough ×
 *   category is not a published table): so a marker is a function of
 *   published figures alone and reveals no small count.
 * docs/statistics.md ("The London picture") states the rules.
 */
import type { Principal } from '../../auth/types.js';
import { badInput, forbidden } from '../../errors.js';
import { LONDON_TILES, type LondonTile } from '../model/london-tiles.js';
import { utcDay } from '../model/statistics.js';
import type { Borough } from '../model/vocabulary.js';
import type { StatisticsResult, StatisticsService } from './statistics.js';
import { STATISTICS_MAX_DAYS } from './statistics.js';
import type { CellState } from './suppression.js';
import { RISE_BASELINE_PERIODS, unusualRise } from './unusual-rise.js';

/** The longest London picture: the period and its 8 baseline periods fit in one statistics query. */
export const LONDON_MAX_DAYS = Math.floor(STATISTICS_MAX_DAYS / (RISE_BASELINE_PERIODS + 1));

export interface DayRange {
  from: string;
  to: string;
}

export interface RiseMarker {
  /** The category, or null for all categories together. */
  category: string | null;
  count: number;
  /** The mean count of the 8 baseline periods. */
  baselineMean: number;
  p: number;
}

export interface TileFigures extends LondonTile {
  /** Reports received in the period, or null where not published. */
  count: number | null;
  /** The count, "fewer than 5" or "suppressed". */
  display: string;
  suppression: CellState;
  previous: number | null;
  previousDisplay: string;
  /** count − previous, when both are known. */
  change: number | null;
  rises: RiseMarker[];
}

export interface LondonPicture {
  /** The period the figures cover (OVERSIGHT: the whole weeks inside the period asked). */
  period: DayRange;
  previous: DayRange;
  /** The 8 periods the rise markers are tested against, as one range. */
  baseline: DayRange;
  /** True when the figures are the published, suppressed table (OVERSIGHT). */
  published: boolean;
  total: { count: number | null; display: string; previous: number | null; previousDisplay: string };
  tiles: TileFigures[];
}

/** One figure over the whole period: the sum of its weeks when every week's is shown. */
export interface PeriodFigure {
  value: string | null;
  count: number | null;
  display: string;
  suppression: CellState;
}

/**
 * The figure of one group value ('' for the total) over the weeks of a published result from `from` to `to`:
 * the sum when every week shows its figure (a week without the value had none), else "suppressed", or the one
 * week's own mark when the range is that one week.
 */
export function sumOfWeeks(result: Pick<StatisticsResult, 'rows'>, range: DayRange, value: string): PeriodFigure {
  const weeks = result.rows.filter((r) => !r.group.length && r.start >= range.from && r.end <= range.to).map((r) => r.start);
  let n = 0;
  const hidden: CellState[] = [];
  for (const start of weeks) {
    const row = result.rows.find((r) => r.start === start && (value ? r.group[0]?.value === value : !r.group.length));
    if (!row) continue;
    if (row.suppression === 'SHOWN') n += row.count ?? 0;
    else hidden.push(row.suppression);
  }
  if (!hidden.length) return { value: value || null, count: n, display: String(n), suppression: 'SHOWN' };
  const state: CellState = hidden.length === 1 && weeks.length === 1 ? hidden[0]! : 'SUPPRESSED';
  return { value: value || null, count: null, display: state === 'FEWER_THAN_5' ? 'fewer than 5' : 'suppressed', suppression: state };
}

const DAY_MS = 24 * 3600_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayOf = (n: number) => utcDay(new Date(n * DAY_MS));
const weekday = (n: number) => new Date(n * DAY_MS).getUTCDay() || 7;

/** Checks the period and answers its first and last day numbers. */
function periodDays(p: DayRange): [number, number] {
  for (const key of ['from', 'to'] as const) {
    const v = p[key];
    if (!DAY_RE.test(v) || Number.isNaN(dayNumber(v)) || dayOf(dayNumber(v)) !== v) throw badInput(`period.${key}: a UTC day, YYYY-MM-DD`, ['period', key]);
  }
  const [a, b] = [dayNumber(p.from), dayNumber(p.to)];
  if (b < a) throw badInput('period: `to` is before `from`', ['period']);
  if (b - a + 1 > LONDON_MAX_DAYS) throw badInput(`period: the London picture covers at most ${LONDON_MAX_DAYS} days`, ['period']);
  return [a, b];
}

/** Window i of a period of `length` days ending on day `last`: 0 is the period, 1 the one before, … */
const windowOf = (last: number, length: number, i: number): DayRange => ({ from: dayOf(last - length * (i + 1) + 1), to: dayOf(last - length * i) });

const groupValue = (row: StatisticsResult['rows'][number], dim: string) => row.group.find((g) => g.dimension === dim)?.value;

export type StatisticsMapService = ReturnType<typeof createStatisticsMapService>;

export function createStatisticsMapService(deps: { statistics: Pick<StatisticsService, 'statistics'> }) {
  const { statistics } = deps;

  /** A supervisor's picture: exact counts, rises per borough and per borough × category. */
  async function exact(principal: Principal, first: number, last: number): Promise<LondonPicture> {
    const length = last - first + 1;
    const windows = Array.from({ length: RISE_BASELINE_PERIODS + 1 }, (_, i) => windowOf(last, length, i));
    const ask = (w: DayRange, groupBy: ('BOROUGH' | 'CATEGORY')[]) =>
      statistics.statistics(principal, { ...w, measure: 'RECEIVED', groupBy, filter: [], interval: 'PERIOD' });
    const [byBorough, byPair] = await Promise.all([Promise.all(windows.map((w) => ask(w, ['BOROUGH']))), Promise.all(windows.map((w) => ask(w, ['BOROUGH', 'CATEGORY'])))]);
    const boroughCounts = byBorough.map((r) => new Map(r.rows.filter((x) => x.group.length).map((x) => [groupValue(x, 'BOROUGH')!, x.count ?? 0])));
    const pairCounts = byPair.map((r) => new Map(r.rows.filter((x) => x.group.length).map((x) => [`${groupValue(x, 'BOROUGH')}|${groupValue(x, 'CATEGORY')}`, x.count ?? 0])));
    const categoriesOf = (b: Borough) => [...new Set(pairCounts.flatMap((m) => [...m.keys()].filter((k) => k.startsWith(`${b}|`)).map((k) => k.slice(b.length + 1))))].sort();
    const tiles = LONDON_TILES.map((tile): TileFigures => {
      const series = boroughCounts.map((m) => m.get(tile.borough) ?? 0);
      const rises: RiseMarker[] = [];
      const test = (category: string | null, s: number[]) => {
        const r = unusualRise(s[0]!, s.slice(1));
        if (r.rise) rises.push({ category, count: r.count, baselineMean: r.baselineMean, p: r.p });
      };
      test(null, series);
      for (const c of categoriesOf(tile.borough)) test(c, pairCounts.map((m) => m.get(`${tile.borough}|${c}`) ?? 0));
      const [count, previous] = series as [number, number];
      return { ...tile, count, display: String(count), suppression: 'SHOWN', previous, previousDisplay: String(previous), change: count - previous, rises };
    });
    const totalOf = (r: StatisticsResult) => r.rows.find((x) => !x.group.length)?.count ?? 0;
    const [total, previousTotal] = [totalOf(byBorough[0]!), totalOf(byBorough[1]!)];
    return {
      period: windows[0]!, previous: windows[1]!, baseline: { from: windows.at(-1)!.from, to: windows[1]!.to }, published: false,
      total: { count: total, display: String(total), previous: previousTotal, previousDisplay: String(previousTotal) },
      tiles,
    };
  }

  /** OVERSIGHT's picture: the published weekly borough table only, summed where every week is shown. */
  async function published(principal: Principal, first: number, last: number): Promise<LondonPicture> {
    const monday = first + ((8 - weekday(first)) % 7);
    const sunday = last - (weekday(last) % 7);
    if (sunday < monday) throw badInput('period: oversight figures are published by whole weeks; choose a period holding a whole week, Monday to Sunday', ['period']);
    const length = sunday - monday + 1;
    const windows = Array.from({ length: RISE_BASELINE_PERIODS + 1 }, (_, i) => windowOf(sunday, length, i));
    const all = await statistics.statistics(principal, { from: windows.at(-1)!.from, to: windows[0]!.to, measure: 'RECEIVED', groupBy: ['BOROUGH'], filter: [], interval: 'WEEK' });
    /** A window's figure for one group value ('' for the total): the sum of its weeks when all are shown (sumOfWeeks). */
    const figure = (w: DayRange, value: string) => {
      const f = sumOfWeeks(all, w, value);
      return { n: f.count, state: f.suppression, display: f.display };
    };
    const tiles = LONDON_TILES.map((tile): TileFigures => {
      const series = windows.map((w) => figure(w, tile.borough));
      const [now, before] = series as [ReturnType<typeof figure>, ReturnType<typeof figure>];
      const rises: RiseMarker[] = [];
      if (series.every((s) => s.n !== null)) {
        const r = unusualRise(now.n!, series.slice(1).map((s) => s.n!));
        if (r.rise) rises.push({ category: null, count: r.count, baselineMean: r.baselineMean, p: r.p });
      }
      return {
        ...tile, count: now.n, display: now.display, suppression: now.state, previous: before.n, previousDisplay: before.display,
        change: now.n !== null && before.n !== null ? now.n - before.n : null, rises,
      };
    });
    const [total, previousTotal] = [figure(windows[0]!, ''), figure(windows[1]!, '')];
    return {
      period: windows[0]!, previous: windows[1]!, baseline: { from: windows.at(-1)!.from, to: windows[1]!.to }, published: true,
      total: { count: total.n, display: total.display, previous: previousTotal.n, previousDisplay: previousTotal.display },
      tiles,
    };
  }

  return {
    async londonPicture(principal: Principal | null, period: DayRange): Promise<LondonPicture> {
      if (!principal || principal.kind !== 'staff') throw forbidden();
      const [first, last] = periodDays(period);
      if (principal.roles.includes('SUPERVISOR')) return exact(principal, first, last);
      if (principal.roles.includes('OVERSIGHT')) return published(principal, first, last);
      throw forbidden();
    },
  };
}
