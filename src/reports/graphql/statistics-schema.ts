/**
 * GraphQL for the statistics (src/reports/desk/statistics.ts): one query,
 * supervisors' exact figures and OVERSIGHT's published, suppressed tables.
 * The resolver is one line.
 */
import { builder } from '../../graphql/builder.js';
import { STATISTICS_DIMENSIONS, STATISTICS_MEASURES } from '../model/statistics.js';
import { STATISTICS_INTERVALS, type DurationRange, type StatisticsResult, type StatisticsRow } from '../desk/statistics.js';

const MeasureEnum = builder.enumType('StatisticsMeasure', {
  description:
    'What is counted: RECEIVED (intake), TRIAGED (routed from pending triage), TRIAGE_FAILED, CLAIMED (taken from a desk queue), REQUEUED (released, referred on or reopened back to a queue), CLOSED, OTHER_STATUS (any other status change; group by STATUS)',
  values: STATISTICS_MEASURES,
});
const DimensionEnum = builder.enumType('StatisticsDimension', {
  description: 'What a count can be broken down by: plaintext routing fields only. PARTNER is a partner id (the organisation name in the group value label), by whole weeks only; SLA is MET or MISSED (CLAIMED); IMMINENT_THREAT is YES or NO',
  values: STATISTICS_DIMENSIONS,
});
const IntervalEnum = builder.enumType('StatisticsInterval', { description: 'One row set for the whole period, per ISO week (Monday to Sunday, UTC) or per UTC day', values: STATISTICS_INTERVALS });
const SuppressionEnum = builder.enumType('StatisticsSuppression', {
  description: 'SHOWN; FEWER_THAN_5 (a count from 1 to 4); SUPPRESSED (hidden so that no total or difference reveals a small count)',
  values: ['SHOWN', 'FEWER_THAN_5', 'SUPPRESSED'] as const,
});

const PeriodInput = builder.inputType('StatisticsPeriod', {
  description: 'UTC days, YYYY-MM-DD, both included',
  fields: (t) => ({ from: t.string({ required: true }), to: t.string({ required: true }) }),
});
const FilterInput = builder.inputType('StatisticsFilter', {
  fields: (t) => ({ dimension: t.field({ type: DimensionEnum, required: true }), value: t.string({ required: true }) }),
});

const DurationRangeRef = builder.objectRef<DurationRange>('DurationRange').implement({
  description: 'The histogram bucket holding a duration: from `fromMinutes` up to `toMinutes` (null: 30 days or more)',
  fields: (t) => ({ fromMinutes: t.exposeInt('fromMinutes', { nullable: false }), toMinutes: t.exposeInt('toMinutes', { nullable: true }) }),
});
const GroupValueRef = builder.objectRef<StatisticsRow['group'][number]>('StatisticsGroupValue').implement({
  fields: (t) => ({
    dimension: t.field({ type: DimensionEnum, nullable: false, resolve: (g) => g.dimension }),
    value: t.exposeString('value', { nullable: false }),
    label: t.string({ nullable: true, description: "The value's name where the value is an id: a partner organisation's name (PARTNER); null otherwise", resolve: (g) => g.label ?? null }),
  }),
});
const RowRef = builder.objectRef<StatisticsRow>('StatisticsRow').implement({
  description: 'One figure: a time bucket, a group (empty: the total) and its count',
  fields: (t) => ({
    start: t.exposeString('start', { nullable: false, description: 'First UTC day of the time bucket' }),
    end: t.exposeString('end', { nullable: false, description: 'Last UTC day of the time bucket' }),
    group: t.field({ type: [GroupValueRef], nullable: false, resolve: (r) => r.group }),
    count: t.exposeInt('count', { nullable: true, description: 'Null where suppressed' }),
    display: t.exposeString('display', { nullable: false, description: 'The count, "fewer than 5" or "suppressed"' }),
    suppression: t.field({ type: SuppressionEnum, nullable: false, resolve: (r) => r.suppression }),
    median: t.field({ type: DurationRangeRef, nullable: true, description: 'Time from receipt (TRIAGED, CLAIMED, CLOSED): the bucket holding the median', resolve: (r) => r.median }),
    p90: t.field({ type: DurationRangeRef, nullable: true, description: 'The bucket holding the 90th percentile', resolve: (r) => r.p90 }),
  }),
});
export const ResultRef = builder.objectRef<StatisticsResult>('Statistics').implement({
  description: 'Counts kept as reports change (docs/statistics.md); never content',
  fields: (t) => ({
    measure: t.field({ type: MeasureEnum, nullable: false, resolve: (r) => r.measure }),
    from: t.exposeString('from', { nullable: false }),
    to: t.exposeString('to', { nullable: false }),
    interval: t.field({ type: IntervalEnum, nullable: false, resolve: (r) => r.interval }),
    table: t.exposeString('table', { nullable: true, description: 'The published table answered (OVERSIGHT); null for exact figures' }),
    rows: t.field({ type: [RowRef], nullable: false, resolve: (r) => r.rows }),
  }),
});

builder.queryFields((t) => ({
  statistics: t.field({
    type: ResultRef,
    nullable: false,
    description:
      'Counts of a measure over a period, grouped by up to two dimensions (or one grouped and one filtered). Supervisors: exact. OVERSIGHT: the published tables only, by whole weeks, small counts suppressed',
    authScopes: { allow: 'statistics' },
    args: {
      period: t.arg({ type: PeriodInput, required: true }),
      measure: t.arg({ type: MeasureEnum, required: false, defaultValue: 'RECEIVED' }),
      groupBy: t.arg({ type: [DimensionEnum], required: false, defaultValue: [] }),
      filter: t.arg({ type: [FilterInput], required: false, defaultValue: [] }),
      interval: t.arg({ type: IntervalEnum, required: false, defaultValue: 'PERIOD' }),
    },
    resolve: (_r, a, ctx) =>
      ctx.services.statistics.statistics(ctx.principal, { from: a.period.from, to: a.period.to, measure: a.measure ?? 'RECEIVED', groupBy: a.groupBy ?? [], filter: a.filter ?? [], interval: a.interval ?? 'PERIOD' }),
  }),
}));
