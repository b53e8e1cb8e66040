/**
 * GraphQL for the London picture (src/reports/desk/statistics-map.ts): per
 * tile of the London tile grid, the reports received in a period and the one
 * before, and the unusual-rise markers. Supervisors: exact; OVERSIGHT: the
 * published borough table, suppressed. The resolver is one line.
 */
import { builder } from '../../graphql/builder.js';
import type { DayRange, LondonPicture, RiseMarker, TileFigures } from '../desk/statistics-map.js';
import { BoroughEnum } from './report-schema.js';

export const SuppressionRef = builder.enumType('LondonSuppression', {
  description: 'SHOWN; FEWER_THAN_5 (a count from 1 to 4); SUPPRESSED (hidden so that no total or difference reveals a small count)',
  values: ['SHOWN', 'FEWER_THAN_5', 'SUPPRESSED'] as const,
});
export const DayRangeRef = builder.objectRef<DayRange>('DayRange').implement({
  description: 'UTC days, YYYY-MM-DD, both included',
  fields: (t) => ({ from: t.exposeString('from', { nullable: false }), to: t.exposeString('to', { nullable: false }) }),
});
const RiseRef = builder.objectRef<RiseMarker>('UnusualRise').implement({
  description: 'An unusual rise (docs/statistics.md): one-sided Poisson test of the period count against the mean of the 8 periods before, p < 0.01 and at least 5 reports',
  fields: (t) => ({
    category: t.exposeString('category', { nullable: true, description: 'The category (ThreatCategory), or null for all categories together' }),
    count: t.exposeInt('count', { nullable: false }),
    baselineMean: t.exposeFloat('baselineMean', { nullable: false, description: 'The mean count of the 8 baseline periods' }),
    p: t.exposeFloat('p', { nullable: false, description: 'P(X ≥ count) for X ~ Poisson(baseline mean, at least 3/8)' }),
  }),
});
const TileRef = builder.objectRef<TileFigures>('LondonTile').implement({
  description: 'One tile of the London tile grid (src/reports/model/london-tiles.ts) and its figures',
  fields: (t) => ({
    borough: t.field({ type: BoroughEnum, nullable: false, resolve: (x) => x.borough }),
    row: t.exposeInt('row', { nullable: false }),
    column: t.exposeInt('column', { nullable: false }),
    inGrid: t.exposeBoolean('inGrid', { nullable: false, description: 'False for "Outside London" and "Unknown", drawn beside the grid' }),
    count: t.exposeInt('count', { nullable: true, description: 'Reports received in the period; null where not published' }),
    display: t.exposeString('display', { nullable: false, description: 'The count, "fewer than 5" or "suppressed"' }),
    suppression: t.field({ type: SuppressionRef, nullable: false, resolve: (x) => x.suppression }),
    previous: t.exposeInt('previous', { nullable: true, description: 'The same, in the previous period' }),
    previousDisplay: t.exposeString('previousDisplay', { nullable: false }),
    change: t.exposeInt('change', { nullable: true, description: 'count − previous, when both are published' }),
    rises: t.field({ type: [RiseRef], nullable: false, resolve: (x) => x.rises }),
  }),
});
const TotalRef = builder.objectRef<LondonPicture['total']>('LondonTotal').implement({
  fields: (t) => ({
    count: t.exposeInt('count', { nullable: true }),
    display: t.exposeString('display', { nullable: false }),
    previous: t.exposeInt('previous', { nullable: true }),
    previousDisplay: t.exposeString('previousDisplay', { nullable: false }),
  }),
});
export const PictureRef = builder.objectRef<LondonPicture>('LondonPicture').implement({
  description: 'Reports received per borough tile, this period and the one before, with unusual-rise markers',
  fields: (t) => ({
    period: t.field({ type: DayRangeRef, nullable: false, description: 'The period covered (OVERSIGHT: the whole weeks inside the period asked)', resolve: (p) => p.period }),
    previous: t.field({ type: DayRangeRef, nullable: false, resolve: (p) => p.previous }),
    baseline: t.field({ type: DayRangeRef, nullable: false, description: 'The 8 periods before, the rise markers\' baseline', resolve: (p) => p.baseline }),
    published: t.exposeBoolean('published', { nullable: false, description: 'True when the figures are the published, suppressed table (OVERSIGHT)' }),
    total: t.field({ type: TotalRef, nullable: false, resolve: (p) => p.total }),
    tiles: t.field({ type: [TileRef], nullable: false, resolve: (p) => p.tiles }),
  }),
});

export const PeriodInput = builder.inputType('LondonPeriod', {
  description: 'UTC days, YYYY-MM-DD, both included',
  fields: (t) => ({ from: t.string({ required: true }), to: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  londonPicture: t.field({
    type: PictureRef,
    nullable: false,
    description: 'The London picture: reports received per borough tile over a period and the one before, with unusual-rise markers (docs/statistics.md)',
    authScopes: { allow: 'londonPicture' },
    args: { period: t.arg({ type: PeriodInput, required: true }) },
    resolve: (_r, a, ctx) => ctx.services.statisticsMap.londonPicture(ctx.principal, a.period),
  }),
}));
