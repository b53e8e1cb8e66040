/**
 * GraphQL for finding reports: by reference, the reports I hold, and search
 * over the blind indexes (src/reports/search.ts). Resolvers are one line.
 */
import { DeskEnum } from '../auth/schema.js';
import { builder } from '../graphql/builder.js';
import { BoroughEnum, ReportRef, ReportStatusEnum, ThreatCategoryEnum } from './schema.js';
import type { SearchHit } from './search.js';

const ReportSearchInput = builder.inputType('ReportSearchInput', {
  description: 'Equality on at least one term (normalised as linking normalises it), narrowed by any filter; open and closed reports',
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
  description: 'A report matching a search; one you may not read shows only its reference and desk (deconfliction)',
  fields: (t) => ({
    reference: t.exposeString('reference'),
    desk: t.field({ type: DeskEnum, nullable: true, resolve: (h) => h.desk }),
    readable: t.exposeBoolean('readable'),
    matches: t.stringList({ description: 'How each term met the report: subjectName:EXACT, subjectName:PHONETIC, phone:EXACT…', resolve: (h) => h.matches }),
    report: t.field({
      type: ReportRef,
      nullable: true,
      description: 'The report, read (and audited) as `report` reads it; null when you may not read it',
      resolve: (h, _a, ctx) => (h.readable ? ctx.services.desk.report(ctx.principal, h.reportId) : null),
    }),
  }),
});

const SearchConnection = builder.connectionObject(
  { type: SearchHitRef, name: 'SearchHitConnection', description: 'A page of search hits, newest filed first; a page may be short when the scan budget ran out (hasNextPage says so)' },
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
    description: 'Search by subject name, phone, vehicle or postcode over open and closed reports; audited with blind-index values, never the terms',
    authScopes: { allow: 'searchReports' },
    args: { filter: t.arg({ type: ReportSearchInput, required: true }), first: t.arg.int(), after: t.arg.string() },
    resolve: (_r, { filter, first, after }, ctx) => ctx.services.desk.searchReports(ctx.principal, filter, first, after),
  }),
}));
