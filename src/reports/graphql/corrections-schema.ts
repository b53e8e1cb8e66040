/**
 * GraphQL for supervisor corrections (priority, categories, manual links),
 * dissemination and signed bundles. Thin resolvers: each names its policy
 * operation (src/auth/policy.ts) and calls one `ctx.services.desk` method.
 */
import { builder } from '../../graphql/builder.js';
import { userActor } from '../desk/presenters.js';
import { PriorityEnum, ReportRef, ThreatCategoryEnum } from './report-schema.js';
import { disseminationsOf, RECIPIENT_KINDS, type Dissemination } from '../desk/dissemination.js';
import { entrySeenBy } from '../desk/staff-names.js';
import type { BundleVerification, ReportBundle } from '../desk/bundle.js';

const RecipientKindEnum = builder.enumType('RecipientKind', {
  description: 'Who a report is passed to',
  values: {
    MI5: { description: 'The Security Service' },
    CTIO: { description: 'A Counter-Terrorist Intelligence Officer' },
    BOROUGH_INTELLIGENCE_UNIT: { description: "A borough's intelligence unit" },
    OTHER_FORCE: { description: 'Another police force' },
  } satisfies Record<(typeof RECIPIENT_KINDS)[number], unknown>,
});

const DisseminationRef = builder.objectRef<Dissemination>('Dissemination').implement({
  description: 'An onward referral of the report, as its history records it',
  fields: (t) => ({
    id: t.exposeID('id'),
    to: t.field({ type: RecipientKindEnum, resolve: (d) => d.to }),
    recipient: t.exposeString('recipient', { nullable: true, description: 'Null outside the audited read of the report' }),
    grading: t.exposeString('grading', { nullable: true, description: '3x5x2 code at the time, e.g. 2BP' }),
    handling: t.exposeString('handling', { nullable: true }),
    override: t.exposeBoolean('override', { description: "A supervisor overrode the handling code's restriction" }),
    at: t.expose('at', { type: 'DateTime' }),
    byId: t.id({ nullable: true, description: "Null for another desk's staff (byName says who, in words)", resolve: (d) => d.byId || null }),
    byName: t.exposeString('byName', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true, description: 'Null outside the audited read of the report' }),
  }),
});

builder.objectField(ReportRef, 'disseminations', (t) =>
  t.field({
    type: [DisseminationRef],
    description: "Onward referrals, oldest first (another desk's staff in words)",
    resolve: async (v, _a, ctx) => {
      const staff = await ctx.services.desk.staffNamesOf(ctx.principal, v);
      return disseminationsOf((v.doc.history ?? []).map((e) => entrySeenBy(e, staff)));
    },
  }),
);

const BundleRef = builder.objectRef<ReportBundle>('ReportBundle').implement({
  description: 'A report as a signed JSON bundle for a case-management system',
  fields: (t) => ({
    reference: t.string({ resolve: (b) => String((b.report as { reference: string }).reference) }),
    keyId: t.string({ description: 'Id of the Ed25519 public key that signed it', resolve: (b) => b.signature.keyId }),
    publicKey: t.string({ description: 'The public key (base64)', resolve: (b) => b.signature.publicKey }),
    json: t.string({ description: 'The bundle itself (JSON); its signature covers every member but `signature`', resolve: (b) => JSON.stringify(b, null, 2) }),
  }),
});

const BundleVerificationRef = builder.objectRef<BundleVerification>('BundleVerification').implement({
  fields: (t) => ({
    valid: t.exposeBoolean('valid'),
    problem: t.exposeString('problem', { nullable: true }),
    keyId: t.exposeString('keyId', { nullable: true }),
    reference: t.exposeString('reference', { nullable: true }),
  }),
});

builder.queryFields((t) => ({
  verifyReportBundle: t.field({
    type: BundleVerificationRef,
    nullable: false,
    description: "Checks an exported bundle's signature against this service's keys (audited)",
    authScopes: { allow: 'verifyReportBundle' },
    args: { bundle: t.arg.string({ required: true, description: 'The bundle JSON' }) },
    // The text goes to the check as it came: parsed strictly there (a duplicated member name is refused).
    resolve: (_r, { bundle }, ctx) => {
      const p = ctx.principal;
      return ctx.services.desk.verifyReportBundle(p?.kind === 'staff' ? userActor(p) : { type: 'system', id: 'unknown' }, bundle);
    },
  }),
}));

builder.mutationFields((t) => ({
  changeReportPriority: t.field({
    type: ReportRef,
    nullable: false,
    description: "Changes a routed report's priority; a queued report moves in its desk queue and its SLA restarts",
    authScopes: { allow: 'changeReportPriority' },
    args: { id: t.arg.id({ required: true }), priority: t.arg({ type: PriorityEnum, required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, priority, reason }, ctx) => ctx.services.desk.changeReportPriority(ctx.principal, id, priority, reason),
  }),
  changeReportCategories: t.field({
    type: ReportRef,
    nullable: false,
    description: "Replaces an open report's threat categories",
    authScopes: { allow: 'changeReportCategories' },
    args: { id: t.arg.id({ required: true }), categories: t.arg({ type: [ThreatCategoryEnum], required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { id, categories, reason }, ctx) => ctx.services.desk.changeReportCategories(ctx.principal, id, categories, reason),
  }),
  linkReports: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Links two reports by hand (shown as manual on both); returns the first',
    authScopes: { allow: 'linkReports' },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { a, b, reason }, ctx) => ctx.services.desk.linkReports(ctx.principal, a, b, reason),
  }),
  unlinkReports: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Removes a link, manual or found by triage (a later triage does not bring it back); returns the first',
    authScopes: { allow: 'unlinkReports' },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { a, b, reason }, ctx) => ctx.services.desk.unlinkReports(ctx.principal, a, b, reason),
  }),
  proposeLink: t.field({
    type: ReportRef,
    nullable: false,
    description: 'An investigator links two reports they may both read, by hand (CONFIRMED, "linked by" them); returns the first',
    authScopes: { allow: 'proposeLink' },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { a, b, reason }, ctx) => ctx.services.desk.proposeLink(ctx.principal, a, b, reason),
  }),
  confirmLink: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Flags a POSSIBLE link (names that sound alike) as the same person: it becomes CONFIRMED; both reports must be readable',
    authScopes: { allow: 'confirmLink' },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { a, b, reason }, ctx) => ctx.services.desk.confirmLink(ctx.principal, a, b, reason),
  }),
  markLinkWrong: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Flags a POSSIBLE link as wrong: it is dismissed (a later triage does not bring it back); other links only a supervisor unlinks',
    authScopes: { allow: 'markLinkWrong' },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { a, b, reason }, ctx) => ctx.services.desk.markLinkWrong(ctx.principal, a, b, reason),
  }),
  disseminateReport: t.field({
    type: ReportRef,
    nullable: false,
    description: 'Records an onward referral of a graded report; handling code C needs a supervisor with override',
    authScopes: { allow: 'disseminateReport' },
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg({ type: RecipientKindEnum, required: true }),
      recipient: t.arg.string({ required: true, description: 'The officer, unit or force (2 to 200 characters)' }),
      reason: t.arg.string({ required: true }),
      override: t.arg.boolean({ description: "A supervisor overriding handling code C's restriction" }),
    },
    resolve: (_r, { id, to, recipient, reason, override }, ctx) => ctx.services.desk.disseminateReport(ctx.principal, id, { to, recipient, reason, override }),
  }),
  exportReportBundle: t.field({
    type: BundleRef,
    nullable: false,
    description: 'Exports a report you hold as a signed JSON bundle; audited as a read for export',
    authScopes: { allow: 'exportReportBundle' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.desk.exportReportBundle(ctx.principal, id),
  }),
}));
