/**
 * GraphQL for finding reports: by reference, the reports I hold, and search
 * over the blind indexes (src/reports/desk/search.ts). Resolvers are one line.
 */
import { DeskEnum } from '../../auth/schema.js';
import { builder } from '../../graphql/builder.js';
import { BoroughEnum, ReportRef, ReportStatusEnum, ThreatCategoryEnum } from './report-schema.js';
import type { DeconflictionNotice, SearchConnection as SearchAnswer, SearchHit } from '../desk/search.js';

const ReportSearchInput = builder.inputType('ReportSearchInput', {
  description:
    'Equality on at least one term (normalised as linking normalises it); the hits you may read meet every term and filter, open and closed reports. Reports you may not read are never narrowed by a filter or an extra term: see `deconfliction`',
  fields: (t) => ({
    subjectName: t.string({ required: false, description: 'Matches the same name, or a spelling variant (Double Metaphone)' }),
    phone: t.string({ required: false }),
    vehicleRegistration: t.string({ required: false }),
    postcode: t.string({ required: false }),
    desk: t.field({ type: DeskEnum, required: false }),
    status: t.field({ type: ReportStatusEnum, required: false }),
    borough: t.field({ type: BoroughEnum, required: false }),
    category: t.field({ type: ThreatCategoryEnum, required: false }),
    receivedFrom: t.field({ type: 'DateTime', required: false }),
    receivedTo: t.field({ type: 'DateTime', required: false }),
  }),
});

const SearchHitRef = builder.objectRef<SearchHit>('SearchHit').implement({
  description: 'A report you may read that meets every term and filter of the search',
  fields: (t) => ({
    reference: t.exposeString('reference'),
    reportId: t.exposeID('reportId', { description: 'The report (one you may read); open it with `report`, which is the audited read' }),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (h) => h.desk }),
    status: t.field({ type: ReportStatusEnum, resolve: (h) => h.status }),
    receivedAt: t.field({ type: 'DateTime', resolve: (h) => h.receivedAt }),
    categories: t.field({ type: [ThreatCategoryEnum], resolve: (h) => h.categories }),
    borough: t.field({ type: BoroughEnum, nullable: true, resolve: (h) => h.borough }),
    matches: t.stringList({ description: 'How each term met the report: subjectName:EXACT, subjectName:PHONETIC, subjectName:NAME_PART (one word of the name), subjectName:NAME_PART_PHONETIC, phone:EXACT…', resolve: (h) => h.matches }),
    report: t.field({
      type: ReportRef,
      nullable: true,
      description: "The report, read (and audited) as `report` reads it, except its links' sharedValues and linkedBy (null here: open the report for them)",
      resolve: (h, _a, ctx) => ctx.services.desk.report(ctx.principal, h.reportId, { linkValues: false }),
    }),
  }),
});

const DeconflictionNoticeRef = builder.objectRef<DeconflictionNotice>('DeconflictionNotice').implement({
  description:
    'That a report you may not read, on this desk, matches one of your terms (any one: which is not said). One notice a desk at most; no reference, time, status, count or filter narrows it',
  fields: (t) => ({
    desk: t.field({ type: DeskEnum, nullable: true, description: 'Null: a report awaiting triage', resolve: (n) => n.desk }),
    message: t.exposeString('message', { description: '"A report on desk SO13 matches one of your terms"' }),
  }),
});

export const SearchConnection = builder.connectionObject(
  {
    type: SearchHitRef,
    name: 'SearchHitConnection',
    description: 'A page of the hits you may read, newest filed first (a page may be short when the scan budget ran out: hasNextPage says so), and the deconfliction notices for reports you may not read',
    fields: (t) => ({
      deconfliction: t.field({
        type: [DeconflictionNoticeRef],
        description: 'One notice per desk holding a report you may not read that matches any of your terms, whatever the filters; the same on every page',
        resolve: (c) => (c as SearchAnswer).deconfliction,
      }),
      deconflictionComplete: t.boolean({
        description: 'False when the terms are filed by so many reports that not all could be checked for other desks: ask a supervisor',
        resolve: (c) => (c as SearchAnswer).deconflictionComplete,
      }),
    }),
  },
  { name: 'SearchHitEdge' },
);

builder.queryFields((t) => ({
  reportByReference: t.field({
    type: ReportRef,
    nullable: true,
    description: 'A report by its ATH reference, with the rules and audit of `report`; NOT_FOUND when unknown',
    authScopes: { allow: 'reportByReference' },
    args: { reference: t.arg.string({ required: true }) },
    resolve: (_r, { reference }, ctx) => ctx.services.desk.reportByReference(ctx.principal, reference),
  }),
  myReports: t.field({
    type: [ReportRef],
    description: 'The reports you hold, by status then age (state only: open one with `report`)',
    authScopes: { allow: 'myReports' },
    resolve: (_r, _a, ctx) => ctx.services.desk.myReports(ctx.principal),
  }),
  searchReports: t.field({
    type: SearchConnection,
    description: 'Search by subject name, phone, vehicle or postcode over open and closed reports: readable hits, and deconfliction notices for the rest; audited with blind-index values, never the terms',
    authScopes: { allow: 'searchReports' },
    args: { filter: t.arg({ type: ReportSearchInput, required: true }), first: t.arg.int(), after: t.arg.string() },
    resolve: (_r, { filter, first, after }, ctx) => ctx.services.desk.searchReports(ctx.principal, filter, first, after),
  }),
}));
