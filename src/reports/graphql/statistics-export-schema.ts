/**
 * GraphQL for the statistics exports and the committee report
 * (src/reports/desk/statistics-export.ts): both are the published,
 * suppressed tables whoever asks, and both are audited
 * (`statistics.export`), so they are mutations. Resolvers are one line.
 */
import { builder } from '../../graphql/builder.js';
import { STATISTICS_VIEWS, type PeriodTable, type StatisticsReport, type WeekFigure } from '../desk/statistics-export.js';
import type { DayRange, PeriodFigure } from '../desk/statistics-map.js';
import { DayRangeRef, PeriodInput, PictureRef, SuppressionRef } from './statistics-map-schema.js';
import { SpanRef as ThreatSpanRef } from './statistics-threat-schema.js';

const ViewEnum = builder.enumType('StatisticsView', {
  description: 'A view of the statistics screen: TRENDS (received per week), CHANNEL, CATEGORY, BOROUGH, DESK (triaged), OUTCOME (closed), TIME_TO_CLAIM (claimed by priority, with duration buckets), SLA (claimed, met or missed), LONDON (the London picture), PARTNER (received from partner organisations, by organisation name)',
  values: STATISTICS_VIEWS,
});

interface ExportResult {
  view: (typeof STATISTICS_VIEWS)[number];
  period: DayRange;
  filename: string;
  csv: string;
  rows: number;
}
const ExportRef = builder.objectRef<ExportResult>('StatisticsExport').implement({
  description: 'A view as CSV: the published tables week by week, then the whole period (sums of shown weeks), small counts suppressed',
  fields: (t) => ({
    view: t.field({ type: ViewEnum, nullable: false, resolve: (x) => x.view }),
    period: t.field({ type: DayRangeRef, nullable: false, description: 'The whole weeks exported', resolve: (x) => x.period }),
    filename: t.exposeString('filename', { nullable: false }),
    csv: t.exposeString('csv', { nullable: false }),
    rows: t.exposeInt('rows', { nullable: false }),
  }),
});
const FigureRef = builder.objectRef<PeriodFigure>('StatisticsPeriodFigure').implement({
  fields: (t) => ({
    value: t.exposeString('value', { nullable: true, description: 'The group value; null for the total' }),
    count: t.exposeInt('count', { nullable: true }),
    display: t.exposeString('display', { nullable: false }),
    suppression: t.field({ type: SuppressionRef, nullable: false, resolve: (x) => x.suppression }),
  }),
});
const TableRef = builder.objectRef<PeriodTable>('StatisticsPeriodTable').implement({
  fields: (t) => ({
    id: t.exposeString('id', { nullable: false, description: 'The published table (src/reports/desk/statistics-tables.ts)' }),
    measure: t.exposeString('measure', { nullable: false }),
    by: t.exposeString('by', { nullable: false }),
    total: t.field({ type: FigureRef, nullable: false, resolve: (x) => x.total }),
    cells: t.field({ type: [FigureRef], nullable: false, resolve: (x) => x.cells }),
  }),
});
const WeekRef = builder.objectRef<WeekFigure>('StatisticsWeekFigure').implement({
  description: 'One week of reports received, as published',
  fields: (t) => ({
    start: t.exposeString('start', { nullable: false, description: 'Monday, UTC day' }),
    end: t.exposeString('end', { nullable: false, description: 'Sunday, UTC day' }),
    count: t.exposeInt('count', { nullable: true, description: 'Null where suppressed' }),
    display: t.exposeString('display', { nullable: false }),
    suppression: t.field({ type: SuppressionRef, nullable: false, resolve: (x) => x.suppression }),
  }),
});
const ReportRef = builder.objectRef<StatisticsReport>('StatisticsReport').implement({
  description: 'The committee report: published tables over the whole weeks of the period, the received trend and the London picture',
  fields: (t) => ({
    period: t.field({ type: DayRangeRef, nullable: false, resolve: (x) => x.period }),
    tables: t.field({ type: [TableRef], nullable: false, resolve: (x) => x.tables }),
    london: t.field({ type: PictureRef, nullable: false, resolve: (x) => x.london }),
    weeks: t.field({ type: [WeekRef], nullable: false, description: 'Reports received per week of the period, as published', resolve: (x) => x.weeks }),
    previousWeeks: t.field({ type: [WeekRef], nullable: false, description: 'Reports received per week of as many weeks before the period, as published', resolve: (x) => x.previousWeeks }),
    threatLevels: t.field({
      type: [ThreatSpanRef],
      nullable: false,
      description: 'The national threat level over the period (levels and times only), drawn on the trend',
      resolve: (x, _a, ctx) => ctx.services.threatLevel.history(x.period.from, x.period.to),
    }),
  }),
});

builder.mutationFields((t) => ({
  exportStatistics: t.field({
    type: ExportRef,
    nullable: false,
    description: 'One view of the statistics as CSV over the whole weeks of the period: published, suppressed tables for everyone; audited (statistics.export)',
    authScopes: { allow: 'exportStatistics' },
    args: { view: t.arg({ type: ViewEnum, required: true }), period: t.arg({ type: PeriodInput, required: true }) },
    resolve: (_r, a, ctx) => ctx.services.statisticsExport.exportCsv(ctx.principal, { view: a.view, ...a.period }),
  }),
  statisticsReport: t.field({
    type: ReportRef,
    nullable: false,
    description: 'The committee report\'s figures, opened for print: published, suppressed tables; audited (statistics.export, format PRINT)',
    authScopes: { allow: 'statisticsReport' },
    args: { period: t.arg({ type: PeriodInput, required: true }) },
    resolve: (_r, a, ctx) => ctx.services.statisticsExport.report(ctx.principal, a.period),
  }),
}));
