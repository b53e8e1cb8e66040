/**
 * GraphQL for a report's link chart and timeline (src/reports/desk/neighbourhood.ts)
 * and the audit record of its exported picture. Resolvers are one line.
 */
import { DeskEnum } from '../../auth/schema.js';
import { builder } from '../../graphql/builder.js';
import { LinkStrengthEnum, ReportStatusEnum, ThreatCategoryEnum } from './report-schema.js';
import type { ChartEdge, ChartNode, Neighbourhood, TimelineEvent } from '../desk/neighbourhood.js';
import { placeholderWords } from '../desk/neighbourhood.js';

const ChartNodeKindEnum = builder.enumType('ChartNodeKind', {
  description: 'REPORT: a report you may read; ENTITY: a value two or more of them share; PLACEHOLDER: reports of a desk you may not read, one node per desk whatever their number',
  values: ['REPORT', 'ENTITY', 'PLACEHOLDER'] as const,
});
const ChartEdgeKindEnum = builder.enumType('ChartEdgeKind', {
  description: 'LINK: two readable reports linked (by `reasons`); SHARES: a report holds a shared value; HELD: a readable report is linked to a report of the placeholder desk',
  values: ['LINK', 'SHARES', 'HELD'] as const,
});
const TimelineKindEnum = builder.enumType('TimelineKind', { values: ['RECEIVED', 'FOLLOW_UP', 'PARTNER_ADDED', 'PARTNER_ANSWER', 'STATUS_CHANGE'] as const });

const report = (n: ChartNode) => (n.kind === 'REPORT' ? n : null);

const ChartNodeRef = builder.objectRef<ChartNode>('ChartNode').implement({
  description: 'A node of a link chart: the fields of its kind are set, the others null',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique within the chart (edges name it)' }),
    kind: t.field({ type: ChartNodeKindEnum, resolve: (n) => n.kind }),
    label: t.string({
      description: 'What the node says: a reference, a value, or "held by SO12"',
      resolve: (n) => (n.kind === 'REPORT' ? n.reference : n.kind === 'ENTITY' ? n.value : placeholderWords(n.desk)),
    }),
    reportId: t.id({ nullable: true, resolve: (n) => report(n)?.reportId ?? null }),
    reference: t.string({ nullable: true, resolve: (n) => report(n)?.reference ?? null }),
    desk: t.field({ type: DeskEnum, nullable: true, description: 'A report\'s desk, or the placeholder\'s (null: awaiting triage)', resolve: (n) => (n.kind === 'ENTITY' ? null : n.desk) }),
    status: t.field({ type: ReportStatusEnum, nullable: true, resolve: (n) => report(n)?.status ?? null }),
    receivedAt: t.field({ type: 'DateTime', nullable: true, resolve: (n) => report(n)?.receivedAt ?? null }),
    categories: t.field({ type: [ThreatCategoryEnum], nullable: true, resolve: (n) => report(n)?.categories ?? null }),
    depth: t.int({ nullable: true, description: 'Links from the chart\'s report (0: itself)', resolve: (n) => report(n)?.depth ?? null }),
    entityKind: t.string({ nullable: true, description: 'name, vehicle, phone or postcode', resolve: (n) => (n.kind === 'ENTITY' ? n.entityKind : null) }),
  }),
});

const ChartEdgeRef = builder.objectRef<ChartEdge>('ChartEdge').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: ChartEdgeKindEnum, resolve: (e) => e.kind }),
    source: t.exposeID('source'),
    target: t.exposeID('target'),
    reasons: t.exposeStringList('reasons', { description: 'How it matched: the link\'s kinds (vehicle, phone, postcode, name, namePhonetic), or the shared value\'s kind' }),
    manual: t.exposeBoolean('manual', { description: 'A link made or confirmed by hand' }),
    strength: t.field({ type: LinkStrengthEnum, nullable: true, description: 'LINK only: POSSIBLE is a match on sound alone, drawn dashed', resolve: (e) => e.strength }),
  }),
});

const TimelineEventRef = builder.objectRef<TimelineEvent>('TimelineEvent').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    reportId: t.exposeID('reportId'),
    reference: t.exposeString('reference'),
    kind: t.field({ type: TimelineKindEnum, resolve: (e) => e.kind }),
    status: t.field({ type: ReportStatusEnum, nullable: true, description: 'The new status of a status change', resolve: (e) => e.status }),
  }),
});

const NeighbourhoodRef = builder.objectRef<Neighbourhood>('ReportNeighbourhood').implement({
  description: 'A report\'s neighbourhood over its links, as you may see it: readable reports, the values they share, one placeholder per desk you may not read',
  fields: (t) => ({
    rootId: t.exposeID('rootId'),
    depth: t.exposeInt('depth'),
    nodes: t.field({ type: [ChartNodeRef], resolve: (n) => n.nodes }),
    edges: t.field({ type: [ChartEdgeRef], resolve: (n) => n.edges }),
    truncated: t.exposeStringList('truncated', { description: 'Why more is not shown, in words; empty when the chart is the whole neighbourhood at its depth' }),
    timeline: t.field({ type: [TimelineEventRef], description: 'The readable reports\' events, oldest first', resolve: (n) => n.timeline }),
  }),
});

builder.queryFields((t) => ({
  reportNeighbourhood: t.field({
    type: NeighbourhoodRef,
    description: 'The link chart and timeline of a report you may read, depth 1 or 2 (at most 200 nodes); audited as a search, with every report whose values it opened',
    authScopes: { allow: 'reportNeighbourhood' },
    args: { id: t.arg.id({ required: true }), depth: t.arg.int({ required: false, description: '1 (default) or 2' }) },
    resolve: (_r, { id, depth }, ctx) => ctx.services.desk.reportNeighbourhood(ctx.principal, String(id), depth),
  }),
}));

builder.mutationFields((t) => ({
  recordChartExport: t.boolean({
    description: 'Records that you exported the link chart of a report at a depth as a picture (audited before the console saves the file)',
    authScopes: { allow: 'recordChartExport' },
    args: { id: t.arg.id({ required: true }), depth: t.arg.int({ required: true }) },
    resolve: (_r, { id, depth }, ctx) => ctx.services.desk.recordChartExport(ctx.principal, String(id), depth),
  }),
}));
