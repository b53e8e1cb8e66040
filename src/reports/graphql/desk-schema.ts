/**
 * GraphQL for desk work and supervision. Resolvers stay thin: each root
 * field names its policy operation (src/auth/policy.ts) and calls one
 * `ctx.services.desk` method, which applies the row-level rules
 * (src/reports/rules/access.ts), validates and audits.
 *
 * Mutations that change a report return its state and history without
 * content (nothing is decrypted for them); read the content with `report`,
 * which is audited as a read.
 */
import { DeskEnum } from '../../auth/schema.js';
import { builder } from '../../graphql/builder.js';
import type { DeskQueueEvent, SupervisionEvent } from '../../triage/events.js';
import { CloseOutcomeEnum, ReportRef, ReportStatusEnum } from './report-schema.js';
import type { ReportPreview } from '../desk/queries.js';
import type { Caller, CallerReveal } from '../desk/service.js';

/** 3x5x2 source evaluation; GraphQL names cannot start with a digit, hence `S`. */
const SourceEvaluationEnum = builder.enumType('SourceEvaluation', {
  description: '3x5x2 source evaluation',
  values: {
    S1: { value: '1', description: 'Reliable' },
    S2: { value: '2', description: 'Untested' },
    S3: { value: '3', description: 'Not reliable' },
  } as const,
});

const IntelligenceAssessmentEnum = builder.enumType('IntelligenceAssessment', {
  description: '3x5x2 intelligence assessment',
  values: {
    A: { value: 'A', description: 'Known directly to the source' },
    B: { value: 'B', description: 'Known indirectly to the source but corroborated' },
    C: { value: 'C', description: 'Known indirectly to the source' },
    D: { value: 'D', description: 'Not known to the source' },
    E: { value: 'E', description: 'Suspected to be false' },
  } as const,
});

const HandlingCodeEnum = builder.enumType('HandlingCode', {
  description: '3x5x2 handling code',
  values: {
    P: { value: 'P', description: 'Lawful sharing permitted' },
    C: { value: 'C', description: 'Lawful sharing permitted with conditions' },
  } as const,
});

const ReportConnection = builder.connectionObject(
  { type: ReportRef, name: 'ReportConnection', description: 'A page of reports (state only, no content)' },
  { name: 'ReportEdge' },
);

const HistoryVerification = builder.objectRef<{ valid: boolean; length: number; brokenAt: number | null }>('HistoryVerification').implement({
  description: "Result of checking a report's hash-chained history",
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { nullable: false }),
    length: t.exposeInt('length', { nullable: false, description: 'Number of entries checked' }),
    brokenAt: t.exposeInt('brokenAt', { nullable: true, description: 'seq of the first entry that does not verify' }),
  }),
});

const CallerRef = builder.objectRef<Caller>('Caller').implement({
  description: "The caller's identity; every reveal is audited with its reason",
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
    mayRecontact: t.exposeBoolean('mayRecontact', { nullable: true }),
    preferredContactTimes: t.exposeString('preferredContactTimes', { nullable: true }),
    language: t.exposeString('language', { nullable: true, description: 'The language the call was in, when not English' }),
    interpreter: t.exposeString('interpreter', { nullable: true, description: 'The interpreter used, if any' }),
    safeContact: t.exposeString('safeContact', { nullable: true, description: 'Who may answer, when not to ring' }),
    mayLeaveMessage: t.exposeBoolean('mayLeaveMessage', { nullable: true, description: 'Whether a message may be left; null when not asked' }),
  }),
});

const CallerRevealRef = builder.objectRef<CallerReveal>('CallerReveal').implement({
  description: "One audited reveal of a caller's identity",
  fields: (t) => ({
    seq: t.exposeInt('seq', { nullable: false, description: 'Audit log sequence number' }),
    at: t.expose('at', { type: 'DateTime', nullable: false }),
    actorId: t.exposeID('actorId', { nullable: true }),
    actorName: t.exposeString('actorName', { nullable: true }),
    reportId: t.exposeID('reportId', { nullable: true }),
    reference: t.exposeString('reference', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

const CallerRevealConnection = builder.connectionObject({ type: CallerRevealRef, name: 'CallerRevealConnection' }, { name: 'CallerRevealEdge' });

const DeskQueueEventRef = builder.objectRef<DeskQueueEvent>('DeskQueueEvent').implement({
  description: "A change to a desk's queue: ids and kinds only; re-query the queue for details",
  fields: (t) => ({
    desk: t.field({ type: DeskEnum, nullable: false, resolve: (e) => e.desk }),
    reportId: t.exposeID('reportId', { nullable: false }),
    kind: t.exposeString('kind', { nullable: false, description: 'triaged, claimed, released, referred-in, referred-out, escalated, reopened, reassigned, erased' }),
    at: t.field({ type: 'DateTime', nullable: false, resolve: (e) => new Date(e.at) }),
  }),
});

const ReportPreviewRef = builder.objectRef<ReportPreview>('ReportPreview').implement({
  description: 'What an investigator sees of a report before claiming it: its state and how many subjects and vehicles it names; no content, so not an audited read',
  fields: (t) => ({
    report: t.field({ type: ReportRef, nullable: false, description: 'State only, as in the desk queue (content fields are null)', resolve: (p) => p.view }),
    subjectCount: t.exposeInt('subjectCount', { nullable: false, description: 'Subjects named, the follow-ups included' }),
    vehicleCount: t.exposeInt('vehicleCount', { nullable: false, description: 'Vehicles named, the follow-ups included' }),
  }),
});

const SupervisionEventRef = builder.objectRef<SupervisionEvent>('SupervisionEvent').implement({
  description: "A change a supervisor's screens refresh on: a desk queue's change, or a report that reached no desk (its triage failed); ids and kinds only",
  fields: (t) => ({
    desk: t.field({ type: DeskEnum, nullable: true, description: 'Null for a report on no desk', resolve: (e) => e.desk }),
    reportId: t.exposeID('reportId', { nullable: false }),
    kind: t.exposeString('kind', { nullable: false, description: 'The desk queue kinds, and triage-failed' }),
    at: t.field({ type: 'DateTime', nullable: false, resolve: (e) => new Date(e.at) }),
  }),
});

builder.queryFields((t) => ({
  reportPreview: t.field({
    type: ReportPreviewRef,
    nullable: false,
    description: "A report's state, categories and its subjects' and vehicles' counts, for deciding whether to claim it; decrypts nothing and is not an audited read",
    authScopes: { allow: 'reportPreview' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.desk.reportPreview(ctx.principal, id),
  }),
  deskQueue: t.field({
    type: ReportConnection,
    nullable: false,
    description: "A desk's triaged, unclaimed reports by priority then age (no content)",
    authScopes: { allow: 'deskQueue' },
    args: {
      desk: t.arg({ type: DeskEnum, required: true }),
      first: t.arg.int({ description: '1 to 100, default 20' }),
      after: t.arg.string({ description: 'endCursor of the previous page' }),
    },
    resolve: (_r, { desk, first, after }, ctx) => ctx.services.desk.deskQueue(ctx.principal, desk, first, after),
  }),
  report: t.field({
    type: ReportRef,
    nullable: true,
    description: "A report with its content (not the caller's identity); every read is audited",
    authScopes: { allow: 'report' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.desk.report(ctx.principal, id),
  }),
  verifyReportHistory: t.field({
    type: HistoryVerification,
    nullable: false,
    authScopes: { allow: 'verifyReportHistory' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.desk.verifyReportHistory(ctx.principal, id),
  }),
  verifyReportHistoryByReference: t.field({
    type: HistoryVerification,
    nullable: false,
    description: "Checks the history chain of the report holding this reference (no content read; audited as verifyReportHistory)",
    authScopes: { allow: 'verifyReportHistoryByReference' },
    args: { reference: t.arg.string({ required: true }) },
    resolve: (_r, { reference }, ctx) => ctx.services.desk.verifyReportHistoryByReference(ctx.principal, reference),
  }),
  supervisorQueue: t.field({
    type: [ReportRef],
    nullable: false,
    description: 'Triage failures, escalated unclaimed reports, and reports waiting for triage for over a minute',
    authScopes: { allow: 'supervisorQueue' },
    resolve: (_r, _a, ctx) => ctx.services.desk.supervisorQueue(ctx.principal),
  }),
  callerReveals: t.field({
    type: CallerRevealConnection,
    nullable: false,
    description: "Audited reveals of callers' identities, newest first",
    authScopes: { allow: 'callerReveals' },
    args: { first: t.arg.int({ description: '1 to 100, default 20' }), after: t.arg.string() },
    resolve: (_r, { first, after }, ctx) => ctx.services.desk.callerReveals(ctx.principal, first, after),
  }),
}));

builder.mutationFields((t) => ({
  claimNextReport: t.field({
    type: ReportRef,
    nullable: true,
    description: "Claims the top report of the desk's queue; null when the queue is empty",
    authScopes: { allow: 'claimNextReport' },
    args: { desk: t.arg({ type: DeskEnum, required: true }) },
    resolve: (_r, { desk }, ctx) => ctx.services.desk.claimNextReport(ctx.principal, desk),
  }),
  claimReport: t.field({
    type: ReportRef,
    nullable: false,
    authScopes: { allow: 'claimReport' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.desk.claimReport(ctx.principal, id),
  }),
  releaseReport: t.field({
    type: ReportRef,
    nullable: false,
    description: "Puts a claimed report back in its desk's queue",
    authScopes: { allow: 'releaseReport' },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, reason }, ctx) => ctx.services.desk.releaseReport(ctx.principal, id, reason),
  }),
  transitionReport: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Moves a report you hold along the workflow; send the version you last saw',
    authScopes: { allow: 'transitionReport' },
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg({ type: ReportStatusEnum, required: true }),
      reason: t.arg.string({ required: true, description: 'Required (3+ characters) for outcomes and closing' }),
      expectedVersion: t.arg.int({ required: true }),
      outcome: t.arg({ type: CloseOutcomeEnum, description: 'What came of the report: required when closing (WorkflowStep.outcomeRequired), refused otherwise' }),
    },
    resolve: (_r, { id, to, reason, expectedVersion, outcome }, ctx) =>
      ctx.services.desk.transitionReport(ctx.principal, id, to, reason, expectedVersion, outcome ?? null),
  }),
  addResearchNote: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Adds an encrypted research note (1 to 10,000 characters); read it back with `report`',
    authScopes: { allow: 'addResearchNote' },
    args: { id: t.arg.id({ required: true }), text: t.arg.string({ required: true }) },
    resolve: (_r, { id, text }, ctx) => ctx.services.desk.addResearchNote(ctx.principal, id, text),
  }),
  gradeReport: t.field({
    type: ReportRef,
    nullable: false,
    description: '3x5x2 grading of a report you hold',
    authScopes: { allow: 'gradeReport' },
    args: {
      id: t.arg.id({ required: true }),
      source: t.arg({ type: SourceEvaluationEnum, required: true }),
      intelligence: t.arg({ type: IntelligenceAssessmentEnum, required: true }),
      handling: t.arg({ type: HandlingCodeEnum, required: true }),
    },
    resolve: (_r, { id, source, intelligence, handling }, ctx) => ctx.services.desk.gradeReport(ctx.principal, id, { source, intelligence, handling }),
  }),
  referReport: t.field({
    type: ReportRef,
    nullable: false,
    description: "Hands the report to the other desk's queue, unclaimed",
    authScopes: { allow: 'referReport' },
    args: { id: t.arg.id({ required: true }), toDesk: t.arg({ type: DeskEnum, required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, toDesk, reason }, ctx) => ctx.services.desk.referReport(ctx.principal, id, toDesk, reason),
  }),
  reassignReport: t.field({
    type: ReportRef,
    nullable: false,
    authScopes: { allow: 'reassignReport' },
    args: { id: t.arg.id({ required: true }), toUsername: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, toUsername, reason }, ctx) => ctx.services.desk.reassignReport(ctx.principal, id, toUsername, reason),
  }),
  reopenReport: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Reopens a finished report into its desk queue; a TRIAGE_FAILED (or stuck RECEIVED) report is sent back to triage',
    authScopes: { allow: 'reopenReport' },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, reason }, ctx) => ctx.services.desk.reopenReport(ctx.principal, id, reason),
  }),
  revealCaller: t.field({
    type: CallerRef,
    nullable: false,
    description: "Reveals the caller's identity; the reason (10+ characters) is audited before anything is returned",
    authScopes: { allow: 'revealCaller' },
    args: { reportId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { reportId, reason }, ctx) => ctx.services.desk.revealCaller(ctx.principal, reportId, reason),
  }),
  eraseReport: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Crypto-shreds the report: its content and data key are deleted; a tombstone with its history remains',
    authScopes: { allow: 'eraseReport' },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, reason }, ctx) => ctx.services.desk.eraseReport(ctx.principal, id, reason),
  }),
}));

builder.subscriptionFields((t) => ({
  deskQueueChanged: t.field({
    type: DeskQueueEventRef,
    nullable: false,
    description: "Changes to a desk's queue (investigators: their own desk only)",
    authScopes: { allow: 'deskQueueChanged' },
    args: { desk: t.arg({ type: DeskEnum, required: true }) },
    subscribe: (_r, { desk }, ctx) => ctx.services.desk.subscribe(ctx.principal, desk),
    resolve: (event: DeskQueueEvent) => event,
  }),
  supervisionChanged: t.field({
    type: SupervisionEventRef,
    nullable: false,
    description: "Changes to every desk's queue (reports triaged, claimed, released, escalated, reassigned...) and triage failures: what the supervisor overview and queue refresh on",
    authScopes: { allow: 'supervisionChanged' },
    subscribe: (_r, _a, ctx) => ctx.services.desk.subscribeAllDesks(ctx.principal),
    resolve: (event: DeskQueueEvent | SupervisionEvent) => event,
  }),
}));
