/**
 * GraphQL for the partner portal's reading operations (service: src/reports/desk/follow-ups.ts): an
 * organisation's own referrals as a list (`ourReferrals`) and one of them by its receipt (`ourReferral`), their
 * own words back to them, coarse state only. Receipts typed by hand are rate-limited per organisation
 * (src/auth/rate-limit.ts): a miss counts, a find does not.
 */
import { builder } from '../graphql/builder.js';
import { AppError, assertThat, forbidden } from '../errors.js';
import type { OurReferralRow, OurReferralView } from '../reports/desk/follow-ups.js';
import { Location, Subject, Vehicle } from '../reports/graphql/report-schema.js';
import { PartnerReferralState } from './schema.js';

const OurReferral = builder.objectRef<OurReferralRow>('OurReferral').implement({
  description: "One of your organisation's referrals: its receipt, the minute it was passed on, how far along it is, and whether a question waits for your answer",
  fields: (t) => ({
    receipt: t.exposeString('receipt'),
    passedOnAt: t.expose('passedOnAt', { type: 'DateTime', description: 'To the minute' }),
    state: t.field({ type: PartnerReferralState, resolve: (r) => r.state }),
    questionWaiting: t.exposeBoolean('questionWaiting', { description: 'An investigator asked a question you have not answered yet' }),
  }),
});

const OurReferralEdge = builder.objectRef<{ cursor: string; node: OurReferralRow }>('OurReferralEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: OurReferral, resolve: (e) => e.node }) }),
});

const OurReferralPageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('OurReferralPageInfo').implement({
  fields: (t) => ({ hasNextPage: t.exposeBoolean('hasNextPage'), endCursor: t.exposeString('endCursor', { nullable: true }) }),
});

type OurReferralPage = { edges: { cursor: string; node: OurReferralRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; questionsWaiting: () => Promise<number> };

const OurReferralConnection = builder.objectRef<OurReferralPage>('OurReferralConnection').implement({
  description: "Your organisation's referrals, newest first",
  fields: (t) => ({
    edges: t.field({ type: [OurReferralEdge], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: OurReferralPageInfo, resolve: (c) => c.pageInfo }),
    questionsWaiting: t.int({ description: 'Questions waiting for your answer, over all your recent referrals whatever the filter (the navigation badge)', resolve: (c) => c.questionsWaiting() }),
  }),
});

const OurAddition = builder.objectRef<OurReferralView['additions'][number]>('OurReferralAddition').implement({
  fields: (t) => ({ at: t.expose('at', { type: 'DateTime', description: 'To the minute' }), narrative: t.exposeString('narrative') }),
});

const OurQuestion = builder.objectRef<OurReferralView['questions'][number]>('OurReferralQuestion').implement({
  description: 'A question an investigator asked about your referral, and your answer once given',
  fields: (t) => ({
    id: t.exposeID('id'),
    question: t.exposeString('question'),
    askedAt: t.expose('askedAt', { type: 'DateTime', description: 'To the minute' }),
    answer: t.exposeString('answer', { nullable: true }),
    answeredAt: t.expose('answeredAt', { type: 'DateTime', nullable: true }),
  }),
});

/** Exported for `filesReceived`, added beside the other attachment fields (reports/graphql/attachment-schema.ts). */
export const OurReferralDetail = builder.objectRef<OurReferralView>('OurReferralDetail').implement({
  description: 'One of your referrals as you passed it on (decrypted for your organisation only; reading it is recorded, to the minute)',
  fields: (t) => ({
    receipt: t.exposeString('receipt'),
    passedOnAt: t.expose('passedOnAt', { type: 'DateTime', description: 'To the minute' }),
    state: t.field({ type: PartnerReferralState, description: 'How far along it is; a closed referral says CLOSED and nothing more', resolve: (r) => r.state }),
    narrative: t.exposeString('narrative'),
    subjects: t.field({ type: [Subject], resolve: (r) => r.subjects }),
    vehicles: t.field({ type: [Vehicle], resolve: (r) => r.vehicles }),
    locations: t.field({ type: [Location], resolve: (r) => r.locations }),
    partnerReference: t.exposeString('partnerReference', { nullable: true, description: 'Your own case number' }),
    additions: t.field({ type: [OurAddition], description: 'What you added later', resolve: (r) => r.additions }),
    questions: t.field({ type: [OurQuestion], resolve: (r) => r.questions }),
    questionsWaiting: t.exposeInt('questionsWaiting', { description: 'Questions on this referral waiting for your answer' }),
  }),
});

builder.queryFields((t) => ({
  ourReferrals: t.field({
    type: OurReferralConnection,
    description: "Your organisation's referrals, newest first; `state` keeps only those in these states",
    authScopes: { allow: 'ourReferrals' },
    args: { state: t.arg({ type: [PartnerReferralState] }), after: t.arg.string(), first: t.arg.int() },
    resolve: (_r, args, ctx) => {
      assertThat(ctx.principal?.kind === 'partner', forbidden);
      return ctx.services.followUps.ourReferrals(ctx.principal, args.state ?? null, args.after, args.first);
    },
  }),
  ourReferral: t.field({
    type: OurReferralDetail,
    description: "One of your organisation's referrals by its receipt. Another organisation's receipt and a made-up one are the same NOT_FOUND; too many receipts that find nothing are RATE_LIMITED for a while",
    authScopes: { allow: 'ourReferral' },
    args: { receipt: t.arg.string({ required: true }) },
    resolve: async (_r, { receipt }, ctx) => {
      const principal = ctx.principal;
      assertThat(principal?.kind === 'partner', forbidden);
      if (await ctx.services.auth.receiptLookupBlocked(principal.partnerId)) throw new AppError('RATE_LIMITED', 'Too many receipts that found nothing; try again later');
      try {
        return await ctx.services.followUps.ourReferral(principal, receipt);
      } catch (err) {
        if (err instanceof AppError && err.code === 'NOT_FOUND') await ctx.services.auth.receiptLookupMissed(principal.partnerId);
        throw err;
      }
    },
  }),
}));
