/**
 * Exports of the statistics (CSV of each view of the statistics screen) and
 * the printable committee report: for EVERY export, supervisors included, the
 * figures are the published tables (statistics-tables.ts), asked of the
 * statistics service as OVERSIGHT would ask them, so they carry the same
 * suppression (1–4 as "fewer than 5", secondary suppression across every
 * table of the measure, week by week: suppression.ts) and nothing is finer
 * than a whole ISO week (partner figures, published by week, included: the
 * PARTNER view names each organisation, never its id).
 * The period is cut to the whole weeks inside it. A figure over the whole
 * period is the sum of its weeks only when every week's figure is shown
 * (sumOfWeeks, statistics-map.ts): a sum of shown figures tells nothing the weeks did not.
 * Every export and every opening of the report is audited
 * (`statistics.export`: who, which view, which period, which format) before
 * the figures are handed over. docs/statistics.md ("Exports") lists what each
 * view's export contains.
 */
import type { AuditLogService } from '../../audit/service.js';
import { toCsv } from '../../audit/csv.js';
import type { Principal } from '../../auth/types.js';
import { badInput, forbidden } from '../../errors.js';
import type { StatisticsDimension, StatisticsMeasure } from '../model/statistics.js';
import { utcDay } from '../model/statistics.js';
import { sumOfWeeks, type DayRange, type LondonPicture, type PeriodFigure, type StatisticsMapService } from './statistics-map.js';
import type { DurationRange, StatisticsResult, StatisticsRow, StatisticsService } from './statistics.js';
import type { CellState } from './suppression.js';
import { PUBLISHED_TABLES } from './statistics-tables.js';

export const STATISTICS_VIEWS = ['TRENDS', 'CHANNEL', 'CATEGORY', 'BOROUGH', 'DESK', 'OUTCOME', 'TIME_TO_CLAIM', 'SLA', 'LONDON', 'PARTNER'] as const;
export type StatisticsView = (typeof STATISTICS_VIEWS)[number];
export const EXPORT_FORMATS = ['CSV', 'PRINT'] as const;

/** The published table each view exports (LONDON: the London picture, from received-by-borough). */
export const VIEW_TABLES: Record<Exclude<StatisticsView, 'LONDON'>, { measure: StatisticsMeasure; by: StatisticsDimension; totalsOnly?: boolean }> = {
  TRENDS: { measure: 'RECEIVED', by: 'CHANNEL', totalsOnly: true },
  CHANNEL: { measure: 'RECEIVED', by: 'CHANNEL' },
  CATEGORY: { measure: 'RECEIVED', by: 'CATEGORY' },
  BOROUGH: { measure: 'RECEIVED', by: 'BOROUGH' },
  DESK: { measure: 'TRIAGED', by: 'DESK' },
  OUTCOME: { measure: 'CLOSED', by: 'OUTCOME' },
  TIME_TO_CLAIM: { measure: 'CLAIMED', by: 'PRIORITY' },
  SLA: { measure: 'CLAIMED', by: 'SLA' },
  // Received from partner organisations, by organisation (named: the row's label), as OVERSIGHT's published table.
  PARTNER: { measure: 'RECEIVED', by: 'PARTNER' },
};

export interface PeriodTable {
  id: string;
  measure: StatisticsMeasure;
  by: StatisticsDimension;
  total: PeriodFigure;
  cells: PeriodFigure[];
}

/** One week's published total of reports received (the received tables' total row, as OVERSIGHT is given it). */
export interface WeekFigure {
  start: string;
  end: string;
  count: number | null;
  display: string;
  suppression: CellState;
}

export interface StatisticsReport {
  period: DayRange;
  tables: PeriodTable[];
  london: LondonPicture;
  /** Received per week over the period, and over as many weeks before it: the report's trend chart. */
  weeks: WeekFigure[];
  previousWeeks: WeekFigure[];
}

const DAY_MS = 24 * 3600_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayOf = (n: number) => utcDay(new Date(n * DAY_MS));
const weekday = (n: number) => new Date(n * DAY_MS).getUTCDay() || 7;

/** The whole ISO weeks inside the period (refused when there is none). */
export function wholeWeeks(period: DayRange): DayRange {
  for (const key of ['from', 'to'] as const) {
    const v = period[key];
    if (!DAY_RE.test(v) || Number.isNaN(dayNumber(v)) || dayOf(dayNumber(v)) !== v) throw badInput(`period.${key}: a UTC day, YYYY-MM-DD`, ['period', key]);
  }
  const first = dayNumber(period.from);
  const last = dayNumber(period.to);
  const monday = first + ((8 - weekday(first)) % 7);
  const sunday = last - (weekday(last) % 7);
  if (last < first) throw badInput('period: `to` is before `from`', ['period']);
  if (sunday < monday) throw badInput('period: exports are published by whole weeks; choose a period holding a whole week, Monday to Sunday', ['period']);
  return { from: dayOf(monday), to: dayOf(sunday) };
}

/** The caller as the published tables' reader: every export carries OVERSIGHT's suppression, whoever asks. */
const asPublished = (principal: Principal): Principal => (principal.kind === 'staff' ? { ...principal, roles: ['OVERSIGHT'] } : principal);

/** A published result's total row of each week, as published (suppression kept). */
const weekTotals = (r: StatisticsResult): WeekFigure[] =>
  r.rows.filter((x) => x.group.length === 0).map((x) => ({ start: x.start, end: x.end, count: x.count, display: x.display, suppression: x.suppression }));

const bucketText = (r: DurationRange | null) => (r ? `${r.fromMinutes} to ${r.toMinutes ?? 'more'}` : '');
const displayOf = (r: Pick<StatisticsRow, 'display'>) => r.display;

export type StatisticsExportService = ReturnType<typeof createStatisticsExportService>;

export function createStatisticsExportService(deps: {
  statistics: Pick<StatisticsService, 'statistics'>;
  statisticsMap: Pick<StatisticsMapService, 'londonPicture'>;
  audit: Pick<AuditLogService, 'record'>;
}) {
  const { statistics, statisticsMap, audit } = deps;

  const allowed = (principal: Principal | null): principal is Principal & { kind: 'staff' } =>
    !!principal && principal.kind === 'staff' && (principal.roles.includes('SUPERVISOR') || principal.roles.includes('OVERSIGHT'));

  const published = (principal: Principal, period: DayRange, measure: StatisticsMeasure, by: StatisticsDimension) =>
    statistics.statistics(asPublished(principal), { ...period, measure, groupBy: [by], filter: [], interval: 'WEEK' });

  async function record(principal: Principal & { kind: 'staff' }, view: StatisticsView | 'REPORT', period: DayRange, format: (typeof EXPORT_FORMATS)[number], rows: number) {
    await audit.record({
      action: 'statistics.export',
      actor: { type: 'user', id: principal.userId, name: principal.username },
      target: { type: 'system', id: 'statistics' },
      outcome: 'success',
      details: { view, from: period.from, to: period.to, format, rows },
    });
  }

  /** A view's CSV: each week's published rows, then the whole period's (sums of shown weeks). */
  async function viewCsv(principal: Principal, view: StatisticsView, period: DayRange): Promise<{ csv: string; rows: number }> {
    if (view === 'LONDON') {
      const p = await statisticsMap.londonPicture(asPublished(principal), period);
      const rows = p.tiles.map((t) => [p.period.from, p.period.to, t.borough, t.display, t.previousDisplay, t.change ?? '', t.rises.length ? t.rises.map((r) => `${r.count} against a usual ${r.baselineMean.toFixed(1)} (p = ${r.p.toPrecision(2)})`).join('; ') : 'no']);
      return { csv: toCsv(['period start', 'period end', 'borough', 'reports received', 'previous period', 'change', 'unusual rise'], rows), rows: rows.length };
    }
    const spec = VIEW_TABLES[view];
    const result = await published(principal, period, spec.measure, spec.by);
    const timed = PUBLISHED_TABLES.find((t) => t.measure === spec.measure && t.by === spec.by)?.durations === true;
    const header = ['start', 'end', 'measure', spec.totalsOnly ? 'all' : spec.by.toLowerCase(), 'count'];
    if (timed) header.push('median minutes (bucket)', '90th percentile minutes (bucket)');
    // A value that is an id (a partner organisation) is written as its name, the label the statistics service gave it.
    const labels = new Map(result.rows.flatMap((r) => (r.group[0]?.label ? [[r.group[0].value, r.group[0].label] as const] : [])));
    const nameOf = (v: string) => labels.get(v) ?? v;
    const lines: (string | number)[][] = [];
    for (const r of result.rows) {
      if (spec.totalsOnly && r.group.length) continue;
      const line: (string | number)[] = [r.start, r.end, spec.measure, r.group[0] ? nameOf(r.group[0].value) : 'total', displayOf(r)];
      if (timed) line.push(bucketText(r.median), bucketText(r.p90));
      lines.push(line);
    }
    const values = spec.totalsOnly ? [''] : ['', ...new Set(result.rows.flatMap((r) => (r.group[0] ? [r.group[0].value] : [])))].sort();
    for (const v of values) {
      const f = sumOfWeeks(result, period, v);
      const line: (string | number)[] = [period.from, period.to, spec.measure, v ? nameOf(v) : 'total', f.display];
      if (timed) line.push('', '');
      lines.push(line);
    }
    return { csv: toCsv(header, lines), rows: lines.length };
  }

  return {
    /** The CSV of one view over the whole weeks of the period; audited before it is handed over. */
    async exportCsv(principal: Principal | null, input: { view: StatisticsView; from: string; to: string }) {
      if (!allowed(principal)) throw forbidden();
      if (!STATISTICS_VIEWS.includes(input.view)) throw badInput('view: one of the statistics views', ['view']);
      const period = wholeWeeks(input);
      const { csv, rows } = await viewCsv(principal, input.view, period);
      await record(principal, input.view, period, 'CSV', rows);
      return { view: input.view, period, filename: `statistics-${input.view.toLowerCase().replace(/_/g, '-')}-${period.from}-to-${period.to}.csv`, csv, rows };
    },

    /** The committee report's figures (published, summed over the period's whole weeks); opening it is audited as a PRINT export. */
    async report(principal: Principal | null, input: DayRange): Promise<StatisticsReport> {
      if (!allowed(principal)) throw forbidden();
      const period = wholeWeeks(input);
      const wanted = PUBLISHED_TABLES.filter((t) => ['received-by-channel', 'received-by-category', 'triaged-by-desk', 'claimed-by-sla', 'closed-by-outcome'].includes(t.id));
      // The weeks before: as many whole weeks as the period holds, for the trend's previous period.
      const length = dayNumber(period.to) - dayNumber(period.from) + 1;
      const before = { from: dayOf(dayNumber(period.from) - length), to: dayOf(dayNumber(period.from) - 1) };
      const [results, london, previous] = await Promise.all([
        Promise.all(wanted.map((t) => published(principal, period, t.measure, t.by))),
        statisticsMap.londonPicture(asPublished(principal), period),
        published(principal, before, 'RECEIVED', 'CHANNEL'),
      ]);
      const tables = wanted.map((t, i): PeriodTable => {
        const result = results[i]!;
        const values = [...new Set(result.rows.flatMap((r) => (r.group[0] ? [r.group[0].value] : [])))].sort();
        return { id: t.id, measure: t.measure, by: t.by, total: sumOfWeeks(result, period, ''), cells: values.map((v) => sumOfWeeks(result, period, v)) };
      });
      const weeks = weekTotals(results[wanted.findIndex((t) => t.id === 'received-by-channel')]!);
      const previousWeeks = weekTotals(previous);
      await record(principal, 'REPORT', period, 'PRINT', tables.reduce((a, t) => a + t.cells.length + 1, 0) + london.tiles.length + weeks.length + previousWeeks.length);
      return { period, tables, london, weeks, previousWeeks };
    },
  };
}
